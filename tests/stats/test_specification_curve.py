"""analysis.stats.specification_curve and analysis.stats.mrd_pools: the search per specification,
the best-subset search, the two MRD pools."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from analysis.stats.meta import pool_proportions
from analysis.stats.mrd_pools import mrd_pools
from analysis.stats.reproduction import load_candidates, search, select_counts
from analysis.stats.rounding import format_percent
from analysis.stats.specification_curve import best_subsets, specification_summary


@pytest.fixture(scope="module")
def data():
    return load_candidates()


def _table(rows):
    base = {"set": "s", "set_label": "S", "scenario": "r", "scenario_label": "R", "k": 5, "patients": 100,
            "bracket": "none", "tied_counts": "", "method": "REML", "ci": "hk"}
    return pd.DataFrame([{**base, **r} for r in rows])


def test_landing_rule_on_both_sides_of_each_rounding_edge():
    # "54% (44%-64%)": estimate in [53.5, 54.5], bounds in [43.5, 44.5] and [63.5, 64.5]
    t = _table([
        {"transform": "logit", "estimate": 0.5349, "ci_low": 0.4449, "ci_high": 0.6351},   # estimate just outside
        {"transform": "raw", "estimate": 0.5351, "ci_low": 0.4451, "ci_high": 0.6349},     # bounds just outside
        {"set": "t", "transform": "logit", "estimate": 0.5351, "ci_low": 0.4449, "ci_high": 0.6351},  # all inside
        {"set": "t", "transform": "raw", "estimate": 0.60, "ci_low": -0.01, "ci_high": 0.64},  # CI outside [0, 1]
    ])
    s = specification_summary(t, "54%", "44%", "64%")
    first, second = s.table.iloc[0], s.table.iloc[1]
    assert (first["est_any"], first["low_any"], first["high_any"], first["all_any"]) == (True, True, True, False)
    assert bool(second["all_any"]) and second["excluded"] == 1 and second["models"] == 1
    assert s.overall["fraction_all"] == 0.5 and s.overall["rows_all_match"] == 1
    assert first["model_range_points"] == pytest.approx(0.02)          # 53.49% to 53.51%
    assert first["tie_range_points"] == 0.0


def test_the_search_per_specification(data):
    s = specification_summary(search(*data, "cr"), "54%", "44%", "64%")
    assert s.overall["specifications"] == 30 == len(s.table)          # 6 study sets x 5 definitions
    assert s.overall["rows"] == s.table["models"].sum() + s.table["excluded"].sum()
    assert s.overall["specifications_all"] == 0                        # no specification lands on all three
    assert s.overall["specifications_est"] == 0
    assert 1.0 < s.overall["model_range_median_points"] < 2.5         # models move the estimate ~1.6 points
    assert (s.table["est_range_points"] >= s.table["model_range_points"] - 1e-9).all()


def test_a_specification_that_lands_is_counted(data):
    # broken input: the printed figure replaced by what the primary analysis gives lands on one specification
    counts, _ = select_counts(*data, "cr", "identified", "reported")
    fit = pool_proportions(counts["events"].tolist(), counts["total"].tolist(), "logit", "REML", "hk")
    printed = [format_percent(x) for x in (fit.estimate, fit.ci_low, fit.ci_high)]
    s = specification_summary(search(*data, "cr"), *printed)
    assert s.overall["specifications_all"] >= 1
    row = s.table[(s.table["set"] == "identified") & (s.table["scenario"] == "reported")].iloc[0]
    assert bool(row["all_any"])


def test_best_subsets_is_exhaustive_and_finds_what_leaves_out(data):
    b = best_subsets(*data, "cr", ("54%", "44%", "64%"))
    assert b.exhaustive and b.seed is None
    assert b.subsets == sum(math.comb(12, r) for r in range(5, 13)) == 3302
    assert b.model == ("logit", "REML", "hk") and b.model_name == "logit, REML, Hartung-Knapp CI"
    assert b.reach_all == 0 and b.example is None              # no subset lands on estimate and both bounds
    assert b.reach_estimate > 0
    ex = b.estimate_example
    assert {"Kantarjian 2017 (TOWER)", "Martinelli 2017 (ALCANTARA)"} <= set(ex["left_out"])
    # the example is a real fit of the primary model
    counts, _ = select_counts(*data, "cr", "identified", "reported")
    kept = counts[counts["label"].isin(ex["studies"])]
    fit = pool_proportions(list(ex["events"]), kept["total"].tolist(), "logit", "REML", "hk")
    assert (fit.estimate, fit.ci_low, fit.ci_high) == pytest.approx((ex["estimate"], ex["ci_low"], ex["ci_high"]),
                                                                     abs=1e-12)
    assert 0.535 <= ex["estimate"] <= 0.545 and not 0.435 <= ex["ci_low"] <= 0.445


def test_best_subsets_finds_a_printed_figure_that_one_subset_gives(data):
    counts, _ = select_counts(*data, "cr", "identified", "reported")
    fit = pool_proportions(counts["events"].tolist(), counts["total"].tolist(), "logit", "REML", "hk")
    printed = tuple(format_percent(x, 1) for x in (fit.estimate, fit.ci_low, fit.ci_high))
    b = best_subsets(*data, "cr", printed)
    assert b.reach_all >= 1
    assert () in b.smallest_leave_out and b.always_left_out == ()   # the full set reaches it: nothing must go


def test_best_subsets_samples_when_there_are_too_many(data):
    a = best_subsets(*data, "cr", ("54%", "44%", "64%"), max_exhaustive=8, samples=300, seed=7)
    b = best_subsets(*data, "cr", ("54%", "44%", "64%"), max_exhaustive=8, samples=300, seed=7)
    assert not a.exhaustive and a.seed == 7 and a.subsets == 300
    assert (a.reach_estimate, a.closest) == (b.reach_estimate, b.closest)   # seeded: reproducible


def test_best_subsets_needs_enough_studies(data):
    with pytest.raises(ValueError, match="fewer than min_size"):
        best_subsets(*data, "cr", ("54%", "44%", "64%"), min_size=13)


def test_two_mrd_pools_like_with_like(data):
    pools = mrd_pools(*data)
    rep, itt = pools["reported"], pools["itt"]
    assert rep.k == 5 and itt.k == 6
    assert (rep.estimate, *rep.ci) == pytest.approx((0.7103, 0.4312, 0.8880), abs=5e-4)
    assert (itt.estimate, *itt.ci) == pytest.approx((0.2835, 0.2196, 0.3576), abs=5e-4)   # the issue's ~29% (22-36)
    assert set(rep.counts["denominator"]) == {"responders-assessed"}
    assert set(itt.counts["denominator"]) <= {"treated", "randomised", "evaluable"}
    assert "Kantarjian 2017 (TOWER)" in [o.label for o in itt.omitted]
    # Liu's 43% (34%-51%) lies between the two
    assert itt.ci[1] < 0.43 < rep.estimate


def test_an_itt_count_removed_leaves_the_study_out(data_copy):
    from conftest import replace_in
    replace_in(data_copy / "meta_analysis" / "outcome_variants.csv",
               "japan-peds-phase1b-2020,mrd,false,MRD,treated,",
               "japan-peds-phase1b-2020,mrd,false,MRD,responders-assessed,")
    itt = mrd_pools(*load_candidates(data_copy))["itt"]
    assert itt.k == 5 and "Japanese paediatric phase 1b 2020" in [o.label for o in itt.omitted]

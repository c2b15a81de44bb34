"""analysis.stats.reproduction: count selection, the search grid, matching, CI implications, subset sums.

Reference values are hand arithmetic on data/meta_analysis/studies.csv (the counts each row
prints) or closed-form formulas written out here independently of analysis.stats.meta.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from conftest import replace_in
from scipy import optimize, stats

from analysis.stats.meta import pool_proportions
from analysis.stats.reproduction import (
    CR_SCENARIOS,
    CR_SETS,
    MRD_SCENARIOS,
    MRD_SETS,
    _glmm_t,
    _subset_count,
    bracket_combinations,
    ci_implications,
    count_consistency,
    hypothetical_counts,
    leave_one_out,
    load_candidates,
    matches,
    search,
    select_counts,
    valid_ci,
)


@pytest.fixture(scope="module")
def data():
    return load_candidates()


def _pairs(counts):
    return list(zip(counts["study_id"], counts["events"], counts["total"], strict=True))


def test_pivotal_trials_with_their_printed_counts(data):
    counts, missing = select_counts(*data, "cr", "pivotal", "reported")
    assert _pairs(counts) == [("topp2014-mt103-206", 25, 36), ("topp2015-mt103-211", 81, 189),
                              ("kantarjian2017-tower", 115, 271), ("martinelli2017-alcantara", 16, 45),
                              ("vonstackelberg2016-mt103-205", 27, 70)]
    assert missing == []


@pytest.mark.parametrize("scenario, tower, vs", [
    ("narrowest", (91, 271), (12, 70)),          # CR with full recovery
    ("crh", (115, 271), (23, 70)),               # CR/CRh (Stein 2019 Table 3 for MT103-205)
    ("broadest", (119, 271), (27, 70)),          # TOWER CR/CRh/CRi; MT103-205 paediatric-protocol CR
    ("broadest-treated", (119, 267), (27, 70)),  # TOWER over the 267 treated, as the review prints it
])
def test_definition_scenarios_pick_the_right_variant(data, scenario, tower, vs):
    counts, _ = select_counts(*data, "cr", "pivotal", scenario)
    got = {sid: (e, t) for sid, e, t in _pairs(counts)}
    assert got["kantarjian2017-tower"] == tower
    assert got["vonstackelberg2016-mt103-205"] == vs


def test_identified_set_excludes_later_and_off_setting_studies(data):
    counts, missing = select_counts(*data, "cr", "identified", "reported")
    ids = set(counts["study_id"])
    assert len(counts) == 12 and int(counts["total"].sum()) == 1025
    assert "boissel2023-neuf" not in ids            # published after Liu 2023's e-pub
    assert "gokbuget2018-blast" not in ids          # MRD-positive, not R/R
    assert "Locatelli 2022 (RIALTO)" in missing     # no CR count found


def test_mrd_scenarios(data):
    reported, _ = select_counts(*data, "mrd", "pivotal", "reported")
    itt, missing = select_counts(*data, "mrd", "pivotal", "itt")
    assert _pairs(reported) == [("topp2015-mt103-211", 60, 73), ("martinelli2017-alcantara", 14, 16),
                                ("vonstackelberg2016-mt103-205", 10, 23)]
    assert [s.key for s in MRD_SCENARIOS] == ["reported", "itt"]   # no gap filled by assumption
    # intention to treat: every denominator is the whole cohort (treated, else evaluated), never responders;
    # MT103-211 over its 189 treated rather than the FDA's 185 evaluable (treated comes first)
    assert _pairs(itt) == [("topp2015-mt103-211", 60, 189), ("martinelli2017-alcantara", 14, 45),
                           ("vonstackelberg2016-mt103-205", 14, 70)]
    assert set(itt["denominator"]) == {"treated", "evaluable"}
    assert missing == ["Topp 2014 (MT103-206)", "Kantarjian 2017 (TOWER)"]   # no ITT count printed: left out


def test_itt_never_falls_back_to_a_responder_denominator(data):
    counts, missing = select_counts(*data, "mrd", "identified", "itt")
    assert _pairs(counts) == [("topp2015-mt103-211", 60, 189), ("martinelli2017-alcantara", 14, 45),
                              ("vonstackelberg2016-mt103-205", 14, 70), ("kiyoi2020-horai", 7, 26),
                              ("japan-peds-phase1b-2020", 1, 9), ("soochow2022", 4, 11)]
    assert not set(counts["denominator"]) & {"responders-assessed", "mrd-evaluable"}


def test_search_grid_is_complete(data):
    table = search(*data, "cr", sets=CR_SETS[:2])
    per = table.groupby(["set", "scenario"]).size()
    # 4 transforms x 5 inverse-variance methods x 2 CIs = 40, plus the GLMM (Wald and t) on GLMM_SETS
    # x 3 tied counts where a count is tied (TOWER CR/CRh 113, 114, 115/271 in every pivotal set)
    assert per.loc[("pivotal", "reported")] == 3 * 42
    assert per.loc[("pivotal", "narrowest")] == 42
    assert per.loc[("pivotal-adult", "reported")] == 3 * 40
    ends = search(*data, "cr", sets=CR_SETS[:2], brackets="ends").groupby(["set", "scenario"]).size()
    assert ends.loc[("pivotal", "reported")] == 2 * 42
    assert len(per) == 2 * len(CR_SCENARIOS)
    assert set(table["method"]) == {"EE", "DL", "PM", "REML", "ML", "GLMM"}


def test_glmm_t_interval_equals_a_separate_fit(data):
    counts, _ = select_counts(*data, "cr", "pivotal", "reported")
    e, t = counts["events"].tolist(), counts["total"].tolist()
    wald = pool_proportions(e, t, transform="logit", method="GLMM", ci="wald")
    hk = pool_proportions(e, t, transform="logit", method="GLMM", ci="hk")
    assert _glmm_t(wald) == pytest.approx((hk.ci_low, hk.ci_high, hk.pi_low, hk.pi_high), abs=1e-8)


def _dl_raw(events, totals):
    """DerSimonian-Laird on raw proportions, written out (DerSimonian & Laird 1986)."""
    p = np.asarray(events, float) / np.asarray(totals, float)
    v = p * (1 - p) / np.asarray(totals, float)
    w = 1 / v
    q = float(np.sum(w * (p - np.sum(w * p) / w.sum()) ** 2))
    tau2 = max(0.0, (q - (len(p) - 1)) / (w.sum() - np.sum(w ** 2) / w.sum()))
    ws = 1 / (v + tau2)
    mu = float(np.sum(ws * p) / ws.sum())
    se = math.sqrt(1 / ws.sum())
    return mu, mu - 1.959964 * se, mu + 1.959964 * se


def test_yu_2019_is_reached_from_the_pivotal_trials(data):
    # Yu 2019 abstract: pooled CR 0.45 (0.37-0.53). Pivotal trials, broadest definitions, raw DL:
    table = matches(search(*data, "cr", sets=CR_SETS[:1]), "0.45", "0.37", "0.53")
    row = table[(table["scenario"] == "broadest") & (table["transform"] == "raw") & (table["method"] == "DL")
                & (table["ci"] == "wald")].iloc[0]
    ref = _dl_raw([25, 81, 119, 16, 27], [36, 189, 271, 45, 70])
    assert (row["estimate"], row["ci_low"], row["ci_high"]) == pytest.approx(ref, abs=1e-6)
    assert bool(row["all_match"])
    assert 0.4505 < ref[0] < 0.4515 and 0.3705 < ref[1] < 0.3715 and 0.5295 < ref[2] < 0.5305


def _reml_logit_hk(events, totals):
    """Logit REML with a Hartung-Knapp CI by direct maximisation of the restricted likelihood."""
    x, n = np.asarray(events, float), np.asarray(totals, float)
    y, v = np.log(x / (n - x)), 1 / x + 1 / (n - x)

    def nll(tau2):
        w = 1 / (v + tau2)
        mu = np.sum(w * y) / w.sum()
        return 0.5 * (np.sum(np.log(v + tau2)) + math.log(w.sum()) + np.sum(w * (y - mu) ** 2))

    tau2 = optimize.minimize_scalar(nll, bounds=(0, 10), method="bounded", options={"xatol": 1e-10}).x
    w = 1 / (v + tau2)
    mu = np.sum(w * y) / w.sum()
    s2 = np.sum(w * (y - mu) ** 2) / (len(y) - 1)
    se = math.sqrt(s2 / w.sum())
    crit = stats.t.ppf(0.975, len(y) - 1)
    expit = lambda z: 1 / (1 + math.exp(-z))  # noqa: E731
    return expit(mu), expit(mu - crit * se), expit(mu + crit * se), tau2


def test_primary_analysis_against_an_independent_reml(data):
    counts, _ = select_counts(*data, "cr", "identified", "reported")
    res = pool_proportions(counts["events"].tolist(), counts["total"].tolist(), "logit", "REML", "hk")
    est, lo, hi, tau2 = _reml_logit_hk(counts["events"], counts["total"])
    assert (res.estimate, res.ci_low, res.ci_high) == pytest.approx((est, lo, hi), abs=2e-4)
    assert res.tau2 == pytest.approx(tau2, abs=2e-4)


def test_matches_uses_rounding_intervals():
    t = pd.DataFrame({"estimate": [0.5449, 0.5451, 0.535], "ci_low": [0.44, 0.44, 0.4451],
                      "ci_high": [0.64, 0.64, 0.6449]})
    m = matches(t, "54%", "44%", "64%")
    assert m["est_match"].tolist() == [True, False, True]
    assert m["all_match"].tolist() == [True, False, False]
    assert m["distance"].tolist() == pytest.approx([0.0049, 0.0051, 0.0051])


def test_ci_implications_by_hand():
    imp = ci_implications("54%", "44%", "64%", k=18, patients=1373)
    # common-effect half-width 1.96 * sqrt(.54 * .46 / 1373) = 0.02636; printed half-width 0.10
    assert imp["common_effect_half_width"] == pytest.approx(0.026363, abs=1e-5)
    assert imp["width_ratio"] == pytest.approx(3.7932, abs=1e-3)
    # logit se = (logit .64 - logit .44) / 3.92 = 0.20830; v = 1 / (76.28 * .54 * .46) = 0.05278;
    # tau2 = 18 * 0.20830^2 - 0.05278 = 0.7282; I2 = 0.7282 / (0.7282 + 0.05278) = 93.2%
    assert imp["se"]["logit"] == pytest.approx(0.208301, abs=1e-5)
    assert imp["tau2_wald"] == pytest.approx(0.7282, abs=1e-3)
    assert imp["i2_wald"] == pytest.approx(93.24, abs=0.05)
    assert imp["effective_n"] == pytest.approx(95.42, abs=0.05)
    assert all(v["compatible"] for v in imp["centre"].values())


def test_an_off_centre_interval_is_flagged():
    imp = ci_implications("43%", "34%", "61%", k=None, patients=None)
    assert not any(v["compatible"] for v in imp["centre"].values())
    assert "width_ratio" not in imp


def test_ci_implications_rejects_an_estimate_outside_its_interval():
    with pytest.raises(ValueError, match="does not contain the estimate 54%"):
        ci_implications("54%", "56%", "64%", 18, 1373)


def test_subset_count_small_cases():
    assert _subset_count([1, 2, 3, 4], 2, 5) == 2   # {1,4}, {2,3}
    assert _subset_count([1, 2, 3, 4], 3, 6) == 2   # {1,2,3}, {2,4}
    assert _subset_count([1, 2, 3, 4], 1, 5) == 0
    assert _subset_count([700, 673], 18, 1373) == 1


def test_count_consistency_on_the_data(data):
    c = count_consistency(data[0], 18, 1373)
    # 36+189+271+45+70+26+9+90+110+227+38+39+11+23 = 1184 (14 studies with N; Ampatzidou has none)
    assert (c["identified"], c["identified_with_n"], c["identified_patients"]) == (15, 14, 1184)
    assert (c["remaining_studies"], c["remaining_patients"]) == (3, 189)
    assert c["remaining_mean"] == pytest.approx(63.0)
    assert c["size_range"] == (9, 271)
    assert c["subsets_identified"] == 0 and c["subsets_all"] > 0


@pytest.mark.parametrize("call, message", [
    (lambda d: select_counts(*d, "os", "pivotal", "reported"), "unknown outcome 'os'"),
    (lambda d: select_counts(*d, "cr", "everything", "reported"), "unknown study set 'everything'"),
    (lambda d: select_counts(*d, "cr", "pivotal", "widest"), "unknown CR scenario 'widest'"),
    (lambda d: select_counts(*d, "mrd", MRD_SETS[0].key, "widest"), "unknown MRD scenario 'widest'"),
])
def test_error_paths(data, call, message):
    with pytest.raises(ValueError, match=message):
        call(data)


def test_leave_one_out_needs_three_studies(data):
    counts, _ = select_counts(*data, "cr", "pivotal", "reported")
    assert len(leave_one_out(counts)) == 5
    with pytest.raises(ValueError, match="at least 3 studies, got 2"):
        leave_one_out(counts.head(2))


def test_a_variant_of_an_unknown_study_is_rejected(data_copy):
    path = data_copy / "meta_analysis" / "outcome_variants.csv"
    path.write_text(path.read_text() + "nosuch-study,cr,false,CR,treated,rr,whole,false,CR,1,2,false,somewhere,\n")
    with pytest.raises(ValueError, match=r"outcome_variants.csv:row 58 \(line 59\): study_id: 'nosuch-study' is not in "
                                         r"studies.csv"):
        load_candidates(data_copy)


def test_a_changed_count_reaches_the_search(data_copy):
    replace_in(data_copy / "meta_analysis" / "studies.csv", ",81,189,CR/CRh,false,", ",150,189,CR/CRh,false,")
    replace_in(data_copy / "meta_analysis" / "outcome_variants.csv", "within 2 cycles,81,189,",
               "within 2 cycles,150,189,")
    counts, _ = select_counts(*load_candidates(data_copy), "cr", "pivotal", "reported")
    assert ("topp2015-mt103-211", 150, 189) in _pairs(counts)


def test_a_primary_count_changed_in_one_table_only_is_an_error(data_copy):
    replace_in(data_copy / "meta_analysis" / "studies.csv", ",81,189,CR/CRh,false,", ",150,189,CR/CRh,false,")
    with pytest.raises(ValueError, match=r"outcome_variants.csv:row 5 \(line 6\): events: primary row 81/189 differs "
                                         r"from studies.csv cr_events/cr_total 150/189"):
        load_candidates(data_copy)


def test_hypothetical_counts_are_listed_and_never_pooled(data):
    hyp = hypothetical_counts(data[1])
    assert list(zip(hyp["study_id"], hyp["events"], hyp["total"], strict=True)) == [("topp2014-mt103-206", 22, 25),
                                                                       ("vonstackelberg2016-mt103-205", 14, 27)]
    for set_key in ("pivotal", "identified", "with-mrd-cohorts"):
        for scen in MRD_SCENARIOS:   # hypothetical is a validated column, not a word in the definition
            counts, _ = select_counts(*data, "mrd", set_key, scen.key)
            assert ("topp2014-mt103-206", 22, 25) not in _pairs(counts)
            assert ("vonstackelberg2016-mt103-205", 14, 27) not in _pairs(counts)


def test_a_count_marked_hypothetical_leaves_every_pool(data_copy):
    # broken input: the 70-patient MT103-205 MRD row marked hypothetical; ITT leaves the study out (listed)
    replace_in(data_copy / "meta_analysis" / "outcome_variants.csv",
               "mrd,false,MRD,evaluable,rr,whole,false,MRD negative among all 70 evaluated,",
               "mrd,false,MRD,evaluable,rr,whole,true,MRD negative among all 70 evaluated,")
    counts, missing = select_counts(*load_candidates(data_copy), "mrd", "pivotal", "itt")
    assert "vonstackelberg2016-mt103-205" not in set(counts["study_id"])
    assert "von Stackelberg 2016 (MT103-205)" in missing


def test_tied_counts_are_bracketed(data):
    counts, _ = select_counts(*data, "cr", "identified", "reported")
    cands = dict(zip(counts["study_id"], counts["candidates"], strict=True))
    assert cands["kantarjian2017-tower"] == (113, 114, 115)   # 42% of 271
    assert cands["badar2020-realworld"] == (147, 148)         # 65% of 227
    assert sum(len(c) > 1 for c in cands.values()) == 2
    combos = bracket_combinations(counts)
    assert len(combos) == 6 and len(set(combos)) == 6
    table = search(*data, "cr", sets=CR_SETS[:1])
    reported = table[table["scenario"] == "reported"]
    assert set(reported["bracket"]) == {"lowest", "intermediate", "highest"}
    assert set(reported["tied_counts"]) == {"kantarjian2017-tower 113", "kantarjian2017-tower 114",
                                            "kantarjian2017-tower 115"}
    narrow = table[table["scenario"] == "narrowest"]
    assert set(narrow["bracket"]) == {"none"}                   # TOWER CR 91/271 is not tied


def test_aieop_mrd_is_in_the_mrd_positive_set_only(data):
    primary, _ = select_counts(*data, "mrd", "identified", "reported")
    assert "beneduce2022-aieop" not in set(primary["study_id"])
    cohorts, _ = select_counts(*data, "mrd", "with-mrd-cohorts", "reported")
    rows = cohorts[cohorts["study_id"] == "beneduce2022-aieop"]
    assert list(zip(rows["label"], rows["events"], rows["total"], strict=True)) == [
        ("Beneduce 2022 (AIEOP), MRD-positive cohort", 21, 26)]


def test_ci_outside_0_1_is_flagged():
    t = pd.DataFrame({"ci_low": [0.1, -0.434, 0.0, 0.13], "ci_high": [0.5, 1.349, 1.0, 1.304]})
    assert valid_ci(t).tolist() == [True, False, True, False]

"""GRADE-style certainty of pooled rates (analysis.claims.certainty): each rule on both sides of
each of its thresholds, on fits whose I², intervals and weights are set by the test."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from analysis.claims import certainty as C  # noqa: E402
from analysis.stats.meta import pool_proportions  # noqa: E402


def fit_of(k=4, *, estimate=0.5, ci=(0.45, 0.55), pi=(0.44, 0.56), i2=0.2, weights=None, totals=None,
           yi=None, vi=None):
    """A real pooled fit with the fields the rules read replaced by the test's values."""
    events = [20 + i for i in range(k)]
    tot = totals or [60] * k
    base = (pool_proportions(events, tot, transform="logit", method="REML", ci="hk") if k > 1
            else pool_proportions(events, tot, transform="logit", method="EE", ci="wald"))
    studies = base.studies.copy()
    studies["weight"] = weights if weights is not None else [100.0 / k] * k
    if yi is not None:
        studies["yi"], studies["vi"] = yi, vi
    return dataclasses.replace(base, estimate=estimate, ci_low=ci[0], ci_high=ci[1], pi_low=pi[0],
                               pi_high=pi[1], i2=100 * i2, studies=studies)


def row(fit, designs=None, populations=None, settings=None, claim=(0.40, 0.60), **kw):
    k = fit.k
    kw.setdefault("target_population", "adult")
    return C.summary_of_findings("rate", fit, designs or ["phase2-single-arm"] * k,
                                 populations or ["adult"] * k, settings or ["rr"] * k, claim, **kw)


def judgement(r, domain):
    return next(j for j in r.judgements if j.domain == domain)


# --------------------------------------------------------------------------- levels

def test_levels_and_floor():
    assert C.certainty_after("high", 0) == "high"
    assert C.certainty_after("high", 2) == "low"
    assert C.certainty_after("high", 7) == "very low"
    with pytest.raises(ValueError):
        C.certainty_after("excellent", 0)


def test_clean_evidence_stays_high_with_no_footnotes():
    r = row(fit_of(totals=[150] * 4))
    assert r.certainty == "high" and r.footnotes == () and r.symbols == "⊕⊕⊕⊕"
    assert r.per_100 == "50 per 100 (45 to 55)"


# --------------------------------------------------------------------------- risk of bias

def test_risk_of_bias_both_sides_of_most():
    designs = ["rct-arm", "retrospective-multicentre", "phase2-single-arm", "retrospective-single-centre"]
    just_most = fit_of(weights=[26.0, 24.0, 26.0, 24.0], totals=[150] * 4)
    assert judgement(row(just_most, designs), "risk of bias").levels == 0
    half = fit_of(weights=[25.0, 25.0, 25.0, 25.0], totals=[150] * 4)     # exactly 50%: not "most"
    j = judgement(row(half, designs), "risk of bias")
    assert j.levels == 1 and "50%" in j.text
    assert "1 randomised arm, 1 prospective single-arm trial, 2 retrospective series" in j.text


def test_unknown_design_is_refused():
    with pytest.raises(ValueError, match="unknown study design"):
        row(fit_of(), ["case-report"] * 4)


def test_design_classes():
    assert C.design_class("cohort-series") == "retrospective"
    assert C.design_class("rct-arm") == "randomised"
    assert C.design_class("expanded-access") == "prospective"


# --------------------------------------------------------------------------- inconsistency

def test_inconsistency_substantial_needs_pi_beyond_both_sides():
    claim = (0.40, 0.60)
    wide = (0.30, 0.70)
    assert judgement(row(fit_of(i2=0.49, pi=wide), claim=claim), "inconsistency").levels == 0
    assert judgement(row(fit_of(i2=0.50, pi=wide), claim=claim), "inconsistency").levels == 1
    one_side = (0.41, 0.70)
    assert judgement(row(fit_of(i2=0.60, pi=one_side), claim=claim), "inconsistency").levels == 0


def test_inconsistency_very_serious_needs_considerable_and_wide_pi():
    claim = (0.40, 0.60)
    assert judgement(row(fit_of(i2=0.75, pi=(0.20, 0.71)), claim=claim), "inconsistency").levels == 2
    assert judgement(row(fit_of(i2=0.74, pi=(0.20, 0.71)), claim=claim), "inconsistency").levels == 1
    assert judgement(row(fit_of(i2=0.80, pi=(0.25, 0.74)), claim=claim), "inconsistency").levels == 1  # 49 points


def test_inconsistency_without_prediction_interval():
    two = fit_of(k=2, i2=0.80, pi=(float("nan"), float("nan")))
    j = judgement(row(two), "inconsistency")
    assert j.levels == 1 and "fewer than 3 studies" in j.text
    assert judgement(row(fit_of(k=2, i2=0.60, pi=(float("nan"),) * 2)), "inconsistency").levels == 0
    single = fit_of(k=1, i2=0.0, pi=(float("nan"),) * 2)
    j = judgement(row(single), "inconsistency")
    assert not j.assessed and j.levels == 0 and j.label == "not assessed"


# --------------------------------------------------------------------------- indirectness

def test_indirectness_by_setting_share():
    settings = ["rr", "rr", "consolidation", "consolidation"]
    direct_most = fit_of(weights=[30.0, 21.0, 25.0, 24.0])
    assert judgement(row(direct_most, settings=settings, target_setting="rr"), "indirectness").levels == 0
    direct_half = fit_of(weights=[25.0, 25.0, 25.0, 25.0])
    j = judgement(row(direct_half, settings=settings, target_setting="rr"), "indirectness")
    assert j.levels == 1 and "50%" in j.text
    assert judgement(row(direct_half, settings=settings), "indirectness").levels == 0  # any setting


def test_indirectness_uncovered_population():
    """A claim about adults and children pooled from adult studies only."""
    pops = ["adult"] * 4
    r = row(fit_of(), populations=pops, target_population="any")
    j = judgement(r, "indirectness")
    assert j.levels == 1 and "children" in j.text
    mixed = ["adult", "adult", "adult", "paediatric"]
    assert judgement(row(fit_of(), populations=mixed, target_population="any"), "indirectness").levels == 0


def test_indirectness_adult_claim_and_mixed_studies():
    pops = ["mixed", "mixed", "adult", "adult"]
    assert judgement(row(fit_of(weights=[30.0, 30.0, 20.0, 20.0]), populations=pops, target_population="adult"),
                     "indirectness").levels == 1
    assert judgement(row(fit_of(weights=[20.0, 20.0, 30.0, 30.0]), populations=pops, target_population="adult"),
                     "indirectness").levels == 0


# --------------------------------------------------------------------------- imprecision

@pytest.mark.parametrize("ci, levels", [
    ((0.45, 0.55), 0),     # inside
    ((0.61, 0.70), 0),     # outside
    ((0.35, 0.55), 1),     # crosses the lower limit
    ((0.55, 0.65), 1),     # crosses the upper limit
    ((0.35, 0.65), 2),     # crosses both
    ((0.61, 1.00), 0),     # outside, 39 points wide
    ((0.10, 0.605), 2),    # 50.5 points wide
])
def test_imprecision_against_the_claim(ci, levels):
    r = row(fit_of(ci=ci, totals=[150] * 4), claim=(0.40, 0.60))
    assert judgement(r, "imprecision").levels == levels


def test_imprecision_information_size():
    assert judgement(row(fit_of(totals=[100] * 4)), "imprecision").levels == 0          # 400 patients
    j = judgement(row(fit_of(totals=[99] * 4)), "imprecision")                         # 396 patients
    assert j.levels == 1 and "396 patients" in j.text


# --------------------------------------------------------------------------- publication bias

def test_publication_bias_only_from_ten_studies():
    r9 = row(fit_of(k=9))
    assert not judgement(r9, "publication bias").assessed
    r10 = row(fit_of(k=10))
    assert judgement(r10, "publication bias").assessed


def test_egger_detects_small_study_effect():
    k = 12
    se = np.linspace(0.1, 0.6, k)
    biased = fit_of(k=k, yi=list(0.2 + 2.0 * se), vi=list(se ** 2))           # effect grows with SE
    assert judgement(row(biased), "publication bias").levels == 1
    rng = np.random.default_rng(1)
    fair = fit_of(k=k, yi=list(0.2 + rng.normal(0, 1, k) * se), vi=list(se ** 2))
    intercept, p = C.egger_test(fair)
    assert p >= C.EGGER_ALPHA
    assert judgement(row(fair), "publication bias").levels == 0


# --------------------------------------------------------------------------- the row

def test_downgrades_add_up_and_footnotes_one_per_downgrade():
    designs = ["retrospective-multicentre"] * 4
    r = row(fit_of(ci=(0.35, 0.55), i2=0.6, pi=(0.2, 0.7), totals=[150] * 4), designs)
    assert r.downgrades == 3 and r.certainty == "very low"
    two = row(fit_of(ci=(0.35, 0.55), totals=[150] * 4), designs)
    assert two.downgrades == 2 and two.certainty == "low"
    assert len(r.footnotes) == 3
    assert [f.split(":")[0] for f in r.footnotes] == ["Risk of bias", "Inconsistency", "Imprecision"]
    assert r.rules == tuple(C.RULE_IDS[d] for d in C.DOMAINS)
    assert r.to_dict()["certainty"] == "very low"


def test_inputs_must_match_the_fit():
    with pytest.raises(ValueError, match="designs has 3 entries"):
        C.summary_of_findings("x", fit_of(), ["rct-arm"] * 3, ["adult"] * 4, ["rr"] * 4, (0.4, 0.6),
                              target_population="adult")
    with pytest.raises(ValueError, match="claim_interval"):
        row(fit_of(), claim=(0.6, 0.4))
    with pytest.raises(ValueError, match="unknown population"):
        row(fit_of(), populations=["elderly"] * 4)


def test_per_100():
    assert C.per_100(0.023, 0.013, 0.042) == "2 per 100 (1 to 4)"
    assert C.per_100(0.004, 0.001, 0.02) == "0.4 per 100 (0.1 to 2)"


def test_blast_subgroup_context_reads_the_printed_figures():
    lines = C.blast_subgroup_context()
    assert len(lines) == 2
    assert "71%" in lines[0] and "34%" in lines[0] and "Liu 2023" in lines[0]
    assert "0.75" in lines[1] and "0.33" in lines[1]


def test_real_cr_pool_row():
    """The r/r CR pool of the identified studies: every domain assessed (k >= 10)."""
    studies = pd.read_csv(Path(__file__).resolve().parents[2] / "data/meta_analysis/studies.csv")
    s = studies[(studies.setting == "rr-active") & studies.cr_events.notna()]
    fit = pool_proportions(s.cr_events.astype(int), s.cr_total.astype(int), transform="logit", method="REML", ci="hk")
    r = C.summary_of_findings("CR", fit, list(s.design), list(s.population), list(s.setting), (0.44, 0.64),
                              target_population="any", target_setting="rr-active")
    assert all(j.assessed for j in r.judgements)
    assert r.certainty in C.CERTAINTY_LEVELS
    assert len(r.footnotes) == r.downgrades - sum(1 for j in r.judgements if j.levels == 2)

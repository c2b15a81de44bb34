"""Treatment-related mortality ("around 1%"): the pooled blinatumomab rate against the 'around' rule."""

import math

import numpy as np
import pytest
from conftest import replace_in
from scipy import special, stats

from analysis.claims import evaluate
from analysis.claims.treatment_related_mortality import fatal_evidence, trm_immunotherapy
from analysis.inputs.files import load_claims

CLAIMS = load_claims()
FATAL = ("background", "blinatumomab_fatal_events.csv")


def test_trm_is_imprecise_low_but_more_than_twice_one_percent():
    result = evaluate("trm-immunotherapy")
    assert (result.citation, result.verdict) == ("supported", "imprecise")
    deciding = result.checks[0]
    assert (deciding.rule, deciding.outcome, deciding.role, deciding.informative) == ("around",
                                                                                      "departs", "decides", True)
    assert all(c.role == "context" for c in result.checks[1:])          # single trials and sensitivity analyses
    assert result.extra["position"] == "above" and result.extra["excludes_value"]
    assert result.extra["ratio"] == pytest.approx(2.35, abs=0.01)
    assert "2.3 times the printed figure" in result.reason and "excludes 1% itself" in result.reason
    assert result.deciding.text == "2.3% (95% CI 1.3%–4.2%)"
    assert result.takeaway == ("Blinatumomab trials: 2.3% treatment-related deaths (95% CI 1.3%–4.2%), low, but above "
                               "'around 1%'.")


def test_trm_pool_matches_the_common_effect_formula_when_tau2_is_zero():
    fit = fatal_evidence().treatment_related.shown
    x, n = np.array([8.0, 4.0, 1.0, 1.0]), np.array([267.0, 225.0, 45.0, 93.0])
    assert sorted(zip(fit.studies["events"], fit.studies["total"], strict=True)) == sorted(
        zip(x.astype(int), n.astype(int), strict=True))
    assert fit.tau2 == 0.0
    y, v = special.logit(x / n), 1 / x + 1 / (n - x)
    w = 1 / v
    mu = (w * y).sum() / w.sum()
    se = math.sqrt((w * (y - mu) ** 2).sum() / 3 / w.sum())   # Hartung-Knapp, k - 1 = 3
    crit = stats.t.ppf(0.975, 3)
    assert fit.estimate == pytest.approx(special.expit(mu), abs=1e-9)
    assert (fit.ci_low, fit.ci_high) == pytest.approx((special.expit(mu - crit * se),
                                                       special.expit(mu + crit * se)), abs=1e-9)
    ev = fatal_evidence()
    assert ev.any_cause.shown.estimate == pytest.approx(0.163, abs=0.001)
    assert all(ev.table["printed agrees"] == "yes")
    assert list(ev.chemotherapy["arm"]) == ["TOWER chemotherapy arm (comparator)"] * 2   # labels, not row ids


def test_trial_rates_near_one_percent_make_the_claim_consistent(data_copy):
    path = data_copy.joinpath(*FATAL)
    replace_in(path, "blinatumomab,8,267,3%", "blinatumomab,3,267,1%")
    replace_in(path, "blinatumomab,4,225,2%", "blinatumomab,2,225,1%")
    result = trm_immunotherapy(CLAIMS, data_dir=data_copy)
    assert result.checks[0].outcome == "agrees" and result.verdict == "consistent"


def test_trial_rates_well_above_one_percent_make_the_claim_discrepant(data_copy):
    path = data_copy.joinpath(*FATAL)
    replace_in(path, "blinatumomab,8,267,3%", "blinatumomab,24,267,9%")
    replace_in(path, "blinatumomab,4,225,2%", "blinatumomab,18,225,8%")
    result = trm_immunotherapy(CLAIMS, data_dir=data_copy)
    assert result.checks[0].outcome == "disagrees" and result.verdict == "discrepant"


def test_a_subset_row_marked_for_pooling_changes_the_pool(data_copy):
    replace_in(data_copy / "background" / "selection.yaml",
               "mt103-205-tr-fatal-rp2d: {use: excluded,", "mt103-205-tr-fatal-rp2d: {use: pool, design: single-arm,")
    assert fatal_evidence(data_copy).treatment_related.k == 5


def test_a_guideline_that_does_not_print_the_figure_is_not_support(data_copy):
    replace_in(data_copy / "background" / "cited_works.yaml",
               "trm-immunotherapy: {prints: true,", "trm-immunotherapy: {prints: false,")
    assert trm_immunotherapy(CLAIMS, data_dir=data_copy).citation == "not-supported"


def test_the_certainty_row_rates_imprecision_against_the_claim():
    certainty = evaluate("trm-immunotherapy").extra["certainty"]
    assert certainty.certainty == "moderate" and certainty.per_100 == "2 per 100 (1 to 4)"
    assert [f.split(":")[0] for f in certainty.footnotes] == ["Imprecision"]


def test_a_pooled_fatal_row_without_a_design_fails_validation(data_copy):
    from analysis.inputs.files import DataError, DataErrors
    replace_in(data_copy / "background" / "selection.yaml", "tower-blin-tr-fatal: {use: pool, design: randomised,",
               "tower-blin-tr-fatal: {use: pool,")
    with pytest.raises((DataError, DataErrors), match="needs its study design"):
        fatal_evidence(data_copy)

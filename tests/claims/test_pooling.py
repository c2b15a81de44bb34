"""Pooling helpers shared by the background claim pages: counts a printed percentage allows, printed
spans, the exact CI and the one prediction-interval convention (metafor's)."""

import pytest
from scipy import special, stats

from analysis.claims.pooling import candidate_counts, clopper_pearson, parse_span, prediction_interval
from analysis.claims.reinduction_cr import salvage_evidence
from analysis.claims.treatment_related_mortality import fatal_evidence


def test_candidate_counts_are_every_count_that_rounds_to_the_printed_percentage():
    assert candidate_counts("16%", 134) == [21, 22]          # 15.67% and 16.42%
    assert candidate_counts("25%", 134) == [33, 34]          # 24.63% and 25.37%
    assert candidate_counts("42%", 224) == [93, 94, 95]      # 41.52%, 41.96%, 42.41%
    assert candidate_counts("29.4%", 109) == [32]            # 29.36%; 31 -> 28.4%, 33 -> 30.3%
    assert candidate_counts("33%", 82) == [27]               # 32.93%


@pytest.mark.parametrize("printed, total", [("about half", 10), ("16%", 0), ("20%-30%", 50)])
def test_candidate_counts_reject_what_is_not_one_percentage(printed, total):
    with pytest.raises(ValueError):
        candidate_counts(printed, total)


@pytest.mark.parametrize("text, low, high", [
    ("12.7%", 0.127, 0.127), ("30% to 60%", 0.30, 0.60), ("10–15%", 0.10, 0.15),
    ("15-20 percent (about 600 children)", 0.15, 0.20), ("43% ± 7%", 0.43, 0.43), ("∼1%", 0.01, 0.01),
    ("overall cure rate of 50%", 0.50, 0.50), ("≥90%", 0.90, 1.0),
])
def test_parse_span_reads_the_printed_forms_of_the_tables(text, low, high):
    span = parse_span(text)
    assert (span.low, span.high) == pytest.approx((low, high))


@pytest.mark.parametrize("text", ["Most", "up to two-thirds", "609", "229 relapsing patients", "About one half"])
def test_parse_span_leaves_words_and_bare_counts_alone(text):
    assert parse_span(text) is None


def test_exact_ci_matches_r_binom_test():
    assert clopper_pearson(1, 45) == pytest.approx((0.000562, 0.117704), abs=1e-6)   # ALCANTARA; R binom.test
    assert clopper_pearson(14, 630) == pytest.approx((0.012201, 0.037004), abs=1e-6)  # all trials added up
    ci = stats.binomtest(4, 225).proportion_ci(method="exact")
    assert clopper_pearson(4, 225) == pytest.approx((ci.low, ci.high), abs=1e-12)
    assert clopper_pearson(0, 70)[0] == 0.0 and clopper_pearson(70, 70)[1] == 1.0
    with pytest.raises(ValueError):
        clopper_pearson(5, 4)


def test_prediction_interval_is_metafors_and_not_shown_for_two_series():
    ev = salvage_evidence()
    assert prediction_interval(ev.pools["second-or-later"].shown) is None            # k = 2: not shown
    fit = ev.pools["first"].shown                                                      # k = 4, tau² > 0
    lo, hi = prediction_interval(fit)
    crit = stats.t.ppf(0.975, fit.k - 1)               # metafor predict() after test="knha": t with k - 1 df
    half = crit * (fit.se ** 2 + fit.tau2) ** 0.5
    assert (lo, hi) == pytest.approx((special.expit(fit.mu - half), special.expit(fit.mu + half)), abs=1e-12)
    trm = fatal_evidence().treatment_related.shown
    # the forest plot's [1.3; 4.2]
    assert trm.tau2 == 0 and prediction_interval(trm) == pytest.approx((trm.ci_low, trm.ci_high))

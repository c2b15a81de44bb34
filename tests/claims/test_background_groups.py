"""Background claim group: relapse burden, re-induction CR, TRM, and the citation audit.

Real values from the data, checked by hand or by an independent formula, and one broken input
per claim that changes its verdict.
"""

import math

import numpy as np
import pytest
from scipy import special, stats

from analysis.claims import evaluate
from analysis.claims.pooling import (candidate_counts, ci_meets, claimed_interval, clopper_pearson, coverage,
                                     parse_span, prediction_interval, span_agrees, where_estimate_falls)
from analysis.claims.reinduction_cr import reinduction_cr, salvage_evidence
from analysis.claims.relapse_burden import relapse_adults, relapse_children, relapse_figures
from analysis.claims.treatment_related_mortality import fatal_evidence, trm_immunotherapy
from analysis.inputs.cited_works import load_cited_works
from analysis.report.citation_audit import audit_verdict, citation_audit
from analysis.inputs.files import DataError, load_claims
from analysis.inputs.errata import load_errata
from analysis.report.ledger import build_ledger
from conftest import replace_in

CLAIMS = load_claims()


# ----------------------------------------------------------------------------- helpers
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


def test_claimed_interval_uses_the_rounding_of_each_end():
    assert claimed_interval("50%-65%") == pytest.approx((0.495, 0.655))
    assert claimed_interval("20%-30%") == pytest.approx((0.195, 0.305))
    with pytest.raises(ValueError):
        claimed_interval("54%")
    assert span_agrees(parse_span("30% to 60%"), (0.495, 0.655))      # 10.5 of the narrower 16 points shared
    assert not span_agrees(parse_span("30% to 55%"), (0.495, 0.655))  # overlaps, but only 5.5 of 16 shared
    assert span_agrees(parse_span("15% to 20%"), (0.095, 0.205))      # wholly inside the wider claimed range
    assert not span_agrees(parse_span("43%"), (0.495, 0.655))
    assert coverage([parse_span("30% to 60%")], (0.495, 0.655)) == pytest.approx(10.5 / 16)
    assert coverage([parse_span("10% to 15%"), parse_span("15% to 20%")], (0.095, 0.205)) == pytest.approx(10 / 11)


def test_ci_rule_is_discrepant_only_when_the_whole_ci_misses_the_rounding_interval():
    one = (0.005, 0.015)                                   # "1%"
    assert ci_meets((0.0131, 0.0417), one)                 # TRM pool: lower bound inside [0.5%, 1.5%)
    assert not ci_meets((0.016, 0.042), one)               # wholly above
    assert not ci_meets((0.015, 0.042), one)               # 1.5% itself is outside the half-open interval
    assert not ci_meets((0.001, 0.0049), one)              # wholly below
    assert where_estimate_falls(0.0235, one) == "above" and where_estimate_falls(0.01, one) == "inside"


def test_exact_ci_matches_scipy_and_the_published_values():
    assert clopper_pearson(1, 45) == pytest.approx((0.000562, 0.117704), abs=1e-6)   # ALCANTARA
    assert clopper_pearson(14, 630) == pytest.approx((0.012201, 0.037004), abs=1e-6)  # all trials added up
    ci = stats.binomtest(4, 225).proportion_ci(method="exact")
    assert clopper_pearson(4, 225) == pytest.approx((ci.low, ci.high), abs=1e-12)
    assert clopper_pearson(0, 70)[0] == 0.0


def test_prediction_interval_needs_three_series_and_uses_t_with_k_minus_2_df():
    ev = salvage_evidence()
    assert prediction_interval(ev.pools["second-or-later"].shown) is None            # k = 2: not estimable
    fit = fatal_evidence().treatment_related.shown
    lo, hi = prediction_interval(fit)
    crit = stats.t.ppf(0.975, fit.k - 2)
    assert (lo, hi) == pytest.approx((special.expit(fit.mu - crit * fit.se), special.expit(fit.mu + crit * fit.se)))
    assert (lo, hi) == pytest.approx((0.01064, 0.05094), abs=1e-5)                  # tau² = 0


# ----------------------------------------------------------------------------- relapse
def test_relapse_adults_consistent_and_unverifiable():
    result = evaluate("relapse-adults")
    assert (result.citation, result.verdict) == ("unverifiable", "consistent")
    assert result.extra["envelope"] == pytest.approx((0.30, 0.60))   # review 30-60%, GIMEMA 60%
    assert result.extra["coverage"] == pytest.approx(10.5 / 16)      # 49.5%-60% of 49.5%-65.5%
    assert len(result.checks) == 3 and all(c.agrees for c in result.checks)
    assert result.citation_reason.startswith("[1] read, does not print it; [2] not found.")
    assert "no compared figure lies above 60.0%" in result.reason
    assert "relapse only 43.0%" not in result.reason


def test_every_cure_or_not_cured_statement_is_context():
    figures = {f.row_id: f for f in relapse_figures("adult_relapse.csv") + relapse_figures("paediatric_relapse.csv")}
    for rid in ("esmo-adult-cure", "pethema-not-cured", "esmo-paed-cure", "hunger2012-5y-os-1990-94"):
        assert figures[rid].use == "context"
    assert figures["hunger2012-5y-os-1990-94"].drawn == "16.3% (= 1 − 83.7%)"
    assert "survival" in figures["hunger2012-5y-os-1990-94"].why


def test_a_range_that_only_touches_the_claim_makes_it_discrepant(data_copy):
    replace_in(data_copy / "background" / "adult_relapse.csv", ",,,30% to 60%,", ",,,30% to 55%,")
    result = relapse_adults(CLAIMS, data_dir=data_copy)
    assert result.verdict == "discrepant"       # any-overlap would have called 30-55% agreement


def test_relapse_children_recomputes_the_cog_proportions():
    result = evaluate("relapse-children")
    assert (result.citation, result.verdict) == ("unverifiable", "consistent")
    values = {r.label: r.value for r in result.reproduced}
    assert values["cog-1996-2014-relapse recomputed"] == pytest.approx(2053 / 16115)   # 0.12740
    assert values["cog-1988-2002-relapse recomputed"] == pytest.approx(1961 / 9585)    # 0.20459
    assert result.extra["envelope"] == pytest.approx((0.10, 1961 / 9585))


def test_a_higher_adult_relapse_figure_makes_the_adult_claim_discrepant(data_copy):
    replace_in(data_copy / "background" / "adult_relapse.csv",
               "GIMEMA ALL 0288 chemotherapy,,,60%", "GIMEMA ALL 0288 chemotherapy,,,80%")
    result = relapse_adults(CLAIMS, data_dir=data_copy)
    assert result.verdict == "discrepant"
    assert [c.found for c in result.checks if c.agrees is False] == ["80.0%"]


def test_a_count_that_contradicts_its_printed_percentage_makes_the_child_claim_discrepant(data_copy):
    replace_in(data_copy / "background" / "paediatric_relapse.csv", "2053,16115,12.7%", "2503,16115,12.7%")
    result = relapse_children(CLAIMS, data_dir=data_copy)
    assert result.verdict == "discrepant"       # 2503/16115 = 15.5% is not the printed 12.7%


def test_a_found_reference_that_prints_the_figure_lifts_the_citation(data_copy):
    path = data_copy / "background" / "cited_works.yaml"
    replace_in(path, "    found: false\n    read: nothing\n    reports: \"\"",
               "    found: true\n    read: abstract\n    reports: \"x\"")
    replace_in(path, "    carries: {}\n\n  - bibkey: Hoelzer2024",
               "    carries:\n      relapse-adults: {prints: true, why: \"says 50-65%\"}\n"
               "      relapse-children: {prints: false, why: \"no\"}\n      reinduction-cr: {prints: false, why: \"no\"}\n\n"
               "  - bibkey: Hoelzer2024")
    assert relapse_adults(CLAIMS, data_dir=data_copy).citation == "partly-supported"


def test_a_found_reference_that_does_not_print_the_figure_makes_it_not_supported(data_copy):
    path = data_copy / "background" / "cited_works.yaml"
    replace_in(path, "    found: false\n    read: nothing\n    reports: \"\"",
               "    found: true\n    read: abstract\n    reports: \"x\"")
    replace_in(path, "    carries: {}\n\n  - bibkey: Hoelzer2024",
               "    carries:\n      relapse-adults: {prints: false, why: \"no\"}\n"
               "      relapse-children: {prints: false, why: \"no\"}\n      reinduction-cr: {prints: false, why: \"no\"}\n\n"
               "  - bibkey: Hoelzer2024")
    result = relapse_adults(CLAIMS, data_dir=data_copy)
    assert result.citation == "not-supported"   # both read, neither prints it
    assert result.citation_reason.startswith("[1] read, does not print it; [2] read, does not print it.")


# ----------------------------------------------------------------------------- re-induction
def test_reinduction_pools_and_verdict():
    result = evaluate("reinduction-cr")
    assert (result.citation, result.verdict) == ("unverifiable", "consistent")
    ev = salvage_evidence()
    assert {n: p.k for n, p in ev.pools.items()} == {"first": 3, "second-or-later": 2, "randomised": 2,
                                                     "cohort": 4, "all": 6}
    # GMALL second salvage = the first-salvage failures of the same cohort: only in its own pool
    holding = {n for n, p in ev.pools.items() if "gmall-second-salvage" in {s.row_id for s in p.series}}
    assert holding == {"second-or-later"}
    first = ev.pools["first"]
    assert len(first.fits) == 3 and [s.shown for s in first.series if s.bracketed] == [94]
    assert first.shown.estimate == pytest.approx(0.397, abs=0.001)
    assert (first.shown.ci_low, first.shown.ci_high) == pytest.approx((0.115, 0.769), abs=0.001)
    assert all(c.agrees for c in result.checks)           # every CI overlaps [19.5%, 30.5%)
    assert "first salvage 39.7%" in result.reason and "higher than the claim" in result.reason
    assert "Only adult series were examined" in result.reason
    pooled_ids = {s.row_id for p in ev.pools.values() for s in p.series}
    assert not any(i.startswith(("hist-", "review-")) for i in pooled_ids)
    assert "pethema-first-relapse-intensive" not in pooled_ids and "inovate-soc-cr-cri-primary" not in pooled_ids


def test_reinduction_sensitivity_without_graall_and_cr_only():
    ev = salvage_evidence()
    sens = ev.data_sensitivity
    assert {s.row_id for s in sens["all"]["without GRAALL"].series} == {
        "tower-soc-cr", "inovate-soc-cr-cri-final", "gmall-first-salvage-after-chemo",
        "gmall-first-salvage-after-sct", "mdacc-second-salvage"}
    assert sens["all"]["without GRAALL"].shown.estimate == pytest.approx(0.253, abs=0.001)
    assert "inovate-soc-cr-cri-final" not in {s.row_id for s in sens["all"]["CR only"].series}
    assert sens["randomised"]["CR only"] is None          # one series left: not pooled
    assert "CR only" not in sens["first"]                 # first salvage is CR only already
    assert list(ev.cross_checks["study"])[:2] == ["TOWER (Kantarjian 2017)", "INO-VATE (Kantarjian 2016)"]
    assert not ev.cross_checks["where read"].str.contains("Introduction, Introduction|as quoted, quoted").any()


def test_second_salvage_pool_matches_an_independent_reml_hk_computation():
    """REML by direct maximisation of the restricted likelihood (scipy), HK by its formula."""
    x, n = np.array([27.0, 53.0]), np.array([82.0, 288.0])
    y, v = special.logit(x / n), 1 / x + 1 / (n - x)

    def restricted_nll(t2):
        w = 1 / (v + t2)
        mu = (w * y).sum() / w.sum()
        return 0.5 * (np.log(v + t2).sum() + np.log(w.sum()) + (w * (y - mu) ** 2).sum())

    from scipy.optimize import minimize_scalar
    t2 = minimize_scalar(restricted_nll, bounds=(0, 10), method="bounded", options={"xatol": 1e-10}).x
    w = 1 / (v + t2)
    mu = (w * y).sum() / w.sum()
    se = math.sqrt((w * (y - mu) ** 2).sum() / (len(y) - 1) / w.sum())
    crit = stats.t.ppf(0.975, len(y) - 1)
    pooled = salvage_evidence().pools["second-or-later"].shown
    assert pooled.tau2 == pytest.approx(t2, rel=1e-3)
    assert pooled.estimate == pytest.approx(special.expit(mu), abs=1e-5)
    assert (pooled.ci_low, pooled.ci_high) == pytest.approx((special.expit(mu - crit * se), special.expit(mu + crit * se)), abs=1e-4)


def test_first_salvage_rates_whose_ci_clears_the_claim_make_it_discrepant(data_copy):
    path = data_copy / "background" / "salvage_cr.csv"
    replace_in(path, "8 best supportive care)\",121,229,53%", "8 best supportive care)\",160,229,70%")
    replace_in(path, ",,224,42%,false,GMALL", ",,224,70%,false,GMALL")
    replace_in(path, "GMALL salvage chemotherapy,11,48,23%", "GMALL salvage chemotherapy,34,48,71%")
    result = reinduction_cr(CLAIMS, data_dir=data_copy)
    assert result.verdict == "discrepant"
    assert [c.agrees for c in result.checks if c.label.startswith("pooled CR, first salvage")] == [False]


# ----------------------------------------------------------------------------- TRM
def test_trm_pooled_rate_matches_the_common_effect_formula_when_tau2_is_zero():
    result = evaluate("trm-immunotherapy")
    assert (result.citation, result.verdict) == ("supported", "consistent")   # CI 1.3%-4.2% meets [0.5%, 1.5%)
    assert result.extra["position"] == "above" and "upper edge" in result.reason
    assert len(result.checks) == 5 and all(c.agrees for c in result.checks)
    assert "exact 95% CI 0.1%–11.8%" in next(c.found for c in result.checks if c.label.startswith("ALCANTARA"))
    assert "14/630" in result.reason and "1.2%–3.7%" in result.reason
    ev = fatal_evidence()
    fit = ev.treatment_related.shown
    x, n = np.array([8.0, 4.0, 1.0, 1.0]), np.array([267.0, 225.0, 45.0, 93.0])
    assert sorted(zip(fit.studies["events"], fit.studies["total"])) == sorted(zip(x.astype(int), n.astype(int)))
    assert fit.tau2 == 0.0                                   # heterogeneity Q = 1.43 on 3 df
    y, v = special.logit(x / n), 1 / x + 1 / (n - x)
    w = 1 / v
    mu = (w * y).sum() / w.sum()
    se = math.sqrt((w * (y - mu) ** 2).sum() / 3 / w.sum())   # Hartung-Knapp, k - 1 = 3
    crit = stats.t.ppf(0.975, 3)
    assert fit.estimate == pytest.approx(special.expit(mu), abs=1e-9)          # 0.0231
    assert (fit.ci_low, fit.ci_high) == pytest.approx((special.expit(mu - crit * se), special.expit(mu + crit * se)), abs=1e-9)
    assert 0.01 < fit.ci_low < 0.015                          # 1% is below the CI, its rounding edge is not
    assert ev.any_cause.shown.estimate == pytest.approx(0.163, abs=0.001)     # 103/630 crude 16.3%
    assert all(ev.table["printed agrees"] == "yes")          # every printed % re-derives from its counts


def test_trial_rates_well_above_one_percent_make_the_trm_claim_discrepant(data_copy):
    path = data_copy / "background" / "blinatumomab_fatal_events.csv"
    replace_in(path, "blinatumomab,8,267,3%", "blinatumomab,24,267,9%")
    replace_in(path, "blinatumomab,4,225,2%", "blinatumomab,18,225,8%")
    result = trm_immunotherapy(CLAIMS, data_dir=data_copy)
    assert result.verdict == "discrepant"
    failing = [c.label.split(":")[0] for c in result.checks if c.agrees is False]
    assert "TOWER blinatumomab arm" in failing and "ALCANTARA (Ph+)" not in failing   # 1/45: exact CI reaches 1%


def test_a_guideline_that_does_not_print_the_figure_is_not_support(data_copy):
    replace_in(data_copy / "background" / "cited_works.yaml",
               "trm-immunotherapy: {prints: true,", "trm-immunotherapy: {prints: false,")
    assert trm_immunotherapy(CLAIMS, data_dir=data_copy).citation == "not-supported"


# ----------------------------------------------------------------------------- cited works and audit
@pytest.mark.parametrize("old, new, message", [
    ("    read: abstract\n    reports: \"Front-line", "    read: skimmed\n    reports: \"Front-line", "unknown value 'skimmed'"),
    ("*J Clin Oncol*. 2012;30(14):1663.\"", "*J Clin Oncol*. 2012;30(14):1663-1669.\"", "does not occur in the commentary"),
    ("  - bibkey: Qian2014", "  - bibkey: Qian2015", "unknown BibTeX key 'Qian2015'"),
    ("    found: false\n    read: nothing", "    found: false\n    read: abstract", "cannot have been read"),
])
def test_cited_works_errors_name_the_field(data_copy, old, new, message):
    replace_in(data_copy / "background" / "cited_works.yaml", old, new)
    with pytest.raises(DataError, match=message):
        load_cited_works(data_copy)


@pytest.mark.parametrize("read, citations, expected", [
    ("abstract", ["supported", "supported", "pending"], "supported"),
    ("abstract", ["not-supported", "not-supported"], "not-supported"),
    ("abstract", ["supported", "not-supported"], "partly-supported"),
    ("abstract", ["unverifiable"], "unverifiable"),
    ("abstract", ["pending", "pending"], "pending"),
    ("nothing", ["supported"], "unverifiable"),
    ("record-only", ["pending"], "unverifiable"),
])
def test_audit_verdict_rule(read, citations, expected):
    work = next(iter(load_cited_works().values()))
    work = type(work)(**{**work.__dict__, "read": read, "found": read != "nothing"})
    assert audit_verdict(work, citations) == expected


def test_citation_audit_covers_all_six_references_from_the_ledger():
    ledger = build_ledger([evaluate(i) for i in CLAIMS.ids()], CLAIMS)
    rows = {r.bibkey: r for r in citation_audit(ledger, load_cited_works(), load_errata())}
    assert [r.number for r in sorted(rows.values(), key=lambda r: r.number)] == [1, 2, 3, 4, 5, 6]
    assert rows["Hunger2012"].verdict == "not-supported"     # read; prints none of the three figures
    assert rows["Qian2014"].verdict == "unverifiable"
    # the claims it is cited for are unverifiable as a whole ([2] not found), and the audit says so
    for c in rows["Qian2014"].claims:
        assert (c["citation"], c["this_work"]) == ("unverifiable", "unverifiable")
    for c in rows["Hunger2012"].claims:
        assert (c["citation"], c["this_work"]) == ("unverifiable", "not-supported")
    assert rows["Hoelzer2024"].verdict == "supported"
    assert rows["Litzow2022"].verdict == "unverifiable"
    assert {e["id"] for e in rows["Hunger2012"].errata} == {"ref1-truncated"}
    assert {e["id"] for e in rows["Qian2014"].errata} == {"ref2-not-found"}
    assert {e["id"] for e in rows["Hoelzer2024"].errata} == {"ref3-year"}
    assert {e["id"] for e in rows["Liu2023meta"].errata} == {"ref4-year"}
    assert rows["Gaballa2022"].errata == ()
    assert {c["id"] for c in rows["Hunger2012"].claims} == {"relapse-adults", "relapse-children", "reinduction-cr"}
    # claims of other groups keep whatever the ledger says; nothing is invented for them
    for row in rows.values():
        for c in row.claims:
            assert c["citation"] == next(x for x in ledger["claims"] if x["id"] == c["id"])["citation"]

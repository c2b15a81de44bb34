"""Relapse burden (relapse-adults, relapse-children): published figures against the claimed ranges."""

import pytest
from conftest import replace_in

from analysis.claims import evaluate
from analysis.claims.pooling import parse_span
from analysis.claims.relapse_burden import coverage, relapse_adults, relapse_children, relapse_figures
from analysis.inputs.files import DataError, DataErrors, load_claims

CLAIMS = load_claims()


def test_relapse_adults_consistent_and_unverifiable():
    result = evaluate("relapse-adults")
    assert (result.citation, result.verdict) == ("unverifiable", "consistent")
    assert result.extra["envelope"] == pytest.approx((0.30, 0.60))   # review 30-60%, GIMEMA 60%
    assert result.extra["coverage"] == pytest.approx(10.5 / 16)      # 49.5%-60% of 49.5%-65.5%
    assert len(result.checks) == 3 and all(c.counted and c.outcome == "agrees" for c in result.checks)
    assert {c.rule for c in result.checks} == {"published-range"}
    assert result.rules == ("published-range", "combine-checks", "citation-works")
    assert result.citation_reason.startswith("[1] read, does not print it; [2] not found.")
    assert "no compared figure lies above 60.0%" in result.reason
    assert result.takeaway.startswith("3 other published sources on adults span 30%–60%")


def test_coverage_is_description_only():
    assert coverage([parse_span("30% to 60%")], (0.495, 0.655)) == pytest.approx(10.5 / 16)
    assert coverage([parse_span("10% to 15%"), parse_span("15% to 20%")], (0.095, 0.205)) == pytest.approx(10 / 11)


def test_every_cure_or_not_cured_statement_is_context():
    figures = {f.row_id: f for f in relapse_figures("adult_relapse.csv") + relapse_figures("paediatric_relapse.csv")}
    for rid in ("esmo-adult-cure", "pethema-not-cured", "esmo-paed-cure", "hunger2012-5y-os-1990-94"):
        assert figures[rid].use == "context"
    assert figures["hunger2012-5y-os-1990-94"].drawn == "16.3% (= 1 − 83.7%)"
    assert "survival" in figures["hunger2012-5y-os-1990-94"].why


def test_a_range_that_only_touches_the_claim_makes_it_discrepant(data_copy):
    replace_in(data_copy / "background" / "adult_relapse.csv", ",,,30% to 60%,", ",,,30% to 55%,")
    assert relapse_adults(CLAIMS, data_dir=data_copy).verdict == "discrepant"   # any overlap would have agreed


def test_relapse_children_recomputes_the_cog_proportions():
    result = evaluate("relapse-children")
    assert (result.citation, result.verdict) == ("unverifiable", "consistent")
    values = {r.label: r.value for r in result.reproduced}
    assert values["COG relapse analysis (Rheingold 2024), recomputed from its counts"] == pytest.approx(2053 / 16115)
    assert result.extra["envelope"] == pytest.approx((0.10, 1961 / 9585))
    assert not any("-relapse" in r.label for r in result.reproduced)                 # no row ids shown


def test_a_higher_adult_relapse_figure_makes_the_adult_claim_discrepant(data_copy):
    replace_in(data_copy / "background" / "adult_relapse.csv",
               "GIMEMA ALL 0288 chemotherapy,,,60%", "GIMEMA ALL 0288 chemotherapy,,,80%")
    result = relapse_adults(CLAIMS, data_dir=data_copy)
    assert result.verdict == "discrepant"
    assert [c.found for c in result.checks if c.outcome == "disagrees"] == ["80.0%"]


def test_a_count_that_contradicts_its_printed_percentage_makes_the_child_claim_discrepant(data_copy):
    replace_in(data_copy / "background" / "paediatric_relapse.csv", "2053,16115,12.7%", "2503,16115,12.7%")
    assert relapse_children(CLAIMS, data_dir=data_copy).verdict == "discrepant"   # 2503/16115 = 15.5%


def test_a_context_row_made_a_check_enters_the_comparison(data_copy):
    replace_in(data_copy / "background" / "selection.yaml",
               "gimema-0288-resistant: {use: context,", "gimema-0288-resistant: {use: check,")
    result = relapse_adults(CLAIMS, data_dir=data_copy)
    assert len([c for c in result.checks if c.rule == "published-range"]) == 4
    assert result.verdict == "discrepant"           # primary resistance alone is far below 50%


def test_a_renamed_row_fails_validation_instead_of_dropping_a_check(data_copy):
    replace_in(data_copy / "background" / "adult_relapse.csv", "gimema-0288-relapse,", "gimema-0288-relapses,")
    with pytest.raises((DataError, DataErrors), match="gimema-0288-relapse"):
        relapse_adults(CLAIMS, data_dir=data_copy)


def test_a_found_reference_that_prints_the_figure_lifts_the_citation(data_copy):
    path = data_copy / "background" / "cited_works.yaml"
    replace_in(path, "    found: false\n    read: nothing\n    reports: \"\"",
               "    found: true\n    read: abstract\n    reports: \"x\"")
    replace_in(path, "    carries: {}\n\n  - bibkey: Hoelzer2024",
               "    carries:\n      relapse-adults: {prints: true, why: \"says 50-65%\"}\n"
               "      relapse-children: {prints: false, why: \"no\"}\n      reinduction-cr: {prints: false, why: "
               "\"no\"}\n\n  - bibkey: Hoelzer2024")
    assert relapse_adults(CLAIMS, data_dir=data_copy).citation == "partly-supported"

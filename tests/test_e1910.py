"""E1910 claim group: verdicts, reproduced values, and that a wrong figure is caught."""

import pytest

from analysis.claims import evaluate, evaluate_all
from analysis.claims.e1910 import randomisation
from analysis.datafiles import load_claims
from analysis.trials import load_trial
from conftest import ROOT, replace_in

BIB = ROOT / "book" / "references.bib"


def test_randomisation_is_consistent_and_its_citation_unverifiable():
    result = evaluate("e1910-randomisation")
    assert (result.citation, result.verdict) == ("unverifiable", "consistent")
    assert all(check.agrees for check in result.checks) and len(result.checks) == 7
    values = {r.label: r.value for r in result.reproduced}
    assert values["arms summed"] == 224
    assert values["remission after induction"] == pytest.approx(395 / 488)        # 0.8094
    assert values["share of remitters randomised as MRD-negative"] == pytest.approx(224 / 395)  # 0.5671
    assert "ASH 2022 LBA-1" in result.reason and "could not be read" in result.reason


def test_a_changed_arm_count_makes_the_claim_discrepant(data_copy):
    replace_in(data_copy / "trials" / "e1910.yaml",
               'printed: "112"\n    of: randomised\n    report: nejm2024\n    location: "PMID 39047240, abstract (Results)"\n  - id: randomised-chemotherapy',
               'printed: "111"\n    of: randomised\n    report: nejm2024\n    location: "PMID 39047240, abstract (Results)"\n  - id: randomised-chemotherapy')
    trial = load_trial("e1910", data_copy / "trials", BIB)
    result = randomisation(load_claims(), trial)
    assert result.verdict == "discrepant"
    failed = {c.label for c in result.checks if c.agrees is False}
    assert failed == {"randomised to blinatumomab", "arms add up to the total"}


def test_a_read_cited_report_makes_the_citation_supported(data_copy):
    # If the ASH abstract had been read and printed the counts, the citation axis would say so.
    path = data_copy / "trials" / "e1910.yaml"
    replace_in(path, "    read: false", "    read: true")
    for fid in ("randomised", "randomised-blinatumomab", "randomised-chemotherapy"):
        text = path.read_text()
        start = text.index(f"  - id: {fid}\n")
        end = text.index("report: nejm2024", start)
        path.write_text(text[:end] + "report: ash2022" + text[end + len("report: nejm2024"):])
    result = randomisation(load_claims(), load_trial("e1910", data_copy / "trials", BIB))
    assert result.citation == "supported"


def test_uncovered_claims_are_pending_never_invented():
    results = evaluate_all()
    assert len(results) == len(load_claims())
    for result in results:
        if result.verdict == "pending":
            assert result.citation == "pending"
            assert "No evaluator" in result.reason

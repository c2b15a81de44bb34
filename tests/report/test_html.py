"""HTML pieces of the pages, the ledger CSV, the bibliography labels, provenance and errata."""

import csv
import io

import pytest

from analysis.inputs.bibliography import link, short_label
from analysis.claims import ClaimResult, evaluate
from analysis.inputs.files import DataError, DataErrors, load_claims
from analysis.inputs.errata import load_errata
from analysis.report.ledger import build_ledger, drift, ledger_csv, ledger_json
from analysis.inputs.provenance import data_fingerprints, git_commit, package_versions
from analysis.report.html import CITATION_BADGES, VERDICT_BADGES, badge, claim_header, cite_box, ledger_html
from conftest import ROOT, replace_in


def test_badges_read_without_colour():
    for value, (symbol, meaning) in {**CITATION_BADGES}.items():
        html = badge("citation", value)
        assert f"{symbol} citation: {value}" in html and meaning in html and f"citation-{value}" in html
    for value, (symbol, _) in VERDICT_BADGES.items():
        assert f"{symbol} verdict: {value}" in badge("verdict", value)


def test_claim_header_has_quote_references_badges_reason_and_cite_box():
    claim = load_claims().get("e1910-randomisation")
    result = evaluate(claim.id)
    html = claim_header(claim, result)
    assert "224 MRD negative patients were randomized (112 in each group)." in html
    assert "Litzow et al. 2022" in html
    assert "? citation: unverifiable" in html and "≈ verdict: consistent" in html
    assert "reproduced by this report" in html and "arms summed: <strong>224</strong>" in html
    assert "Cite this claim" in html and 'href="#e1910-randomisation"' in html
    assert "book/claims/e1910.html#e1910-randomisation" in html
    assert "@misc{recheck-e1910-randomisation" in cite_box(claim, result)
    assert "Liu \\&amp; Wu" in cite_box(claim, result)  # BibTeX-escaped ampersand, HTML-escaped


def test_ledger_csv_has_one_row_per_claim():
    claims = load_claims()
    ledger = build_ledger([evaluate("e1910-randomisation")], claims)
    rows = list(csv.DictReader(io.StringIO(ledger_csv(ledger))))
    assert [r["id"] for r in rows] == claims.ids()
    row = next(r for r in rows if r["id"] == "e1910-randomisation")
    assert (row["citation"], row["verdict"]) == ("unverifiable", "consistent")


def test_ledger_html_links_analysed_claims_and_marks_pending():
    claims = load_claims()
    ledger = build_ledger([evaluate("e1910-randomisation")], claims)
    html = ledger_html(ledger)
    assert 'href="claims/e1910.html#e1910-randomisation"' in html
    assert "page not written yet" in html  # claims given no result here are pending
    assert html.count("<tr data-verdict=") == len(claims)


def test_ledger_json_is_canonical():
    claims = load_claims()
    ledger = build_ledger([evaluate("e1910-randomisation")], claims)
    assert ledger_json(ledger) == ledger_json(build_ledger([evaluate("e1910-randomisation")], claims))
    assert ledger_json(ledger).endswith("}\n")


def test_drift_names_claim_axis_and_reason():
    claims = load_claims()
    result = ClaimResult(id="e1910-randomisation", citation="supported", verdict="discrepant", reason="because")
    lines = drift(build_ledger([result], claims))
    assert any(l.startswith("e1910-randomisation: verdict is 'discrepant' but data/claims.yaml expects") and
               l.endswith("— because") for l in lines)


def test_claim_result_rejects_invalid_values():
    with pytest.raises(ValueError, match="unknown verdict"):
        ClaimResult(id="x", citation="supported", verdict="ok", reason="r")
    with pytest.raises(ValueError, match="unknown citation"):
        ClaimResult(id="x", citation="yes", verdict="consistent", reason="r")
    with pytest.raises(ValueError, match="pending"):
        ClaimResult(id="x", citation="pending", verdict="consistent", reason="r")
    with pytest.raises(ValueError, match="reason"):
        ClaimResult(id="x", citation="supported", verdict="consistent", reason=" ")


def test_bibliography_labels():
    assert short_label("Litzow2022") == "Litzow et al. 2022"
    assert short_label("LiuWu2023JLeuk") == "Liu & Wu 2023"
    assert link("Hoelzer2024") == '<a href="https://doi.org/10.1016/j.annonc.2023.09.3112">Hoelzer et al. 2024</a>'


def test_provenance():
    assert git_commit() != ""
    assert package_versions()["jupyter-book"] == "1.0.4.post1"
    rows = data_fingerprints()
    assert any(name == "data/claims.yaml" for name, _, _ in rows)
    assert all(len(sha) == 64 for _, _, sha in rows)
    assert [r[0] for r in rows] == sorted(r[0] for r in rows)


def test_errata_load_and_reject_bad_entries(data_copy):
    errata = load_errata()
    assert {e.id for e in errata} >= {"drug-name-typo", "ph-sign-lost", "ref4-year", "e1910-reports-mixed"}
    replace_in(data_copy / "errata.yaml", 'commentary: "The addition of belintuzumab',
               'commentary: "The addition of blinatumomab')
    replace_in(data_copy / "errata.yaml", "kind: typo", "kind: spelling")
    replace_in(data_copy / "errata.yaml", "claims: [e1910-standard-of-care]\n", "claims: [e1910-nope]\n")
    with pytest.raises((DataError, DataErrors)) as info:
        load_errata(data_copy / "errata.yaml", data_copy / "source" / "commentary.txt",
                    ROOT / "book" / "references.bib", data_copy / "claims.yaml")
    message = str(info.value)
    assert "errata[drug-name-typo].commentary: does not occur" in message
    assert "errata[drug-name-typo].kind: unknown kind 'spelling'" in message
    assert "errata[drug-name-typo].claims: unknown claim id 'e1910-nope'" in message

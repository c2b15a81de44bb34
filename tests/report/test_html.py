"""HTML pieces of the pages, the ledger CSV, the bibliography labels, provenance and errata."""

import csv
import io

import pytest
from conftest import ROOT, replace_in

from analysis.claims import ClaimResult, evaluate
from analysis.claims.result import Check, Reproduced
from analysis.inputs.bibliography import entry_url, short_label
from analysis.inputs.errata import load_errata
from analysis.inputs.files import Claim, DataError, DataErrors, load_claims
from analysis.inputs.provenance import data_fingerprints, git_commit, package_versions
from analysis.report.html import (
    CITATION_BADGES,
    VERDICT_BADGES,
    badge,
    cite_box,
    claim_header,
    findings_table,
    ledger_html,
    reference_link,
    safe_url,
    unbroken_numbers,
)
from analysis.report.html import link as html_link
from analysis.report.ledger import build_ledger, drift, ledger_csv, ledger_json

HOSTILE = ['<script>alert(1)</script>', '<img src=x onerror=alert(1)>', '"><svg onload=alert(1)>',
           "javascript:alert(1)", "' onmouseover='alert(1)"]


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
    assert "Recomputed by this report" in html or "Deciding number" in html
    assert "arms summed" in html and "224" in html
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
    names = {"e1910-randomisation": "E1910: randomisation counts"}
    assert ">E1910: randomisation counts</a>" in ledger_html(ledger, names=names)
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
    assert any(ln.startswith("e1910-randomisation: verdict is 'discrepant' but data/claims.yaml expects") and
               ln.endswith("— because") for ln in lines)


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
    assert entry_url("Hoelzer2024") == "doi:10.1016/j.annonc.2023.09.3112"
    assert str(reference_link("Hoelzer2024")) == ('<a href="https://doi.org/10.1016/j.annonc.2023.09.3112">'
                                                 'Hoelzer et al. 2024</a>')


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


def _hostile_result(text: str) -> tuple[Claim, ClaimResult]:
    claim = Claim(id="hostile-claim", quote=text, section=text, references=(), reported=(text,),
                  page="claims/e1910", expected_citation="supported", expected_verdict="consistent")
    check = Check(label=text, reported=text, found=text, agrees=False, source=text, note=text)
    result = ClaimResult(id="hostile-claim", citation="supported", verdict="discrepant", reason=text,
                         checks=(check,), citation_reason=text, takeaway=text,
                         deciding=Reproduced(label=text, value=0.5, text=text),
                         reproduced=(Reproduced(text, 0.5, text),))
    return claim, result


@pytest.mark.parametrize("text", HOSTILE)
def test_every_piece_escapes_hostile_text(text):
    """Text from the data files reaches the page as text: no tag, no attribute, no script survives."""
    claim, result = _hostile_result(text)
    ledger = {"claims": [{"id": claim.id, "quote": text, "reported": [text],
                          "reproduced": [{"label": text, "text": text}],
                          "citation": "supported", "verdict": "discrepant", "reason": text, "takeaway": text,
                          "deciding": {"label": text, "text": text}, "page": "book/claims/e1910.html#hostile-claim"}]}
    for html in (claim_header(claim, result), ledger_html(ledger, names={claim.id: text}), findings_table(ledger),
                 html_link(text, text)):
        html = str(html)
        assert "<script" not in html and "<img" not in html and "<svg" not in html
        assert "onerror=" not in html.replace("onerror=alert", "") or "&lt;img" in html
        assert 'href="javascript:' not in html and "href='javascript:" not in html
        assert " onmouseover='" not in html


def test_hostile_text_is_shown_not_dropped():
    claim, result = _hostile_result("<script>alert(1)</script>")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in str(claim_header(claim, result))


@pytest.mark.parametrize("url, expected", [
    ("https://doi.org/10.1/x", "https://doi.org/10.1/x"), ("http://example.org/a", "http://example.org/a"),
    ("doi:10.1016/j.annonc.2023.09.3112", "https://doi.org/10.1016/j.annonc.2023.09.3112"),
    ("10.1056/NEJMoa1609783", "https://doi.org/10.1056/NEJMoa1609783"),
    ("javascript:alert(1)", None), ("JaVaScRiPt:alert(1)", None), (" javascript:alert(1)", None),
    ("java\tscript:alert(1)", None), ("data:text/html,<script>alert(1)</script>", None), ("vbscript:x", None),
    ("file:///etc/passwd", None), ("//evil.example/x", None), ("https://", None), ("", None), (None, None),
])
def test_safe_url_keeps_only_http_https_and_doi(url, expected):
    assert safe_url(url) == expected


def test_a_javascript_url_from_the_bibliography_never_becomes_a_link(tmp_path, monkeypatch):
    from analysis.inputs import bibliography, paths
    from analysis.report.html import reference_link

    bib = tmp_path / "references.bib"
    bib.write_text("@misc{Evil2024, author = {Evil, Eve}, title = {X}, year = {2024}, url = {javascript:alert(1)}}\n",
                   encoding="utf-8")
    monkeypatch.setattr(paths, "BIBLIOGRAPHY", bib)
    monkeypatch.setattr(bibliography.paths, "BIBLIOGRAPHY", bib)
    bibliography._entries.cache_clear()
    html = str(reference_link("Evil2024"))
    assert "href" not in html and "Evil" in html


def test_numbers_are_never_split_at_a_dash():
    text = unbroken_numbers("47.0% (39.8%-54.4%) and 11.5%–76.9%")
    assert "39.8%\u2060-\u206054.4%" in text and "11.5%\u2060–\u206076.9%" in text
    assert unbroken_numbers("a negative check") == "a negative check"

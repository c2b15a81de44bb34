"""Per-claim and whole-report citations: each format parses back with the same fields."""

from __future__ import annotations

import json
import re

import pytest
from pybtex.database import parse_string

from analysis.inputs import paths
from analysis.inputs.files import load_claims
from analysis.report import citation
from analysis.version import REPORT_VERSION, identity

CLAIMS = load_claims()
BASE = "https://reviewer.example.org/recheck/"


@pytest.fixture(params=["with-url", "no-url"])
def mode(request, monkeypatch):
    monkeypatch.setenv("REPORT_BASE_URL", BASE if request.param == "with-url" else "")
    return request.param


def parse_ris(text: str) -> dict[str, list[str]]:
    """A strict RIS reader: every line is 'XY  - value', the first is TY, the last ER."""
    lines = text.split("\r\n")
    assert lines[-1] == "", "RIS lines end with CR LF"
    tags: dict[str, list[str]] = {}
    for line in lines[:-1]:
        found = re.fullmatch(r"([A-Z][A-Z0-9])  - (.*)", line)
        assert found, f"not an RIS line: {line!r}"
        tags.setdefault(found.group(1), []).append(found.group(2))
    assert lines[0].startswith("TY  - ") and lines[-2].startswith("ER  - ")
    return tags


def records():
    return [citation.report_record()] + [citation.claim_record(c.id, CLAIMS) for c in CLAIMS]


def test_every_claim_has_a_record_naming_version_date_author_and_locator(mode):
    me = identity()
    for record in records():
        text = citation.as_text(record)
        assert "The report's contributors" in text and REPORT_VERSION in text and me.date in text
        assert me.commit in text and "Anon" not in text and "n.d." not in text
        if mode == "with-url":
            assert record.url.startswith(BASE) and record.url in text
        else:
            assert record.url is None and record.site_path in text
        assert "file://" not in text and "localhost" not in text
        if record.claim_id:
            assert record.site_path.endswith(f".html#{record.claim_id}")


def test_bibtex_parses_back(mode):
    for record in records():
        entry = parse_string(citation.as_bibtex(record), "bibtex").entries[record.bibtex_key]
        (author,) = entry.persons["author"]
        assert str(author).strip("{}") == "The report's contributors"
        assert entry.fields["year"] == identity().date[:4]
        assert entry.fields["version"] == REPORT_VERSION
        assert entry.fields["title"].replace("\\&", "&").strip("{}") == record.title
        assert (entry.fields.get("url") == record.url) if record.url else "url" not in entry.fields
        if record.claim_id:
            assert record.claim_id in entry.fields["title"]


def test_ris_parses_back(mode):
    for record in records():
        tags = parse_ris(citation.as_ris(record))
        assert tags["AU"] == ["The report's contributors"] and tags["TI"] == [record.title]
        assert tags["PY"] == [identity().date[:4]] and tags["ET"] == [REPORT_VERSION]
        assert tags.get("UR") == ([record.url] if record.url else None)


def test_csl_json_parses_back(mode):
    for record in records():
        (item,) = json.loads(citation.as_csl_json(record))
        assert item["author"] == [{"literal": "The report's contributors"}]
        assert item["title"] == record.title and item["version"] == REPORT_VERSION
        assert item["issued"]["date-parts"][0][0] == int(identity().date[:4])
        assert item.get("URL") == record.url
        assert item["type"] in {"report", "webpage"}


def test_bibtex_escapes_latex_specials():
    assert citation.bibtex_escape("A & B 50% #1 $x_y {z} ~^\\") == (r"A \& B 50\% \#1 \$x\_y \{z\} "
                                                                r"\textasciitilde{}\textasciicircum{}\textbackslash{}")
    record = citation.CitationRecord(key="k", title="T & }{ 100%", author="G", version="v", commit="c",
                                     date="2026-12-01", site_path="p", url=None)
    entry = parse_string(citation.as_bibtex(record), "bibtex").entries["recheck-k"]
    assert entry.fields["title"] == r"{T \& \}\{ 100\%}"


def test_cite_box_is_escaped_and_never_uses_the_browser_address(mode):
    html = str(citation.cite_box_html("e1910-randomisation", CLAIMS))
    assert "data-site-path" not in html and "file://" not in html and "localhost" not in html
    assert "Liu &amp; Wu" in html and "The report&#39;s contributors" in html and REPORT_VERSION in html
    assert 'href="../../_static/cite/e1910-randomisation.ris"' in html
    if mode == "with-url":
        assert f'href="{BASE}book/claims/e1910.html#e1910-randomisation"' in html
    else:
        assert "book/claims/e1910.html#e1910-randomisation" in html and "no canonical address" in html


def test_cite_box_escapes_hostile_titles(monkeypatch):
    monkeypatch.setattr(citation.report_version, "report_title", lambda: '<script>alert(1)</script> "x"')
    html = str(citation.cite_box_html("e1910-randomisation", CLAIMS))
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_citation_files_are_written_for_every_claim(tmp_path):
    written = citation.write_citation_files(tmp_path, CLAIMS)
    assert len(written) == 3 * (len(CLAIMS) + 1)
    for claim in CLAIMS:
        for ext in ("bib", "ris", "json"):
            assert (tmp_path / "_static" / "cite" / f"{claim.id}.{ext}").stat().st_size > 0


def test_citation_cff_is_generated_from_the_identity():
    committed = (paths.ROOT / "CITATION.cff").read_text(encoding="utf-8")
    assert committed == citation.citation_cff(), "run: python -m analysis.report.citation --write-cff"
    assert f"version: {REPORT_VERSION}" in committed and "name: The report's contributors" in committed

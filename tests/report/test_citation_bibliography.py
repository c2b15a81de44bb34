"""Reference labels as a reader sees them: no LaTeX escapes, 'et al.' for truncated lists."""

from __future__ import annotations

import re

import pytest

from analysis.inputs import paths
from analysis.inputs.bibliography import _entries, entry_url, short_label

BIB = """
@article{Trunc, author = {Topp, Max S. and others}, title = {T}, year = {2014}}
@article{Two, author = {Liu, Heng and Wu, Tao}, title = {T}, year = {2023}}
@article{TwoTrunc, author = {Liu, Heng and Wu, Tao and others}, title = {T}, year = {2023}}
@article{Escaped, author = {G{\\"o}kbuget, Nicola and Baruchel, Andr{\\'e}}, title = {T}, year = {2018}}
@article{Von, author = {von Stackelberg, Arend and Locatelli, Franco and Zugmaier, Gerhard}, title = {T}, year = {2016}}
@article{Braced, author = {{von Stackelberg}, Arend and others}, title = {T}, year = {2016}}
@misc{Group, author = {{U.S. Food and Drug Administration}}, title = {T}, year = {2024}}
@misc{Undated, author = {Nguyen, K. and others}, title = {T}}
"""


@pytest.fixture
def bib(tmp_path):
    path = tmp_path / "test.bib"
    path.write_text(BIB, encoding="utf-8")
    return path


@pytest.mark.parametrize("key, label", [
    ("Trunc", "Topp et al. 2014"),
    ("Two", "Liu & Wu 2023"),
    ("TwoTrunc", "Liu et al. 2023"),
    ("Escaped", "Gökbuget & Baruchel 2018"),
    ("Von", "von Stackelberg et al. 2016"),
    ("Braced", "von Stackelberg et al. 2016"),
    ("Group", "U.S. Food and Drug Administration 2024"),
    ("Undated", "Nguyen et al. n.d."),
])
def test_short_label(bib, key, label):
    assert short_label(key, bib) == label


def test_no_label_of_the_bibliography_shows_latex_or_bibtex_keywords():
    bad = {}
    for key in _entries(str(paths.BIBLIOGRAPHY)):
        label = short_label(key)
        if re.search(r"[\\{}]|\bothers\b|Anon\.", label):
            bad[key] = label
    assert not bad, bad


def test_link_goes_to_the_doi_and_escapes_the_label(bib, tmp_path, monkeypatch):
    from analysis.inputs import bibliography, paths
    from analysis.report.html import reference_link

    path = tmp_path / "link.bib"
    path.write_text('@article{X, author = {O<b>Brien, S. and others}, title = {T}, year = {2009}, doi = {10.1/a"b}}',
                    encoding="utf-8")
    assert entry_url("X", path) == 'doi:10.1/a"b'
    monkeypatch.setattr(paths, "BIBLIOGRAPHY", path)
    monkeypatch.setattr(bibliography.paths, "BIBLIOGRAPHY", path)
    _entries.cache_clear()
    html = str(reference_link("X"))
    assert "<b>" not in html and "&lt;b&gt;" in html
    assert 'href="https://doi.org/10.1/a&#34;b"' in html


def test_every_candidate_study_row_has_an_identifier_or_says_why_not():
    """Issue 13: 20/20 candidate-study rows traced to a DOI, PMID or NCT number, or with a
    stated reason ('No identifier: ...' in notes) -- never silently blank."""
    import csv

    with open(paths.DATA / "meta_analysis" / "studies.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert rows
    untraced = [r["study_id"] for r in rows
                if not (r["doi"] or r["pmid"] or r["nct"]) and "No identifier:" not in r["notes"]]
    assert not untraced, untraced

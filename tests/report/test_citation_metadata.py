"""The built site read as a reference manager, a search engine and a fact-check aggregator would:
every page yields a complete record, every claim a ClaimReview and three citation files, every
data file a download; nothing points at file:// or localhost.

Two builds are read: the session's full site (built with whatever REPORT_BASE_URL the
environment has, usually none) and a two-page book built here with a base URL, so both the
"no canonical address" and the "canonical address" behaviours are checked on real HTML."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urldefrag

import pytest
from bs4 import BeautifulSoup
from pybtex.database import parse_string

from analysis.inputs import paths
from analysis.inputs.files import load_claims
from analysis.report.citation import claim_site_path
from analysis.version import REPORT_VERSION, commit_date, resolve_base_url

ROOT = paths.ROOT
CLAIMS = load_claims()
AUTHOR = "The report's contributors"
BASE = "https://reviewer.example.org/recheck/"
FORBIDDEN = re.compile(r"file://|localhost|127\.0\.0\.1|Anon\.")


def pages(site: Path) -> list[Path]:
    """Every HTML page of the site except the root redirect."""
    return sorted(p for p in site.rglob("*.html") if p.relative_to(site).as_posix() != "index.html"
                  and "_static" not in p.parts and "_sources" not in p.parts)


def meta(soup: BeautifulSoup) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for tag in soup.find_all("meta", attrs={"name": re.compile(r"^citation_")}):
        out.setdefault(tag["name"], []).append(tag["content"])
    return out


def reviews(soup: BeautifulSoup) -> list[dict]:
    found = [json.loads(s.string) for s in soup.find_all("script", attrs={"type": "application/ld+json"})]
    return [r for r in found if r.get("@type") == "ClaimReview"]


def site_base() -> str:
    """The base URL the session's site was built with (the environment decides)."""
    from analysis.version import _config

    return resolve_base_url((_config().get("html") or {}).get("baseurl") or "")


def check_record(site: Path, base: str) -> None:
    for page in pages(site):
        rel = page.relative_to(site).as_posix()
        tags = meta(BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser"))
        assert tags.get("citation_title", [""])[0].strip(), rel
        assert tags["citation_author"] == [AUTHOR], rel
        assert tags["citation_publication_date"] == [commit_date().replace("-", "/")], rel
        assert tags["citation_online_date"] == tags["citation_publication_date"], rel
        assert tags["citation_version"] == [REPORT_VERSION], rel
        if base:
            assert tags["citation_public_url"] == [base + rel], rel
        else:
            assert "citation_public_url" not in tags, rel


def check_canonical_and_sitemap(site: Path, base: str) -> None:
    for page in pages(site):
        rel = page.relative_to(site).as_posix()
        links = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser").find_all("link", rel="canonical")
        assert [link["href"] for link in links] == ([base + rel] if base else []), rel
    sitemap = site / "sitemap.xml"
    if not base:
        assert not sitemap.exists()
        return
    locs = re.findall(r"<loc>([^<]+)</loc>", sitemap.read_text(encoding="utf-8"))
    expected = sorted(base + p.relative_to(site).as_posix() for p in pages(site)
                      if p.name not in ("search.html", "genindex.html"))
    assert sorted(locs) == expected


def check_claim_reviews(site: Path, base: str, claims) -> None:
    ledger_path = site / "_static" / "ledger.json"
    ledger = {row["id"]: row for row in json.loads(ledger_path.read_text(encoding="utf-8"))["claims"]} \
        if ledger_path.exists() else {}
    seen: dict[str, dict] = {}
    for page in pages(site):
        for review in reviews(BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")):
            assert review["identifier"] not in seen, f"{review['identifier']} reviewed twice"
            seen[review["identifier"]] = review
            assert page.relative_to(site).as_posix().startswith("book/")
    for claim in claims:
        review = seen.pop(claim.id)
        assert review["@context"] == "https://schema.org"
        assert review["claimReviewed"] == claim.quote
        assert review["author"] == {"@type": "Organization", "name": AUTHOR}
        assert review["datePublished"] == commit_date()
        item = review["itemReviewed"]
        assert item["@type"] == "CreativeWork" and item["identifier"]["value"] == CLAIMS.source["doi"]
        assert item["url"] == f"https://doi.org/{CLAIMS.source['doi']}" and "Liu" in json.dumps(item["author"])
        rating = review["reviewRating"]
        assert rating["@type"] == "Rating" and rating["alternateName"]
        if claim.id in ledger:
            assert rating["alternateName"] == ledger[claim.id]["verdict"]
        if base:
            assert review["url"] == base + claim_site_path(claim.page, claim.id)
        else:
            assert "url" not in review
    assert not seen, f"reviews of unregistered claims: {sorted(seen)}"


def check_citation_files(site: Path, base: str, claims) -> None:
    for key, path in [("report", "book/intro.html")] + [(c.id, claim_site_path(c.page, c.id)) for c in claims]:
        folder = site / "_static" / "cite"
        bib = parse_string((folder / f"{key}.bib").read_text(encoding="utf-8"), "bibtex").entries[f"recheck-{key}"]
        ris = (folder / f"{key}.ris").read_text(encoding="utf-8")
        (csl,) = json.loads((folder / f"{key}.json").read_text(encoding="utf-8"))
        assert bib.fields["version"] == REPORT_VERSION == csl["version"] and f"ET  - {REPORT_VERSION}" in ris
        assert bib.fields["year"] == commit_date()[:4] and f"PY  - {commit_date()[:4]}" in ris
        assert csl["author"] == [{"literal": AUTHOR}] and f"AU  - {AUTHOR}" in ris
        url = base + path if base else None
        assert bib.fields.get("url") == url and csl.get("URL") == url and ((f"UR  - {url}" in ris)
                                                                           if url else "UR  -" not in ris)
        for text in (ris, json.dumps(csl), bib.fields["note"]):
            assert not FORBIDDEN.search(text)


def check_no_local_addresses(site: Path) -> None:
    for page in pages(site):
        text = page.read_text(encoding="utf-8")
        found = FORBIDDEN.search(text)
        assert not found, f"{page.relative_to(site)}: {found.group(0)!r}"


# --- the session's full site -------------------------------------------------------------

def test_every_page_carries_a_complete_citation_record(site):
    check_record(site, site_base())


def test_canonical_links_and_sitemap_follow_the_base_url(site):
    check_canonical_and_sitemap(site, site_base())


def test_every_claim_has_one_claim_review_on_its_page(site):
    check_claim_reviews(site, site_base(), CLAIMS)


def test_every_claim_has_citation_files(site):
    check_citation_files(site, site_base(), CLAIMS)


def test_no_page_points_at_this_machine(site):
    check_no_local_addresses(site)


def test_every_data_file_is_downloadable_from_the_data_page(site):
    from analysis.inputs.tables import TABLES
    from analysis.report.datapackage import data_files, schema_file

    page = site / "book" / "data.html"
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    targets = {}
    for a in soup.find_all("a", href=True):
        href = urldefrag(a["href"])[0]
        if href and "://" not in href:
            targets[(page.parent / href).resolve()] = a
    data = (site / "_static" / "data").resolve()
    for relative in data_files():
        target = data / relative
        assert target in targets, f"data/{relative} has no download link on the data page"
        assert target.read_bytes() == (paths.DATA / relative).read_bytes()
        if relative in TABLES:
            assert (data / schema_file(relative)) in targets and (data / schema_file(relative)).exists()
    assert (data / "datapackage.json") in targets


_HTML_PY = (ROOT / "analysis" / "report" / "html.py").read_text(encoding="utf-8")


def test_every_claim_page_cite_box_names_the_version_and_the_canonical_url(site):
    base = site_base()
    for claim in CLAIMS:
        page = site / f"book/{claim.page}.html"
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        header = soup.find(id=f"claim-{claim.id}-header")
        assert header is not None, claim.id
        rest = soup.find(id=f"claim-{claim.id}-why")          # the header's second part, after the figure
        box = (rest or header).find("details", class_="cite-claim")
        assert box is not None, claim.id
        text = box.get_text(" ")
        assert REPORT_VERSION in text and AUTHOR in text and "data-site-path" not in str(box)
        assert (base + claim_site_path(claim.page, claim.id)) in text if base else claim_site_path(claim.page,
                                                                                                   claim.id) in text
        for a in box.select(".cite-downloads a"):
            assert (page.parent / a["href"]).resolve().exists(), a["href"]


# --- a small book built with a base URL ----------------------------------------------------

@pytest.fixture(scope="module")
def based_site(tmp_path_factory) -> Path:
    """Two pages (intro and the E1910 page with its claims' anchors) built with the real
    configuration and extensions and REPORT_BASE_URL set."""
    book = tmp_path_factory.mktemp("based") / "book-src"
    (book / "book" / "claims").mkdir(parents=True)
    for folder in ("_ext", "_static"):
        shutil.copytree(ROOT / "book" / folder, book / "book" / folder)
    shutil.copy(ROOT / "book" / "references.bib", book / "book" / "references.bib")
    shutil.copy(ROOT / "_config.yml", book / "_config.yml")
    (book / "_toc.yml").write_text("format: jb-book\nroot: book/intro\nchapters:\n  - file: book/claims/e1910\n",
                                   encoding="utf-8")
    (book / "book" / "intro.md").write_text("# Introduction\n\nA page.\n", encoding="utf-8")
    anchors = "".join(f"({c.id})=\n## Claim {c.id}\n\nA section.\n\n" for c in CLAIMS if c.page == "claims/e1910")
    (book / "book" / "claims" / "e1910.md").write_text("# The E1910 trial\n\n" + anchors, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "REPORT_BASE_URL": BASE.rstrip("/")}
    done = subprocess.run([str(Path(sys.executable).parent / "jupyter-book"), "build", str(book), "--all",
                           "-n", "-W", "--keep-going"], capture_output=True, text=True, timeout=900, env=env)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "no canonical base URL" not in done.stdout
    return book / "_build" / "html"


def test_with_a_base_url_every_record_has_its_address(based_site):
    check_record(based_site, BASE)
    check_canonical_and_sitemap(based_site, BASE)
    check_no_local_addresses(based_site)


def test_with_a_base_url_claim_reviews_and_files_carry_permalinks(based_site):
    e1910 = [c for c in CLAIMS if c.page == "claims/e1910"]
    check_claim_reviews(based_site, BASE, e1910)
    check_citation_files(based_site, BASE, CLAIMS)


# --- the build's one message when no address is configured --------------------------------

def _metadata_module():
    spec = importlib.util.spec_from_file_location("report_metadata_ext", ROOT / "book" / "_ext" / "metadata.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("env, configured, expected, says", [
    (None, "", "", True), ("", "https://configured.example.org/x", "", True),
    ("https://env.example.org/r", "", "https://env.example.org/r/", False),
    (None, "https://configured.example.org/x", "https://configured.example.org/x/", False),
])
def test_base_url_resolution_says_once_when_empty(monkeypatch, env, configured, expected, says):
    module = _metadata_module()
    messages = []
    monkeypatch.setattr(module.logger, "info", lambda message, *a, **k: messages.append(message))
    if env is None:
        monkeypatch.delenv("REPORT_BASE_URL", raising=False)
    else:
        monkeypatch.setenv("REPORT_BASE_URL", env)
    config = SimpleNamespace(html_baseurl=configured, report_pdf_links=False, suppress_warnings=[])
    module._set_base_url(None, config)
    assert config.html_baseurl == expected
    assert len(messages) == (1 if says else 0)
    assert ("sitemap.configuration" in config.suppress_warnings) == says


def test_a_local_base_url_fails_the_build_configuration(monkeypatch):
    module = _metadata_module()
    monkeypatch.setenv("REPORT_BASE_URL", "http://localhost:8000/")
    with pytest.raises(ValueError, match="REPORT_BASE_URL"):
        module._set_base_url(None, SimpleNamespace(html_baseurl="", report_pdf_links=False, suppress_warnings=[]))

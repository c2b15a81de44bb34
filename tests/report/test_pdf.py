"""The PDFs a reviewer attaches: printed from the built site by Debian's Chromium, each opened
with pypdf and checked for its page count, title, citation, page numbers, links and figures."""

from __future__ import annotations

import functools
import re
import shutil

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None:
    pytest.skip("Debian's chromium is not installed: apt-get install -y chromium (CI's .ci/run does this)",
                allow_module_level=True)

from bs4 import BeautifulSoup  # noqa: E402
from pypdf import PdfReader  # noqa: E402

from analysis.inputs.files import load_claims  # noqa: E402
from analysis.report import pdf  # noqa: E402
from analysis.version import REPORT_VERSION, base_url, commit_date, report_title  # noqa: E402

CLAIMS = load_claims()
FORBIDDEN = re.compile(r"file://|localhost|127\.0\.0\.1")


@pytest.fixture(scope="module")
def printed(site, tmp_path_factory):
    out = tmp_path_factory.mktemp("pdf")
    items = pdf.print_site(site, out)
    return {item.pagename: item for item in items}


class Parsed:
    """One printed PDF, parsed once for all the tests of this module (pypdf's text and image
    extraction is what made them slow)."""

    def __init__(self, path, pages: list[str]):
        self.reader = PdfReader(path)
        self.pages = pages
        self.text = " ".join(self.pages)
        self.links = links(self.reader)

    @functools.cached_property
    def images(self) -> int:
        """Image XObjects drawn on the pages (in forms too), counted from the page resources
        without decoding them (pypdf's ``page.images`` decodes every image: most of the time)."""
        return sum(image_count(page.get("/Resources")) for page in self.reader.pages)


def image_count(resources, seen=None) -> int:
    seen = set() if seen is None else seen
    resources = resources.get_object() if resources is not None else None
    xobjects = resources.get("/XObject") if resources else None
    if not xobjects:
        return 0
    count = 0
    for ref in xobjects.get_object().values():
        key = getattr(ref, "idnum", None)
        obj = ref.get_object()
        if key is not None and key in seen:
            count += obj.get("/Subtype") == "/Image"
            continue
        seen.add(key)
        if obj.get("/Subtype") == "/Image":
            count += 1
        elif obj.get("/Subtype") == "/Form":
            count += image_count(obj.get("/Resources"), seen)
    return count


def page_texts(task: tuple[str, int, int]) -> list[str]:
    """The text of pages ``start`` to ``stop`` of one PDF, whitespace collapsed (in a worker)."""
    path, start, stop = task
    reader = PdfReader(path)
    return [" ".join(reader.pages[i].extract_text().split()) for i in range(start, stop)]


@pytest.fixture(scope="module")
def parsed(printed):
    """Every PDF's text, extracted on both cores: pypdf takes about 20 s for the 160-page report
    alone, so each PDF is cut into runs of pages extracted side by side."""
    from concurrent.futures import ProcessPoolExecutor

    tasks = []
    for item in printed.values():
        count = len(PdfReader(item.path).pages)
        tasks += [(str(item.path), start, min(start + 20, count)) for start in range(0, count, 20)]
    with ProcessPoolExecutor(max_workers=2) as pool:
        chunks = dict(zip(tasks, pool.map(page_texts, tasks), strict=True))
    return {name: Parsed(item.path, [text for (path, _, _), texts in chunks.items() if path == str(item.path)
                                     for text in texts])
            for name, item in printed.items()}


def links(reader: PdfReader) -> tuple[list[str], int]:
    uris, internal = [], 0
    for page in reader.pages:
        for annot in page.get("/Annots") or []:
            annot = annot.get_object()
            if annot.get("/Subtype") != "/Link":
                continue
            action = annot.get("/A")
            uri = action.get_object().get("/URI") if action is not None else None
            if uri is None:
                internal += 1
            else:
                uris.append(str(uri))
    return uris, internal


def test_one_pdf_per_claim_page_and_one_for_the_report(printed, site):
    claim_pages = sorted({f"book/{c.page}" for c in CLAIMS if c.page.startswith("claims/")})
    assert sorted(k for k in printed if k != "report") == claim_pages
    assert "report" in printed
    for item in printed.values():
        assert item.path.exists() and item.path.stat().st_size > 10_000


def test_each_pdf_opens_with_its_title_page_numbers_and_citation(printed, parsed):
    for name, item in printed.items():
        reader = parsed[name].reader
        assert len(reader.pages) >= 2, name
        title = reader.metadata.title
        assert title == (report_title() if name == "report" else item.title), name
        first = parsed[name].pages[0]
        assert f"Version {REPORT_VERSION}" in first and commit_date() in first, name
        assert "The report's contributors" in first and "Cite as" in first, name
        assert re.search(rf"page 1 of {len(reader.pages)}\b", first), name
        last = parsed[name].pages[-1]
        assert f"page {len(reader.pages)} of {len(reader.pages)}" in last, name
        where = base_url() or "Site path"
        assert where in first, name
        for claim in CLAIMS:
            if f"book/{claim.page}" == name:
                assert claim.id in first, (name, claim.id)


def test_the_report_holds_every_page(parsed):
    report = len(parsed["report"].pages)
    assert report > max(len(p.pages) for n, p in parsed.items() if n != "report")
    text = parsed["report"].text
    for claim in CLAIMS:
        assert claim.quote.split()[0] in text


def test_links_are_kept_and_never_local(parsed):
    for name, item in parsed.items():
        uris, internal = item.links
        assert not [u for u in uris if FORBIDDEN.search(u)], name
        assert all(u.startswith(("http://", "https://", "mailto:")) for u in uris), name
        assert uris or internal, name
        assert not FORBIDDEN.search(item.text), name
    uris, internal = parsed["report"].links
    assert internal > 10  # table of contents, cross-page and in-page links became internal links
    assert any("doi.org" in u for u in uris)


def _figures(site, pagename: str) -> int:
    soup = BeautifulSoup((site / f"{pagename}.html").read_text(encoding="utf-8"), "html.parser")
    article = soup.select_one("article.bd-article")
    return len({img["src"] for img in article.find_all("img") if img.get("src")})


def test_no_figure_is_lost(parsed, site):
    for name, item in parsed.items():
        if name == "report":
            continue
        assert item.images >= _figures(site, name), name
    expected = sum(_figures(site, n) for n in parsed if n != "report")
    assert parsed["report"].images >= expected


def test_download_button_names(printed):
    assert pdf.pdf_for_page("book/claims/e1910") == "_static/pdf/e1910.pdf"
    assert pdf.pdf_for_page("book/intro") == pdf.REPORT_PDF

"""PDFs to attach to a review: the whole report, and one per claim page, printed from the built
site by Debian's Chromium through Playwright (``page.pdf``; never a downloaded browser).

Each PDF is printed with the print stylesheet of the site plus a few rules for paper (no
navigation, figures and tables kept whole and within the page width, folded sections opened),
page numbers in the footer, and -- on its first page -- the citation of what it holds: version,
date, canonical URL (or, without a base URL, the page's path inside the site) and, on a claim
page, every claim's id with its own permalink. Links are kept: links to other sites as they are;
links inside the printed document as internal PDF links; links to other pages of the site as
absolute links to the published site -- or, when no base URL is configured, removed (their text
stays), so a PDF never carries a ``file://`` or ``localhost`` address.

The whole report is one document: every page of the table of contents in reading order, each
page's ids prefixed with the page's name so cross-page links become internal links, so page
numbers run through it.

Run: ``python -m analysis.report.pdf [_build/html]`` (``make pdf``), which writes
``_static/pdf/report.pdf`` and ``_static/pdf/<claim page>.pdf`` into the built site.
"""

from __future__ import annotations

import argparse
import os
import posixpath
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, StrictUndefined

PDF_DIR = "_static/pdf"
REPORT_PDF = f"{PDF_DIR}/report.pdf"
CLAIM_PAGES = "book/claims/"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
COMBINED_PAGE = "book/_print-report.html"   # written next to the pages while printing, then removed

PRINT_CSS = """
@page { size: A4; margin: 16mm 14mm 18mm 14mm; }
.bd-header, .bd-header-article, .bd-sidebar-primary, .bd-sidebar-secondary, .prev-next-area, .bd-footer,
.bd-footer-article, .bd-footer-content, .header-article, .theme-switch-button, .search-button,
.headerlink, #pst-back-to-top, .skip-link, .sidebar-toggle, .dropdown-toggle, .bd-toc, #jb-print-toc,
.toggle-details__summary, button.toggle-button, details.hide > summary { display: none !important; }
.bd-main, .bd-content, .bd-article-container, .bd-page-width, .bd-container, .bd-container__inner,
.bd-article { max-width: 100% !important; width: 100% !important; margin: 0 !important; padding: 0 !important; }
body { font-size: 10pt; }
img, figure, .cell_output img { max-width: 100% !important; height: auto !important; }
figure, .figure, img, blockquote, .print-citation { break-inside: avoid; }
h1, h2, h3, h4 { break-after: avoid; }
.table-scroll, .table-wrapper, .pst-scrollable-table-container {
  overflow: visible !important; max-height: none !important; }
table { font-size: 7.5pt; width: 100% !important; table-layout: auto; border-collapse: collapse; }
td, th { overflow-wrap: normal; word-break: normal; hyphens: auto; padding: 1px 3px !important; }
td.num, th.num, .num { white-space: nowrap; overflow-wrap: normal; }
thead { display: table-header-group; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; font-size: 7.5pt; }
.print-page { break-before: page; }
.print-page:first-of-type { break-before: auto; }
.print-citation { border: 1px solid #888; padding: 6px 8px; margin: 0 0 12px 0; font-size: 9pt; }
.print-citation p { margin: 2px 0; }
.print-citation ul { margin: 2px 0 0 16px; padding: 0; }
"""

_ENV = Environment(autoescape=True, undefined=StrictUndefined)
_CITATION_BOX = _ENV.from_string(
    '<div class="print-citation"><p><strong>Cite as:</strong> {{ text }}</p>'
    '{% if claims %}<p><strong>Claims on this page</strong> (cite one by its id and permalink):</p><ul>'
    '{% for c in claims %}<li><code>{{ c.id }}</code>: {{ c.where }}</li>{% endfor %}</ul>{% endif %}'
    '<p><small>Printed from the built site; version {{ version }}, commit {{ commit }}, dated '
    '{{ date }}.</small></p></div>')
_FOOTER = _ENV.from_string(
    '<div style="font-size:7pt;width:100%;padding:0 14mm;display:flex;justify-content:space-between;color:#444;">'
    '<span>{{ left }}</span><span>page <span class="pageNumber"></span> of <span '
    'class="totalPages"></span></span></div>')


def pdf_for_page(pagename: str) -> str:
    """The PDF a page's download button offers: its own for a claim page, else the report's."""
    if pagename.startswith(CLAIM_PAGES):
        return f"{PDF_DIR}/{pagename.removeprefix(CLAIM_PAGES)}.pdf"
    return REPORT_PDF


def chromium() -> str:
    """Debian's Chromium (``REPORT_CHROMIUM`` overrides); never a browser Playwright downloads."""
    found = os.environ.get("REPORT_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        raise RuntimeError("pdf: Debian's chromium is not installed (apt-get install -y chromium)")
    return found


def toc_pages(root: Path | None = None) -> list[str]:
    """The pages in reading order, from _toc.yml: ['book/intro', 'book/ledger', ...]."""
    import yaml

    from analysis.inputs import paths

    toc = yaml.safe_load(((root or paths.ROOT) / "_toc.yml").read_text(encoding="utf-8"))
    out = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                out.append(entry["file"])
            walk(entry.get("sections"))

    for part in toc.get("parts", []):
        walk(part.get("chapters"))
    walk(toc.get("chapters"))
    return [p.removesuffix(".md") for p in out]


@dataclass(frozen=True)
class Printed:
    path: Path
    pagename: str      # 'book/claims/e1910' or 'report'
    title: str
    citation: str      # the citation text printed on the first page


def _citation_for(pagename: str, registry) -> tuple[str, list[dict]]:
    from analysis.report.citation import as_text, claim_record, report_record
    from analysis.version import site_url

    record = report_record()
    if pagename != "report":
        me = record
        path = f"{pagename}.html"
        url = site_url(path)
        text = (f"{me.author} ({me.year}). {me.title}, page '{pagename.removeprefix('book/')}'. Version "
                f"{me.version} (commit {me.commit}), {me.date}. {url or 'Site path: ' + path}")
    else:
        text = as_text(record)
    claims = []
    for claim in registry:
        if f"book/{claim.page}" == pagename:
            c = claim_record(claim.id, registry)
            claims.append({"id": claim.id, "where": c.url or f"site path {c.site_path}"})
    return text, claims


_REWRITE_LINKS = """
([siteRoot, base, pageUrl, prefixes]) => {
  // prefixes: {'<file url of a page without .html>': '<id prefix in this document>'} (whole report)
  const here = pageUrl.split('#')[0];
  for (const a of Array.from(document.querySelectorAll('a[href]'))) {
    const raw = a.getAttribute('href');
    if (/^(https?:|mailto:|doi:)/i.test(raw)) continue;
    let url;
    try { url = new URL(a.href); } catch (e) { a.removeAttribute('href'); continue; }
    if (url.protocol !== 'file:') { if (!/^https?:$/.test(url.protocol)) a.removeAttribute('href'); continue; }
    const target = url.href.split('#')[0];
    const fragment = url.hash ? url.hash.slice(1) : '';
    const stem = target.replace(/\\.html$/, '');
    if (target === here) { a.setAttribute('href', fragment ? '#' + fragment : '#'); continue; }
    if (prefixes && prefixes.hasOwnProperty(stem)) {
      const p = prefixes[stem];
      a.setAttribute('href', '#' + (fragment ? p + '--' + fragment : p));
      continue;
    }
    if (base && target.startsWith(siteRoot)) {
      a.setAttribute('href', base + target.slice(siteRoot.length) + (fragment ? '#' + fragment : ''));
      continue;
    }
    a.removeAttribute('href');   // no canonical address: keep the text, drop a local link
    a.classList.add('print-unlinked');
  }
  document.querySelectorAll('details').forEach(d => { d.open = true; });
  document.querySelectorAll('.toggle-hidden, .cell.tag_hide-output .cell_output').forEach(e => {
    e.classList.remove('toggle-hidden'); e.style.display = ''; });
}
"""

_NO_LOCATION_URLS = """
document.addEventListener('DOMContentLoaded', () => {
  document.querySelectorAll('[data-site-path]').forEach(e => e.removeAttribute('data-site-path'));
});
"""

# A table wider than the page is scaled down to the page width (never cut off, never split
# letter by letter); figures are already limited to the page width by PRINT_CSS.
_FIT_TABLES = """
() => {
  for (const table of Array.from(document.querySelectorAll('table'))) {
    const box = table.parentElement;
    const room = box ? box.getBoundingClientRect().width : 0;
    const need = table.scrollWidth;
    if (room > 0 && need > room + 1) { table.style.zoom = Math.max(0.45, room / need).toFixed(3); }
  }
}
"""


def _prepare(page, site: Path, base: str, citation_html: str, prefixes: dict | None = None) -> None:
    page.emulate_media(media="print")
    page.add_style_tag(content=PRINT_CSS)
    page.evaluate(_REWRITE_LINKS, [site.resolve().as_uri() + "/", base, page.url, prefixes])
    page.evaluate("""(html) => {
        const article = document.querySelector('article.bd-article') || document.body;
        article.insertAdjacentHTML('afterbegin', html);
    }""", citation_html)
    page.evaluate("() => (window.MathJax && MathJax.startup && MathJax.startup.promise) || null")
    page.wait_for_load_state("networkidle")
    page.evaluate(_FIT_TABLES)


def _pdf(page, target: Path, footer_left: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    page.pdf(path=str(target), format="A4", print_background=True, display_header_footer=True,
             header_template="<span></span>", footer_template=_FOOTER.render(left=footer_left),
             margin={"top": "16mm", "bottom": "18mm", "left": "14mm", "right": "14mm"},
             outline=True, tagged=True)


def _combined_document(site: Path, pages: list[str]) -> tuple[str, dict]:
    """One HTML document holding every page's article, ids prefixed per page, assets re-pointed
    at the combined page's folder; and the map page file URL -> id prefix for link rewriting."""
    from bs4 import BeautifulSoup

    target_dir = posixpath.dirname(COMBINED_PAGE)
    first = BeautifulSoup((site / f"{pages[0]}.html").read_text(encoding="utf-8"), "html.parser")
    head_seen = {str(tag) for tag in first.head.find_all(["script", "link"])}
    article = first.select_one("article.bd-article")
    article.clear()
    prefixes = {}
    for pagename in pages:
        source = site / f"{pagename}.html"
        if not source.exists():
            continue
        prefix = pagename.replace("/", "-")
        prefixes[(site / pagename).resolve().as_uri()] = prefix
        soup = BeautifulSoup(source.read_text(encoding="utf-8"), "html.parser")
        page_dir = posixpath.dirname(pagename)

        def moved(url: str, page_dir: str = page_dir) -> str:
            if not url or "://" in url or url.startswith(("#", "data:", "mailto:")):
                return url
            return posixpath.relpath(posixpath.normpath(posixpath.join(page_dir, url)), target_dir)

        for tag in soup.head.find_all(["script", "link"]):  # e.g. MathJax on the methods page only
            for attribute in ("src", "href"):
                if tag.get(attribute):
                    tag[attribute] = moved(tag[attribute])
            if str(tag) not in head_seen:
                head_seen.add(str(tag))
                first.head.append(tag)
        body = soup.select_one("article.bd-article")
        if body is None:
            continue
        for tag in body.find_all(id=True):
            tag["id"] = f"{prefix}--{tag['id']}"
        for tag in body.find_all(["img", "source"]):
            if tag.get("src"):
                tag["src"] = moved(tag["src"])
        for tag in body.find_all("a", href=True):
            href = tag["href"]
            if href.startswith("#"):
                tag["href"] = f"#{prefix}--{href[1:]}" if len(href) > 1 else f"#{prefix}"
            elif "://" not in href and not href.startswith(("mailto:", "doi:")):
                tag["href"] = moved(href)
        section = first.new_tag("section", attrs={"class": "print-page", "id": prefix})
        for child in list(body.children):
            section.append(child.extract())
        article.append(section)
    if first.title is not None:
        from analysis.version import report_title

        first.title.string = report_title()
    return str(first), prefixes


def print_site(site: Path | str, out: Path | str | None = None, registry=None) -> list[Printed]:
    """Print the whole report and every claim page of the built ``site`` (``_build/html``): the
    claim pages in one browser while the combined report, the longest by far, prints in another
    (one Playwright per thread, as its sync API requires)."""
    from concurrent.futures import ThreadPoolExecutor

    from analysis.inputs.files import load_claims
    from analysis.version import base_url, identity

    site = Path(site)
    out = Path(out) if out is not None else site / PDF_DIR
    registry = registry if registry is not None else load_claims()
    pages = [p for p in toc_pages() if (site / f"{p}.html").exists()]
    claim_pages = [p for p in pages if p.startswith(CLAIM_PAGES)]
    base, me = base_url(), identity()
    with ThreadPoolExecutor(max_workers=2) as pool:
        claims = pool.submit(_in_browser, _print_claim_pages, site, out, registry, base, me, claim_pages)
        report = pool.submit(_in_browser, _print_report, site, out, registry, base, me, pages)
        return claims.result() + report.result()


def _in_browser(job, *args) -> list[Printed]:
    """Run ``job(context, *args)`` in a Chromium of its own, with an A4 viewport."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium(), args=CHROMIUM_FLAGS, headless=True)
        try:
            context = browser.new_context(viewport={"width": 794, "height": 1123})  # A4 at 96 dpi
            # Older versions of the site's report.js filled cite boxes from window.location (a
            # file:// address here): their markers are removed before any page script runs.
            context.add_init_script(_NO_LOCATION_URLS)
            return job(context, *args)
        finally:
            browser.close()


def _print_claim_pages(context, site: Path, out: Path, registry, base: str, me, claim_pages: list[str]
                       ) -> list[Printed]:
    printed = []
    for pagename in claim_pages:
        text, claims = _citation_for(pagename, registry)
        page = context.new_page()
        page.goto((site / f"{pagename}.html").resolve().as_uri(), wait_until="load")
        _prepare(page, site, base, _CITATION_BOX.render(text=text, claims=claims, version=me.version,
                                                        commit=me.commit, date=me.date))
        title = page.title()
        target = out / Path(pdf_for_page(pagename)).name
        _pdf(page, target, f"{me.title} · version {me.version} · {pagename.removeprefix('book/')}")
        printed.append(Printed(target, pagename, title, text))
        page.close()
    return printed


def _print_report(context, site: Path, out: Path, registry, base: str, me, pages: list[str]) -> list[Printed]:
    from analysis.version import report_title

    html, prefixes = _combined_document(site, pages)
    combined = site / COMBINED_PAGE
    combined.write_text(html, encoding="utf-8")
    try:
        text, _ = _citation_for("report", registry)
        page = context.new_page()
        page.goto(combined.resolve().as_uri(), wait_until="load")
        _prepare(page, site, base, _CITATION_BOX.render(text=text, claims=[], version=me.version,
                                                        commit=me.commit, date=me.date), prefixes)
        target = out / Path(REPORT_PDF).name
        _pdf(page, target, f"{me.title} · version {me.version}")
        page.close()
        return [Printed(target, "report", report_title(), text)]
    finally:
        combined.unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m analysis.report.pdf", description=__doc__.split("\n")[0])
    parser.add_argument("site", nargs="?", default="_build/html", help="the built site (default: _build/html)")
    args = parser.parse_args(argv)
    site = Path(args.site)
    if not (site / "index.html").exists():
        print(f"pdf: {site} is not a built site (run `make book` first)", file=sys.stderr)
        return 2
    for item in print_site(site):
        print(f"pdf: {item.path} ({item.pagename})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Citation metadata of the built site: what reference managers, search engines and fact-check
aggregators read, all computed at build time from the report's identity (analysis/version.py).

- **Canonical address**: ``html_baseurl`` is ``html.baseurl`` of ``_config.yml``, overridden by
  the environment variable ``REPORT_BASE_URL``; Sphinx then writes ``<link rel="canonical">``
  on every page and sphinx-sitemap writes ``sitemap.xml``. When it is empty the build says so
  once (an info line, not a warning: the strict build must pass) and there is no canonical
  link, no sitemap and no ``citation_public_url``.
- **Highwire Press tags** (``citation_title``, ``citation_author``, ``citation_publication_date``,
  ``citation_online_date``, ``citation_version``, ``citation_public_url``, ...) on every page: the
  tags Google Scholar's inclusion guidelines and Zotero's translators read.
- **schema.org ClaimReview** JSON-LD for each claim on its page (https://schema.org/ClaimReview):
  claimReviewed = the quote, reviewRating = the verdict (``alternateName``), itemReviewed = the
  commentary as a CreativeWork with its DOI, url = the claim's permalink.
- **Downloads**, written into the built site when the build finishes (never the source tree):
  every claim's citation as BibTeX/RIS/CSL-JSON (``_static/cite/``), every file of ``data/``
  with ``datapackage.json`` (``_static/data/``).
- **PDF button**: with ``REPORT_PDF=1`` (``make pdf``), the theme's download menu links the
  printed PDF of the page (claim pages) or of the whole report instead of the browser's print.

All markup goes through jinja2 with autoescape; JSON inside ``<script>`` through ``tojson``
(markupsafe's HTML-safe JSON).
"""

from __future__ import annotations

import os
from functools import lru_cache

from jinja2 import Environment, StrictUndefined
from sphinx.util import logging

logger = logging.getLogger(__name__)

_ENV = Environment(autoescape=True, undefined=StrictUndefined)
_TAGS = _ENV.from_string(
    '\n<meta name="citation_title" content="{{ title }}" />'
    '{% if inbook %}\n<meta name="citation_inbook_title" content="{{ report_title }}" />{% endif %}'
    '\n<meta name="citation_author" content="{{ author }}" />'
    '\n<meta name="citation_publication_date" content="{{ date }}" />'
    '\n<meta name="citation_online_date" content="{{ date }}" />'
    '\n<meta name="citation_version" content="{{ version }}" />'
    '\n<meta name="citation_technical_report_number" content="version {{ version }}, commit {{ commit }}" />'
    '\n<meta name="citation_language" content="en" />'
    '{% if url %}\n<meta name="citation_public_url" content="{{ url }}" />{% endif %}'
    '{% if pdf %}\n<meta name="citation_pdf_url" content="{{ pdf }}" />{% endif %}'
    '{% for review in reviews %}\n<script type="application/ld+json">{{ review|tojson }}</script>{% endfor %}\n')


def _set_base_url(app, config) -> None:
    """The one canonical base URL: REPORT_BASE_URL wins over html.baseurl (both checked:
    http(s) only, never this machine)."""
    from analysis.version import BASE_URL_VARIABLE, resolve_base_url

    config.html_baseurl = resolve_base_url(config.html_baseurl or "")
    config.report_pdf_links = os.environ.get("REPORT_PDF", "") == "1" or bool(config.report_pdf_links)
    if not config.html_baseurl:
        logger.info(f"metadata: no canonical base URL (html.baseurl in _config.yml is empty and "
                    f"{BASE_URL_VARIABLE} is not set): no <link rel=\"canonical\">, sitemap.xml or "
                    "citation_public_url; cite boxes give the version and the page path")
        config.suppress_warnings = list(config.suppress_warnings or []) + ["sitemap.configuration"]


@lru_cache(maxsize=1)
def _claim_pages() -> frozenset[str]:
    """The pages that analyse a claim ('book/claims/e1910'): only they need the verdicts."""
    from analysis.inputs.files import load_claims

    return frozenset(f"book/{claim.page}" for claim in load_claims())


@lru_cache(maxsize=1)
def _claims_by_page() -> dict[str, list[dict]]:
    """The ledger rows grouped by the page that analyses them ('book/claims/e1910'): the
    published ledger (``ledger.json``) the build stored beside the results, the same document
    ``verify --json`` prints and ``_static/ledger.json`` holds. Reading that JSON needs neither
    the results' classes nor the libraries they import (unpickling them cost Sphinx 2 s)."""
    from analysis.report.store import ledger

    out: dict[str, list[dict]] = {}
    for row in ledger()["claims"]:
        out.setdefault(row["page"].split(".html#")[0], []).append(row)
    return out


@lru_cache(maxsize=1)
def _commentary() -> dict:
    """The reviewed work as a schema.org CreativeWork, from data/claims.yaml and its BibTeX entry."""
    from pybtex.database import parse_file

    from analysis.inputs import paths
    from analysis.inputs.bibliography import _plain
    from analysis.inputs.files import load_claims

    source = load_claims().source
    entry = parse_file(str(paths.BIBLIOGRAPHY)).entries[source["bibkey"]]
    authors = [{"@type": "Person",
                "name": _plain(" ".join(p.first_names + p.middle_names + p.prelast_names + p.last_names))}
               for p in entry.persons.get("author", [])]
    doi = source["doi"]
    return {"@type": "CreativeWork", "name": _plain(entry.fields["title"]), "author": authors,
            "datePublished": entry.fields.get("year", ""),
            "isPartOf": {"@type": "Periodical", "name": entry.fields.get("journal", "")},
            "identifier": {"@type": "PropertyValue", "propertyID": "DOI", "value": doi},
            "url": f"https://doi.org/{doi}", "sameAs": f"https://doi.org/{doi}",
            "license": "https://creativecommons.org/licenses/by/4.0/"}


def claim_review(row: dict, identity, base_url: str) -> dict:
    """The ClaimReview of one ledger row."""
    review = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "claimReviewed": row["quote"],
        "datePublished": identity.date,
        "author": {"@type": "Organization", "name": identity.author},
        "reviewRating": {"@type": "Rating", "alternateName": row["verdict"],
                         "name": f"verdict: {row['verdict']}; citation: {row['citation']}",
                         "ratingExplanation": row["reason"]},
        "itemReviewed": _commentary(),
        "isPartOf": {"@type": "CreativeWork", "name": identity.title, "version": identity.version},
        "identifier": row["id"],
    }
    if base_url:
        review["url"] = base_url + row["page"]
    return review


def _page_title(app, pagename: str, context) -> str:
    from analysis.inputs.bibliography import _plain

    title = app.env.titles.get(pagename)
    if title is not None:
        return title.astext()
    import re
    from html import unescape

    generated = {"genindex": "Index", "search": "Search"}  # Sphinx's own pages carry no title node
    return (_plain(unescape(re.sub(r"<[^>]+>", "", str(context.get("title") or ""))))
            or generated.get(pagename, pagename))


def _add_metadata(app, pagename, templatename, context, doctree) -> None:
    from analysis.report.pdf import pdf_for_page
    from analysis.version import identity

    me = identity()
    base = app.config.html_baseurl
    root = app.config.root_doc
    url = f"{base}{pagename}.html" if base else None
    pdf = pdf_for_page(pagename) if app.config.report_pdf_links else None
    rows = _claims_by_page().get(pagename, []) if pagename in _claim_pages() else []
    reviews = [claim_review(row, me, base) for row in rows]
    context["metatags"] = context.get("metatags", "") + _TAGS.render(
        title=_page_title(app, pagename, context) if pagename != root else me.title, inbook=pagename != root,
        report_title=me.title, author=me.author, date=me.date.replace("-", "/"), version=me.version,
        commit=me.commit, url=url, pdf=(base + pdf) if (pdf and base) else None, reviews=reviews)
    if pdf:
        _point_download_button_at(context, pdf, pagename)


def _point_download_button_at(context, pdf: str, pagename: str) -> None:
    """The theme's ".pdf" entry prints the browser's view; point it at the printed PDF."""
    pathto = context["pathto"]
    for group in context.get("header_buttons", []):
        for button in group.get("buttons", []) if group.get("label") == "download-buttons" else []:
            if button.get("label") == "download-pdf-button":
                button.clear()
                button.update({"type": "link", "url": pathto(pdf, 1), "text": ".pdf",
                               "tooltip": "PDF of this page with its citation" if "claims/" in pagename
                               else "PDF of the whole report",
                               "icon": "fas fa-file-pdf", "label": "download-pdf-button"})


def _write_downloads(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    from analysis.report.citation import write_citation_files
    from analysis.report.datapackage import write_data_downloads

    cite = write_citation_files(app.outdir)
    data = write_data_downloads(app.outdir)
    logger.info(f"metadata: {len(cite)} citation files and {len(data)} data files written into the site")


def _before_writing(app, builder) -> None:
    """Compute what every page's metadata needs once, in the main process, before any page is
    written: with parallel writing, each worker would otherwise load the results again itself."""
    from analysis.report.pdf import pdf_for_page  # noqa: F401 (imported once, before the workers fork)
    from analysis.version import identity

    identity()
    if _claim_pages() & set(builder.env.found_docs):  # a book without claim pages needs no results
        _claims_by_page()


def setup(app):
    app.add_config_value("report_pdf_links", False, "html")
    app.connect("write-started", _before_writing)
    app.connect("config-inited", _set_base_url, priority=400)
    app.connect("html-page-context", _add_metadata, priority=900)
    app.connect("build-finished", _write_downloads)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}

"""How to cite the report and each of its claims: one record, four renderings.

A citation record holds what a reference manager needs -- author entity, title, version,
commit, date, URL (or, without a configured base URL, the page's path inside the site) -- and
is rendered as formatted text, BibTeX, RIS and CSL-JSON. The claim pages show the text and the
BibTeX in their "Cite this claim" box (:func:`cite_box_html`); the build writes every record as
downloadable files into the built site (:func:`write_citation_files`, called by
``book/_ext/metadata.py`` when the build finishes: never into the source tree); CITATION.cff
is generated from the same identity (:func:`citation_cff`; a test compares the committed file).

Formats: BibTeX as read by BibTeX and biblatex (``@misc`` with ``url``, ``version``, ``date``;
Patashnik 1988, biblatex manual §2.1); RIS as specified by Research Information Systems
(``TAG  - value`` lines, ``ER`` closes the record); CSL-JSON as in the Citation Style Language
schema (``csl-data.json``: ``author`` with ``literal`` for an organisation, ``issued`` as
``date-parts``); the Citation File Format 1.2.0 (``authors`` with ``name`` for an entity).

Every value reaches HTML through jinja2 with autoescape (markupsafe); every URL is an http(s)
address checked by :func:`analysis.version.normalise_base_url`.
"""

from __future__ import annotations

import argparse
import json
import posixpath
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, StrictUndefined
from markupsafe import Markup

from analysis import version as report_version
from analysis.inputs import paths
from analysis.inputs.files import load_claims

REPORT_KEY = "report"
REPORT_PAGE = "book/intro.html"        # the page a citation of the whole report lands on
CITE_DIR = "_static/cite"              # inside the built site
FORMATS = {"bib": "BibTeX", "ris": "RIS", "json": "CSL-JSON"}
BIBTEX_KEY_PREFIX = "recheck"


@dataclass(frozen=True)
class CitationRecord:
    """One citable item: the whole report (``claim_id`` None) or one claim."""

    key: str                 # file stem and BibTeX key suffix: 'report' or the claim id
    title: str
    author: str              # the author entity (a named group)
    version: str
    commit: str
    date: str                # YYYY-MM-DD (commit date)
    site_path: str           # path inside the site, e.g. 'book/claims/e1910.html#e1910-randomisation'
    url: str | None          # absolute address, None when no base URL is configured
    claim_id: str | None = None
    report_title: str = ""

    @property
    def year(self) -> str:
        return self.date[:4] if self.date[:4].isdigit() else "n.d."

    @property
    def bibtex_key(self) -> str:
        return f"{BIBTEX_KEY_PREFIX}-{self.key}"

    @property
    def note(self) -> str:
        parts = [f"Version {self.version}, commit {self.commit}"]
        if self.claim_id:
            parts.append(f"claim id {self.claim_id}")
        if not self.url:
            parts.append(f"site path {self.site_path}")
        return "; ".join(parts)


def report_record() -> CitationRecord:
    """The record of the report as a whole (how-to-cite, CITATION.cff, every page's metadata)."""
    me = report_version.identity()
    return CitationRecord(key=REPORT_KEY, title=me.title, author=me.author, version=me.version, commit=me.commit,
                          date=me.date, site_path=REPORT_PAGE, url=report_version.site_url(REPORT_PAGE),
                          report_title=me.title)


def claim_site_path(page: str, claim_id: str) -> str:
    """'claims/e1910', 'e1910-randomisation' -> 'book/claims/e1910.html#e1910-randomisation'
    (the same permalink as the ledger's ``page``)."""
    return f"book/{page}.html#{claim_id}"


def claim_record(claim_id: str, registry=None, claim=None) -> CitationRecord:
    """The record of one claim: its permalink is the anchor named by the claim id. ``claim``: the
    registry entry itself, when the caller already holds it (the registry is not read then)."""
    if claim is None:
        claim = (registry if registry is not None else load_claims()).get(claim_id)
    me = report_version.identity()
    path = claim_site_path(claim.page, claim.id)
    return CitationRecord(key=claim.id, title=f"{me.title}: claim {claim.id}", author=me.author,
                          version=me.version, commit=me.commit, date=me.date, site_path=path,
                          url=report_version.site_url(path), claim_id=claim.id, report_title=me.title)


def all_records(registry=None) -> list[CitationRecord]:
    registry = registry if registry is not None else load_claims()
    return [report_record()] + [claim_record(c.id, registry) for c in registry]


# --- renderings --------------------------------------------------------------------------

def as_text(record: CitationRecord) -> str:
    """APA-like formatted text: author (year). Title. Version V (commit C), date. URL."""
    return (f"{record.author} ({record.year}). {record.title}. Version {record.version} "
            f"(commit {record.commit}), {record.date}. {record.url or 'Site path: ' + record.site_path}")


_BIBTEX_SPECIAL = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
                   "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}


def bibtex_escape(text: str) -> str:
    """Text as a BibTeX/LaTeX field value (the ten special characters escaped)."""
    return "".join(_BIBTEX_SPECIAL.get(ch, ch) for ch in text)


def as_bibtex(record: CitationRecord) -> str:
    """A ``@misc`` entry. The author is braced twice so BibTeX keeps the group's name whole
    (it would otherwise read "contributors, The report's")."""
    fields = [("author", "{" + bibtex_escape(record.author) + "}"), ("title", "{" + bibtex_escape(record.title) + "}"),
              ("year", record.year), ("date", record.date), ("version", record.version)]
    if record.url:
        fields += [("url", record.url), ("howpublished", r"\url{" + record.url + "}")]
    fields.append(("note", bibtex_escape(record.note)))
    body = ",\n".join(f"  {name:<12} = {{{value}}}" for name, value in fields)
    return f"@misc{{{record.bibtex_key},\n{body}\n}}\n"


def _ris_value(text: str) -> str:
    return " ".join(str(text).split())


def as_ris(record: CitationRecord) -> str:
    """An RIS record (``ELEC``: a web resource), CRLF line ends as the format specifies."""
    tags = [("TY", "ELEC"), ("AU", record.author), ("TI", record.title)]
    if record.claim_id:
        tags.append(("T2", record.report_title))
    tags += [("PY", record.year), ("DA", record.date.replace("-", "/")), ("ET", record.version)]
    if record.url:
        tags.append(("UR", record.url))
    tags += [("N1", record.note), ("ID", record.bibtex_key), ("ER", "")]
    return "".join(f"{tag}  - {_ris_value(value)}\r\n" for tag, value in tags)


def as_csl(record: CitationRecord) -> dict:
    """One CSL-JSON item (the file holds a list of items)."""
    item = {"id": record.bibtex_key, "type": "webpage" if record.claim_id else "report", "title": record.title,
            "author": [{"literal": record.author}], "version": record.version, "note": record.note}
    if record.date[:4].isdigit():
        item["issued"] = {"date-parts": [[int(part) for part in record.date.split("-")]]}
    if record.claim_id:
        item["container-title"] = record.report_title
    if record.url:
        item["URL"] = record.url
    return item


def as_csl_json(record: CitationRecord) -> str:
    return json.dumps([as_csl(record)], indent=2, ensure_ascii=False, sort_keys=True) + "\n"


RENDERERS = {"bib": as_bibtex, "ris": as_ris, "json": as_csl_json}


def download_path(record: CitationRecord, extension: str) -> str:
    """Where a citation file lives inside the built site: '_static/cite/<key>.<ext>'."""
    return f"{CITE_DIR}/{record.key}.{extension}"


def relative_to_page(site_path: str, target: str) -> str:
    """A link from the page at ``site_path`` to ``target`` (both relative to the site root), so
    downloads work wherever the site is served from."""
    page_dir = posixpath.dirname(site_path.split("#")[0])
    return posixpath.relpath(target, page_dir or ".")


def write_citation_files(outdir: Path | str, registry=None) -> list[Path]:
    """Write every record in every format into ``<outdir>/_static/cite/`` (the built site)."""
    written = []
    for record in all_records(registry):
        for extension, render in RENDERERS.items():
            target = Path(outdir) / download_path(record, extension)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(render(record).encode("utf-8"))
            written.append(target)
    return written


# --- HTML ------------------------------------------------------------------------------------

_ENV = Environment(autoescape=True, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
_CITE_BOX = _ENV.from_string(
    '<details class="cite-claim"><summary>Cite this claim</summary>'
    '<p><strong>Permalink:</strong> '
    '{% if r.url %}<a class="permalink" href="{{ r.url }}">{{ r.url }}</a>'
    '{% else %}<a class="permalink" href="#{{ r.claim_id }}">{{ r.site_path }}</a> '
    '<small>(this build has no canonical address: cite the version and this path)</small>{% endif %}</p>'
    '<p><strong>Plain text:</strong></p><pre class="cite-plain">{{ text }}</pre>'
    '<p><strong>BibTeX:</strong></p><pre class="cite-bibtex">{{ bibtex }}</pre>'
    '<p class="cite-downloads"><strong>Download:</strong> '
    '{% for ext, label in formats %}<a href="{{ links[ext] }}" download>{{ label }}</a>'
    '{% if not loop.last %} · {% endif %}{% endfor %}</p></details>')


def cite_box_html(claim_id: str, registry=None, claim=None) -> Markup:
    """The 'Cite this claim' box of a claim's header: permalink, formatted text, BibTeX and the
    three downloadable files. The URL is the canonical one, computed at build time (never from
    the browser's address); without a base URL the box gives the version and the page path."""
    record = claim_record(claim_id, registry, claim)
    links = {ext: relative_to_page(record.site_path, download_path(record, ext)) for ext in FORMATS}
    return Markup(_CITE_BOX.render(r=record, text=as_text(record), bibtex=as_bibtex(record).rstrip("\n"),
                                   formats=list(FORMATS.items()), links=links))


_REPORT_BLOCK = _ENV.from_string(
    '<div class="cite-report">'
    '<p><strong>Formatted:</strong></p><pre class="cite-plain">{{ text }}</pre>'
    '<p><strong>BibTeX:</strong></p><pre class="cite-bibtex">{{ bibtex }}</pre>'
    '<details><summary>RIS and CSL-JSON</summary><pre class="cite-ris">{{ ris }}</pre>'
    '<pre class="cite-csl">{{ csl }}</pre></details>'
    '<p class="cite-downloads"><strong>Download:</strong> '
    '{% for ext, label in formats %}<a href="{{ links[ext] }}" download>{{ label }}</a>'
    '{% if not loop.last %} · {% endif %}{% endfor %}</p></div>')

_CLAIM_TABLE = _ENV.from_string(
    '<div class="table-scroll"><table class="cite-claims"><thead><tr><th>claim</th><th>permalink</th>'
    '<th>citation files</th></tr></thead><tbody>'
    '{% for row in rows %}<tr><td><code>{{ row.id }}</code></td>'
    '<td><a href="{{ row.href }}">{{ row.shown }}</a></td><td>'
    '{% for ext, label in formats %}<a href="{{ row.links[ext] }}" download>{{ label }}</a>'
    '{% if not loop.last %} · {% endif %}{% endfor %}</td></tr>{% endfor %}</tbody></table></div>')


def report_citation_html(page: str = "book/how-to-cite.html") -> Markup:
    """The whole report's citation in every format, with download links (how-to-cite page)."""
    record = report_record()
    links = {ext: relative_to_page(page, download_path(record, ext)) for ext in FORMATS}
    return Markup(_REPORT_BLOCK.render(text=as_text(record), bibtex=as_bibtex(record).rstrip("\n"),
                                       ris=as_ris(record).replace("\r\n", "\n").rstrip("\n"),
                                       csl=as_csl_json(record).rstrip("\n"),
                                       formats=list(FORMATS.items()), links=links))


def claim_citations_html(page: str = "book/how-to-cite.html", registry=None) -> Markup:
    """Every claim: its permalink (canonical URL, or its path without one) and its three files."""
    rows = []
    for record in all_records(registry)[1:]:
        rows.append({"id": record.claim_id, "href": record.url or relative_to_page(page, record.site_path),
                     "shown": record.url or record.site_path,
                     "links": {ext: relative_to_page(page, download_path(record, ext)) for ext in FORMATS}})
    return Markup(_CLAIM_TABLE.render(rows=rows, formats=list(FORMATS.items())))


_CHANGELOG = _ENV.from_string(
    '{% for version, commits in groups %}<h3 id="version-{{ version|replace(".", "-") }}">Version {{ version }}</h3>'
    '<div class="table-scroll"><table class="changelog"><thead><tr><th>date</th><th>commit</th>'
    '<th>expected verdicts changed</th><th>reason (commit message)</th></tr></thead><tbody>'
    '{% for c in commits %}<tr><td class="num">{{ c.date }}</td><td><code>{{ c.commit }}</code></td><td><ul>'
    '{% for x in c.changes %}<li>{% if x.href %}<a href="{{ x.href }}">{{ x.claim }}</a>'
    '{% else %}{{ x.claim }} <small>(no longer registered)</small>{% endif %}, {{ x.axis }}: {{ x.change }}</li>'
    '{% endfor %}</ul></td><td>{{ c.subject }}{% if c.body %}<details><summary>full message</summary>'
    '<pre class="commit-message">{{ c.body }}</pre></details>{% endif %}</td></tr>{% endfor %}'
    '</tbody></table></div>{% endfor %}')


def changelog_html(page: str = "book/changelog.html", registry=None, changes=None) -> Markup:
    """Every change of an expected verdict, newest version and commit first, each commit with its
    reason (generated from the git history of data/claims.yaml:
    :func:`analysis.version.verdict_changes`)."""
    registry = registry if registry is not None else load_claims()
    changes = changes if changes is not None else report_version.verdict_changes()
    from analysis.report.labels import claim_name

    pages = {c.id: claim_site_path(c.page, c.id) for c in registry}
    ids = sorted({c.id for c in registry} | {ch.claim for ch in changes}, key=len, reverse=True)
    pattern = re.compile(r"(?<![\w-])(" + "|".join(re.escape(i) for i in ids) + r")(?![\w-])") if ids else None

    def named(text: str) -> str:
        """Commit messages name claims by id; the page names them as readers do."""
        return pattern.sub(lambda m: claim_name(m.group(1)), text) if pattern else text

    groups: dict[str, dict[str, dict]] = {}
    for change in changes:
        if change.before is None:
            what = f"registered as {change.after}"
        elif change.after is None:
            what = f"removed (was {change.before})"
        else:
            what = f"{change.before} → {change.after}"
        subject, _, body = change.reason.partition("\n")
        commit = groups.setdefault(change.version, {}).setdefault(change.commit, {
            "date": change.date, "commit": change.commit, "subject": named(subject.strip()),
            "body": named(change.reason.strip()) if body.strip() else "", "changes": []})
        commit["changes"].append({"claim": claim_name(change.claim), "axis": change.axis, "change": what,
                                  "href": (relative_to_page(page, pages[change.claim]) if change.claim in pages
                                           else None)})
    ordered = [(version, list(commits.values())[::-1]) for version, commits in groups.items()][::-1]
    return Markup(_CHANGELOG.render(groups=ordered))


def changelog_counts(changes=None) -> dict[str, int]:
    """How many commits and verdict changes the changelog lists (for the page's prose)."""
    changes = changes if changes is not None else report_version.verdict_changes()
    return {"changes": len(changes), "commits": len({c.commit for c in changes}),
            "versions": len({c.version for c in changes})}


# --- CITATION.cff ------------------------------------------------------------------------

def citation_cff() -> str:
    """CITATION.cff (Citation File Format 1.2.0) from the report's identity. The committed file
    must equal this text (test); regenerate with ``python -m analysis.report.citation --write-cff``.
    The base URL is the configured one (``_config.yml``), not the build's environment."""
    import yaml

    from analysis.version import CONFIG, RELEASE_DATE, _config

    title = report_version.report_title()
    configured = report_version.normalise_base_url(str((_config(str(CONFIG)).get("html") or {}).get("baseurl") or ""),
                                                   "_config.yml: html.baseurl")
    source = load_claims().source
    document = {
        "cff-version": "1.2.0",
        "message": ("If you cite this report or one of its claim verdicts, please cite it as below, naming the "
                    "version, the claim id (e.g. e1910-randomisation) and the commit shown on the site's "
                    "provenance page."),
        "title": title,
        "type": "software",
        "authors": [{"name": report_version.report_author()}],
        "version": report_version.REPORT_VERSION,
        "date-released": RELEASE_DATE,
        "license": "CC-BY-4.0",
    }
    if configured:
        document["url"] = configured
    document["keywords"] = ["blinatumomab", "acute lymphoblastic leukemia", "meta-analysis", "reproducibility",
                            "claim verification"]
    document["references"] = [{
        "type": "article",
        "title": "Blinatumomab may be Feasible at All Stages of B-Cell Acute Lymphoblastic Leukemia",
        "authors": [{"family-names": "Liu", "given-names": "Heng"}, {"family-names": "Wu", "given-names": "Tao"}],
        "journal": "J Leuk", "volume": 11, "start": 358, "year": 2023, "doi": source["doi"]}]
    header = ("# Generated by `python -m analysis.report.citation --write-cff` from analysis/version.py and\n"
              "# _config.yml; a test fails when this file differs from what they give.\n")
    return header + yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m analysis.report.citation", description=__doc__.split("\n")[0])
    parser.add_argument("--write-cff", action="store_true", help="rewrite CITATION.cff from the report's identity")
    parser.add_argument("--claim", help="print one claim's citation in every format")
    args = parser.parse_args(argv)
    if args.write_cff:
        (paths.ROOT / "CITATION.cff").write_text(citation_cff(), encoding="utf-8")
        print("CITATION.cff written")
        return 0
    record = claim_record(args.claim) if args.claim else report_record()
    print(as_text(record), as_bibtex(record), as_ris(record), as_csl_json(record), sep="\n")
    return 0


__all__ = ["CitationRecord", "report_record", "claim_record", "all_records", "as_text", "as_bibtex", "as_ris",
           "as_csl", "as_csl_json", "cite_box_html", "write_citation_files", "citation_cff",
           "report_citation_html", "claim_citations_html", "changelog_html", "changelog_counts"]

if __name__ == "__main__":
    sys.exit(main())

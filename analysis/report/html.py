"""HTML pieces the book's pages show: verdict badges, the claim header, the ledger table.

One helper per piece, so every claim page shows a claim the same way. Badges carry text and a
symbol, so they read without colour; colour comes from ``book/_static/custom.css``.
"""

from __future__ import annotations

from html import escape

from analysis.inputs.bibliography import link as bib_link
from analysis.claims.result import ClaimResult
from analysis.inputs.files import Claim, ClaimsRegistry
from analysis.report.ledger import page_url
from analysis.inputs.provenance import REPORT_TITLE, git_commit

CITATION_BADGES = {
    "supported": ("✓", "the cited source says this"),
    "partly-supported": ("◐", "the cited source says part of this"),
    "not-supported": ("✗", "the cited source does not say this"),
    "unverifiable": ("?", "the cited source could not be read or does not exist"),
    "pending": ("…", "not analysed yet"),
}
VERDICT_BADGES = {
    "reproduced": ("✓", "recomputed from primary data, equal within rounding"),
    "consistent": ("≈", "agrees with the sources and with itself; nothing primary to recompute from"),
    "imprecise": ("≉", "agrees in substance; a detail (wording, population, timing, precision) departs from the sources"),
    "discrepant": ("✗", "a number or fact disagrees with the sources in substance"),
    "not-reproducible": ("∅", "the data needed are not public"),
    "pending": ("…", "not analysed yet"),
}


def badge(axis: str, value: str) -> str:
    """One badge: ``<span class="badge citation-supported" title="...">✓ citation: supported</span>``."""
    table = CITATION_BADGES if axis == "citation" else VERDICT_BADGES
    symbol, meaning = table[value]
    return (f'<span class="badge {axis}-{value}" title="{escape(meaning)}" role="img" '
            f'aria-label="{axis}: {value} ({escape(meaning)})">{symbol} {axis}: {value}</span>')


def badges(result: ClaimResult) -> str:
    return f'<span class="badges">{badge("citation", result.citation)} {badge("verdict", result.verdict)}</span>'


def checks_table(result: ClaimResult) -> str:
    """The reported-vs-found table of a claim (one row per check)."""
    if not result.checks:
        return "<p><em>No numeric checks for this claim.</em></p>"
    mark = {True: "✓ agrees", False: "✗ differs", None: "– not checkable"}
    rows = "".join(
        f"<tr><td>{escape(c.label)}</td><td>{escape(c.reported)}</td><td>{escape(c.found)}</td>"
        f"<td class=\"agree-{str(c.agrees).lower()}\">{mark[c.agrees]}</td><td>{escape(c.source)}</td></tr>"
        for c in result.checks)
    return ("<table class=\"checks\"><thead><tr><th>check</th><th>commentary</th><th>found / recomputed</th>"
            f"<th>agreement</th><th>where read</th></tr></thead><tbody>{rows}</tbody></table>")


def cite_box(claim: Claim, result: ClaimResult) -> str:
    """'Cite this claim': the permalink (stable anchor = claim id) and a ready citation, as plain
    text and BibTeX. The absolute URL is filled in by ``_static/report.js`` from the page's own
    address; without JavaScript the site-relative path is shown."""
    url = page_url(claim)
    commit = git_commit(short=True, dirty=False)  # the page is rebuilt whenever the commit changes
    plain = (f"{REPORT_TITLE}. Claim '{claim.id}': citation {result.citation}; verdict {result.verdict}. "
             f"Build {commit}. {url}")
    bibtex = (f"@misc{{recheck-{claim.id},\n"
              f"  title        = {{{{{REPORT_TITLE.replace('&', chr(92) + '&')}}}: claim {claim.id}}},\n"
              f"  note         = {{Citation: {result.citation}; verdict: {result.verdict}. Build {commit}}},\n"
              f"  howpublished = {{\\url{{{url}}}}}\n}}")
    return (f'<details class="cite-claim"><summary>Cite this claim</summary>'
            f'<p><strong>Permalink:</strong> <a class="permalink" href="#{escape(claim.id)}" '
            f'data-site-path="{escape(url)}">{escape(url)}</a></p>'
            f'<p><strong>Plain text:</strong></p><pre class="cite-plain" data-site-path="{escape(url)}">{escape(plain)}</pre>'
            f'<p><strong>BibTeX:</strong></p><pre class="cite-bibtex" data-site-path="{escape(url)}">{escape(bibtex)}</pre>'
            f'</details>')


def claim_header(claim: Claim, result: ClaimResult) -> str:
    """The block that opens a claim's section, the same on every claim page: the quoted
    statement, the cited references, both badges, the reason, and the cite-this-claim box."""
    refs = ", ".join(bib_link(r) for r in claim.references) or "no reference cited"
    reported = ", ".join(escape(r) for r in claim.reported) or "(a statement, no number)"
    citation_note = (f'<p class="claim-citation-reason"><strong>Citation:</strong> {escape(result.citation_reason)}</p>'
                     if result.citation_reason and result.citation_reason not in result.reason else "")
    return (f'<div class="claim-header" id="claim-{escape(claim.id)}-header">'
            f'<blockquote class="claim-quote">“{escape(claim.quote)}”</blockquote>'
            f'<p class="claim-meta"><strong>Claim</strong> <code>{escape(claim.id)}</code> · '
            f'<strong>cites</strong> {refs} · <strong>reported</strong> {reported}</p>'
            f'<p>{badges(result)}</p>'
            f'{reported_vs_reproduced(claim, result)}'
            f'<p class="claim-reason"><strong>Why:</strong> {escape(result.reason)}</p>{citation_note}'
            f'{cite_box(claim, result)}</div>')


def reported_vs_reproduced(claim: Claim, result: ClaimResult) -> str:
    """A two-column summary: the values as the commentary prints them, and what this report
    computed (each reproduced value with its label); the detailed checks follow on the page."""
    reported = "<br>".join(escape(r) for r in claim.reported) or "<em>(a statement, no number)</em>"
    reproduced = "<br>".join(f"{escape(r.label)}: <strong>{escape(r.text)}</strong>" for r in result.reproduced) \
        or "<em>nothing recomputed</em>"
    return ('<table class="reported-vs-reproduced"><thead><tr><th>reported in the commentary</th>'
            f'<th>reproduced by this report</th></tr></thead><tbody><tr><td>{reported}</td><td>{reproduced}</td>'
            '</tr></tbody></table>')


def ledger_html(ledger: dict, link_prefix: str = "") -> str:
    """The ledger as one HTML table: the statement, the values as printed, what this report
    recomputed (each value with its label: a recomputed number is a reproduction only when the
    verdict says 'reproduced'), both badges with the reason on demand, and a link to the section."""
    rows = []
    for row in ledger["claims"]:
        recomputed = "<br>".join(f"{escape(r['label'])}: <strong>{escape(r['text'])}</strong>"
                                 for r in row["reproduced"]) or "–"
        if row["reproduced"] and row["verdict"] == "not-reproducible":
            recomputed = f'<small>not a reproduction (other data):</small><br>{recomputed}'
        page = row["page"].removeprefix("book/")
        link = (f'<a href="{link_prefix}{page}">{escape(row["id"])}</a>' if row["verdict"] != "pending"
                else f'{escape(row["id"])}<br><small>page not written yet</small>')
        why = (f'<details class="why"><summary>why</summary>{escape(row["reason"])}</details>'
               if row["verdict"] != "pending" else "")
        rows.append(
            f'<tr data-verdict="{row["verdict"]}" data-citation="{row["citation"]}"><td>{link}</td>'
            f'<td class="quote">“{escape(row["quote"])}”</td>'
            f'<td>{", ".join(escape(r) for r in row["reported"]) or "–"}</td><td class="recomputed">{recomputed}</td>'
            f'<td>{badge("citation", row["citation"])}</td><td>{badge("verdict", row["verdict"])}{why}</td></tr>')
    return ('<div class="table-scroll"><table class="ledger sortable"><thead><tr><th>claim</th><th>statement</th>'
            '<th>reported</th><th>recomputed by this report</th><th>citation</th><th>verdict</th></tr></thead><tbody>'
            + "".join(rows) + "</tbody></table></div>")


def verdict_counts(ledger: dict) -> dict[str, dict[str, int]]:
    """Counts of claims by verdict and by citation value (for prose and summary figures)."""
    out: dict[str, dict[str, int]] = {"verdict": {}, "citation": {}}
    for row in ledger["claims"]:
        for axis in ("verdict", "citation"):
            out[axis][row[axis]] = out[axis].get(row[axis], 0) + 1
    return out


__all__ = ["badge", "badges", "checks_table", "claim_header", "cite_box", "reported_vs_reproduced", "ledger_html", "verdict_counts",
           "CITATION_BADGES", "VERDICT_BADGES", "ClaimsRegistry"]

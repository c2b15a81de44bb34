"""HTML pieces the book's pages show: verdict badges, the claim's bottom line, check tables, the
ledger, the summary of findings, cite boxes and reference links.

One escaping path for all HTML the package emits: every piece is a jinja2 template rendered with
autoescape on, so text from the data files (quotes, reasons, labels, locations) reaches the page
as text and never as markup; a value is inserted unescaped only when it is itself the output of
one of these templates (a ``markupsafe.Markup``). Links from the data or the bibliography pass
:func:`safe_url` first: only ``http``, ``https`` and ``doi`` addresses become links, anything else
(``javascript:``, ``data:``, relative paths smuggled into a URL field) is dropped.

Badges carry text and a symbol, so they read without colour; colour comes from
``book/_static/custom.css``. One function per piece, so every page shows a claim the same way.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import urlparse

from jinja2 import DictLoader, Environment, StrictUndefined
from markupsafe import Markup, escape

from analysis.claims.result import ClaimResult
from analysis.inputs.bibliography import short_label
from analysis.inputs.files import Claim, ClaimsRegistry

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
    "imprecise": ("≉", "agrees in substance; a detail (wording, population, timing, precision) departs from the "
                       "sources"),
    "discrepant": ("✗", "a number or fact disagrees with the sources in substance"),
    "not-reproducible": ("∅", "the data needed are not public"),
    "pending": ("…", "not analysed yet"),
}
#: What one check found, in words a reader understands (``Check.outcome``; None: not made).
OUTCOME_WORDS = {"agrees": "✓ agrees", "departs": "≉ departs in a detail", "disagrees": "✗ disagrees",
                 None: "– not checkable"}
#: Where the rulebook page lives, relative to the site root (``book/methods/verdict-rules.md``).
from analysis.report.rulebook import RULES_PAGE  # noqa: E402 (one place: the rules page)

#: URL schemes a link taken from the data or the bibliography may have.
SAFE_SCHEMES = ("http", "https")


def safe_url(url: str | None) -> str | None:
    """The address as a link target, or None when it must not become a link.

    ``http``/``https`` addresses with a host are kept; ``doi:10.x/y`` and bare ``10.x/y`` DOIs
    become ``https://doi.org/...``; every other scheme (``javascript:``, ``data:``, ``file:``,
    ``vbscript:``), scheme-relative and relative addresses, and addresses with whitespace or
    control characters are dropped.
    """
    if not url:
        return None
    text = str(url).strip()
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in text):
        return None
    lowered = text.lower()
    if lowered.startswith("doi:"):
        text = text[4:]
        lowered = text.lower()
    if lowered.startswith("10.") and "/" in text:
        return "https://doi.org/" + text
    parsed = urlparse(text)
    if parsed.scheme.lower() in SAFE_SCHEMES and parsed.netloc:
        return text
    return None


_TEMPLATES = {
    "certainty": (
        '<div class="certainty"><div class="table-scroll" tabindex="0" role="region" aria-label="{{ caption }}">'
        '<table class="certainty-table"><caption>{{ caption }}</caption><thead><tr>'
        '<th scope="col">outcome</th><th scope="col">pooled rate (95% CI)</th><th scope="col">per 100 patients</th>'
        '<th scope="col">studies (patients)</th><th scope="col">certainty of the evidence</th></tr></thead><tbody>'
        '{% for r in rows %}<tr><td>{{ r.outcome }}</td><td class="num">{{ r.rate }}</td>'
        '<td class="num">{{ r.per_100 }}</td>'
        '<td class="num">{{ r.k }} ({{ r.patients }})</td><td>'
        '<span class="grade-symbols" aria-hidden="true">{{ r.symbols }}</span> '
        '<strong>{{ r.certainty }}</strong>'
        '{% if r.marks %}<sup>{{ r.marks|join(",") }}</sup>{% endif %}</td></tr>{% endfor %}'
        '</tbody></table></div>'
        '{% if notes %}<ol class="certainty-notes">{% for n in notes %}<li>{{ n }}</li>{% endfor %}</ol>{% endif %}'
        '{% if context %}<p class="certainty-context"><strong>Context (not rated):</strong> '
        '{% for c in context %}{{ c }} {% endfor %}</p>{% endif %}'
        '<p class="certainty-how">Certainty starts high for a pooled single-group rate and is rated down one or two '
        'levels per domain (risk of bias, inconsistency, indirectness, imprecision, publication bias), each by a '
        'documented rule ('
        '<a href="{{ rules_href }}">the certainty rules</a>, GRADE handbook); one footnote per downgrade. '
        'The certainty is shown beside the verdict and never changes it.</p></div>'),
    "badge": (
        '<span class="badge {{ axis }}-{{ value }}" title="{{ meaning }}" role="img" '
        'aria-label="{{ axis }}: {{ value }} ({{ meaning }})">{{ symbol }} {{ axis }}: {{ value }}</span>'),
    "badges": '<span class="badges">{{ citation }} {{ verdict }}</span>',
    "link": '{% if href %}<a href="{{ href }}">{{ text }}</a>{% else %}{{ text }}{% endif %}',
    "checks": (
        '{% if not rows %}<p><em>No numeric checks for this claim.</em></p>{% else %}'
        '<div class="table-scroll" role="region" aria-label="{{ caption }}" tabindex="0">'
        '<table class="checks"><caption>{{ caption }}</caption><thead><tr><th>check</th>'
        '<th class="num">as printed</th><th class="num">found / recomputed</th><th>agreement</th>'
        '<th>counted?</th><th>where read</th></tr></thead><tbody>'
        '{% for c in rows %}<tr class="outcome-{{ c.outcome or "none" }}"><td>{{ c.label }}</td>'
        '<td class="num">{{ c.reported }}</td><td class="num">{{ c.found }}</td>'
        '<td class="agreement">{{ c.agreement }}</td><td>{{ c.counted }}</td>'
        '<td class="source">{{ c.source }}</td></tr>'
        '{% endfor %}</tbody></table></div>{% endif %}'),
    "bottom_line": (
        '{% if top %}<div class="claim-header bottom-line" id="claim-{{ claim_id }}-header">'
        '<p class="bottom-line-badges">{{ badges }}</p>'
        '<blockquote class="claim-quote">“{{ quote }}”</blockquote>'
        '<dl class="bottom-line-facts">'
        '<div><dt>The commentary prints</dt><dd class="num">{{ reported }}</dd></div>'
        '<div><dt>{{ deciding_label }}</dt><dd class="deciding">{{ deciding }}</dd></div>'
        '</dl>'
        '<p class="claim-takeaway"><strong>Bottom line:</strong> {{ takeaway }}</p>'
        '{% if rest %}{{ rest_html }}{% endif %}</div>{% else %}{{ rest_html }}{% endif %}'),
    "bottom_line_rest": (
        '<div class="claim-why">'
        '<p class="claim-reason"><strong>Why, in full:</strong> {{ reason }}</p>'
        '{% if citation_reason %}<p class="claim-citation-reason">'
        '<strong>Citation:</strong> {{ citation_reason }}</p>{% endif %}'
        '<p class="claim-meta"><strong>Cites</strong> {{ refs }}'
        '{% if rules %} · <strong>decided by</strong> {{ rules }}{% endif %}</p>'
        '{{ cite_box }}</div>'),
    "ledger": (
        '<div class="table-scroll ledger-scroll" role="region" '
        'aria-label="Every claim with both verdicts" tabindex="0">'
        '<table class="ledger sortable cards"><thead><tr><th>claim</th><th>verdicts</th><th>bottom line</th>'
        '<th>statement</th><th class="num">reported</th><th class="num">recomputed by this report</th>'
        '</tr></thead><tbody>'
        '{% for r in rows %}<tr data-verdict="{{ r.verdict }}" data-citation="{{ r.citation }}">'
        '<td class="claim-name" data-label="claim">{{ r.link }}</td>'
        '<td class="verdicts" data-label="verdicts">{{ r.badges }}</td>'
        '<td class="reason" data-label="bottom line">{{ r.takeaway }}'
        '{% if r.reason %}<details class="why"><summary>full reason</summary>{{ r.reason }}</details>{% endif %}'
        '</td>'
        '<td class="quote" data-label="statement">“{{ r.quote }}”</td>'
        '<td class="num" data-label="reported">{{ r.reported }}</td>'
        '<td class="num recomputed" data-label="recomputed">{{ r.recomputed }}</td>'
        '</tr>{% endfor %}'
        '</tbody></table></div>'),
    "findings": (
        '<div class="table-scroll findings-scroll" role="region" aria-label="Summary of findings" tabindex="0">'
        '<table class="findings cards"><caption>{{ caption }}</caption><thead><tr><th>claim</th><th>verdicts</th>'
        '<th>bottom line</th><th>deciding number</th></tr></thead><tbody>'
        '{% for r in rows %}<tr data-verdict="{{ r.verdict }}" data-citation="{{ r.citation }}">'
        '<td class="claim-name" data-label="claim">{{ r.link }}</td>'
        '<td class="verdicts" data-label="verdicts">{{ r.badges }}</td>'
        '<td class="takeaway" data-label="bottom line">{{ r.takeaway }}</td>'
        '<td class="deciding" data-label="deciding number">{{ r.deciding }}</td></tr>{% endfor %}'
        '</tbody></table></div>'),
    "page_summary": (
        '<nav class="page-summary" aria-label="The claims on this page">'
        '<p class="page-summary-title"><strong>{{ title }}</strong></p><ul>'
        '{% for r in rows %}<li><a href="#{{ r.id }}">{{ r.name }}</a> {{ r.badges }}'
        '<span class="page-summary-deciding">{{ r.deciding }}</span></li>{% endfor %}</ul></nav>'),
    "list": '<ul class="{{ cls }}">{% for item in items %}<li>{{ item }}</li>{% endfor %}</ul>',
    "erratum": (
        '<div class="erratum" id="erratum-{{ id }}"><h3>{{ title }} '
        '<small class="erratum-kind">({{ kind }})</small></h3>'
        '<blockquote>“{{ commentary }}”</blockquote><p>{{ problem }}</p>'
        '<p><strong>What the sources say</strong></p><ul>'
        '{% for s in sources %}<li><strong>{{ s.work }}</strong> ({{ s.location }}): {{ s.says }}</li>'
        '{% else %}<li><em>No source could be found.</em></li>{% endfor %}</ul>'
        '<p class="erratum-claims"><small>Claims affected: {{ claims }}</small></p></div>'),
    "audit_ref": (
        '<div class="audit-ref" id="ref-{{ number }}"><h3>[{{ number }}] {{ work }}</h3>'
        '<p class="claim-quote">As cited: “{{ as_cited }}”</p>'
        '<p><strong>What it reports</strong> ({{ read }}; {{ location }}): {{ reports }}</p>'
        '<p><strong>Cited for</strong></p><ul class="audit-claims">'
        '{% for c in claims %}<li>{{ c.link }}: '
        '<span class="finding finding-{{ c.finding_value }}">this work: {{ c.finding }}</span>'
        '<br><span class="audit-claim-verdict">The claim\'s citation verdict (from the ledger): {{ c.badge }}</span>'
        '<br>“{{ c.quote }}”'
        '{% if c.reason %}<br><small>How the findings combine: {{ c.reason }}</small>{% endif %}</li>'
        '{% else %}<li><em>No claim cites it.</em></li>{% endfor %}</ul>'
        '<p><strong>Errors in the reference</strong></p><ul>'
        '{% for e in errors %}<li>{{ e }}</li>{% else %}<li>None found.</li>{% endfor %}</ul>'
        '{% if notes %}<p><strong>Other problems involving this work</strong></p><ul>'
        '{% for n in notes %}<li>{{ n }}</li>{% endfor %}</ul>{% endif %}</div>'),
}
_ENV = Environment(loader=DictLoader(_TEMPLATES), autoescape=True, undefined=StrictUndefined,
                   trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=False)


def render(template: str, **values) -> Markup:
    """Render one of this module's templates with autoescaping; the result is ``Markup``."""
    return Markup(_ENV.get_template(template).render(**values))


def certainty_html(rows, caption: str = "Summary of findings: certainty of the evidence",
                   from_page: str = "book/claims/x.html") -> Markup:
    """GRADE-style summary-of-findings rows (``analysis.claims.certainty.SummaryOfFindings``):
    rate, per 100 patients, studies, certainty with numbered footnotes, one per downgrade."""
    shown, notes, context = [], [], []
    for row in rows:
        marks = []
        for note in row.footnotes:
            notes.append(note)
            marks.append(len(notes))
        context.extend(c for c in row.context if c not in context)
        shown.append({"outcome": row.outcome, "rate": unbroken_numbers(
            f"{100 * row.estimate:.1f}% ({100 * row.ci[0]:.1f}%–{100 * row.ci[1]:.1f}%)"), "per_100": row.per_100,
            "k": row.k, "patients": f"{row.patients:,}", "symbols": row.symbols, "certainty": row.certainty,
            "marks": marks})
    rules_href = "../" * from_page.count("/") + RULES_PAGE + "#certainty-of-the-evidence"
    return render("certainty", rows=shown, notes=notes, context=context, caption=caption, rules_href=rules_href)


def link(text: str, href: str | None) -> Markup:
    """``<a href>`` when ``href`` is a safe address (:func:`safe_url`) or a site-internal path
    built by the package (``#anchor``, ``claims/e1910.html#...``); else the text alone."""
    target = href if href and (href.startswith("#") or _internal(href)) else safe_url(href)
    return render("link", text=text, href=target)


def _internal(href: str) -> bool:
    """A relative link the package built to a page of this site ('claims/x.html#id', '../ledger.html')."""
    parsed = urlparse(href)
    return (not parsed.scheme and not parsed.netloc and not href.startswith("//")
            and parsed.path.endswith(".html") and all(ch.isalnum() or ch in "/._-#" for ch in href))


def readable(text: str) -> str:
    """The text with internal identifiers replaced by what a reader knows them by: method codes
    ("raw EE hk" -> "untransformed, common effect, Hartung–Knapp"), every BibTeX
    key of the bibliography by the work's short label ("Hunger2012" -> "Hunger et al. 2012") and
    every claim id by the claim's name. Applied to the written reasons, takeaways, check labels
    and sources before they are shown (presentation only: no number is read from the text)."""
    if not text:
        return text
    from analysis.report.labels import model_label

    text = _MODEL_CODE.sub(lambda m: model_label(m.group(1), m.group(2), m.group(3)), text)
    pattern, names = _identifiers()
    return pattern.sub(lambda m: names[m.group(0)], text) if pattern else text


#: A model written as the package's codes: "raw EE hk", "logit REML wald".
_MODEL_CODE = re.compile(r"\b(logit|ftda|asin|raw) (EE|DL|PM|REML|ML|GLMM) (hk|wald)\b")


def _identifiers():
    """The pattern matching every BibTeX key and claim id, and what each is shown as (built once
    per bibliography file and process)."""
    import os

    from analysis.inputs import paths

    bib = str(paths.BIBLIOGRAPHY)
    try:
        stamp = os.stat(bib)
        version = (stamp.st_mtime_ns, stamp.st_size)
    except OSError:
        version = None
    return _identifiers_of(bib, version)


@lru_cache(maxsize=4)
def _identifiers_of(bib: str, version) -> tuple:
    from analysis.inputs import bibliography
    from analysis.report.labels import CLAIM_NAMES

    names = {key: short_label(key, bib) for key in bibliography._entries(bib)}
    names.update(CLAIM_NAMES)
    keys = sorted(names, key=len, reverse=True)
    return (re.compile(r"(?<![\w/.#-])(?:" + "|".join(map(re.escape, keys)) + r")(?![\w-])")
            if keys else None), names


def badge(axis: str, value: str) -> Markup:
    """One badge: ``<span class="badge citation-supported" ...>✓ citation: supported</span>``."""
    table = CITATION_BADGES if axis == "citation" else VERDICT_BADGES
    symbol, meaning = table[value]
    return render("badge", axis=axis, value=value, symbol=symbol, meaning=meaning)


def badges(result: ClaimResult | dict) -> Markup:
    """Both badges of a claim (a ``ClaimResult`` or a ledger row), citation first."""
    citation = result["citation"] if isinstance(result, dict) else result.citation
    verdict = result["verdict"] if isinstance(result, dict) else result.verdict
    return render("badges", citation=badge("citation", citation), verdict=badge("verdict", verdict))


def reference_link(key: str) -> Markup:
    """A cited work by its short label ("Litzow et al. 2022"), linked to its DOI or URL when the
    bibliography gives a safe one."""
    from analysis.inputs import bibliography, paths

    href = safe_url(bibliography.entry_url(key))
    return link(short_label(key, paths.BIBLIOGRAPHY), href)


def _join(parts, sep: str = ", ") -> Markup:
    return Markup(escape(sep)).join(parts)


def rule_links(rules, prefix: str = "") -> Markup:
    """Each rule that decided a claim, by its title, linked to its section on the rules page
    (``rule-<id>``, rendered from ``analysis.claims.rules``)."""
    from analysis.claims.rules import RULES

    return _join([link(RULES[r].title, f"{prefix}{RULES_PAGE}#{RULES[r].anchor}") for r in rules])


def deciding_text(result: ClaimResult | dict) -> str:
    """The number that decides the verdict, as a reader sees it: ``deciding`` when the rulebook
    names one, else the claim's first recomputed value, else a dash."""
    deciding = result.get("deciding") if isinstance(result, dict) else result.deciding
    if deciding is not None:
        label, text = ((deciding["label"], deciding["text"]) if isinstance(deciding, dict)
                       else (deciding.label, deciding.text))
        return f"{label}: {text}"
    reproduced = result.get("reproduced", []) if isinstance(result, dict) else [r.to_dict() for r in result.reproduced]
    if reproduced:
        return f"{reproduced[0]['label']}: {reproduced[0]['text']}"
    return "no number recomputed (a statement checked against its sources)"


def takeaway_text(result: ClaimResult | dict) -> str:
    """The one-line bottom line: ``takeaway`` as the rulebook writes it; until a claim has one,
    the first sentence of its written reason (shown, never read for a number)."""
    takeaway = result.get("takeaway") if isinstance(result, dict) else result.takeaway
    if takeaway:
        return takeaway
    reason = result.get("reason") if isinstance(result, dict) else result.reason
    first = re.split(r"(?<=[.;:])\s+(?=[A-Z])", reason.strip(), maxsplit=1)[0]
    return first if first.endswith((".", ";", ":")) else first + "."


#: A number with its unit, sign or interval: "11.5%–76.9%", "1,025", "-1.2", "0.42–0.75".
_NUMBER_TOKEN = re.compile(r"[<>≤≥~−+-]?\d[\d.,%]*(?:\s?[–-]\s?[<>≤≥~−+-]?\d[\d.,%]*)*")
WORD_JOINER = "\u2060"


def unbroken_numbers(text: str) -> str:
    """The text with every number kept whole on a line: a word joiner (U+2060, invisible) on
    both sides of each dash inside a number or interval, so "11.5%–76.9%" never wraps at the
    dash and "1,025" never splits (browsers may break after a dash or a comma). Words still
    wrap between one another."""
    def join(m: re.Match) -> str:
        return re.sub(r"\s?([–-])\s?", lambda d: WORD_JOINER + d.group(1) + WORD_JOINER, m.group(0))
    return _NUMBER_TOKEN.sub(join, text)


def shown_text(text: str) -> str:
    """Result text as the pages show it: claim ids by their names (:func:`readable`) and every
    number and interval kept whole on a line (:func:`unbroken_numbers`)."""
    return unbroken_numbers(readable(text))


def deciding_html(result: ClaimResult | dict) -> Markup:
    """The deciding number as HTML: its label in words, then the number, never split inside."""
    text = deciding_text(result)
    if ": " not in text:
        return Markup('<span class="deciding-number">{}</span>').format(unbroken_numbers(text))
    label, number = text.split(": ", 1)
    return Markup('<span class="deciding-label">{}:</span> <span class="deciding-number">{}</span>').format(
        label, unbroken_numbers(number))


#: The checks table's caption: a check compares a figure as printed (by the commentary, or by the
#: trial report a consistency check tests) with what was found.
CHECKS_CAPTION = ("Each check: the figure as printed (by the commentary, or by the report a consistency check "
                  "tests) against what was found")


def checks_table(result: ClaimResult, caption: str | None = None) -> Markup:
    """The reported-vs-found table of a claim, one row per check: what the commentary prints,
    what was found, the outcome, whether the verdict rule counts it (and why not), where read."""
    rows = []
    for c in result.checks:
        if not c.informative:
            counted = f"not counted: {c.uninformative_reason}"
        elif c.role != "decides":
            counted = f"context, not counted{': ' + c.note if c.note else ''}"
        else:
            counted = "counted"
        rows.append({"label": readable(c.label), "reported": unbroken_numbers(c.reported),
                     "found": shown_text(c.found), "outcome": c.outcome,
                     "agreement": OUTCOME_WORDS[c.outcome], "counted": readable(counted), "source": readable(c.source)})
    return render("checks", rows=rows, caption=caption or CHECKS_CAPTION)


def cite_box(claim: Claim, result: ClaimResult) -> Markup:
    """'Cite this claim': the canonical permalink, formatted text, BibTeX and the downloadable
    BibTeX/RIS/CSL-JSON files (``analysis.report.citation.cite_box_html``), computed at build time,
    never from the browser's address."""
    from analysis.report.citation import cite_box_html

    return cite_box_html(claim.id, claim=claim)


def claim_header(claim: Claim, result: ClaimResult, rules_prefix: str = "../../", part: str = "all") -> Markup:
    """The bottom line that opens a claim's section, the same on every claim page.

    ``part="top"``: both badges, the quoted statement, what the commentary prints against the
    number that decides the verdict, and the one-line bottom line (the page puts the deciding
    figure right after it); ``part="rest"``: the full reason (always visible, never behind a
    click), the citation reason, the cited works, the rules that decided it (links to the
    rulebook) and the cite box; ``part="all"``: both. ``rules_prefix`` leads from the page to the
    site root (claim pages sit two folders down)."""
    if part not in ("all", "top", "rest"):
        raise ValueError(f"claim_header: part must be 'all', 'top' or 'rest', not {part!r}")
    refs = _join([reference_link(r) for r in claim.references]) if claim.references else "no reference cited"
    citation_reason = (result.citation_reason if result.citation_reason and result.citation_reason not in result.reason
                       else "")
    rest = render("bottom_line_rest", reason=shown_text(result.reason),
                  citation_reason=readable(citation_reason),
                  refs=refs, rules=rule_links(result.rules, rules_prefix), cite_box=cite_box(claim, result))
    if part == "rest":
        return Markup('<div class="claim-header bottom-line-rest" id="claim-{}-why">{}</div>').format(claim.id, rest)
    deciding_label = "Deciding number" if result.deciding is not None else "Recomputed by this report"
    return render("bottom_line", top=True, rest=part == "all", rest_html=rest, claim_id=claim.id, badges=badges(result),
                  quote=claim.quote, reported=", ".join(claim.reported) or "a statement, no number",
                  deciding_label=deciding_label, deciding=deciding_html(result),
                  takeaway=shown_text(takeaway_text(result)))


def _ledger_link(row: dict, link_prefix: str, name: str) -> Markup:
    if row["verdict"] == "pending":
        return Markup("{}<br><small>page not written yet</small>").format(name)
    return link(name, link_prefix + row["page"].removeprefix("book/"))


def ledger_html(ledger: dict, link_prefix: str = "", names: dict[str, str] | None = None) -> Markup:
    """The ledger as one HTML table: the claim (its readable name, linking to its section), both
    badges beside it, the statement, the values as printed, what this report recomputed (a
    recomputed number is a reproduction only when the verdict says 'reproduced'), and the reason,
    visible without a click. On narrow screens the rows become cards (CSS)."""
    names = names or {}
    rows = []
    for row in ledger["claims"]:
        recomputed = _join([Markup("{}: <strong>{}</strong>").format(r["label"], unbroken_numbers(r["text"]))
                            for r in row["reproduced"]],
                           sep="\n") or "–"
        recomputed = Markup(str(recomputed).replace("\n", "<br>"))
        if row["reproduced"] and row["verdict"] == "not-reproducible":
            recomputed = Markup("<small>not a reproduction (other data):</small><br>") + recomputed
        rows.append({"verdict": row["verdict"], "citation": row["citation"],
                     "link": _ledger_link(row, link_prefix, names.get(row["id"], row["id"])),
                     "badges": badges(row), "quote": row["quote"],
                     "reported": ", ".join(row["reported"]) or "–", "recomputed": recomputed,
                     "takeaway": shown_text(takeaway_text(row)) if row["verdict"] != "pending" else "",
                     "reason": (shown_text(row["reason"])
                                if row["verdict"] != "pending" and row.get("takeaway") else "")})
    return render("ledger", rows=rows)


def findings_table(ledger: dict, link_prefix: str = "", names: dict[str, str] | None = None,
                   caption: str = "Summary of findings: every claim of the commentary") -> Markup:
    """The summary of findings: one row per claim with its name (a link to its section), both
    badges, the one-line takeaway and the deciding number, all read from the ledger."""
    names = names or {}
    rows = [{"verdict": r["verdict"], "citation": r["citation"], "badges": badges(r),
             "link": _ledger_link(r, link_prefix, names.get(r["id"], r["id"])),
             "takeaway": shown_text(takeaway_text(r)), "deciding": deciding_html(r)}
            for r in ledger["claims"]]
    return render("findings", rows=rows, caption=caption)


def page_summary(ledger: dict, claim_ids: list[str], names: dict[str, str],
                 title: str = "The claims on this page") -> Markup:
    """The first screen of a page with several claims: each claim's name (a link to its section),
    both badges and its deciding number, read from the ledger."""
    by_id = {r["id"]: r for r in ledger["claims"]}
    rows = [{"id": cid, "name": names.get(cid, cid), "badges": badges(by_id[cid]),
             "deciding": deciding_html(by_id[cid])} for cid in claim_ids]
    return render("page_summary", rows=rows, title=title)


def html_list(items, cls: str = "") -> Markup:
    """A bulleted list of text items (escaped; ``Markup`` items kept)."""
    return render("list", items=list(items), cls=cls)


def erratum_html(erratum, claim_names: dict[str, str], claim_pages: dict[str, str]) -> Markup:
    """One erratum of ``data/errata.yaml``: title, kind, the commentary's words, the problem, what
    each source says (by the work's short label, never its BibTeX key) and the claims affected,
    each by its readable name, linked to its section."""
    from analysis.inputs.files import normalise_text

    sources = [{"work": short_label(src["bibkey"]), "location": src["location"], "says": src["says"]}
               for src in erratum.sources]
    claims = _join([link(claim_names.get(c, c), claim_pages.get(c)) for c in erratum.claims]) or "–"
    return render("erratum", id=erratum.id, title=erratum.title, kind=erratum.kind.replace("-", " "),
                  commentary=normalise_text(erratum.commentary), problem=readable(erratum.problem), sources=sources,
                  claims=claims)


#: What one cited work contributes to a claim, in words (``cited_citation.work_finding``).
FINDING_WORDS = {"supported": "prints the figure", "not-supported": "was read and does not print it",
                 "unverifiable": "could not be read or found", "partly-supported": "prints part of it",
                 "pending": "not judged yet"}
READ_WORDS = {"abstract": "abstract read", "full-text": "full text read", "record-only": "record seen, text not read",
              "nothing": "not found"}


def audit_reference_html(row, claim_names: dict[str, str], link_prefix: str = "") -> Markup:
    """One reference of the citation audit: what it is cited for, what this work contributes to
    each claim (a finding, not a verdict), the claim's citation verdict as the ledger gives it,
    how the findings combine (the claim's citation reason), and the reference's own errors."""
    claims = []
    for c in row.claims:
        pending = c["citation"] == "pending"
        target = None if pending else link_prefix + c["page"].removeprefix("book/")
        claims.append({"link": link(claim_names.get(c["id"], c["id"]), target), "finding_value": c["this_work"],
                       "finding": FINDING_WORDS[c["this_work"]], "badge": badge("citation", c["citation"]),
                       "quote": c["quote"],
                       "reason": "" if pending else readable(c.get("citation_reason") or c["reason"])})
    errors = [Markup("{} ({})").format(readable(e["problem"]),
                                       link("erratum", f"{link_prefix}errata.html#erratum-{e['id']}"))
              for e in row.errata]
    notes = [Markup("{}: {} ({})").format(n["kind"].replace("-", " "), readable(n["problem"]),
                                          link("erratum", f"{link_prefix}errata.html#erratum-{n['id']}"))
             for n in row.notes]
    return render("audit_ref", number=row.number, work=short_label(row.bibkey), as_cited=row.as_cited.replace("*", ""),
                  read=READ_WORDS[row.read], location=row.location,
                  reports=readable(row.reports) or Markup("<em>Nothing could be read.</em>"),
                  claims=claims, errors=errors, notes=notes)


def verdict_counts(ledger: dict) -> dict[str, dict[str, int]]:
    """Counts of claims by verdict and by citation value (for prose and summary figures)."""
    out: dict[str, dict[str, int]] = {"verdict": {}, "citation": {}}
    for row in ledger["claims"]:
        for axis in ("verdict", "citation"):
            out[axis][row[axis]] = out[axis].get(row[axis], 0) + 1
    return out


__all__ = ["certainty_html", "erratum_html", "audit_reference_html", "FINDING_WORDS", "badge", "badges", "checks_table",
           "claim_header", "cite_box", "deciding_html", "deciding_text", "findings_table",
           "html_list", "ledger_html", "link", "page_summary", "reference_link", "readable", "render", "rule_links",
           "unbroken_numbers",
           "safe_url", "takeaway_text", "verdict_counts",
           "CITATION_BADGES", "VERDICT_BADGES", "OUTCOME_WORDS", "ClaimsRegistry"]

"""The rules page and the links to it: the rulebook (``analysis.claims.rules.RULES``) rendered as HTML,
with the claims each rule decided, computed from the results.

Every string from the rulebook or the results is escaped with markupsafe; links are relative paths
inside the site.
"""

from __future__ import annotations

from markupsafe import Markup, escape

from analysis.claims.certainty import CERTAINTY_LEVELS, CERTAINTY_RULES, CERTAINTY_SYMBOLS, START, certainty_rows
from analysis.claims.rules import RULES
from analysis.report.labels import claim_name

#: The rules page inside the site (relative to the site root) and its anchors, ``rule-<id>``.
RULES_PAGE = "book/methods/verdict-rules.html"


def rule_url(rule_id: str, from_page: str = "") -> str:
    """Relative link from ``from_page`` (a site path such as 'book/claims/e1910.html') to a rule."""
    if rule_id not in RULES:
        raise ValueError(f"unknown rule id {rule_id!r}")
    depth = from_page.count("/")
    return "../" * depth + f"{RULES_PAGE}#{RULES[rule_id].anchor}"


def decided_by(results) -> dict[str, list]:
    """rule id -> the results (claims) that rule decided, in reading order."""
    out: dict[str, list] = {rid: [] for rid in RULES}
    for result in results:
        for rid in result.rules:
            out[rid].append(result)
    return out


def rules_index_html(results) -> Markup:
    """A table of every rule (linked to its section), what it decides and how many claims it decided."""
    used = decided_by(results)
    rows = Markup("").join(
        Markup('<tr><td><a href="#{}">{}</a></td><td>{}</td><td class="num">{}</td></tr>').format(
            r.anchor, r.title, r.decides, len(used[r.id])) for r in RULES.values())
    return Markup('<div class="table-scroll" tabindex="0" role="region" aria-label="The rules">'
                  '<table class="rules-index"><thead><tr><th scope="col">rule</th><th scope="col">decides</th>'
                  '<th scope="col">claims decided</th></tr></thead><tbody>{}</tbody></table></div>').format(rows)


def rules_html(results, claim_pages: dict[str, str], from_page: str = RULES_PAGE) -> Markup:
    """Every rule as a section: title (anchored), what it decides, thresholds, reference, and the
    claims it decided (linked to their sections). ``claim_pages``: claim id -> site path with anchor."""
    used = decided_by(results)
    depth = from_page.count("/")
    parts = []
    for rule in RULES.values():
        thresholds = Markup("").join(Markup("<tr><th scope=\"row\">{}</th><td>{}</td></tr>").format(name, value)
                                     for name, value in rule.thresholds)
        claims = used[rule.id]
        decided = (Markup(", ").join(Markup('<a href="{}">{}</a>').format("../" * depth + claim_pages[r.id],
                                                                          claim_name(r.id))
                                     for r in claims) if claims else Markup("<em>no claim of this report</em>"))
        parts.append(Markup(
            '<section class="rule" id="{anchor}"><h2>{title}</h2>'
            '<p><strong>Decides:</strong> {decides}.</p>'
            '{table}'
            '<p><strong>Reference:</strong> {reference}.</p>'
            '<p><strong>Claims it decided ({n}):</strong> {decided}</p>'
            '<p class="rule-id">Stated in the code as <code>analysis.claims.rules.{fn}</code>.</p></section>'
        ).format(anchor=rule.anchor, title=rule.title, decides=rule.decides,
                 table=(Markup('<table class="rule-thresholds"><tbody>{}</tbody></table>').format(thresholds)
                        if rule.thresholds else Markup("")),
                 reference=rule.reference, n=len(claims), decided=decided, fn=rule.function.__name__))
    return Markup("").join(parts)


def certainty_rules_html(results, claim_pages: dict[str, str], from_page: str = RULES_PAGE) -> Markup:
    """The GRADE certainty rules (``analysis.claims.certainty.CERTAINTY_RULES``), one section
    each, with the levels it rated down per claim in this build."""
    depth = from_page.count("/")
    rated = [(r, row) for r in results for row in certainty_rows(r)]
    levels = Markup(", ").join(Markup("{} {}").format(CERTAINTY_SYMBOLS[lv], lv) for lv in CERTAINTY_LEVELS)
    parts = [Markup(
        '<p>A pooled rate is also given a <strong>certainty of the evidence</strong>, GRADE-style: it starts at '
        '<em>{start}</em> (a single-group rate from cohorts that represent the population; Iorio et al., BMJ '
        '2015;350:h870) and each domain below rates it down by zero, one or two levels ({levels}). The certainty '
        'is shown beside the verdict; it never changes one.</p>').format(start=START, levels=levels)]
    for rule in CERTAINTY_RULES:
        thresholds = Markup("").join(Markup('<tr><th scope="row">{}</th><td>{}</td></tr>').format(n, v)
                                     for n, v in rule.thresholds)
        outcomes = Markup("").join(
            Markup('<li><a href="{}">{}</a>, {}: {}</li>').format(
                "../" * depth + claim_pages[r.id], claim_name(r.id), row.outcome,
                next(j.label for j in row.judgements if j.domain == rule.domain))
            for r, row in rated)
        parts.append(Markup(
            '<section class="rule" id="{anchor}"><h3>Certainty: {domain}</h3><p>{summary}</p>'
            '<table class="rule-thresholds"><tbody>{table}</tbody></table>'
            '<p><strong>Reference:</strong> {reference}.</p>'
            '<p><strong>In this build:</strong></p><ul>{outcomes}</ul>'
            '<p class="rule-id">Stated in the code as <code>analysis.claims.certainty.{fn}</code>.</p></section>'
        ).format(anchor=rule.anchor, domain=rule.domain, summary=rule.summary, table=thresholds,
                 reference=rule.handbook, outcomes=outcomes or Markup("<li><em>no pooled rate</em></li>"),
                 fn=rule.function.__name__))
    return Markup("").join(parts)


__all__ = ["certainty_rules_html", "RULES_PAGE", "rule_url", "decided_by", "rules_index_html",
           "rules_html", "escape"]

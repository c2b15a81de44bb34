"""The rules page is rendered from the rulebook: every rule, its thresholds, reference and the claims it decided."""

from analysis.claims import RULES, evaluate_all
from analysis.inputs.files import load_claims
from analysis.report.html import rule_links
from analysis.report.ledger import page_url
from analysis.report.rulebook import decided_by, rule_url, rules_html, rules_index_html


def test_every_rule_has_a_section_and_an_index_row_and_links_resolve():
    claims = load_claims()
    results = evaluate_all(claims)
    html = str(rules_html(results, {c.id: page_url(c) for c in claims}))
    index = str(rules_index_html(results))
    for r in RULES.values():
        assert f'id="{r.anchor}"' in html and f'href="#{r.anchor}"' in index
    used = decided_by(results)
    assert used["around"] == [r for r in results if r.id == "trm-immunotherapy"]
    assert "../../book/claims/treatment-related-mortality.html#trm-immunotherapy" in html
    trm = next(r for r in results if r.id == "trm-immunotherapy")
    links = str(rule_links(trm.rules, "../../"))
    assert f'href="../../{rule_url("around")}"' in links and RULES["around"].title.split("'")[0] in links


def test_rulebook_text_is_escaped(monkeypatch):
    from analysis.claims import rules

    monkeypatch.setitem(rules.RULES, "hostile",
                        rules.Rule("hostile", "<script>alert(1)</script>", "<img src=x onerror=y>",
                                   "javascript:alert(1)", (("<b>", "</table>"),), lambda: None))
    html = str(rules_html([], {})) + str(rules_index_html([]))
    assert "<script>" not in html and "<img src=x" not in html and "<b>" not in html and "</table>\"" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def _sof(outcome="rate", footnote_levels=(1, 0, 0, 1, 0), context=()):
    """A summary-of-findings row built by hand: the renderer's inputs, not the rules'."""
    from analysis.claims.certainty import DOMAINS, Judgement, SummaryOfFindings, certainty_after

    judgements = tuple(Judgement(d, lv, True, f"{d} text <b>{i}</b>", f"grade-{d.replace(' ', '-')}")
                       for i, (d, lv) in enumerate(zip(DOMAINS, footnote_levels, strict=True)))
    return SummaryOfFindings(outcome=outcome, estimate=0.541, ci=(0.432, 0.646), pi=None, k=18, patients=1373,
                             per_100="54 per 100 (43 to 65)", start="high",
                             certainty=certainty_after("high", sum(footnote_levels)), judgements=judgements,
                             claim_interval=(0.535, 0.545), context=tuple(context))


def test_certainty_table_numbers_one_footnote_per_downgrade_across_rows_and_escapes():
    from analysis.report.html import certainty_html

    html = str(certainty_html([_sof("CR <script>x</script>"), _sof("MRD", (0, 2, 0, 0, 0), ("seen <i>once</i>",) * 2)]))
    assert "<script>" not in html and "&lt;script&gt;" in html and "<b>" not in html and "<i>once" not in html
    assert html.count("<li>") == 3, "two downgrades in the first row, one (two levels) in the second"
    assert "<sup>1,2</sup>" in html and "<sup>3</sup>" in html
    assert "⊕⊕◯◯</span> <strong>low</strong>" in html, "two downgrades from high"
    assert html.count("seen &lt;i&gt;once") == 1, "a context sentence shared by rows is shown once"
    assert "54.1% (43.2%" in html and "18 (1,373)" in html
    assert 'href="../../book/methods/verdict-rules.html#certainty-of-the-evidence"' in html


def test_certainty_rules_are_on_the_rules_page_with_what_each_rated():
    from analysis.claims.certainty import CERTAINTY_RULES, DOMAINS, certainty_rows
    from analysis.report.rulebook import certainty_rules_html

    class Result:
        id = "trm-immunotherapy"
        extra = {"certainty": {"first": _sof("first salvage"), "later": _sof("later salvage", (0, 0, 0, 2, 0))}}

    assert [r.domain for r in CERTAINTY_RULES] == list(DOMAINS), "one rule per GRADE domain, in order"
    assert [r.outcome for r in certainty_rows(Result())] == ["first salvage", "later salvage"]
    html = str(certainty_rules_html([Result()],
                                    {"trm-immunotherapy": "book/claims/treatment-related-mortality.html#trm"}))
    for rule in CERTAINTY_RULES:
        assert f'id="{rule.anchor}"' in html and f"analysis.claims.certainty.{rule.function.__name__}" in html
        assert rule.summary and not rule.summary.startswith("Rule ")
    assert "first salvage: serious" in html and "later salvage: very serious" in html
    assert "../../book/claims/treatment-related-mortality.html#trm" in html

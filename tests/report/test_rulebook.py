"""The rules page is rendered from the rulebook: every rule, its thresholds, reference and the claims it decided."""

from analysis.claims import RULES, evaluate_all
from analysis.inputs.files import load_claims
from analysis.report.ledger import page_url
from analysis.report.html import rule_links
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

    monkeypatch.setitem(rules.RULES, "hostile", rules.Rule("hostile", "<script>alert(1)</script>", "<img src=x onerror=y>",
                                                           "javascript:alert(1)", (("<b>", "</table>"),), lambda: None))
    html = str(rules_html([], {})) + str(rules_index_html([]))
    assert "<script>" not in html and "<img src=x" not in html and "<b>" not in html and "</table>\"" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html

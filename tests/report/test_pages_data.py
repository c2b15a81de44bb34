"""analysis.report.pages: every value a page glues is computed here, as plain values, and says
what the results say."""

from __future__ import annotations

import copy

import pytest

from analysis.claims import evaluate_group
from analysis.inputs.cited_works import load_cited_works
from analysis.inputs.files import load_claims
from analysis.report.glue import PageGlue
from analysis.report.ledger import build_ledger
from analysis.report.pages import intro
from analysis.report.pages import ledger as ledger_page
from analysis.report.pages import treatment_related_mortality as trm


@pytest.fixture(scope="module")
def claims():
    return load_claims()


def _plain(values: dict) -> None:
    store = {}
    g = PageGlue("test-page", glue=lambda k, v, display=False: store.__setitem__(k, v))
    g.many(values)                       # raises on numpy scalars, bools, None, empty strings
    assert len(store) == len(values)


def _ledger(claims, rows):
    from analysis.claims.result import ClaimResult

    results = [ClaimResult(id=cid, citation=c, verdict=v, reason=f"because {cid}") for cid, c, v in rows]
    return build_ledger(results, claims)


def test_intro_paragraph_reads_the_ledger(claims):
    ids = claims.ids()
    ledger = _ledger(claims, [(ids[0], "supported", "consistent"), (ids[1], "not-supported", "discrepant"),
                              (ids[2], "unverifiable", "not-reproducible")])
    text = intro.summary_paragraph(ledger)
    assert text["holds"].startswith(f"1 claim of {len(ids)} holds on both axes")
    assert text["fails"].startswith("1 claim does not hold as written")
    assert "the primary data needed to recompute the number are not public" in text["unchecked"]
    assert text["unchecked"].startswith("For ") and "cannot be checked" not in text["unchecked"], \
        "the page's bold lead names the topic; the sentence does not repeat it"
    assert text["pending"].startswith(f"{len(ids) - 3} claims not analysed yet")
    _plain(intro.page_values(ledger, claims))
    broken = copy.deepcopy(ledger)
    broken["claims"][1]["verdict"] = "consistent"
    broken["claims"][1]["citation"] = "supported"
    assert intro.summary_paragraph(broken)["fails"] == "No claim is contradicted by its sources."


def test_ledger_counts_every_value(claims):
    ids = claims.ids()
    values = ledger_page.page_values(_ledger(claims, [(ids[0], "supported", "imprecise")]))
    assert values["n-imprecise"] == 1 and values["n-pending"] == len(ids) - 1
    assert "1 imprecise" in values["summary-caption"]
    _plain(values)


def test_trm_page_values_match_the_result(claims):
    from analysis.claims.treatment_related_mortality import fatal_evidence

    result = {r.id: r for r in evaluate_group("treatment-related-mortality", claims)}["trm-immunotherapy"]
    ev = fatal_evidence()
    values = trm.page_values(claims.get("trm-immunotherapy"), result, ev, load_cited_works())
    _plain(values)
    deciding = result.deciding or result.reproduced[0]
    assert values["est"] in deciding.text and values["claim"] == claims.get("trm-immunotherapy").reported[0]
    assert values["k"] == ev.treatment_related.k == len(ev.treatment_related.shown.studies)
    assert any(f"k = {values['k']}" in c.label for c in result.checks)


def test_meta_analysis_page_values_are_plain_and_readable(claims):
    from analysis.report.pages import meta_analysis

    results = {r.id: r for r in evaluate_group("meta-analysis", claims)}
    values = meta_analysis.page_values(results, results["meta-cr-rate"].extra["evidence"])
    _plain(values)
    assert values["liu-cr"] == claims.get("meta-cr-rate").reported[0]
    for key in ("cr-best-how", "mrd-best-how"):
        assert not any(code in values[key].split() for code in ("EE", "hk", "wald", "ftda", "raw")), values[key]
    assert values["cr-vs-printed"] in ("below", "above", "equal to")

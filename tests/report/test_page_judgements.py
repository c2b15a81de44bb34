"""Judgement sentences of the TRM page are computed from the fits: each branch, on fits set by the test."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

from analysis.report.pages.treatment_related_mortality import judgement_sentences
from analysis.stats.meta import pool_proportions


def fit_of(events, totals, **changes):
    fit = pool_proportions(events, totals, transform="logit", method="REML", ci="hk")
    return dataclasses.replace(fit, **changes)


def series(events):
    return [SimpleNamespace(candidates=(e,)) for e in events]


def test_sentences_follow_the_fit():
    events, totals = [3, 5, 2], [200, 250, 180]
    fit = fit_of(events, totals)
    out = judgement_sentences(fit, fit_of([30, 40, 25], totals), "1%", series(events))
    assert out["forest-judgement"].startswith("The pooled rate is higher than the printed figure")
    assert "every single trial's exact interval reaches it" in out["forest-judgement"]
    assert out["any-ratio"].startswith("about ") and "times the printed figure" in out["any-ratio"]
    assert "No study has zero events" in out["zero-note"]


def test_sentences_change_when_the_numbers_do():
    events, totals = [3, 5, 2], [200, 250, 180]
    far = fit_of(events, totals, estimate=0.05, ci_low=0.04, ci_high=0.06, tau2=0.2)
    far.studies["ci_low"] = [0.001, 0.03, 0.04]
    out = judgement_sentences(far, fit_of([1, 2, 1], totals), "1%", series([0, 5, 2]))
    assert "does not reach the band" in out["forest-judgement"]
    assert "the exact intervals of 1 of the 3 trials reach it" in out["forest-judgement"]
    assert out["any-ratio"] in ("close to the printed figure", "below the printed figure")
    assert "τ² = 0.2" in out["pi-note"]
    assert out["zero-note"].startswith("1 of the 3 studies have zero events")
    inside = fit_of(events, totals, estimate=0.01)
    assert "inside the band of the printed figure" in judgement_sentences(
        inside, inside, "1%", series(events))["forest-judgement"]


def test_meta_analysis_short_sentences_say_what_the_search_found():
    """The CR and MRD "in short" sentences come from the search and the like-with-like pools:
    the hand-picked subset that reaches 54% is named as such, and 43% fits neither MRD pool."""
    from analysis.claims import evaluate_group
    from analysis.inputs.files import load_claims
    from analysis.report.pages.meta_analysis import short_sentences

    results = {r.id: r for r in evaluate_group("meta-analysis", load_claims())}
    ev = results["meta-cr-rate"].extra["evidence"]
    out = short_sentences(ev)
    assert "hand-picked subsets" in out["cr-subsets"] and "54.1% (43.2%-64.6%)" in out["cr-subsets"]
    assert out["cr-direction"] == "higher than the identified studies' 47.0%"
    assert out["mrd-itt"] == "28.4% (22.0%-35.8%)" and out["mrd-reported"] == "71.0% (43.1%-88.8%)"
    assert out["mrd-fits"] == "the printed 43% lies between the two and inside neither interval"
    assert out["mrd-gap"] == "43"
    # without a subset search (too few studies), the sentence says so instead of claiming one
    assert short_sentences(dataclasses.replace(ev, cr_subsets=None))["cr-subsets"] == \
        "no subset of them reaches the printed estimate either"

"""Claim group ``meta-analysis``: verdicts, values, and one broken input per claim that changes it."""

from __future__ import annotations

import pytest

from analysis import paths
from analysis.claims import evaluate_group
from analysis.claims.meta_analysis import evaluate_meta
from analysis.datafiles import load_claims
from conftest import ROOT, replace_in

BIB = ROOT / "book" / "references.bib"


def _run(data_dir=None):
    data_dir = data_dir or paths.DATA
    claims = load_claims(data_dir / "claims.yaml", data_dir / "source" / "commentary.txt")
    return {r.id: r for r in evaluate_meta(claims, data_dir, BIB)}


@pytest.fixture(scope="module")
def results():
    return {r.id: r for r in evaluate_group("meta-analysis", load_claims())}


def test_verdicts(results):
    assert (results["meta-scope"].citation, results["meta-scope"].verdict) == ("supported", "consistent")
    assert (results["meta-studies-patients"].citation, results["meta-studies-patients"].verdict) == ("supported", "consistent")
    assert (results["meta-cr-rate"].citation, results["meta-cr-rate"].verdict) == ("supported", "not-reproducible")
    assert (results["meta-mrd-rate"].citation, results["meta-mrd-rate"].verdict) == ("supported", "not-reproducible")


def test_not_reproducible_names_the_missing_data(results):
    for cid in ("meta-cr-rate", "meta-mrd-rate"):
        reason = results[cid].reason
        assert "list of Liu 2023's 18 studies" in reason and "only the abstract is public" in reason


def test_counts_values(results):
    r = results["meta-studies-patients"]
    values = {x.label: x.value for x in r.reproduced}
    assert values["patients in them (known N)"] == 1184     # hand sum in test_reproduction.py
    assert "leaving 3 studies with 189 patients (mean 63)" in r.reason


def test_pooled_values_and_search(results):
    cr = results["meta-cr-rate"]
    (value,) = cr.reproduced
    assert value.value == pytest.approx(0.4704, abs=5e-4)   # 12 studies, logit REML HK
    assert value.ci == pytest.approx((0.3977, 0.5444), abs=5e-4)
    ev = cr.extra["evidence"]
    assert len(ev.cr_search) == 1220 and not ev.cr_search["all_match"].any()
    assert ev.cr_search["estimate"].max() < 0.535        # nothing reaches the printed 54%
    mrd = results["meta-mrd-rate"]
    assert mrd.reproduced[0].value == pytest.approx(0.7292, abs=5e-4)
    assert int(ev.yu_cr["all_match"].sum()) >= 1           # Yu 2019's 0.45 (0.37-0.53) is reached


def test_scope_with_a_different_aim_is_not_supported(data_copy):
    replace_in(data_copy / "meta_analysis" / "published.yaml",
               "blinatumomab monotherapy for the treatment", "blinatumomab combinations for the treatment")
    r = _run(data_copy)["meta-scope"]
    assert (r.citation, r.verdict) == ("not-supported", "discrepant")


def test_more_identified_patients_than_printed_is_discrepant(data_copy):
    replace_in(data_copy / "meta_analysis" / "studies.csv",
               "rct-arm,true,adult,negative,rr-active,271,", "rct-arm,true,adult,negative,rr-active,571,")
    r = _run(data_copy)["meta-studies-patients"]
    assert r.verdict == "discrepant" and r.citation == "supported"
    assert any(c.label == "their patients do not exceed the total" and c.agrees is False for c in r.checks)


def test_a_cr_figure_the_abstract_does_not_print_changes_both_axes(data_copy):
    replace_in(data_copy / "meta_analysis" / "published.yaml", 'printed: "54%"', 'printed: "45%"')
    r = _run(data_copy)["meta-cr-rate"]
    assert r.citation == "not-supported"
    assert r.verdict == "discrepant"          # the printed 45% is not centred in 44%-64% either


def test_an_mrd_interval_off_its_estimate_is_discrepant(data_copy):
    # commentary and abstract both printing 43% (34%-61%): cited faithfully, but incoherent
    replace_in(data_copy / "meta_analysis" / "published.yaml", 'printed: "34%-51%"', 'printed: "34%-61%"')
    replace_in(data_copy / "claims.yaml", 'reported: ["43%", "34%-51%"]', 'reported: ["43%", "34%-61%"]')
    r = _run(data_copy)["meta-mrd-rate"]
    assert (r.citation, r.verdict) == ("supported", "discrepant")
    assert "CI centred on the estimate on some scale" in r.reason


def test_a_landing_combination_is_compatibility_not_reproduction(data_copy):
    # If the printed CR were what the identified studies give, the search would find it, and the
    # verdict would still be not-reproducible: the study set is not known to be Liu's.
    replace_in(data_copy / "meta_analysis" / "published.yaml", 'printed: "54%"', 'printed: "47%"')
    replace_in(data_copy / "meta_analysis" / "published.yaml", 'printed: "44%-64%"', 'printed: "40%-54%"')
    replace_in(data_copy / "claims.yaml", 'reported: ["54%", "44%-64%"]', 'reported: ["47%", "40%-54%"]')
    r = _run(data_copy)["meta-cr-rate"]
    assert r.extra["hits"].shape[0] >= 1
    assert (r.citation, r.verdict) == ("supported", "not-reproducible")
    assert "compatibility found by search, not a reproduction" in r.reason

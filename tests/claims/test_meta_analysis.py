"""Claim group ``meta-analysis``: verdicts, values, and one broken input per claim that changes it."""

from __future__ import annotations

import pytest
from conftest import ROOT, replace_in

from analysis.claims import evaluate_group
from analysis.claims.meta_analysis import evaluate_meta
from analysis.inputs import paths
from analysis.inputs.files import load_claims

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
    studies_patients = results["meta-studies-patients"]
    assert (studies_patients.citation, studies_patients.verdict) == ("supported", "consistent")
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
    assert "would leave 3 studies with 189 patients (mean 63) if all were included" in r.reason
    # the subset arithmetic cannot fail as agreement: it is context, not a check that agrees
    context = [c for c in r.checks if c.label.startswith("context:")]
    assert len(context) == 3 and all(c.agrees is None for c in context)
    assert [c.agrees for c in r.checks if not c.label.startswith("context:")] == [True, True]


def test_pooled_values_and_search(results):
    cr = results["meta-cr-rate"]
    (value,) = cr.reproduced
    assert value.value == pytest.approx(0.4704, abs=5e-4)   # 12 studies, logit REML HK
    assert value.ci == pytest.approx((0.3977, 0.5444), abs=5e-4)
    ev = cr.extra["evidence"]
    assert len(ev.cr_search) == 3294 and not ev.cr_search["all_match"].any()   # every tie combination
    assert ev.cr_spec.overall["specifications"] == 30 and ev.cr_spec.overall["specifications_all"] == 0
    assert "Of the 30 specifications of the search (6 study sets x 5 definitions" in cr.reason
    assert "leaving out TOWER, ALCANTARA, MT103-205" in cr.reason and "54.1% (43.2%-64.6%)" in cr.reason
    assert ev.cr_search["estimate"].max() < 0.535        # nothing reaches the printed 54%
    assert ev.cr_search["ci_valid"].all()
    # TOWER 113-115/271 x Badar 147-148/227: six combinations, the spread is reported
    assert len(ev.cr_bracket) == 6
    assert min(f.estimate for f in ev.cr_bracket) == pytest.approx(0.4693, abs=5e-4)
    assert max(f.estimate for f in ev.cr_bracket) == pytest.approx(0.4704, abs=5e-4)
    assert "over the 6 combinations of tied counts" in cr.reason
    mrd = results["meta-mrd-rate"]
    # AIEOP's MRD negativity in children treated for MRD is no longer in the primary set
    assert mrd.reproduced[0].value == pytest.approx(0.7103, abs=5e-4)
    # like with like: among CR/CRh assessed, and over every patient treated (ITT); 43% fits neither
    assert [r.value for r in mrd.reproduced[1:]] == pytest.approx([0.7103, 0.2835], abs=5e-4)
    assert "the printed figure fits neither definition" in mrd.reason
    assert "Beneduce 2022 (AIEOP)" not in set(ev.mrd_counts["label"])
    assert mrd.extra["n_invalid"] == 5 == int((~ev.mrd_search["ci_valid"]).sum())
    assert "5 further raw-scale combinations with CI bounds outside [0, 1]" in mrd.reason
    assert "range from 26.6% to 79.5%" in mrd.reason        # the range over valid CIs only (ITT rows included)
    assert int(ev.yu_cr["all_match"].sum()) == 9           # Yu 2019's 0.45 (0.37-0.53) under some choices
    # the hypothetical counts are listed, never pooled
    assert list(zip(ev.hypothetical["events"], ev.hypothetical["total"], strict=True)) == [(22, 25), (14, 27)]
    assert not ((ev.mrd_search["k"] > 0) & (ev.mrd_search["patients"] == 0)).any()


def test_scope_with_a_different_aim_is_not_supported(data_copy):
    replace_in(data_copy / "meta_analysis" / "published.yaml",
               "blinatumomab monotherapy for the treatment", "blinatumomab combinations for the treatment")
    r = _run(data_copy)["meta-scope"]
    assert (r.citation, r.verdict) == ("not-supported", "discrepant")


def test_more_identified_patients_than_printed_is_context_not_a_disagreement(data_copy):
    # the identified studies need not be a subset of Liu's: more of them is context, not a discrepancy
    replace_in(data_copy / "meta_analysis" / "studies.csv",
               "rct-arm,true,adult,negative,rr-active,271,", "rct-arm,true,adult,negative,rr-active,571,")
    r = _run(data_copy)["meta-studies-patients"]
    assert (r.citation, r.verdict) == ("supported", "consistent")
    (row,) = [c for c in r.checks if c.label == "context: their patients against the total"]
    assert row.agrees is None and "1,484 patients" in row.found and "(more than printed)" in row.found


def test_an_abstract_printing_other_counts_is_discrepant(data_copy):
    replace_in(data_copy / "meta_analysis" / "published.yaml", 'printed: "1,373"', 'printed: "1,337"')
    r = _run(data_copy)["meta-studies-patients"]
    assert (r.citation, r.verdict) == ("not-supported", "discrepant")


def test_tied_counts_resolved_by_a_pick_would_leave_no_spread(data_copy):
    # dropping the tie rows of TOWER and Badar leaves one combination and no spread in the reason
    path = data_copy / "meta_analysis" / "outcome_variants.csv"
    lines = [x for x in path.read_text(encoding="utf-8").splitlines(keepends=True) if ',"tie: ' not in x]
    path.write_text("".join(lines), encoding="utf-8")
    cr = _run(data_copy)["meta-cr-rate"]
    ev = cr.extra["evidence"]
    assert len(ev.cr_bracket) == 1 and "combinations of tied counts" not in cr.reason
    assert set(ev.cr_search["bracket"]) == {"none"}


def test_a_ci_outside_0_1_is_left_out_of_the_verdict_ranges(results):
    mrd = results["meta-mrd-rate"]
    ev = mrd.extra["evidence"]
    bad = ev.mrd_search[~ev.mrd_search["ci_valid"]]
    assert set(bad["transform"]) == {"raw"} and ((bad["ci_low"] < 0) | (bad["ci_high"] > 1)).all()
    assert len(mrd.extra["valid"]) == len(ev.mrd_search) - len(bad) == 243


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
    assert "no rule-based study set reaches" not in r.reason.lower()          # the prose follows the search

"""Post-transplant blinatumomab (Gaballa et al., Blood 2022): verdicts, hand-checked values, and a
broken input per claim that changes its verdict."""

import pytest
from conftest import ROOT, replace_in

from analysis.claims import evaluate_group
from analysis.claims.post_transplant_maintenance import design, feasible, follow_up, grim_check, km_check, outcomes
from analysis.inputs.files import load_claims
from analysis.inputs.trials import load_trial

BIB = ROOT / "book" / "references.bib"


def _trial(data_dir=None):
    return load_trial("gaballa2022", data_dir / "trials", BIB) if data_dir else load_trial("gaballa2022")


def test_verdicts_of_the_group_are_the_expected_ones():
    claims = load_claims()
    got = {r.id: (r.citation, r.verdict) for r in evaluate_group("post-transplant-maintenance", claims)}
    assert got == {c.id: (c.expected_citation, c.expected_verdict) for c in claims if c.id.startswith("posthct-")}
    assert set(got.values()) == {("supported", "consistent")}


def test_design_matches_abstract_and_registry():
    result = design(load_claims(), _trial())
    assert all(c.agrees for c in result.checks) and len(result.checks) == 6
    spacing = next(c for c in result.checks if c.label == "spacing of the registry's courses")
    assert "4 courses, 3 months apart" in spacing.found


def test_a_different_interval_or_schedule_is_caught(data_copy):
    path = data_copy / "trials" / "gaballa2022.yaml"
    replace_in(path, 'printed: "3 months"', 'printed: "6 months"')
    replace_in(path, '"at 3, 6, 9, and 12 months following HCT"', '"at 3, 6, 9, and 15 months following HCT"')
    result = design(load_claims(), _trial(data_copy))
    assert result.verdict == "discrepant"
    assert {c.label for c in result.checks if c.agrees is False} == {
        "interval between cycles", "spacing of the registry's courses", "within the first year after HCT"}


def test_follow_up_and_a_landmark_beyond_it(data_copy):
    result = follow_up(load_claims(), _trial())
    assert result.verdict == "consistent"
    assert result.reproduced[0].value == pytest.approx(12 / 14.3)
    replace_in(data_copy / "trials" / "gaballa2022.yaml", 'printed: "14.3 months"', 'printed: "10.3 months"')
    result = follow_up(load_claims(), _trial(data_copy))
    assert result.verdict == "discrepant" and [c.agrees for c in result.checks] == [False, False]


def test_one_year_outcomes_attainable_with_21_patients():
    result = outcomes(load_claims(), _trial())
    assert result.verdict == "consistent"
    km = result.extra["km"]
    # 85% of 21: 17/21 = 81.0% and 18/21 = 85.7% (prints 86%) -> no k without censoring; 2-3 deaths with it.
    assert km["os-1y"].events_without_censoring == () and (km["os-1y"].min_events, km["os-1y"].max_events) == (2, 3)
    # 71% of 21: 15/21 = 71.4% -> 6 events without censoring.
    assert km["pfs-1y"].events_without_censoring == (6,)
    assert result.extra["nrm_grim"].k == (0,)
    assert result.extra["relapse"] == pytest.approx(0.29)
    assert "censored before 1 year" in result.reason
    # Clopper-Pearson for 15/21: Beta(0.025; 15, 7) = 0.4782, Beta(0.975; 16, 6) = 0.8872
    k, lo, hi = result.extra["pfs_exact_ci"]
    assert k == 15 and lo == pytest.approx(0.4782, abs=1e-4) and hi == pytest.approx(0.8872, abs=1e-4)


def test_a_nonzero_nrm_or_pfs_above_os_is_caught(data_copy):
    path = data_copy / "trials" / "gaballa2022.yaml"
    replace_in(path, 'printed: "71%"', 'printed: "88%"')
    result = outcomes(load_claims(), _trial(data_copy))
    assert result.verdict == "discrepant"
    assert {c.label for c in result.checks if c.agrees is False} == {
        "progression-free survival at 1 year",
        "overall survival is at least progression-free survival (a death is a PFS event)"}


def test_grim_and_km_rows_for_single_figures():
    trial = _trial()
    row = grim_check(trial, "cgvhd-mild-percent", "cgvhd-mild")
    assert row.agrees and row.found == "2/21 = 9.5%"
    check, res = km_check(trial, "pfs-1y")
    assert check.agrees and res.max_events == 6


def test_feasibility_rests_on_delivery_and_toxicity():
    result = feasible(load_claims(), _trial())
    assert result.verdict == "consistent"
    not_checkable = [c.label for c in result.checks if c.agrees is None]
    assert not_checkable == [
        "cumulative incidence of acute GVHD, grades 2-4 is a whole number of the 21 patients",   # GRIM cannot test a
        "cumulative incidence of acute GVHD, grades 3-4 is a whole number of the 21 patients",   # cumulative incidence
        "registry's limit for secondary graft failure", "efficacy against matched contemporary controls"]
    assert result.reproduced[0].value == pytest.approx(12 / 21)       # 57.1%
    assert result.reproduced[1].value == pytest.approx(21 / 23)       # 91.3%
    assert "no significant difference" in result.reason and "57" in result.reason


@pytest.mark.parametrize("old, new, failing", [
    ('printed: "12"\n    of: analysed', 'printed: "13"\n    of: analysed',
     "patients who completed all 4 cycles, percent is a whole number of the 21 patients"),
    ('    quantity: cumulative incidence of acute GVHD, grades 3-4\n    printed: "5%"',
     '    quantity: cumulative incidence of acute GVHD, grades 3-4\n    printed: "38%"',
     "registry's limit for severe acute GVHD"),
    ('printed: "2"\n    of: registry-started', 'printed: "3"\n    of: registry-started',
     "patients treated of those enrolled"),
])
def test_a_broken_feasibility_figure_is_caught(data_copy, old, new, failing):
    replace_in(data_copy / "trials" / "gaballa2022.yaml", old, new)
    result = feasible(load_claims(), _trial(data_copy))
    assert result.verdict == "discrepant"
    assert failing in {c.label for c in result.checks if c.agrees is False}


def test_an_unread_report_makes_the_citation_unverifiable(data_copy):
    replace_in(data_copy / "trials" / "gaballa2022.yaml", "    read: true", "    read: false")
    result = outcomes(load_claims(), _trial(data_copy))
    assert result.citation == "unverifiable"


def test_attainability_figure_marks_values_no_k_gives():
    import matplotlib
    matplotlib.use("Agg")
    from analysis.plots.e1910 import attainable_percentages

    fig = attainable_percentages(_trial(), ["os-1y", "pfs-1y"])
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "no k/n prints so" in texts                      # 85% of 21
    assert "15/21 = 71.4%" in texts and "18/21 = 85.7%" in texts

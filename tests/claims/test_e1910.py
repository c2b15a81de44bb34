"""E1910 claim group: verdicts, reproduced values, and that a wrong figure is caught."""

import math

import pytest
from conftest import ROOT, replace_in

from analysis.claims import evaluate, evaluate_all, evaluate_group
from analysis.claims.e1910 import arms, follow_up, median_os, mrd_threshold, population, randomisation, standard_of_care
from analysis.inputs.files import load_claims
from analysis.inputs.trials import load_trial

BIB = ROOT / "book" / "references.bib"


def test_randomisation_is_consistent_and_its_citation_unverifiable():
    result = evaluate("e1910-randomisation")
    assert (result.citation, result.verdict) == ("unverifiable", "consistent")
    assert all(check.agrees for check in result.checks) and len(result.checks) == 7
    values = {r.label: r.value for r in result.reproduced}
    assert values["arms summed"] == 224
    assert values["remission after induction"] == pytest.approx(395 / 488)        # 0.8094
    assert values["share of remitters randomised as MRD-negative"] == pytest.approx(224 / 395)  # 0.5671
    assert "ASH 2022 LBA-1" in result.reason and "could not be read" in result.reason


def test_a_changed_arm_count_makes_the_claim_discrepant(data_copy):
    replace_in(data_copy / "trials" / "e1910.yaml",
               'printed: "112"\n    of: randomised\n    report: nejm2024\n    location: "PMID 39047240, abstract '
               '(Results)"\n  - id: randomised-chemotherapy',
               'printed: "111"\n    of: randomised\n    report: nejm2024\n    location: "PMID 39047240, abstract '
               '(Results)"\n  - id: randomised-chemotherapy')
    trial = load_trial("e1910", data_copy / "trials", BIB)
    result = randomisation(load_claims(), trial)
    assert result.verdict == "discrepant"
    failed = {c.label for c in result.checks if c.agrees is False}
    assert failed == {"randomised to blinatumomab", "arms add up to the total"}


def test_a_read_cited_report_makes_the_citation_supported(data_copy):
    # If the ASH abstract had been read and printed the counts, the citation axis would say so.
    path = data_copy / "trials" / "e1910.yaml"
    replace_in(path, "    read: false", "    read: true")
    for fid in ("randomised", "randomised-blinatumomab", "randomised-chemotherapy"):
        text = path.read_text()
        start = text.index(f"  - id: {fid}\n")
        end = text.index("report: nejm2024", start)
        path.write_text(text[:end] + "report: ash2022" + text[end + len("report: nejm2024"):])
    result = randomisation(load_claims(), load_trial("e1910", data_copy / "trials", BIB))
    assert result.citation == "supported"


def test_a_claim_no_evaluator_covers_is_pending_never_invented(data_copy):
    path = data_copy / "claims.yaml"
    text = path.read_text()
    path.write_text(text + """
  - id: e1910-extra
    quote: "E1910 randomized Phase III national cooperative clinical trials network trial."
    section: About the study
    references: [Litzow2022]
    reported: []
    page: claims/e1910
    expected: {citation: pending, verdict: pending}
""")
    claims = load_claims(path)
    results = {r.id: r for r in evaluate_all(claims)}
    assert len(results) == len(claims)
    pending = [r for r in results.values() if r.verdict == "pending"]
    assert [r.id for r in pending] == ["e1910-extra"]            # the loop below runs at least once
    for result in pending:
        assert result.citation == "pending" and "No evaluator" in result.reason


# --------------------------------------------------------------------------- the other E1910 claims

def _trial(data_dir=None):
    return load_trial("e1910", data_dir / "trials", BIB) if data_dir else load_trial("e1910")


def test_verdicts_of_the_group_are_the_expected_ones():
    claims = load_claims()
    got = {r.id: (r.citation, r.verdict) for r in evaluate_group("e1910", claims)}
    assert got == {c.id: (c.expected_citation, c.expected_verdict) for c in claims if c.id.startswith("e1910-")}
    assert got["e1910-mrd-threshold"] == ("unverifiable", "imprecise")
    assert got["e1910-standard-of-care"] == ("unverifiable", "imprecise")


def test_population_ages_agree_and_the_lost_minus_sign_is_wording():
    result = population(load_claims(), _trial())
    assert result.verdict == "consistent"
    assert [c.agrees for c in result.checks] == [True, True, True]
    assert [w["erratum"] for w in result.extra["wording"]] == ["ph-sign-lost"]


def test_a_different_age_range_makes_the_population_discrepant(data_copy):
    replace_in(data_copy / "trials" / "e1910.yaml", 'printed: "30-70 years"', 'printed: "18-70 years"')
    result = population(load_claims(), _trial(data_copy))
    assert result.verdict == "discrepant"
    assert {c.label for c in result.checks if c.agrees is False} == {"youngest eligible age"}


def test_mrd_threshold_agrees_but_the_timing_leaves_out_intensification():
    result = mrd_threshold(load_claims(), _trial())
    assert result.verdict == "imprecise"                  # a timing detail departs; the threshold is right
    assert [c.outcome for c in result.checks] == ["agrees", "departs", "departs"]
    assert "intensification" in result.reason and "threshold agrees" in result.reason
    assert "“after induction and intensification chemotherapy”" in result.reason   # the source's wording, quoted


def test_mrd_claim_would_be_consistent_if_the_sources_said_after_induction(data_copy):
    path = data_copy / "trials" / "e1910.yaml"
    replace_in(path, '"after induction and intensification chemotherapy"', '"after induction chemotherapy"')
    replace_in(path, '"following induction and intensification chemotherapy"', '"following induction chemotherapy"')
    assert mrd_threshold(load_claims(), _trial(data_copy)).verdict == "consistent"


def test_a_different_mrd_threshold_is_caught(data_copy):
    replace_in(data_copy / "trials" / "e1910.yaml", 'printed: "<0.01%"', 'printed: "<0.1%"')
    result = mrd_threshold(load_claims(), _trial(data_copy))
    assert result.checks[0].agrees is False and "threshold agrees" not in result.reason
    assert result.verdict == "discrepant"                 # a wrong number is substance, not wording


def test_arms_agree_and_a_third_control_cycle_count_is_caught(data_copy):
    assert arms(load_claims(), _trial()).verdict == "consistent"
    replace_in(data_copy / "trials" / "e1910.yaml",
               '    arm: chemotherapy\n    printed: "four"', '    arm: chemotherapy\n    printed: "three"')
    result = arms(load_claims(), _trial(data_copy))
    assert result.verdict == "discrepant"
    assert {c.label for c in result.checks if c.agrees is False} == {
        "consolidation chemotherapy cycles, control arm", "blinatumomab given in addition to the same consolidation"}


def test_median_os_consistency_checks_recompute_the_published_arithmetic():
    result = median_os(load_claims(), _trial())
    assert (result.citation, result.verdict) == ("unverifiable", "consistent")
    p = result.extra["p_values"]
    # Altman & Bland: SE = (ln 0.73 - ln 0.23) / 3.92 = 0.2946, z = ln 0.41 / SE = -3.026, P = 0.0025
    assert p["nejm-os-hr"].p == pytest.approx(0.00248, abs=1e-5)
    assert p["ash-os-hr"].p == pytest.approx(0.00284, abs=1e-5)     # z = -2.98
    same = result.extra["median_checks"]["nejm-os-chemotherapy"]
    # exponential: 36 ln 2 / -ln 0.68 = 64.70 months; needed hazard ln(0.68/0.5)/35.4 over -ln(0.68)/36 = 0.811
    assert same.checks[0].implied_median == pytest.approx(36 * math.log(2) / -math.log(0.68))
    assert same.hazard_ratio_needed == pytest.approx(0.811, abs=1e-3)
    later = result.extra["later"]
    assert later.hazard_ratio_needed == pytest.approx(4.748, abs=1e-3)
    later_check = next(c for c in result.checks if c.label.startswith("control median vs the later analysis"))
    assert later_check.agrees is None                     # different data cuts: shown, never counted
    assert result.extra["follow_up"].ratio == pytest.approx(71.4 / 43)
    assert result.extra["km"]["fda-os5-blinatumomab"].attainable_without_censoring is False   # 82.4% is no k/112
    assert result.extra["km"]["nejm-os-blinatumomab"].events_without_censoring == (17,)      # 95/112 = 84.8%
    assert round(result.extra["events"].events) == 46                                          # 4 / SE^2
    unchecked = {c.label for c in result.checks if c.agrees is None}
    assert "median OS in the full report" in unchecked
    km = [c for c in result.checks if c.rule == "attainable"]
    whole = [c for c in km if "." not in c.reported]
    assert len(km) == 8 and whole and not any(c.informative for c in whole)  # n = 112: every whole % is some k/n
    assert all("cannot fail" in c.uninformative_reason for c in whole)
    assert all(c.informative for c in km if "." in c.reported)               # 82.4% at n = 112 can fail


def test_a_p_value_that_does_not_fit_its_interval_is_caught(data_copy):
    replace_in(data_copy / "trials" / "e1910.yaml", 'printed: "0.002"', 'printed: "0.02"')
    result = median_os(load_claims(), _trial(data_copy))
    assert result.verdict == "discrepant"
    assert [c.label for c in result.checks if c.agrees is False] == [
        "P value from the interval, hazard ratio for death, NEJM 2024"]


def test_a_median_needing_an_accelerating_hazard_is_caught(data_copy):
    # With 75% alive at 3 years, reaching 50% at 71.4 months needs the hazard to rise about 1.4-fold.
    replace_in(data_copy / "trials" / "e1910.yaml", 'printed: "68%"', 'printed: "75%"')
    result = median_os(load_claims(), _trial(data_copy))
    assert result.verdict == "discrepant"
    bad = [c for c in result.checks if c.agrees is False]
    assert [c.label for c in bad] == ["control median vs overall survival 75% at 3 years (NEJM 2024)"]
    assert result.extra["median_checks"]["nejm-os-chemotherapy"].hazard_ratio_needed == pytest.approx(
        (math.log(0.75 / 0.5) / 35.4) / (-math.log(0.75) / 36))


def test_follow_up_agrees_and_a_changed_one_is_caught(data_copy):
    result = follow_up(load_claims(), _trial())
    assert result.verdict == "consistent" and [c.agrees for c in result.checks] == [True, None]
    replace_in(data_copy / "trials" / "e1910.yaml", 'printed: "43 months"', 'printed: "48 months"')
    assert follow_up(load_claims(), _trial(data_copy)).verdict == "discrepant"


def test_standard_of_care_is_imprecise_only_through_the_population(data_copy):
    result = standard_of_care(load_claims(), _trial())
    assert [c.outcome for c in result.checks] == ["agrees", "agrees", "agrees", "departs"]
    assert result.verdict == "imprecise" and "“older patients”" in result.reason
    assert {w["erratum"] for w in result.extra["wording"]} == {"drug-name-typo", "ph-sign-lost"}
    # A trial restricted to older patients would make the claim consistent ...
    replace_in(data_copy / "trials" / "e1910.yaml", 'printed: "30-70 years"', 'printed: "60-70 years"')
    assert standard_of_care(load_claims(), _trial(data_copy)).verdict == "consistent"


def test_standard_of_care_needs_a_significant_benefit(data_copy):
    replace_in(data_copy / "trials" / "e1910.yaml", 'printed: "0.41 (0.23-0.73)"', 'printed: "0.81 (0.46-1.43)"')
    result = standard_of_care(load_claims(), _trial(data_copy))
    assert result.checks[0].agrees is False and result.verdict == "discrepant"


def test_survival_figure_draws_every_landmark_and_curve():
    import matplotlib
    matplotlib.use("Agg")
    from analysis.plots.e1910 import survival_landmarks
    from analysis.stats.survival import fit_exponential_from_landmark

    trial = _trial()
    ids = ["nejm-os-blinatumomab", "nejm-os-chemotherapy", "fda-os5-chemotherapy"]
    fig = survival_landmarks(trial, ids, medians=["ash-median-os-chemotherapy", "ash-median-os-blinatumomab"],
                             fits=[("exp", fit_exponential_from_landmark(36, 0.68), "chemotherapy", "--")],
                             follow_ups=["follow-up"])
    ax = fig.axes[0]
    texts = [t.get_text() for t in ax.texts]
    assert "85%" in texts and "62.5%" in texts and "median 71.4 months" in texts
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "model: exp" in legend and any(t.startswith("median follow-up 43 months") for t in legend)


def test_survival_figure_labels_never_overlap():
    """The page's figure: every landmark label's box is clear of every other label's (two reports
    print 3-year survival of the same arm at the same time, 85% and 84.8%)."""
    import matplotlib
    matplotlib.use("Agg")
    from analysis.plots.e1910 import survival_landmarks
    from analysis.report.pages import e1910 as page

    trial = _trial()
    fig = survival_landmarks(trial, page.LANDMARKS, medians=["ash-median-os-chemotherapy"], follow_ups=["follow-up"])
    renderer = fig.canvas.get_renderer()
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in fig.axes[0].texts]
    assert {"85%", "84.8%"} <= {text for text, _ in boxes}
    clashes = [(a, b) for i, (a, x) in enumerate(boxes) for b, y in boxes[i + 1:] if x.overlaps(y)]
    assert not clashes, clashes


def test_deaths_from_the_hazard_ratio_are_corrected_for_schoenfelds_bias():
    result = median_os(load_claims(), _trial())
    deaths = result.extra["deaths"]
    assert round(result.extra["events"].events) == 46            # 4 / SE^2
    assert deaths.deaths > result.extra["events"].events          # the correction is upward at HR 0.41
    assert deaths.recovery == pytest.approx(0.86, abs=0.02)
    events = result.extra["events"]
    assert deaths.interval[1] - deaths.interval[0] > 2 * (events.events_max - events.events_min)
    assert deaths.text in result.reason and "seeded simulation" in result.reason

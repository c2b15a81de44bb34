"""Claim group ``e1910``: the ECOG-ACRIN E1910 trial (commentary ref [6]).

Patient-level data are not public, so the numbers cannot be recomputed from primary data; each
claim is checked against the trial's published reports (``data/trials/e1910.yaml``) and for
internal consistency. The best verdict available is therefore ``consistent``.

What counts on the verdict axis: the claim's figures, and the facts it states about what the
trial did (its timing of the MRD assessment, the population it names). A misspelling whose
meaning is unambiguous ("Ph-B-ALL", "belintuzumab") is a wording problem: it is listed with the
claim (``extra["wording"]``, naming the entry in ``data/errata.yaml``) and does not change the
verdict.

Consistency checks of the reports themselves (``analysis.stats``): P value against its
hazard-ratio interval (Altman & Bland 2011), log-scale symmetry of each interval, Kaplan-Meier
attainability of each landmark with 112 patients per arm, and the control-arm median against
landmark survival of the same analysis. The criterion for the last one: the hazard after the
landmark that the printed median requires must not exceed the hazard before it (for some values
inside the rounding of the printed figures). After remission in adult ALL the risk of death
falls with time as relapses become rarer, so a median that needs the curve to *accelerate* is
suspect, while one that needs it to slow is plausible. Models are assumptions: this flags, it
does not prove.
"""

from __future__ import annotations

import itertools

from analysis.claims import rules
from analysis.claims.citing import trial_result
from analysis.claims.registry import claim_group
from analysis.claims.result import Check, ClaimResult, Reproduced
from analysis.inputs.files import ClaimsRegistry
from analysis.inputs.trials import Trial, load_trial
from analysis.stats.attainability import km_attainable
from analysis.stats.pvalues import p_from_ci, ratio_ci_symmetry
from analysis.stats.rounding import format_percent, parse_number, parse_printed, rounding_interval, within_rounding
from analysis.stats.schoenfeld import deaths_from_hazard_ratio_ci
from analysis.stats.survival import implied_events_from_hr_ci, median_beyond_follow_up, median_consistent_with_landmarks

CLAIM_IDS = ["e1910-population", "e1910-mrd-threshold", "e1910-randomisation", "e1910-arms",
             "e1910-median-os", "e1910-follow-up", "e1910-standard-of-care"]

# Lowest age at which adult-ALL reports usually start to speak of "older" patients; used only to
# decide whether the trial's own eligibility singles out older patients (it starts at 30).
OLDER_FROM_AGE = 55



# --------------------------------------------------------------------------- helpers

def _comparisons(trial: Trial):
    """The figures the consistency checks compare (``comparisons:`` of the trial file)."""
    from analysis.inputs.files import DataError, MissingInput

    if trial.comparisons is None:
        raise MissingInput(DataError(trial.path, None, "comparisons", "missing: the median-OS checks need it"))
    return trial.comparisons


def _half_width(printed_number) -> float:
    """Half the rounding unit of a printed number on the analysis scale ("68%" -> 0.005)."""
    low, high = rounding_interval(printed_number)
    return (high - low) / 2.0


def _months(fig) -> float:
    """A printed duration in months ("71.4 months" -> 71.4, "4.5 years" -> 54.0)."""
    num = fig.parsed.estimate
    unit = num.unit.lower()
    if unit in ("month", "months"):
        return float(num.value)
    if unit in ("year", "years"):
        return 12.0 * float(num.value)
    raise ValueError(f"figure {fig.id!r} ({fig.printed!r}) is not a duration in months or years")


def _fmt(x: float, digits: int = 1) -> str:
    return f"{x:.{digits}f}"


def _where(trial: Trial, fig) -> str:
    """Report label, plus the analysis when it is not the trial's first (main) data cut."""
    main = next(iter(trial.cuts), "")
    extra = f", {trial.cuts[fig.cut].label}" if fig.cut and fig.cut != main else ""
    return trial.reports[fig.report].label + extra


def _short(quantity: str) -> str:
    """'hazard ratio for death, blinatumomab vs chemotherapy (95% CI)' -> 'hazard ratio for death'."""
    return quantity.split(",")[0].split(" (")[0]


def hr_p_check(trial: Trial, hr_id: str, p_id: str | None):
    """P value recomputed from a printed HR and CI (Altman & Bland), against the printed P.

    Agreement: the P values reachable by any HR/CI inside the rounding of the printed digits
    (``p_min``..``p_max``) overlap the rounding interval of the printed P. Without a printed P the
    recomputed value is shown and the check is not made.
    """
    hr = trial.figure(hr_id)
    est, (lo, hi) = hr.parsed.estimate, hr.parsed.interval
    decimals = max(est.decimals, lo.decimals, hi.decimals)
    res = p_from_ci(float(est.value), float(lo.value), float(hi.value), decimals=decimals)
    found = f"P = {res.p:.4f} (any HR/CI rounding to the printed digits: {res.p_min:.4f}-{res.p_max:.4f})"
    label = f"P value from the interval, {_short(hr.quantity)}, {_where(trial, hr)}"
    if p_id is None:
        return Check(label, hr.printed, found + "; no P printed", None, trial.cites(hr_id), rule="p-from-ci",
                     uninformative_reason="recomputed only; no P printed to compare"), res
    p = trial.figure(p_id)
    judged = rules.p_value_fits(res.p_min, res.p_max, p.parsed.estimate)
    return judged.check(label, f"HR {hr.printed}, P {p.printed}", found, trial.cites(p_id)), res


def symmetry_check(trial: Trial, hr_id: str):
    """Is the printed HR the geometric centre of its printed interval (log-scale Wald CI)?"""
    hr = trial.figure(hr_id)
    est, (lo, hi) = hr.parsed.estimate, hr.parsed.interval
    res = ratio_ci_symmetry(est.text, lo.text, hi.text)
    found = (f"geometric centre sqrt({lo.text} x {hi.text}) = {res.geometric_midpoint:.3f} "
             f"({res.midpoint_range[0]:.3f}-{res.midpoint_range[1]:.3f} over the rounding)")
    return rules.centred(res.consistent).check(
        f"estimate centred in its interval (log scale), {_short(hr.quantity)}, {_where(trial, hr)}",
        hr.printed, found, trial.cites(hr_id)), res


def km_check(trial: Trial, fig_id: str, n_id: str):
    """Can n patients produce the printed Kaplan-Meier landmark? (with and without censoring)"""
    fig, n = trial.figure(fig_id), trial.figure(n_id)
    res = km_attainable(fig.printed, int(n.value))
    if res.attainable_without_censoring:
        plain = (f"with no censoring: {', '.join(map(str, res.events_without_censoring))} deaths "
                 f"({int(n.value) - res.events_without_censoring[0]}/{int(n.value)})")
    else:
        plain = "no k/n prints so: censoring before that time is needed"
    found = f"{plain}; with censoring {res.min_events}-{res.max_events} deaths"
    label = f"{fig.quantity} {fig.printed} at {fig.time}, {fig.arm}, n = {n.printed} ({_where(trial, fig)})"
    judged = rules.attainable(res.attainable_with_censoring, fig.parsed.estimate.decimals, int(n.value))
    return judged.check(label, fig.printed, found, trial.cites(fig_id)), res


def needed_hazard_ratio_range(median: float, median_half: float, t: float, s: float,
                              s_half: float) -> tuple[float, float]:
    """Range of the hazard ratio (after / before the landmark) a printed median needs, over the
    rounding of the median and of the landmark survival (corners; monotone in each)."""
    ratios = []
    for m, ss in itertools.product((median - median_half, median + median_half), (s - s_half, s + s_half)):
        ratios.append(median_consistent_with_landmarks(m, [(t, ss)]).hazard_ratio_needed)
    return min(ratios), max(ratios)


def median_landmark_check(trial: Trial, median_id: str, landmark_id: str):
    """A printed median against one landmark of the same analysis (see module docstring)."""
    med_fig, lm = trial.figure(median_id), trial.figure(landmark_id)
    median = _months(med_fig)
    m_half = _half_width(med_fig.parsed.estimate) * 1.0
    t, s, s_half = lm.time_months, lm.value, _half_width(lm.parsed.estimate)
    res = median_consistent_with_landmarks(median, [(t, s)], survival_half_width=s_half, median_half_width=m_half)
    exp = next(c for c in res.checks if c.model == "exponential")
    lo, hi = needed_hazard_ratio_range(median, m_half, t, s, s_half)
    found = (f"constant hazard through {lm.printed} at {_fmt(t, 0)} months gives a median of "
             f"{_fmt(exp.implied_median)} ({_fmt(exp.implied_median_range[0])}-{_fmt(exp.implied_median_range[1])}); "
             f"reaching 50% at {med_fig.printed} needs the hazard after {_fmt(t, 0)} months at "
             f"{res.hazard_ratio_needed:.2f} x the hazard before ({lo:.2f}-{hi:.2f} over the rounding)")
    label = f"control median vs {lm.quantity} {lm.printed} at {lm.time} ({trial.reports[lm.report].label})"
    return rules.median_fits_landmark(res.order_consistent, lo).check(
        label, med_fig.printed, found, trial.cites(landmark_id),
        note="same analysis; criterion: the hazard need not rise after the landmark"), res


def later_cut_check(trial: Trial, median_id: str, landmark_ids: list[str]):
    """The printed median against landmarks of a LATER analysis: shown, never counted (the two
    numbers come from different data cuts, so neither can test the other)."""
    med_fig = trial.figure(median_id)
    median = _months(med_fig)
    figs = [trial.figure(i) for i in landmark_ids]
    marks = [(f.time_months, f.value) for f in figs]
    s_half = min(_half_width(f.parsed.estimate) for f in figs)
    res = median_consistent_with_landmarks(median, marks, survival_half_width=s_half,
                                           median_half_width=_half_width(med_fig.parsed.estimate))
    medians = ", ".join(f"{c.model} {_fmt(c.implied_median)}" for c in res.checks)
    found = (f"models through {' and '.join(f.printed + ' at ' + f.time for f in figs)} put the median at {medians} "
             f"months; {med_fig.printed} would need the hazard after {_fmt(marks[-1][0], 0)} months at "
             f"{res.hazard_ratio_needed:.2f} x the hazard before")
    return Check(f"control median vs the later analysis ({_where(trial, figs[-1])})",
                 med_fig.printed, found, None, trial.cites(landmark_ids[-1]), rule="median-landmarks",
                 uninformative_reason="different data cuts: the later analysis cannot test the printed median"), res


def _wording(erratum: str, commentary: str, source: str, where: str) -> dict:
    return {"erratum": erratum, "commentary": commentary, "source": source, "where": where}


# --------------------------------------------------------------------------- claims

def population(claims: ClaimsRegistry, trial: Trial) -> ClaimResult:
    """Ages 30-70, newly diagnosed, Ph-negative (commentary: 'Ph-B-ALL')."""
    claim = claims.get("e1910-population")
    reported = parse_printed(claim.reported[0])
    r_lo, r_hi = reported.interval
    age = trial.figure("eligible-age")
    a_lo, a_hi = age.parsed.interval
    fda = trial.figure("fda-population")
    says_new = "newly diagnosed" in claim.quote.lower()
    checks = [
        rules.exact_value(float(a_lo.value), r_lo).check("youngest eligible age", r_lo.text, f"{a_lo.text} {a_lo.unit}",
                                                         trial.cites(age.id)),
        rules.exact_value(float(a_hi.value), r_hi).check("oldest eligible age", r_hi.text, f"{a_hi.text} {a_hi.unit}",
                                                         trial.cites(age.id)),
        rules.statement(says_new == ("newly diagnosed" in fda.printed.lower())).check(
            "newly diagnosed disease", "newly diagnosed" if says_new else "(not said)",
            fda.printed, trial.cites(fda.id)),
    ]
    disease = trial.figure("eligible-disease")
    wording = [_wording("ph-sign-lost", "Ph-B-ALL", disease.printed, trial.cites("eligible-disease"))]
    return trial_result(
        claim, trial, checks, ["eligible-age"],
        f"The age range {claim.reported[0]} is the trial's eligibility as printed in the full report "
        f"({age.printed}), and the FDA notice describes the patients as newly diagnosed. 'Ph-B-ALL' has lost "
        f"its minus sign; read as Ph-negative it matches the report's {disease.printed} "
        f"(a wording problem, not a different population). ",
        takeaway=f"Ages {age.printed}, newly diagnosed, Ph-negative: as the full report prints.",
        deciding=Reproduced("eligible ages (full report)", None, age.printed), extra={"wording": wording})


def mrd_threshold(claims: ClaimsRegistry, trial: Trial) -> ClaimResult:
    """MRD negativity '<0.01%' 'after induction chemotherapy' vs the reports' threshold and timing."""
    claim = claims.get("e1910-mrd-threshold")
    reported = parse_printed(claim.reported[0]).estimate
    thr = trial.figure("mrd-threshold")
    found = thr.parsed.estimate
    same_threshold = found.comparator == reported.comparator and within_rounding(found.fraction, reported)
    timing, fda_timing = trial.figure("mrd-timing"), trial.figure("fda-timing")
    quote = claim.quote.lower()
    commentary_timing = "after induction chemotherapy" if "after induction chemotherapy" in quote else "(as quoted)"
    says_intensification = "intensification" in quote

    def timing_check(fig, label):
        leaves_out = "intensification" in fig.printed.lower() and not says_intensification
        detail = "timing: leaves out the second course, intensification" if leaves_out else None
        return rules.statement(True, detail).check(label, commentary_timing, fig.printed, trial.cites(fig.id))

    checks = [
        Check("MRD-negativity threshold", claim.reported[0], thr.printed, None, trial.cites(thr.id),
              outcome="agrees" if same_threshold else "disagrees", rule="exact-value"),
        timing_check(timing, "when MRD was assessed"),
        timing_check(fda_timing, "when patients were assessed for randomisation"),
    ]
    reasons = {
        "consistent": f"The threshold {thr.printed} and the timing agree with the full report. ",
        "imprecise": (f"The threshold agrees ({thr.printed} by flow cytometry in the full report). The timing departs "
                      f"in a detail: the full report says MRD was assessed “{timing.printed}” (the FDA notice: "
                      f"“{fda_timing.printed}”), so the randomised patients were MRD-negative after a second course, "
                      f"intensification, that the commentary's “after induction chemotherapy” leaves out. The clinical "
                      f"meaning — MRD-negative remission after initial chemotherapy — is unchanged. "),
    }
    return trial_result(
        claim, trial, checks, ["mrd-threshold", "mrd-timing"], reasons,
        takeaway=(f"Threshold {thr.printed} right; MRD was assessed after induction and intensification, not after "
                  "induction alone."),
        deciding=Reproduced("MRD-negativity threshold (full report)", None, thr.printed),
        extra={"wording": [_wording("mrd-timing", "after induction chemotherapy", timing.printed,
                                    trial.cites(timing.id))]})


def randomisation(claims: ClaimsRegistry, trial=None) -> ClaimResult:
    """224 MRD-negative patients randomised, 112 per arm (commentary) vs the trial's reports."""
    claim = claims.get("e1910-randomisation")
    trial = trial or load_trial("e1910")
    total_text, arm_text = claim.reported
    total = parse_printed(total_text).estimate
    per_arm = parse_printed(arm_text).estimate
    fig = trial.figure
    blin, chemo = fig("randomised-blinatumomab"), fig("randomised-chemotherapy")
    enrolled, cr = fig("enrolled"), fig("cr-after-induction")
    cr_pct, rand = fig("cr-after-induction-percent"), fig("randomised")
    arm_sum = blin.value + chemo.value
    cr_rate = cr.value / enrolled.value
    share = rand.value / cr.value
    checks = [
        rules.exact_value(rand.value, total).check("patients randomised", total_text,
                                                   rand.printed, trial.cites(rand.id)),
        rules.exact_value(blin.value, per_arm).check("randomised to blinatumomab", arm_text,
                                                     blin.printed, trial.cites(blin.id)),
        rules.exact_value(chemo.value, per_arm).check("randomised to chemotherapy", arm_text, chemo.printed,
                                                      trial.cites(chemo.id)),
    ]
    for fid in ("fda-randomised-blinatumomab", "fda-randomised-chemotherapy"):
        f = fig(fid)
        checks.append(rules.exact_value(f.value, per_arm).check(f.quantity, arm_text, f.printed, trial.cites(fid)))
    checks += [
        rules.rounding(arm_sum, total).check("arms add up to the total", total_text,
                                             f"{int(blin.value)} + {int(chemo.value)} = {int(arm_sum)}",
                                             "arithmetic on the NEJM 2024 arm counts"),
        rules.rounding(cr_rate, cr_pct.parsed.estimate).check(
            "remission rate after induction (printed 81%)", cr_pct.printed,
            f"{int(cr.value)}/{int(enrolled.value)} = {format_percent(cr_rate, 1)}", trial.cites(cr.id)),
    ]
    reproduced = (
        Reproduced("arms summed", float(arm_sum), f"{int(arm_sum)}"),
        Reproduced("remission after induction", float(cr_rate),
                   f"{int(cr.value)}/{int(enrolled.value)} = {format_percent(cr_rate, 1)}"),
        Reproduced("share of remitters randomised as MRD-negative", float(share),
                   f"{int(rand.value)}/{int(cr.value)} = {format_percent(share, 1)}"),
    )
    agreeing = sum(1 for c in checks if c.counted and c.outcome == "agrees")
    return trial_result(
        claim, trial, checks, ["randomised", "randomised-blinatumomab", "randomised-chemotherapy"],
        (f"All {agreeing} checks agree: the trial's full report and the FDA notice print {rand.printed} "
         f"randomised, {blin.printed} and {chemo.printed} per arm; the arms add up, and the patient flow "
         f"({enrolled.printed} enrolled, {cr.printed} in remission) is coherent. "
         f"No patient-level data exist to recompute from, so 'consistent' is the strongest verdict possible. "),
        takeaway=f"{rand.printed} randomised, {blin.printed} per arm, as the full report and the FDA notice print.",
        deciding=reproduced[0], reproduced=reproduced)


def arms(claims: ClaimsRegistry, trial: Trial) -> ClaimResult:
    """Four cycles of blinatumomab added to consolidation; four cycles of chemotherapy alone."""
    claim = claims.get("e1910-arms")
    blin_text, control_text = claim.reported
    blin_n, control_n = parse_number(blin_text), parse_number(control_text)
    blin, with_chemo, control = (trial.figure(i) for i in (
        "blinatumomab-cycles", "blinatumomab-arm-chemotherapy-cycles", "control-chemotherapy-cycles"))
    checks = [
        rules.exact_value(blin.value, blin_n).check("blinatumomab cycles added", blin_text, blin.printed,
                                                    trial.cites(blin.id)),
        rules.exact_value(control.value, control_n).check("consolidation chemotherapy cycles, control arm",
                                                          control_text, control.printed, trial.cites(control.id)),
        rules.statement(with_chemo.value == control.value).check(
            "blinatumomab given in addition to the same consolidation", "during consolidation therapy",
            f"{blin.printed} blinatumomab + {with_chemo.printed} chemotherapy cycles", trial.cites(with_chemo.id)),
    ]
    return trial_result(
        claim, trial, checks, ["blinatumomab-cycles", "control-chemotherapy-cycles"],
        f"The full report describes the arms the same way: {blin.printed} cycles of blinatumomab in addition to "
        f"{with_chemo.printed} cycles of consolidation chemotherapy, against {control.printed} cycles of chemotherapy "
        f"alone. ",
        takeaway=f"{blin.printed} cycles of blinatumomab added to {with_chemo.printed} of chemotherapy: as reported.",
        deciding=Reproduced("blinatumomab cycles (full report)", float(blin.value), blin.printed))


def median_os(claims: ClaimsRegistry, trial: Trial) -> ClaimResult:
    """Median OS not reached vs 71.4 months: sources, and consistency of the survival summaries."""
    claim = claims.get("e1910-median-os")
    nr_text, control_text = claim.reported
    blin_med, control_med = trial.figure("ash-median-os-blinatumomab"), trial.figure("ash-median-os-chemotherapy")
    control_reported = parse_printed(control_text).estimate
    checks = [
        rules.statement(nr_text.strip().lower() == blin_med.printed.strip().lower()).check(
            "median OS, blinatumomab arm", nr_text, blin_med.printed, trial.cites(blin_med.id)),
        rules.exact_value(float(control_med.parsed.estimate.value), control_reported).check(
            "median OS, chemotherapy arm", control_text, control_med.printed, trial.cites(control_med.id)),
        Check("median OS in the full report", control_text, "not printed in the abstract read", None,
              "NEJM 2024, PMID 39047240, abstract", rule="exact-value",
              uninformative_reason="the full text could not be read"),
    ]
    # "not reached": every landmark of the blinatumomab arm lies above 50% beyond rounding.
    comp = _comparisons(trial)
    blin_marks = [trial.figure(i) for i in comp.experimental_landmarks]
    lowest = min(blin_marks, key=lambda f: f.value)
    above = all(rounding_interval(f.parsed.estimate)[0] > 0.5 for f in blin_marks)
    checks.append(rules.statement(above).check(
        "'not reached' vs the blinatumomab arm's landmarks", nr_text,
        f"every landmark is above 50% (lowest {lowest.printed} at {lowest.time}, "
        f"{trial.reports[lowest.report].label}), so any median lies beyond {lowest.time}", trial.cites(lowest.id)))
    median_checks = {}
    for lid in comp.same_cut_control:
        check, res = median_landmark_check(trial, control_med.id, lid)
        checks.append(check)
        median_checks[lid] = res
    later, later_res = later_cut_check(trial, control_med.id, comp.later_cut_control)
    checks.append(later)
    p_values = {}
    for pair in comp.hazard_ratios:
        check, res = hr_p_check(trial, pair.hr, pair.p)
        hr_id = pair.hr
        checks.append(check)
        p_values[hr_id] = res
    for pair in comp.hazard_ratios:
        checks.append(symmetry_check(trial, pair.hr)[0])
    ash_hr = trial.figure("ash-os-hr").parsed.estimate
    reduction = trial.figure("ash-risk-reduction")
    checks.append(rules.rounding(1 - float(ash_hr.value), reduction.parsed.estimate).check(
        "reduction in the risk of death = 1 - HR", reduction.printed,
        f"1 - {ash_hr.text} = {format_percent(1 - float(ash_hr.value))}", trial.cites(reduction.id)))
    km = {}
    for pair in comp.km_landmarks:
        fid = pair.landmark
        check, res = km_check(trial, fid, pair.n)
        checks.append(check)
        km[fid] = res
    follow = trial.figure("follow-up")
    fu = median_beyond_follow_up(_months(control_med), _months(follow))
    nejm_hr = trial.figure("nejm-os-hr").parsed
    events = implied_events_from_hr_ci(float(nejm_hr.interval[0].value), float(nejm_hr.interval[1].value), decimals=2)
    nejm_control = trial.figure("nejm-os-chemotherapy")
    deaths = deaths_from_hazard_ratio_ci(
        float(nejm_hr.estimate.value), float(nejm_hr.interval[0].value), float(nejm_hr.interval[1].value),
        n_experimental=int(trial.figure("randomised-blinatumomab").value),
        n_control=int(trial.figure("randomised-chemotherapy").value),
        control_landmarks=[(nejm_control.time_months, nejm_control.value)], median_follow_up=_months(follow),
        decimals=max(n.decimals for n in nejm_hr.numbers))
    same = median_checks["nejm-os-chemotherapy"]
    nejm3, five = trial.figure("nejm-os-chemotherapy"), trial.figure("fda-os5-chemotherapy")
    exp_same = next(c for c in same.checks if c.model == "exponential")
    later_medians = [c.implied_median for c in later_res.checks]
    reproduced = (
        Reproduced("P recomputed from the NEJM HR interval", p_values["nejm-os-hr"].p,
                   f"P = {p_values['nejm-os-hr'].p:.4f}"),
        Reproduced("P recomputed from the ASH/FDA HR interval", p_values["ash-os-hr"].p,
                   f"P = {p_values['ash-os-hr'].p:.4f}"),
        Reproduced(f"control median from a constant hazard through OS at {nejm3.time} (NEJM)", exp_same.implied_median,
                   f"{_fmt(exp_same.implied_median)} months"),
        Reproduced(f"hazard after {nejm3.time} needed for the {control_med.printed} median, relative to before",
                   same.hazard_ratio_needed, f"{same.hazard_ratio_needed:.2f} x"),
        Reproduced("control median / median follow-up", fu.ratio, f"{fu.ratio:.2f} x"),
        Reproduced("deaths implied by the NEJM HR interval, Schoenfeld's 4/SE² (biased low at this HR)", events.events,
                   f"about {events.events:.0f} deaths ({events.events_min:.0f}-{events.events_max:.0f} over the "
                   "rounding)"),
        Reproduced("deaths implied by the NEJM HR interval, corrected for the design (seeded simulation)",
                   deaths.deaths, f"{deaths.text}; Schoenfeld's formula recovers {100 * deaths.recovery:.0f}% of them",
                   ci=tuple(float(x) for x in deaths.interval)),
    )
    counted = [c for c in checks if c.counted]
    consistent = (
        f"Both medians ({blin_med.printed}; {control_med.printed}) are printed in meeting reports of the ASH 2022 "
        f"presentation, not in the full report's abstract. All {len(counted)} consistency checks that could fail "
        "agree: each P value fits its hazard-ratio interval, each interval is centred on its estimate, and the median "
        f"of {control_med.printed} fits the control arm's survival in the same analysis (a constant hazard through "
        f"{nejm3.printed} at {nejm3.time} gives {_fmt(exp_same.implied_median)} months; {control_med.printed} needs "
        f"the hazard after {nejm3.time} at {same.hazard_ratio_needed:.2f} times the earlier one, a plausible slowing). "
        f"With {trial.figure('randomised-blinatumomab').printed} patients per arm every landmark printed to whole "
        "percentages is attainable, so those checks cannot fail and are not counted. The median lies beyond the "
        f"median follow-up of {follow.printed} ({fu.ratio:.2f} times), so it rests on the sparse tail of the curve. "
        f"The later analysis ({five.printed} alive at {five.time}) puts the control median at "
        f"{_fmt(min(later_medians))}-{_fmt(max(later_medians))} months under the models; keeping {control_med.printed} "
        f"would need the risk of death after {five.time} to be {later_res.hazard_ratio_needed:.1f} times that before, "
        f"so the later data cut makes so short a median unlikely. The NEJM hazard-ratio interval implies {deaths.text} "
        f"in all, once Schoenfeld's 4/SE² (about {events.events:.0f}), which recovers only "
        f"{100 * deaths.recovery:.0f}% of the deaths at a hazard ratio near {float(nejm_hr.estimate.value):g}, is "
        "corrected by a seeded simulation of the design. ")
    return trial_result(
        claim, trial, checks, [blin_med.id, control_med.id], consistent,
        takeaway=(f"Medians as the ASH 2022 reports print them ({blin_med.printed}; {control_med.printed}); the "
                  "control median is fragile, beyond the median follow-up."),
        deciding=Reproduced("control-arm median OS (ASH 2022 reports)", None, control_med.printed),
        reproduced=reproduced,
        extra={"median_checks": median_checks, "later": later_res, "p_values": p_values, "km": km,
               "follow_up": fu, "events": events, "deaths": deaths})


def follow_up(claims: ClaimsRegistry, trial: Trial) -> ClaimResult:
    """Median follow-up 43 months vs the reports."""
    claim = claims.get("e1910-follow-up")
    reported = parse_printed(claim.reported[0]).estimate
    nejm, ash = trial.figure("follow-up"), trial.figure("ash-follow-up")
    nejm_months = _months(nejm)
    ash_lo, ash_hi = (12 * x for x in rounding_interval(ash.parsed.estimate))
    checks = [
        rules.exact_value(nejm_months, reported).check("median follow-up, full report", claim.reported[0], nejm.printed,
                                                       trial.cites(nejm.id)),
        Check("follow-up in the meeting reports ('a median 3.5 years')", claim.reported[0],
              f"{claim.reported[0]} = {_fmt(_months(nejm) / 12, 2)} years; '{ash.printed}' stands for "
              f"{_fmt(ash_lo)}-{_fmt(ash_hi)} months if read to one decimal, and covers {claim.reported[0]} if read to "
              f"the nearest half-year", None, trial.cites(ash.id), rule="exact-value",
              uninformative_reason="secondary wording; which rounding was meant cannot be told"),
    ]
    later = trial.figure("fda-later-follow-up")
    control_med = trial.figure("ash-median-os-chemotherapy")
    fu = median_beyond_follow_up(_months(control_med), nejm_months)
    return trial_result(
        claim, trial, checks, [nejm.id],
        f"The full report prints a median follow-up of {nejm.printed} for the third interim analysis, the "
        f"analysis presented at ASH 2022; the meeting reports' '{ash.printed}' is the same span rounded to a "
        f"half-year. The control-arm median ({control_med.printed}) is {fu.ratio:.2f} times this follow-up. A later "
        f"analysis (FDA notice) had a median follow-up of {later.printed}. ",
        takeaway=f"Median follow-up {nejm.printed} in the full report, as the commentary says.",
        deciding=Reproduced("median follow-up (full report)", nejm_months, nejm.printed),
        reproduced=(Reproduced("follow-up in years", nejm_months / 12,
                               f"{nejm.printed} = {_fmt(nejm_months / 12, 2)} years"),
                    Reproduced("control median / median follow-up", fu.ratio,
                               f"{control_med.printed} / {nejm.printed} = {fu.ratio:.2f}")),
        extra={"follow_up": fu})


def standard_of_care(claims: ClaimsRegistry, trial: Trial) -> ClaimResult:
    """'Expected to become a new standard ... for newly diagnosed older patients with Ph-B-ALL'."""
    claim = claims.get("e1910-standard-of-care")
    hr = trial.figure("nejm-os-hr")
    p_check, p_res = hr_p_check(trial, "nejm-os-hr", "nejm-os-p")
    upper = float(hr.parsed.interval[1].value)
    presenter = trial.figure("ash-standard-of-care")
    indication, approved = trial.figure("fda-indication"), trial.figure("fda-approval-date")
    age = trial.figure("eligible-age")
    youngest = float(age.parsed.interval[0].value)
    says_older = "older patients" in claim.quote.lower()
    trial_selects_older = youngest >= OLDER_FROM_AGE
    population_detail = ("population: 'older patients', while the trial enrolled adults of "
                         f"{age.printed}") if says_older and not trial_selects_older else None
    checks = [
        rules.statement(upper < 1.0 and p_check.outcome == "agrees").check(
            "overall-survival benefit the expectation rests on", "(a new standard)",
            f"HR {hr.printed}, P {trial.figure('nejm-os-p').printed}; interval below 1, recomputed P {p_res.p:.4f}",
            trial.cites(hr.id)),
        rules.statement("standard" in presenter.printed.lower()).check(
            "the investigators' own conclusion", "expected to become a new standard of treatment", presenter.printed,
            trial.cites(presenter.id)),
        rules.statement("consolidation" in indication.printed.lower()).check(
            "approval as consolidation", "expected to become a new standard of treatment",
            f"approved {approved.printed}: {indication.printed}", trial.cites(indication.id),
            note="after the commentary was published"),
        rules.statement(True, population_detail).check(
            "population: older patients", "newly diagnosed older patients" if says_older else "(no age restriction)",
            f"trial ages {age.printed}; approval: {indication.printed}", trial.cites(age.id)),
    ]
    wording = [_wording("drug-name-typo", "belintuzumab", "blinatumomab", trial.cites("blinatumomab-cycles")),
               _wording("ph-sign-lost", "Ph-B-ALL", trial.figure("eligible-disease").printed,
                        trial.cites("eligible-disease"))]
    reasons = {
        "imprecise": (f"The expectation itself is borne out: overall survival improved (HR {hr.printed}, recomputed P "
                      f"{p_res.p:.4f}), the presenting author called it “{presenter.printed}”, and the FDA approved "
                      f"blinatumomab for consolidation on {approved.printed}. A detail departs: the commentary names "
                      f"“older patients”, but E1910 enrolled adults aged {age.printed}, and the approval covers "
                      f"“{indication.printed}”; the clinical meaning — a new standard for consolidation in adults — "
                      f"holds. The drug's name is misspelt ('belintuzumab'). "),
        "consistent": "The expectation, the benefit it rests on and the population agree with the reports. ",
    }
    return trial_result(
        claim, trial, checks, [hr.id], reasons,
        takeaway=(f"Borne out (HR {hr.printed}; approved {approved.printed}); but the trial enrolled ages "
                  f"{age.printed}, not 'older patients'."),
        deciding=Reproduced("hazard ratio for death (full report)", float(hr.parsed.estimate.value), hr.printed),
        extra={"wording": wording})


@claim_group("e1910", ids=CLAIM_IDS)
def evaluate_e1910(claims: ClaimsRegistry) -> list[ClaimResult]:
    trial = load_trial("e1910")
    return [population(claims, trial), mrd_threshold(claims, trial), randomisation(claims, trial),
            arms(claims, trial), median_os(claims, trial), follow_up(claims, trial),
            standard_of_care(claims, trial)]

"""Claim group ``posthct``: blinatumomab maintenance after allogeneic HCT (Gaballa et al., Blood
2022; commentary ref [5]).

The study's patient-level data are not public and its full text could not be read, so every
claim is checked against the abstract and the trial's registry record
(``data/trials/gaballa2022.yaml``) and for internal consistency; the best verdict available is
``consistent``. The consistency checks use the study's own denominator, the 21 patients analysed:
GRIM for each printed proportion (which k/21 print so) and Kaplan-Meier attainability for each
1-year estimate (Brown & Heathers 2017; Kaplan & Meier 1958; ``analysis.stats``).
"""

from __future__ import annotations

import re

from analysis.claims import rules
from analysis.claims.citing import departures, trial_result
from analysis.claims.registry import claim_group
from analysis.claims.result import Check, ClaimResult, Reproduced
from analysis.inputs.files import ClaimsRegistry
from analysis.inputs.trials import Trial, load_trial
from analysis.stats.attainability import grim_percent, km_attainable
from analysis.stats.proportions import clopper_pearson
from analysis.stats.rounding import format_percent, parse_printed, rounding_interval, within_rounding

CLAIM_IDS = ["posthct-design", "posthct-follow-up", "posthct-outcomes", "posthct-feasible"]

# Proportions of the analysed cohort printed in the abstract (figure id, count figure id or None).
SAFETY = [("grade4-neutropenia", None), ("crs-grade1", None), ("neurotoxicity-grade2", None),
          ("agvhd-2-4", None), ("agvhd-3-4", None), ("cgvhd-mild-percent", "cgvhd-mild"),
          ("cgvhd-moderate-percent", "cgvhd-moderate")]


def _n(trial: Trial, fig) -> int:
    """The number of patients a printed percentage is of (its ``denominator`` figure)."""
    if not fig.denominator:
        raise ValueError(f"figure {fig.id!r} ({fig.printed!r}) names no denominator")
    return int(trial.figure(fig.denominator).value)


def grim_check(trial: Trial, fig_id: str, count_id: str | None = None) -> Check:
    """Which k of n print as the percentage (GRIM); with a printed count, is it one of them?"""
    fig = trial.figure(fig_id)
    n = _n(trial, fig)
    res = grim_percent(fig.printed, n)
    if res.consistent:
        found = ", ".join(f"{k}/{n} = {format_percent(k / n, 1)}" for k in res.k)
    else:
        nearest = ", ".join(f"{k}/{n} = {format_percent(k / n, 1)}" for k in res.nearest_k)
        found = f"no k/{n} prints so (nearest {nearest})"
    possible = res.consistent
    reported = fig.printed
    if count_id is not None:
        count = trial.figure(count_id)
        reported = f"{count.printed} ({fig.printed})"
        possible = possible and int(count.value) in res.k
    if "cumulative incidence" in fig.quantity.lower():
        # a cumulative-incidence estimate need not be k/n under censoring: GRIM cannot test it
        return Check(f"{fig.quantity} is a whole number of the {n} patients", reported, found,
                     None, trial.cites(fig_id), rule="attainable", note=fig.note,
                     uninformative_reason="a cumulative incidence need not be a whole number of patients: shown, not "
                                          "counted")
    judged = rules.attainable(possible, fig.parsed.estimate.decimals, n)
    return judged.check(f"{fig.quantity} is a whole number of the {n} patients", reported, found, trial.cites(fig_id),
                        note=fig.note)


def km_check(trial: Trial, fig_id: str) -> tuple[Check, object]:
    """Can the analysed patients produce the printed 1-year Kaplan-Meier estimate?"""
    fig = trial.figure(fig_id)
    n = _n(trial, fig)
    res = km_attainable(fig.printed, n)
    if res.attainable_without_censoring:
        plain = (f"with no censoring: {res.events_without_censoring[0]} events "
                 f"({n - res.events_without_censoring[0]}/{n})")
    else:
        plain = f"no k/{n} prints so, so patients were censored before {fig.time}"
    found = f"{plain}; with censoring {res.min_events}-{res.max_events} events"
    judged = rules.attainable(res.attainable_with_censoring, fig.parsed.estimate.decimals, n)
    return judged.check(f"{fig.quantity} {fig.printed} at {fig.time} attainable with n = {n}", fig.printed, found,
                        trial.cites(fig_id)), res


def _months_listed(text: str) -> list[int]:
    """The month numbers in a schedule printed as 'at 3, 6, 9, and 12 months following HCT'."""
    return [int(x) for x in re.findall(r"\d+", text)]


def design(claims: ClaimsRegistry, trial: Trial) -> ClaimResult:
    """Single-centre phase 2; 4 cycles every 3 months in the first year after HCT."""
    claim = claims.get("posthct-design")
    cycles_text, interval_text = claim.reported
    cycles_p, interval_p = parse_printed(cycles_text).estimate, parse_printed(interval_text).estimate
    cycles, interval = trial.figure("planned-cycles"), trial.figure("cycle-interval")
    courses, schedule = trial.figure("registry-courses"), trial.figure("registry-schedule")
    months = _months_listed(schedule.printed)
    gaps = sorted({b - a for a, b in zip(months, months[1:], strict=False)})
    window = trial.figure("treatment-window")
    quote = claim.quote.lower()
    design_text = trial.figure("design").printed.lower()
    checks = [
        rules.exact_value(cycles.value, cycles_p).check("cycles planned", cycles_text,
                                                        cycles.printed, trial.cites(cycles.id)),
        Check("interval between cycles", interval_text, interval.printed,
              interval.parsed.estimate.unit == interval_p.unit and within_rounding(interval.value, interval_p),
              trial.cites(interval.id), rule="exact-value"),
        rules.exact_value(courses.value, cycles_p).check("courses in the registry record", cycles_text, courses.printed,
                                                         trial.cites(courses.id)),
        Check("spacing of the registry's courses", interval_text,
              f"{schedule.printed}: {len(months)} courses, {' and '.join(map(str, gaps))} months apart",
              len(months) == int(cycles_p.value) and gaps == [int(interval_p.value)], trial.cites(schedule.id),
              rule="statement"),
        Check("within the first year after HCT", "during the first year",
              f"{window.printed}; last course at {max(months)} months",
              "first year" in quote and "first year" in window.printed.lower()
              and max(months) <= 12, trial.cites(window.id), rule="statement"),
        Check("single-centre phase 2 study of feasibility", "single-center phase 2", trial.figure("design").printed,
              all(w in design_text for w in ("single-center", "phase 2", "feasibility"))
              and all(w in quote for w in ("single-center", "phase 2", "feasibility")), trial.cites("design"),
              rule="statement"),
    ]
    days = trial.figure("days-to-first-cycle")
    return trial_result(
        claim, trial, checks, ["design", "planned-cycles", "cycle-interval", "treatment-window"],
        f"The abstract describes the design in the same words ({cycles.printed} cycles, every {interval.printed}, "
        f"{window.printed}; a {trial.figure('design').printed}), and the registry record plans "
        f"{courses.printed} courses {schedule.printed}. The first cycle came a median of {days.printed} after HCT. "
        f"No patient-level data exist, so 'consistent' is the strongest verdict possible. ",
        takeaway=f"{cycles.printed} cycles every {interval.printed} in the first year, single-centre phase 2: as "
                 "reported.",
        deciding=Reproduced("cycles planned (abstract)", float(cycles.value),
                            f"{cycles.printed} cycles, every {interval.printed}"))


def follow_up(claims: ClaimsRegistry, trial: Trial) -> ClaimResult:
    """Median follow-up 14.3 months; the 1-year landmark lies within it."""
    claim = claims.get("posthct-follow-up")
    reported = parse_printed(claim.reported[0]).estimate
    fu, os1 = trial.figure("follow-up"), trial.figure("os-1y")
    fu_months = float(fu.parsed.estimate.value)
    landmark = os1.time_months
    checks = [
        Check("median follow-up", claim.reported[0], fu.printed,
              fu.parsed.estimate.unit == reported.unit and within_rounding(fu_months, reported), trial.cites(fu.id),
              rule="exact-value"),
        Check("the 1-year landmark lies within the median follow-up", claim.reported[0],
              f"{landmark:g} months < {fu.printed}: if the median is over all patients (the abstract does not say how "
              f"it was computed), more than half were followed past the landmark",
              landmark < fu_months, trial.cites(fu.id), rule="statement"),
    ]
    return trial_result(
        claim, trial, checks, [fu.id],
        f"The abstract prints a median follow-up of {fu.printed}, beyond the {os1.time} landmark; if that median "
        f"is taken over all patients (the abstract does not say whether it is over all patients, over "
        f"survivors or by reverse Kaplan-Meier), more than half were followed past the landmark. ",
        takeaway=f"Median follow-up {fu.printed}, as the abstract prints; the 1-year landmark lies within it.",
        deciding=Reproduced("median follow-up (abstract)", fu_months, fu.printed),
        reproduced=(Reproduced("landmark as a fraction of the median follow-up", landmark / fu_months,
                               f"{landmark:g} / {fu_months:g} months = {landmark / fu_months:.2f}"),))


def outcomes(claims: ClaimsRegistry, trial: Trial) -> ClaimResult:
    """1-year OS 85%, PFS 71%, NRM 0%: printed as claimed, attainable with n = 21, coherent."""
    claim = claims.get("posthct-outcomes")
    os_text, pfs_text, nrm_text = claim.reported
    os1, pfs1, nrm1 = trial.figure("os-1y"), trial.figure("pfs-1y"), trial.figure("nrm-1y")
    checks = [rules.exact_value(f.value, parse_printed(text).estimate).check(f"{f.quantity} at {f.time}", text,
                                                                             f.printed, trial.cites(f.id))
              for f, text in ((os1, os_text), (pfs1, pfs_text), (nrm1, nrm_text))]
    os_check, os_km = km_check(trial, os1.id)
    pfs_check, pfs_km = km_check(trial, pfs1.id)
    n = _n(trial, nrm1)
    nrm_grim = grim_percent(nrm1.printed, n)
    checks += [os_check, pfs_check,
               Check(f"{nrm1.quantity} {nrm1.printed}: number of non-relapse deaths", nrm1.printed,
                     f"a cumulative incidence prints as {nrm1.printed} only with {', '.join(map(str, nrm_grim.k))} "
                     "events",
                     nrm_grim.k == (0,), trial.cites(nrm1.id), rule="attainable")]
    os_lo, os_hi = rounding_interval(os1.parsed.estimate)
    pfs_lo, pfs_hi = rounding_interval(pfs1.parsed.estimate)
    checks.append(Check("overall survival is at least progression-free survival (a death is a PFS event)",
                        f"{os_text} vs {pfs_text}", f"{os1.printed} >= {pfs1.printed}", os_hi >= pfs_lo,
                        trial.cites(os1.id), rule="statement"))
    relapse = 1 - pfs1.value - nrm1.value
    # How wide the unpublished interval must be: the exact (Clopper-Pearson) 95% interval of the
    # no-censoring count behind the PFS estimate (a censored Kaplan-Meier interval is wider).
    pfs_ci = None
    if pfs_km.attainable_without_censoring:
        survivors = _n(trial, pfs1) - pfs_km.events_without_censoring[0]
        low, high = clopper_pearson(survivors, _n(trial, pfs1))
        pfs_ci = (survivors, low, high)
    verdict = rules.verdict_from_checks(checks)
    citation, citation_reason = rules.citation_from_reports(claim, trial, [os1.id, pfs1.id, nrm1.id])
    reproduced = (
        Reproduced(f"deaths by {os1.time} that can give the OS estimate", None,
                   f"{os_km.min_events}-{os_km.max_events} deaths (censoring needed)"
                   if not os_km.attainable_without_censoring else f"{os_km.min_events}-{os_km.max_events} deaths"),
        Reproduced(f"progressions or deaths by {pfs1.time} that can give the PFS estimate", None,
                   f"{pfs_km.min_events}-{pfs_km.max_events} events ({pfs_km.events_without_censoring[0]} if nobody "
                   "was censored)"
                   if pfs_km.attainable_without_censoring else f"{pfs_km.min_events}-{pfs_km.max_events} events"),
        Reproduced(f"relapse or progression by {pfs1.time} (1 - PFS - NRM; derived)", relapse,
                   format_percent(relapse)),
    )
    if verdict == "consistent":
        censoring = ("" if os_km.attainable_without_censoring else
                     f" {os1.printed} is not a whole number of the {_n(trial, os1)} patients "
                     f"({', '.join(f'{k}/{n}' for k in grim_percent(os1.printed, n).nearest_k)} is the nearest), so "
                     f"some patients were censored before {os1.time}, which a median follow-up of "
                     f"{trial.figure('follow-up').printed} allows;")
        reason = (f"The abstract prints the three rates as quoted.{censoring} with censoring, {os1.printed} means "
                  f"{os_km.min_events}-{os_km.max_events} deaths and {pfs1.printed} means {pfs_km.min_events}-"
                  f"{pfs_km.max_events} progressions or deaths by {os1.time}; {nrm1.printed} means no death without "
                  f"relapse, so by our arithmetic about {format_percent(relapse)} had relapsed or progressed. The "
                  f"confidence intervals and event counts are not public. " + citation_reason)
    else:
        reason = departures(checks) + citation_reason
    return ClaimResult(id=claim.id, citation=citation, verdict=verdict, reason=reason, checks=tuple(checks),
                       reproduced=reproduced, citation_reason=citation_reason,
                       takeaway=(f"1-year OS {os1.printed}, PFS {pfs1.printed}, NRM {nrm1.printed} as printed, "
                                 f"attainable with {_n(trial, os1)} patients; no interval is published."),
                       deciding=Reproduced("1-year OS / PFS / NRM (abstract)", None,
                                           f"{os1.printed} / {pfs1.printed} / {nrm1.printed}"),
                       rules=rules.rules_used(checks, "combine-checks", "citation-reports"),
                       extra={"km": {os1.id: os_km, pfs1.id: pfs_km}, "nrm_grim": nrm_grim, "relapse": relapse,
                              "pfs_exact_ci": pfs_ci})


def feasible(claims: ClaimsRegistry, trial: Trial) -> ClaimResult:
    """'Blinatumomab post-allogeneic HCT is feasible': what the study measured and found."""
    claim = claims.get("posthct-feasible")
    conclusion = trial.figure("conclusion")
    enrolled, analysed = trial.figure("enrolled"), trial.figure("analysed")
    started, withdrew = trial.figure("registry-started"), trial.figure("registry-withdrew")
    completed = trial.figure("completed-all-cycles")
    agvhd, limit = trial.figure("agvhd-3-4"), trial.figure("registry-agvhd-limit")
    nrm = trial.figure("nrm-1y")
    controls, matched = trial.figure("matched-controls"), trial.figure("matched-result")
    treated = int(started.value) - int(withdrew.value)
    checks = [
        Check("the report's conclusion", "feasible", conclusion.printed,
              "feasible" in conclusion.printed.lower() and "feasible" in claim.quote.lower(),
              trial.cites(conclusion.id), rule="statement"),
        Check("patients treated of those enrolled", f"{analysed.printed} of {enrolled.printed}",
              f"registry: {started.printed} started - {withdrew.printed} withdrew before treatment = {treated}",
              treated == int(analysed.value) and int(started.value) == int(enrolled.value), trial.cites(withdrew.id),
              rule="rounding"),
        grim_check(trial, "completed-all-cycles-percent", "completed-all-cycles"),
    ]
    checks += [grim_check(trial, fid, cid) for fid, cid in SAFETY]
    checks += [
        Check("registry's limit for severe acute GVHD", f"at most {limit.printed}",
              f"{agvhd.printed} (cumulative incidence)",
              agvhd.value <= limit.value, trial.cites(limit.id), rule="statement",
              note="if, as usual, the abstract's cumulative incidence spans the whole follow-up, it bounds the rate in "
                   "the registry's shorter window"),
        Check("registry's limit: no nonrelapse death during a cycle", "none",
              f"{nrm.quantity} at {nrm.time}: {nrm.printed}", nrm.value == 0, trial.cites(nrm.id), rule="statement"),
        Check("registry's limit for secondary graft failure",
              f"at most {trial.figure('registry-graft-failure-limit').printed}",
              "not reported in the abstract or the registry text read", None,
              trial.cites("registry-graft-failure-limit"),
              rule="statement", uninformative_reason="figure not public in what was read"),
        Check("efficacy against matched contemporary controls", "(not claimed)",
              f"{matched.printed} ({controls.printed} controls); outcome values, hazard ratio and P not public", None,
              trial.cites(matched.id), rule="statement", uninformative_reason="outcome values not public; the "
                                                                              "commentary omits this comparison"),
    ]
    verdict = rules.verdict_from_checks(checks)
    citation, citation_reason = rules.citation_from_reports(claim, trial, [conclusion.id])
    share = completed.value / analysed.value
    made = [c for c in checks if c.counted]
    if verdict == "consistent":
        reason = ("The abstract concludes in almost the same words that blinatumomab after allogeneic HCT is "
                  f"feasible. What that rests on is consistent: {analysed.printed} of {enrolled.printed} enrolled "
                  f"patients were treated, {completed.printed} ({format_percent(share, 1)}) completed all cycles, and "
                  f"every printed proportion is a whole number of the {analysed.printed} patients (all {len(made)} "
                  f"checks that could fail agree). Against the registry's toxicity limits, the {agvhd.quantity} was "
                  f"{agvhd.printed} (limit {limit.printed}) and no patient died without relapse; the graft-failure "
                  "count is not public. 'Feasible' is a statement about delivery and toxicity, not benefit: the "
                  f"matched comparison with {controls.printed} contemporary patients found no significant difference "
                  "in efficacy, which the commentary does not mention. " + citation_reason)
    else:
        reason = departures(checks) + citation_reason
    return ClaimResult(id=claim.id, citation=citation, verdict=verdict, reason=reason, checks=tuple(checks),
                       citation_reason=citation_reason,
                       takeaway=(f"Feasible as the study defines it: {completed.printed} of {analysed.printed} "
                                 "completed all cycles within the toxicity limits; efficacy was not shown."),
                       deciding=Reproduced("completed all cycles", share,
                                           f"{int(completed.value)}/{int(analysed.value)} = "
                                           f"{format_percent(share, 1)}"),
                       rules=rules.rules_used(checks, "combine-checks", "citation-reports"),
                       reproduced=(Reproduced("completed all cycles", share,
                                              f"{int(completed.value)}/{int(analysed.value)} = "
                                              f"{format_percent(share, 1)}"),
                                   Reproduced("treated of enrolled", analysed.value / enrolled.value,
                                              f"{int(analysed.value)}/{int(enrolled.value)} = "
                                              f"{format_percent(analysed.value / enrolled.value, 1)}")))


@claim_group("post-transplant-maintenance", ids=CLAIM_IDS)
def evaluate_posthct(claims: ClaimsRegistry) -> list[ClaimResult]:
    trial = load_trial("gaballa2022")
    return [design(claims, trial), follow_up(claims, trial), outcomes(claims, trial), feasible(claims, trial)]

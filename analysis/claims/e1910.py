"""Claim group ``e1910``: the ECOG-ACRIN E1910 trial (commentary ref [6]).

Patient-level data are not public, so the numbers cannot be recomputed from primary data; each
claim is checked against the trial's published reports (``data/trials/e1910.yaml``) and for
internal consistency. The best verdict available is therefore ``consistent``.
"""

from __future__ import annotations

from ..datafiles import ClaimsRegistry
from ..rounding import format_percent, parse_printed, within_rounding
from ..trials import load_trial
from .base import Check, ClaimResult, Reproduced, verdict_from_checks
from .citing import citation_axis
from .registry import claim_group

CLAIM_IDS = ["e1910-randomisation"]


def randomisation(claims: ClaimsRegistry, trial=None) -> ClaimResult:
    """224 MRD-negative patients randomised, 112 per arm (commentary) vs the trial's reports."""
    claim = claims.get("e1910-randomisation")
    trial = trial or load_trial("e1910")
    total_text, arm_text = claim.reported
    total = parse_printed(total_text).estimate
    per_arm = parse_printed(arm_text).estimate
    fig = trial.figure
    blin, chemo = fig("randomised-blinatumomab"), fig("randomised-chemotherapy")
    enrolled, cr, cr_pct, rand = fig("enrolled"), fig("cr-after-induction"), fig("cr-after-induction-percent"), fig("randomised")
    arm_sum = blin.value + chemo.value
    cr_rate = cr.value / enrolled.value
    share = rand.value / cr.value
    checks = [
        Check("patients randomised", total_text, rand.printed, within_rounding(rand.value, total), trial.cites(rand.id)),
        Check("randomised to blinatumomab", arm_text, blin.printed, within_rounding(blin.value, per_arm), trial.cites(blin.id)),
        Check("randomised to chemotherapy", arm_text, chemo.printed, within_rounding(chemo.value, per_arm), trial.cites(chemo.id)),
    ]
    for fid in ("fda-randomised-blinatumomab", "fda-randomised-chemotherapy"):
        f = fig(fid)
        checks.append(Check(f.quantity, arm_text, f.printed, within_rounding(f.value, per_arm), trial.cites(fid)))
    checks += [
        Check("arms add up to the total", total_text, f"{int(blin.value)} + {int(chemo.value)} = {int(arm_sum)}",
              within_rounding(arm_sum, total), "arithmetic on the NEJM 2024 arm counts"),
        Check("remission rate after induction (printed 81%)", cr_pct.printed, f"{int(cr.value)}/{int(enrolled.value)} = {format_percent(cr_rate, 1)}",
              within_rounding(cr_rate, cr_pct.parsed.estimate), trial.cites(cr.id)),
    ]
    reproduced = (
        Reproduced("arms summed", float(arm_sum), f"{int(arm_sum)}"),
        Reproduced("remission after induction", float(cr_rate), f"{int(cr.value)}/{int(enrolled.value)} = {format_percent(cr_rate, 1)}"),
        Reproduced("share of remitters randomised as MRD-negative", float(share),
                   f"{int(rand.value)}/{int(cr.value)} = {format_percent(share, 1)}"),
    )
    verdict = verdict_from_checks(checks)
    citation, citation_reason = citation_axis(claim, trial, ["randomised", "randomised-blinatumomab", "randomised-chemotherapy"])
    agreeing = sum(1 for c in checks if c.agrees)
    if verdict == "consistent":
        reason = (f"All {agreeing} checks agree: the trial's full report and the FDA notice print {rand.printed} "
                  f"randomised, {blin.printed} and {chemo.printed} per arm; the arms add up, and the patient flow "
                  f"({enrolled.printed} enrolled, {cr.printed} in remission) is coherent. "
                  f"No patient-level data exist to recompute from, so 'consistent' is the strongest verdict possible. "
                  + citation_reason)
    else:
        failed = "; ".join(c.label for c in checks if c.agrees is False)
        reason = f"Disagreement in: {failed}. " + citation_reason
    return ClaimResult(id=claim.id, citation=citation, verdict=verdict, reason=reason,
                       reproduced=reproduced, checks=tuple(checks), citation_reason=citation_reason)


@claim_group("e1910", ids=CLAIM_IDS)
def evaluate_e1910(claims: ClaimsRegistry) -> list[ClaimResult]:
    trial = load_trial("e1910")
    return [randomisation(claims, trial)]

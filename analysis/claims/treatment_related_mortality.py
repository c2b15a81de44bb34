"""Claim group ``treatment-related-mortality``: the guideline's ~1% TRM (ref [3])."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analysis.inputs.files import ClaimsRegistry
from analysis.stats.rounding import parse_printed, rounding_interval, within_rounding
from analysis.inputs.tables import load_table
from analysis.claims.result import Check, ClaimResult, Reproduced, verdict_from_checks
from analysis.claims.registry import claim_group
from analysis.claims.pooling import SENSITIVITY, Pool, ci_meets, clopper_pearson, pool
from analysis.claims.pooling import _pct, _data, _source_text, _series_from_row, _short_label, _position
from analysis.inputs.cited_works import load_cited_works
from analysis.claims.cited_citation import citation_axis

CLAIM_IDS = ["trm-immunotherapy"]


# =====================================================================================
# Treatment-related mortality
# =====================================================================================
#: Subsets kept out of the pools (row -> the row that contains it).
FATAL_SUBSETS = {"mt103-205-tr-fatal-rp2d": "mt103-205-tr-fatal-all",
                 "mt103-205-any-fatal-rp2d": "mt103-205-any-fatal-all"}


@dataclass(frozen=True)
class FatalEvidence:
    table: pd.DataFrame
    treatment_related: Pool
    any_cause: Pool
    sensitivity: dict[str, Pool]
    chemotherapy: pd.DataFrame
    guideline: pd.DataFrame


def fatal_evidence(data_dir: Path | str | None = None) -> FatalEvidence:
    """Blinatumomab arms' treatment-related and all-cause fatal adverse events, pooled."""
    frame = load_table("background/blinatumomab_fatal_events.csv", _data(data_dir))
    counted = frame[frame["events"].notna() & frame["total"].notna()]
    blin = counted[(counted["group"] == "blinatumomab") & ~counted["row_id"].isin(list(FATAL_SUBSETS))]
    tr = blin[blin["quantity"] == "treatment-related-fatal-ae"]
    anyc = blin[blin["quantity"] == "fatal-ae-any-cause"]
    if tr.empty:
        raise ValueError("background/blinatumomab_fatal_events.csv: no treatment-related fatal-event counts on blinatumomab")
    tr_series = [_series_from_row(r) for _, r in tr.iterrows()]
    any_series = [_series_from_row(r) for _, r in anyc.iterrows()]
    table = pd.DataFrame([{
        "arm": _short_label(r), "attribution": r["attribution"], "fatal events": f"{int(r['events'])}/{int(r['total'])}",
        "printed": r["reported"], "recomputed": _pct(int(r["events"]) / int(r["total"]), 1),
        "printed agrees": "yes" if _printed_matches(r) else "NO",
        "where read": _source_text(r),
    } for _, r in counted.iterrows()])
    chemo = counted[counted["group"] != "blinatumomab"]
    chemotherapy = pd.DataFrame([{"arm": r["row_id"], "attribution": r["attribution"],
                                  "fatal events": f"{int(r['events'])}/{int(r['total'])}",
                                  "rate": _pct(int(r["events"]) / int(r["total"]), 1)} for _, r in chemo.iterrows()])
    guideline = frame[frame["events"].isna()][["row_id", "group", "reported", "quote", "study", "location"]]
    return FatalEvidence(table=table, treatment_related=pool("Treatment-related fatal adverse events", tr_series),
                         any_cause=pool("Fatal adverse events, any cause", any_series) if any_series else None,
                         sensitivity={label: pool("Treatment-related fatal adverse events", tr_series, model)
                                      for label, model in SENSITIVITY},
                         chemotherapy=chemotherapy, guideline=guideline.reset_index(drop=True))


def printed_percent(reported: str) -> str:
    """The percentage in a printed cell: "3%" -> "3%"; Table 4's "n (%)" form "0 (0.0)" -> "0.0%"."""
    inner = re.fullmatch(r"\s*\d+\s*\((\d+(?:\.\d+)?)\)\s*", reported)
    return f"{inner.group(1)}%" if inner else reported.strip()


def _printed_matches(row) -> bool:
    return within_rounding(int(row["events"]) / int(row["total"]), printed_percent(row["reported"]))


def trm_immunotherapy(claims: ClaimsRegistry, data_dir=None, works=None, evidence: FatalEvidence | None = None) -> ClaimResult:
    """The guideline's ~1% TRM against treatment-related fatal events on blinatumomab.

    Rule (module docstring): the printed figure stands for its rounding interval ("1%" =
    [0.5%, 1.5%)); the pooled estimate (logit, REML, Hartung-Knapp) and each trial population
    (exact Clopper-Pearson 95% CI) are discrepant only when the whole CI lies outside it. The
    prediction interval is not used: tau² is estimated as 0 here, so it would only repeat the CI.
    """
    claim = claims.get("trm-immunotherapy")
    works = works or load_cited_works(data_dir)
    ev = evidence or fatal_evidence(data_dir)
    printed = claim.reported[0]
    value = parse_printed(printed).estimate
    interval = rounding_interval(value)
    p = ev.treatment_related
    fit = p.shown
    meets = lambda f: ci_meets((f.ci_low, f.ci_high), interval)  # noqa: E731
    checks = [
        Check(f"pooled treatment-related fatal events, blinatumomab (k = {p.k}): 95% CI meets {_pct(interval[0])}–"
              f"{_pct(interval[1])}", printed,
              f"{p.text()}; point estimate {_position(p, interval)} the range", p.agrees(meets),
              "main model: logit, REML, Hartung-Knapp; " + "; ".join(s.label for s in p.series)),
    ]
    for s in p.series:
        lo, hi = clopper_pearson(s.candidates[0], s.total)
        rate = s.candidates[0] / s.total
        checks.append(Check(f"{s.label}: exact 95% CI meets the claimed range", printed,
                            f"{s.candidates[0]}/{s.total} = {_pct(rate)} (exact 95% CI {_pct(lo)}–{_pct(hi)})",
                            ci_meets((lo, hi), interval), s.source))
    verdict = verdict_from_checks(checks)
    citation, citation_reason = citation_axis(claim.id, claim.references, works)
    events, patients = sum(s.candidates[0] for s in p.series), sum(s.total for s in p.series)
    crude = clopper_pearson(events, patients)
    place = _position(p, interval)
    if verdict == "consistent":
        edge = {"above": "at the upper edge of the stated figure: the point estimate is higher, but the CI reaches it",
                "below": "at the lower edge: the point estimate is lower, but the CI reaches it",
                "inside": "the point estimate lies inside it"}.get(place, "")
        reason = (f"Consistent, {edge}. The printed {printed} stands for {_pct(interval[0])}–{_pct(interval[1])}; "
                  f"treatment-related fatal adverse events on blinatumomab in relapsed or refractory ALL trials pool "
                  f"to {p.text()} across {p.k} trial populations ({events}/{patients} patients, crude "
                  f"{_pct(events / patients)}, exact 95% CI {_pct(crude[0])}–{_pct(crude[1])}), about "
                  f"{_pct(fit.estimate, 0)}; every trial's exact CI also reaches the stated range. ")
    else:
        apart = "; ".join(c.label.split(":")[0] + f" ({c.found})" for c in checks if c.agrees is False)
        reason = (f"Discrepant: the whole 95% CI lies outside {_pct(interval[0])}–{_pct(interval[1])} (the "
                  f"rounding interval of '{printed}') for: {apart}. ")
    reason += ("The prediction interval is not used as evidence: tau² is estimated as 0, so it would only repeat "
               "the CI. " if fit.tau2 == 0 else "The prediction interval is not used as evidence. ")
    reason += ("Scope: the pool holds only blinatumomab trials in relapsed or refractory disease, while the "
               "guideline's 'immunotherapy' also covers other agents and settings. ")
    if ev.any_cause is not None:
        reason += (f"Counting fatal adverse events of any cause instead (deaths the investigators did not attribute "
                   f"to the drug included) gives {_pct(ev.any_cause.shown.estimate)}: 'TRM' must not be read as all "
                   f"deaths on treatment. ")
    reason += f"Citation: {citation_reason}"
    reproduced = [Reproduced("pooled treatment-related fatal AEs (blinatumomab)", float(fit.estimate), p.text(),
                             ci=(float(fit.ci_low), float(fit.ci_high))),
                  Reproduced("treatment-related fatal AEs, all trials added up (exact CI)", events / patients,
                             f"{events}/{patients} = {_pct(events / patients)} (exact 95% CI {_pct(crude[0])}–"
                             f"{_pct(crude[1])})", ci=crude)]
    if ev.any_cause is not None:
        a = ev.any_cause.shown
        reproduced.append(Reproduced("pooled fatal AEs of any cause (blinatumomab)", float(a.estimate),
                                     ev.any_cause.text(), ci=(float(a.ci_low), float(a.ci_high))))
    return ClaimResult(id=claim.id, citation=citation, verdict=verdict, reason=reason, reproduced=tuple(reproduced),
                       checks=tuple(checks), citation_reason=citation_reason,
                       extra={"interval": interval, "crude": (events, patients, crude), "position": place})



@claim_group("treatment-related-mortality", ids=CLAIM_IDS)
def evaluate_treatment_related_mortality(claims: ClaimsRegistry) -> list[ClaimResult]:
    return [trm_immunotherapy(claims, works=load_cited_works())]

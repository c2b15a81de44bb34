"""Claim group ``reinduction-cr``: CR after salvage chemotherapy (refs [1], [2])."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from analysis.inputs.files import ClaimsRegistry
from analysis.inputs.tables import load_table
from analysis.claims.result import Check, ClaimResult, Reproduced, verdict_from_checks
from analysis.claims.registry import claim_group
from analysis.claims.pooling import SENSITIVITY, Pool, ci_meets, claimed_interval, parse_span, pool
from analysis.claims.pooling import _pct, _data, _source_text, _series_from_row, _short_label, _position
from analysis.inputs.cited_works import load_cited_works
from analysis.claims.cited_citation import citation_axis

CLAIM_IDS = ["reinduction-cr"]


# =====================================================================================
# Re-induction CR
# =====================================================================================
#: Rows kept out of every pool, with the reason (shown on the page).
SALVAGE_EXCLUDED_PREFIXES = {
    "review-": "a review's range, not a study result",
    "hist-": "historical pool that may overlap with the cohort series",
}
#: row -> the row that supersedes it (subset or smaller analysis of the same arm).
SALVAGE_SUPERSEDED = {"inovate-soc-cr-cri-primary": "inovate-soc-cr-cri-final"}
#: Alternative end point of the same arm: main row -> sensitivity row.
SALVAGE_ALTERNATIVE = {"tower-soc-cr": "tower-soc-cr-crh-cri"}
#: Rows made of the same patients as another pooled row: they enter only the pool of their own
#: line, never a pool that mixes lines (row -> the only pool it may enter, and why).
SALVAGE_LINE_ONLY = {
    "gmall-second-salvage": ("second-or-later", "its patients are the first-salvage failures of the GMALL "
                             "first-salvage cohort, so it enters only the second-or-later pool"),
}
#: Sensitivity analyses on the data set: label -> (rows dropped, why).
SALVAGE_DATA_SENSITIVITY = {
    "without GRAALL": ("graall-cr2", "its denominator includes best-supportive-care, low-intensity and transplanted "
                       "patients (salvage_cr.csv, group column)"),
    "CR only": (None, "end points other than CR alone (INO-VATE's CR/CRi) dropped"),
}

ENDPOINT_NAMES = {"cr-after-salvage": "CR", "cr-cri-after-salvage": "CR/CRi",
                  "cr-crh-cri-after-salvage": "CR/CRh/CRi"}
DESIGN_NAMES = {"randomised-control-arm": "randomised arm", "cohort-series": "cohort"}

#: The subgroups of the re-induction analysis: name -> (title, column, value or None for all).
SALVAGE_SUBGROUPS = {
    "first": ("First salvage", "salvage_line", "first"),
    "second-or-later": ("Second or later salvage", "salvage_line", "second-or-later"),
    "randomised": ("Randomised control arms", "design", "randomised-control-arm"),
    "cohort": ("Cohort series", "design", "cohort-series"),
    "all": ("All series", None, None),
}


@dataclass(frozen=True)
class SalvageEvidence:
    table: pd.DataFrame
    pools: dict[str, Pool]
    sensitivity: dict[str, dict[str, Pool]]
    alternative: dict[str, Pool]
    excluded: list[tuple[str, str]]
    cross_checks: pd.DataFrame
    #: subgroup -> {"without GRAALL": Pool | None, "CR only": Pool | None}; None when fewer than
    #: two series remain, absent when the analysis leaves the subgroup unchanged.
    data_sensitivity: dict[str, dict[str, Pool | None]] = field(default_factory=dict)
    populations: tuple[str, ...] = ()


def _study_name(row) -> str:
    """The study as named on the page, without location words the study cell repeats."""
    name = str(row["study"]).removesuffix(" - as quoted")
    return re.sub(r"\), (?:Introduction|Background|abstract)$", ")", name)


def salvage_evidence(data_dir: Path | str | None = None) -> SalvageEvidence:
    """Everything the re-induction page shows: the eligible series, the pools by line and by
    setting (main model, sensitivity models, with TOWER's alternative end point, without GRAALL
    and with CR-only end points), the rows left out and why, and the figures kept as
    cross-checks, each compared with the claim and with the pool of its line."""
    frame = load_table("background/salvage_cr.csv", _data(data_dir))
    excluded: list[tuple[str, str]] = []
    eligible = []
    alternatives = set(SALVAGE_ALTERNATIVE.values())
    out_rows = []
    for _, row in frame.iterrows():
        rid = row["row_id"]
        prefix = next((p for p in SALVAGE_EXCLUDED_PREFIXES if rid.startswith(p)), None)
        why = None
        if prefix:
            why = SALVAGE_EXCLUDED_PREFIXES[prefix]
        elif rid in SALVAGE_SUPERSEDED:
            why = f"superseded by {_short_label({'row_id': SALVAGE_SUPERSEDED[rid]})} (same arm, larger analysis)"
        elif rid in alternatives:
            why = "alternative end point of the same arm (used in a sensitivity analysis)"
        elif pd.isna(row["total"]):
            why = "denominator not printed where it was read: cannot be pooled"
        else:
            eligible.append(row)
        if why:
            excluded.append((rid, why))
            out_rows.append((row, why))
    by_id = {r["row_id"]: r for _, r in frame.iterrows()}

    def subgroup(rows, name, column, value):
        return [r for r in rows if (column is None or r[column] == value)
                and SALVAGE_LINE_ONLY.get(r["row_id"], (name,))[0] == name]

    def maybe_pool(title, rows):
        return pool(title, [_series_from_row(r) for r in rows]) if len(rows) >= 2 else None

    pools, sensitivity, alternative, data_sens = {}, {}, {}, {}
    for name, (title, column, value) in SALVAGE_SUBGROUPS.items():
        rows = subgroup(eligible, name, column, value)
        series = [_series_from_row(r) for r in rows]
        pools[name] = pool(title, series)
        sensitivity[name] = {label: pool(title, series, model) for label, model in SENSITIVITY}
        swapped = [_series_from_row(by_id[SALVAGE_ALTERNATIVE[r["row_id"]]]) if r["row_id"] in SALVAGE_ALTERNATIVE
                   else _series_from_row(r) for r in rows]
        if any(r["row_id"] in SALVAGE_ALTERNATIVE for r in rows):
            alternative[name] = pool(title, swapped)
        data_sens[name] = {}
        no_graall = [r for r in rows if r["row_id"] != SALVAGE_DATA_SENSITIVITY["without GRAALL"][0]]
        if len(no_graall) < len(rows):
            data_sens[name]["without GRAALL"] = maybe_pool(title, no_graall)
        cr_only = [r for r in rows if r["quantity"] == "cr-after-salvage"]
        if len(cr_only) < len(rows):
            data_sens[name]["CR only"] = maybe_pool(title, cr_only)
    table = pd.DataFrame([{
        "series": _short_label(r), "line": r["salvage_line"], "design": DESIGN_NAMES[r["design"]],
        "end point": ENDPOINT_NAMES[r["quantity"]], "printed": r["reported"],
        "count used": _series_from_row(r).count_text
        + (" (second-or-later pool only)" if r["row_id"] in SALVAGE_LINE_ONLY else ""),
        "where read": _source_text(r),
    } for r in eligible])
    line_pool = {"first": "first", "second-or-later": "second-or-later", "mixed": "all"}
    def cross_result(row) -> str:
        span = parse_span(row["reported"])
        p = pools[line_pool[row["salvage_line"]]].shown
        if span is None:
            return "—"
        inside = p.ci_low <= span.low and span.high <= p.ci_high
        return (f"{'inside' if inside else 'outside'} the {pools[line_pool[row['salvage_line']]].name.lower()} "
                f"pooled CI ({_pct(p.ci_low)}–{_pct(p.ci_high)})")

    cross_checks = pd.DataFrame([{
        "study": _study_name(r), "line": r["salvage_line"], "end point": ENDPOINT_NAMES[r["quantity"]],
        "printed": r["reported"], "denominator": "" if pd.isna(r["total"]) else str(int(r["total"])),
        "why not pooled": why, "cross-check": cross_result(r),
        "where read": str(r["location"]) + "".join(f"; {x}" for x in (f"doi:{r['doi']}" if r["doi"] else "",
                                                                     f"PMID {r['pmid']}" if r["pmid"] else "") if x),
    } for r, why in out_rows])
    populations = tuple(sorted({str(r["population"]) for _, r in frame.iterrows()}))
    return SalvageEvidence(table=table, pools=pools, sensitivity=sensitivity, alternative=alternative,
                           excluded=excluded, cross_checks=cross_checks, data_sensitivity=data_sens,
                           populations=populations)


def reinduction_cr(claims: ClaimsRegistry, data_dir=None, works=None, evidence: SalvageEvidence | None = None) -> ClaimResult:
    """Pooled CR after salvage chemotherapy, by line and by setting, against "20%-30%".

    Rule (module docstring): a pool is discrepant with the claim only when its whole 95% CI
    (Hartung-Knapp) lies outside the claim's rounding interval [19.5%, 30.5%); overlapping
    intervals are consistent, and the reason says where each point estimate falls. The five
    main pools decide; the sensitivity analyses (Wald, GLMM, TOWER composite, without GRAALL,
    CR only) are reported, and the reason says whether any of them would change a check.
    Prediction intervals are never used (two of the pools have k = 2).
    """
    claim = claims.get("reinduction-cr")
    works = works or load_cited_works(data_dir)
    ev = evidence or salvage_evidence(data_dir)
    printed = claim.reported[0]
    interval = claimed_interval(printed)
    meets = lambda fit: ci_meets((fit.ci_low, fit.ci_high), interval)  # noqa: E731
    checks, reproduced = [], []
    for name, p in ev.pools.items():
        checks.append(Check(label=f"pooled CR, {p.name.lower()} (k = {p.k}): 95% CI meets the claimed range",
                            reported=printed, found=f"{p.text()}; point estimate {_position(p, interval)} the range",
                            agrees=p.agrees(meets), source="; ".join(s.label for s in p.series)))
        reproduced.append(Reproduced(f"pooled CR, {p.name.lower()}", float(p.shown.estimate), p.text(),
                                     ci=(float(p.shown.ci_low), float(p.shown.ci_high))))
    verdict = verdict_from_checks(checks)
    citation, citation_reason = citation_axis(claim.id, claim.references, works)
    by_place = {}
    for p in ev.pools.values():
        by_place.setdefault(_position(p, interval), []).append(p)
    parts = []
    if "inside" in by_place:
        parts.append("Point estimates inside it: " + "; ".join(f"{p.name.lower()} {_pct(p.shown.estimate)}"
                                                                for p in by_place["inside"]) + ".")
    for place, word in (("above", "higher"), ("below", "lower")):
        if place in by_place:
            parts.append(f"Pooled CR {word} than the claim: " + "; ".join(
                f"{p.name.lower()} {_pct(p.shown.estimate)} (95% CI {_pct(p.shown.ci_low)}–{_pct(p.shown.ci_high)})"
                for p in by_place[place]) + ".")
    apart = [p.name.lower() for p in ev.pools.values() if p.agrees(meets) is False]
    if apart:
        parts.append("Whole 95% CI outside the claimed range: " + ", ".join(apart) + ".")
    unsettled = [p.name.lower() for p in ev.pools.values() if p.agrees(meets) is None]
    if unsettled:
        parts.append(f"Undecided over the bracketed counts: {', '.join(unsettled)}.")
    flips = []
    for name, p in ev.pools.items():
        main = p.agrees(meets)
        others = [(lab, q) for lab, q in ev.sensitivity[name].items()]
        others += [(lab, q) for lab, q in ev.data_sensitivity.get(name, {}).items() if q is not None]
        if name in ev.alternative:
            others.append(("TOWER composite end point", ev.alternative[name]))
        for lab, q in others:
            if q.agrees(meets) != main:
                flips.append(f"{p.name.lower()} ({lab})")
    parts.append("Sensitivity analyses that would change a check: " + ("; ".join(flips) if flips else "none") + ".")
    lead = {"discrepant": f"At least one pooled 95% CI lies wholly outside the claimed {printed}.",
            "consistent": (f"Every pooled 95% CI overlaps the claimed {printed} (read as {_pct(interval[0])} to "
                           f"{_pct(interval[1])}), so the claim is consistent with adult salvage series; the point "
                           "estimates do not all fall inside it."),
            "not-reproducible": "No pooled estimate could be compared."}[verdict]
    scope = ("Only adult series were examined: the sentence names no age group for this figure, the cited "
             "work [2] is titled as a review of agents for relapsed or refractory ALL in adults, and no paediatric "
             "salvage series was collected, so the verdict does not cover children.")
    reason = " ".join([lead, *parts, scope, "Pooled with a logit random-effects model (REML, Hartung-Knapp CI) from "
                       "counts printed or exactly derivable from the printed percentage; prediction intervals are "
                       "not used (not estimable for k < 3).", f"Citation: {citation_reason}"])
    return ClaimResult(id=claim.id, citation=citation, verdict=verdict, reason=reason, reproduced=tuple(reproduced),
                       checks=tuple(checks), citation_reason=citation_reason)



@claim_group("reinduction-cr", ids=CLAIM_IDS)
def evaluate_reinduction_cr(claims: ClaimsRegistry) -> list[ClaimResult]:
    return [reinduction_cr(claims, works=load_cited_works())]

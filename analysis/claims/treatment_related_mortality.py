"""Claim group ``treatment-related-mortality``: "the Treatment-Related Mortality (TRM) rate is low,
estimated at around 1% [3]" (the ESMO guideline update).

Treatment-related fatal adverse events on blinatumomab in relapsed or refractory ALL trials
(``data/background/blinatumomab_fatal_events.csv``; which row enters the pool is data:
``selection.yaml``) are pooled (logit, REML, Hartung-Knapp) and judged with the rulebook's
``around`` rule: "around 1%" is read as the rounding interval of 1%, [0.5%, 1.5%). The pooled
estimate decides; each trial's exact (Clopper-Pearson) CI is shown as context. All-cause fatal
adverse events and the chemotherapy comparator are context too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analysis.claims import rules
from analysis.claims.certainty import summary_of_findings
from analysis.claims.pooling import SENSITIVITY, Pool, _data, _pct, _source_text, clopper_pearson, pool, series_from_row
from analysis.claims.registry import claim_group
from analysis.claims.result import ClaimResult, Reproduced
from analysis.inputs.cited_works import load_cited_works
from analysis.inputs.files import ClaimsRegistry
from analysis.inputs.selection import load_selection
from analysis.inputs.tables import load_table
from analysis.stats.rounding import parse_printed, rounding_interval, within_rounding

CLAIM_IDS = ["trm-immunotherapy"]


@dataclass(frozen=True)
class FatalEvidence:
    table: pd.DataFrame
    treatment_related: Pool
    any_cause: Pool | None
    sensitivity: dict[str, Pool]
    chemotherapy: pd.DataFrame
    guideline: pd.DataFrame
    #: per pooled treatment-related series, in pool order: (design, population) for the certainty rating
    designs: tuple[tuple[str, str], ...] = ()


def printed_percent(reported: str) -> str:
    """The percentage in a printed cell: "3%" -> "3%"; Table 4's "n (%)" form "0 (0.0)" -> "0.0%"."""
    inner = re.fullmatch(r"\s*\d+\s*\((\d+(?:\.\d+)?)\)\s*", reported)
    return f"{inner.group(1)}%" if inner else reported.strip()


def fatal_evidence(data_dir: Path | str | None = None) -> FatalEvidence:
    """Blinatumomab arms' treatment-related and all-cause fatal adverse events, pooled."""
    frame = load_table("background/blinatumomab_fatal_events.csv", _data(data_dir))
    uses = load_selection(data_dir)["blinatumomab_fatal_events.csv"]
    label = {rid: (u.label or rid) for rid, u in uses.items()}
    use = frame["row_id"].map(lambda rid: uses[rid].use)
    counted = frame[frame["events"].notna() & frame["total"].notna()]
    pooled = frame[(use == "pool")]
    if pooled[["events", "total"]].isna().any().any():
        bad = pooled[pooled["events"].isna() | pooled["total"].isna()]["row_id"].iloc[0]
        raise ValueError(f"background/blinatumomab_fatal_events.csv: row {bad!r} is marked 'pool' but has no count")
    tr = pooled[pooled["quantity"] == "treatment-related-fatal-ae"]
    anyc = pooled[pooled["quantity"] == "fatal-ae-any-cause"]
    if tr.empty:
        raise ValueError("background/blinatumomab_fatal_events.csv: no treatment-related fatal-event counts on "
                         "blinatumomab")
    tr_series = [series_from_row(r, label[r["row_id"]]) for _, r in tr.iterrows()]
    any_series = [series_from_row(r, label[r["row_id"]]) for _, r in anyc.iterrows()]
    table = pd.DataFrame([{
        "arm": label[r["row_id"]], "attribution": r["attribution"],
        "fatal events": f"{int(r['events'])}/{int(r['total'])}",
        "printed": r["reported"], "recomputed": _pct(int(r["events"]) / int(r["total"]), 1),
        "printed agrees": "yes" if within_rounding(int(r["events"]) / int(r["total"]), printed_percent(r["reported"]))
        else "NO",
        "where read": _source_text(r),
    } for _, r in counted.iterrows()])
    chemo = counted[counted["row_id"].map(lambda rid: uses[rid].use) == "comparator"]
    chemotherapy = pd.DataFrame([{"row_id": r["row_id"], "arm": label[r["row_id"]], "attribution": r["attribution"],
                                  "fatal events": f"{int(r['events'])}/{int(r['total'])}",
                                  "rate": _pct(int(r["events"]) / int(r["total"]), 1)} for _, r in chemo.iterrows()])
    guideline = frame[use == "guideline"][["row_id", "group", "reported", "quote", "study", "location"]]
    return FatalEvidence(table=table, treatment_related=pool("Treatment-related fatal adverse events", tr_series),
                         any_cause=pool("Fatal adverse events, any cause", any_series) if any_series else None,
                         sensitivity={lab: pool("Treatment-related fatal adverse events", tr_series, model)
                                      for lab, model in SENSITIVITY},
                         chemotherapy=chemotherapy, guideline=guideline.reset_index(drop=True),
                         designs=tuple((uses[r["row_id"]].design, str(r["population"])) for _, r in tr.iterrows()))


def trm_immunotherapy(claims: ClaimsRegistry, data_dir=None, works=None,
                      evidence: FatalEvidence | None = None) -> ClaimResult:
    """The guideline's ~1% TRM against treatment-related fatal events on blinatumomab (module docstring)."""
    claim = claims.get("trm-immunotherapy")
    works = works or load_cited_works(data_dir)
    ev = evidence or fatal_evidence(data_dir)
    printed = claim.reported[0]
    value = parse_printed(printed).estimate
    interval = rounding_interval(value)
    p = ev.treatment_related
    fit = p.shown
    judged = p.judge(lambda f: rules.estimate_around(f.estimate, (f.ci_low, f.ci_high), printed))
    checks = [judged.check(
        f"pooled treatment-related fatal events, blinatumomab (k = {p.k}), against 'around {printed}' "
        f"({_pct(interval[0])}–{_pct(interval[1])})", printed,
        f"{p.text()}; point estimate {judged.position} the range",
        source="main model: logit, REML, Hartung-Knapp; " + "; ".join(s.label for s in p.series))]
    for s in p.series:
        lo, hi = clopper_pearson(s.candidates[0], s.total)
        rate = s.candidates[0] / s.total
        one = rules.estimate_around(rate, (lo, hi), printed)
        checks.append(one.check(f"{s.label}: exact 95% CI against the claimed figure", printed,
                                f"{s.candidates[0]}/{s.total} = {_pct(rate)} (exact 95% CI {_pct(lo)}–{_pct(hi)})",
                                source=s.source, role="context",
                                note="one trial of the pool: the pooled estimate decides"))
    for label, q in ev.sensitivity.items():
        k = q.judge(lambda f: rules.estimate_around(f.estimate, (f.ci_low, f.ci_high), printed))
        checks.append(k.check(f"sensitivity: {label}", printed, q.text(), role="context",
                              note="sensitivity analysis: shown, not counted"))
    verdict = rules.verdict_from_checks(checks)
    citation, citation_reason = rules.citation_from_works(claim.id, claim.references, works)
    events, patients = sum(s.candidates[0] for s in p.series), sum(s.total for s in p.series)
    crude = clopper_pearson(events, patients)
    ratio = fit.estimate / value.fraction
    excludes_value = fit.ci_low > value.fraction or fit.ci_high < value.fraction
    pooled_text = ("treatment-related fatal adverse events on blinatumomab in relapsed or refractory ALL trials pool "
                   f"to {p.text()} across {p.k} trial populations ({events}/{patients} patients, crude "
                   f"{_pct(events / patients)}, exact 95% CI {_pct(crude[0])}–{_pct(crude[1])})")
    if verdict == "consistent":
        reason = (f"Consistent: 'around {printed}' is read as {_pct(interval[0])}–{_pct(interval[1])} (a hedge does "
                  f"not widen a round number), and {pooled_text}; the point estimate lies inside it. ")
    elif verdict == "imprecise":
        reason = (f"Imprecise: the substance holds — TRM on blinatumomab is low — but the figure does not: 'around "
                  f"{printed}' is read as {_pct(interval[0])}–{_pct(interval[1])} (a hedge does not widen a round "
                  f"number), while {pooled_text}, {ratio:.1f} times the printed figure. "
                  + (f"The 95% CI excludes {printed} itself, but reaches the upper edge of its rounding interval, so "
                     "the data do not contradict 'about 1%' outright. " if excludes_value else
                     "The 95% CI still reaches the claimed figure. "))
    elif verdict == "discrepant":
        reason = (f"Discrepant: {pooled_text}; the whole 95% CI lies outside 'around {printed}' "
                  f"({_pct(interval[0])}–{_pct(interval[1])}). ")
    else:
        reason = f"Not reproducible: the pooled CI cannot test the claim ({judged.uninformative_reason}). "
    reason += ("The prediction interval is not used as evidence. Scope: the pool holds only blinatumomab trials in "
               "relapsed or refractory disease, while the guideline's 'immunotherapy' also covers other agents and "
               "settings. ")
    if ev.any_cause is not None:
        reason += (f"Counting fatal adverse events of any cause instead (deaths the investigators did not attribute "
                   f"to the drug included) gives {_pct(ev.any_cause.shown.estimate)}: 'TRM' must not be read as all "
                   f"deaths on treatment. ")
    reason += f"Citation: {citation_reason}"
    deciding = Reproduced("pooled treatment-related fatal AEs (blinatumomab)", float(fit.estimate), p.text(),
                          ci=(float(fit.ci_low), float(fit.ci_high)))
    reproduced = [deciding,
                  Reproduced("treatment-related fatal AEs, all trials added up (exact CI)", events / patients,
                             f"{events}/{patients} = {_pct(events / patients)} (exact 95% CI {_pct(crude[0])}–"
                             f"{_pct(crude[1])})", ci=crude)]
    if ev.any_cause is not None:
        a = ev.any_cause.shown
        reproduced.append(Reproduced("pooled fatal AEs of any cause (blinatumomab)", float(a.estimate),
                                     ev.any_cause.text(), ci=(float(a.ci_low), float(a.ci_high))))
    certainty = summary_of_findings(
        "treatment-related deaths on blinatumomab", fit, [d for d, _ in ev.designs],
        [pop for _, pop in ev.designs], ["rr"] * p.k, interval, target_population="mixed")
    takeaway = (f"Blinatumomab trials: {_pct(fit.estimate)} treatment-related deaths (95% CI {_pct(fit.ci_low)}–"
                f"{_pct(fit.ci_high)}), {'low, but above' if fit.estimate >= interval[1] else 'about'} 'around "
                f"{printed}'.")
    return ClaimResult(id=claim.id, citation=citation, verdict=verdict, reason=reason, reproduced=tuple(reproduced),
                       checks=tuple(checks), citation_reason=citation_reason, takeaway=takeaway, deciding=deciding,
                       rules=rules.rules_used(checks, "informative-ci", "combine-checks", "citation-works"),
                       extra={"certainty": certainty,
                              "interval": interval, "crude": (events, patients, crude), "position": judged.position,
                              "ratio": ratio, "excludes_value": excludes_value})


@claim_group("treatment-related-mortality", ids=CLAIM_IDS)
def evaluate_treatment_related_mortality(claims: ClaimsRegistry) -> list[ClaimResult]:
    return [trm_immunotherapy(claims, works=load_cited_works())]

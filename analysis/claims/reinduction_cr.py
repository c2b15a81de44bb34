"""Claim group ``reinduction-cr``: "the re induction rate of Complete Remission (CR) by conventional
chemotherapy is only 20%-30%" (commentary refs [1], [2]).

Adult salvage series (``data/background/salvage_cr.csv``; which row enters which pool is data:
``data/background/selection.yaml``) are pooled by setting — first salvage, second or later
salvage, randomised control arms — and, as context, over all cohort series and all series. The
sentence names no setting, so each setting is judged with the rulebook's ``range`` rule and the
verdict comes from ``combine-settings``: the reason names the setting(s) the figure fits. A pool
whose 95% CI is wider than 50 points (two series under Hartung-Knapp) cannot test the claim and is
not counted (``informative-ci``). Sensitivity analyses (Wald CI, GLMM, TOWER's composite end point,
without GRAALL, without LALA-94, CR-only end points) are reported, with any that would change a
setting's outcome.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from analysis.claims import rules
from analysis.claims.certainty import summary_of_findings
from analysis.claims.pooling import SENSITIVITY, Pool, _data, _pct, _source_text, parse_span, pool, series_from_row
from analysis.claims.registry import claim_group
from analysis.claims.result import ClaimResult, Reproduced
from analysis.inputs.cited_works import load_cited_works
from analysis.inputs.files import ClaimsRegistry
from analysis.inputs.selection import load_selection
from analysis.inputs.tables import load_table

CLAIM_IDS = ["reinduction-cr"]

ENDPOINT_NAMES = {"cr-after-salvage": "CR", "cr-cri-after-salvage": "CR/CRi",
                  "cr-crh-cri-after-salvage": "CR/CRh/CRi"}
DESIGN_NAMES = {"randomised-control-arm": "randomised arm", "cohort-series": "cohort"}

#: The pools of the analysis: name -> (title, column, value or None for all, decides the verdict?).
#: The three settings decide; the cohort and all-series pools mix settings and are context.
SALVAGE_SUBGROUPS = {
    "first": ("First salvage", "salvage_line", "first", True),
    "second-or-later": ("Second or later salvage", "salvage_line", "second-or-later", True),
    "randomised": ("Randomised control arms", "design", "randomised-control-arm", True),
    "cohort": ("Cohort series", "design", "cohort-series", False),
    "all": ("All series", None, None, False),
}
#: Data sensitivity analyses: name -> what it drops (rows flag themselves in selection.yaml).
DATA_SENSITIVITY = {"without GRAALL": "GRAALL's denominator includes best-supportive-care, low-intensity and "
                                      "transplanted patients",
                    "without LALA-94": "LALA-94's denominator is every first relapse, early deaths included",
                    "CR only": "end points other than CR alone (INO-VATE's CR/CRi) dropped"}


@dataclass(frozen=True)
class SalvageEvidence:
    table: pd.DataFrame
    pools: dict[str, Pool]
    sensitivity: dict[str, dict[str, Pool]]
    alternative: dict[str, Pool]
    excluded: list[tuple[str, str]]
    cross_checks: pd.DataFrame
    #: subgroup -> {analysis name: Pool | None}; None when fewer than two series remain, absent when
    #: the analysis leaves the subgroup unchanged.
    data_sensitivity: dict[str, dict[str, Pool | None]] = field(default_factory=dict)
    populations: tuple[str, ...] = ()
    #: row id -> study design (salvage_cr.csv's design column), for the certainty rating
    designs: dict[str, str] = field(default_factory=dict)


def _study_name(row) -> str:
    """The study as named on the page, without location words the study cell repeats."""
    name = str(row["study"]).removesuffix(" - as quoted")
    return re.sub(r"\), (?:Introduction|Background|abstract)$", ")", name)


def salvage_evidence(data_dir: Path | str | None = None) -> SalvageEvidence:
    """Everything the re-induction page shows: the pooled series, the pools by setting (main model,
    sensitivity models, TOWER's alternative end point, the data sensitivity analyses), the rows left
    out and why, and those rows' figures as cross-checks against the pool of their line."""
    frame = load_table("background/salvage_cr.csv", _data(data_dir))
    uses = load_selection(data_dir)["salvage_cr.csv"]
    by_id = {r["row_id"]: r for _, r in frame.iterrows()}
    label = {rid: (u.label or _study_name(by_id[rid])) for rid, u in uses.items()}

    def series(row):
        return series_from_row(row, label[row["row_id"]])

    eligible, out_rows, excluded = [], [], []
    alternative_for = {u.alternative_of: rid for rid, u in uses.items() if u.use == "alternative"}
    for rid, row in by_id.items():
        use = uses[rid]
        why = None
        if use.use == "excluded":
            why = (use.why if not use.superseded_by
                   else f"superseded by {label[use.superseded_by]} (same arm, larger analysis)")
        elif use.use == "alternative":
            why = use.why
        elif pd.isna(row["total"]):
            raise ValueError(f"background/salvage_cr.csv: row {rid!r} is marked 'pool' in selection.yaml but prints "
                             "no denominator")
        else:
            eligible.append(row)
        if why:
            excluded.append((rid, why))
            out_rows.append((row, why))

    def subgroup(name, column, value):
        return [r for r in eligible if (column is None or r[column] == value)
                and (uses[r["row_id"]].pool_only or name) == name]

    def maybe_pool(title, rows):
        return pool(title, [series(r) for r in rows]) if len(rows) >= 2 else None

    pools, sensitivity, alternative, data_sens = {}, {}, {}, {}
    for name, (title, column, value, _) in SALVAGE_SUBGROUPS.items():
        rows = subgroup(name, column, value)
        pools[name] = pool(title, [series(r) for r in rows])
        sensitivity[name] = {lab: pool(title, [series(r) for r in rows], model) for lab, model in SENSITIVITY}
        if any(r["row_id"] in alternative_for for r in rows):
            alternative[name] = pool(title, [series(by_id[alternative_for[r["row_id"]]])
                                             if r["row_id"] in alternative_for
                                             else series(r) for r in rows])
        data_sens[name] = {}
        for analysis in ("without GRAALL", "without LALA-94"):
            kept = [r for r in rows if analysis not in uses[r["row_id"]].sensitivity]
            if len(kept) < len(rows):
                data_sens[name][analysis] = maybe_pool(title, kept)
        cr_only = [r for r in rows if r["quantity"] == "cr-after-salvage"]
        if len(cr_only) < len(rows):
            data_sens[name]["CR only"] = maybe_pool(title, cr_only)
    table = pd.DataFrame([{
        "series": label[r["row_id"]], "line": r["salvage_line"], "design": DESIGN_NAMES[r["design"]],
        "end point": ENDPOINT_NAMES[r["quantity"]], "printed": r["reported"],
        "count used": series(r).count_text
        + (f" ({uses[r['row_id']].pool_only} pool only)" if uses[r["row_id"]].pool_only else ""),
        "where read": _source_text(r),
    } for r in eligible])
    line_pool = {"first": "first", "second-or-later": "second-or-later", "mixed": "all"}

    def cross_result(row) -> str:
        span = parse_span(row["reported"])
        p = pools[line_pool[row["salvage_line"]]]
        if span is None:
            return "—"
        inside = p.shown.ci_low <= span.low and span.high <= p.shown.ci_high
        return (f"{'inside' if inside else 'outside'} the {p.name.lower()} pooled CI "
                f"({_pct(p.shown.ci_low)}–{_pct(p.shown.ci_high)})")

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
                           populations=populations, designs={rid: str(r["design"]) for rid, r in by_id.items()})


def _judge(p: Pool, printed: str):
    return p.judge(lambda fit: rules.estimate_in_range(fit.estimate, (fit.ci_low, fit.ci_high), printed))


def _imprecise_takeaway(ev, judged, printed: str) -> str:
    """The one-line takeaway of an imprecise verdict, claiming no more than the checks show: a
    setting "fits" only when its CI can test the claim; one inside by its point estimate alone
    is named as such."""
    inside = [n for n, j in judged.items() if j.position == "inside"]
    tested = [n for n in inside if judged[n].informative and judged[n].outcome == "agrees"]
    untested = [n for n in inside if n not in tested]
    first = ev.pools["first"].shown
    where = judged["first"].position if "first" in judged else "outside"
    first_text = f"first salvage ({_pct(first.estimate, 0)}) is {where}"

    def names(settings):
        return " and ".join(ev.pools[n].name.lower() for n in settings)

    def about(settings):
        return _pct(ev.pools[settings[0]].shown.estimate, 0)

    if tested:
        return f"{printed} fits {names(tested)} (about {about(tested)}); {first_text}."
    if untested:
        return (f"Inside {printed} by point estimate only: {names(untested)} "
                f"(about {about(untested)}; too few series to test); {first_text}.")
    return f"No setting's pooled rate lies inside {printed}; {first_text}."


def _other_analyses(ev: SalvageEvidence, name: str) -> list[tuple[str, Pool]]:
    others = list(ev.sensitivity[name].items())
    others += [(lab, q) for lab, q in ev.data_sensitivity.get(name, {}).items() if q is not None]
    if name in ev.alternative:
        others.append(("TOWER composite end point", ev.alternative[name]))
    return others


def reinduction_cr(claims: ClaimsRegistry, data_dir=None, works=None,
                   evidence: SalvageEvidence | None = None) -> ClaimResult:
    """Pooled CR after salvage chemotherapy by setting against "20%-30%" (module docstring)."""
    claim = claims.get("reinduction-cr")
    works = works or load_cited_works(data_dir)
    ev = evidence or salvage_evidence(data_dir)
    printed = claim.reported[0]
    interval = rules.claimed_interval(printed)
    checks, reproduced, judged = [], [], {}
    for name, p in ev.pools.items():
        decides = SALVAGE_SUBGROUPS[name][3]
        j = _judge(p, printed)
        if decides:
            judged[name] = j
        where = {"inside": "inside", "above": "above", "below": "below"}.get(j.position, j.position)
        checks.append(j.check(f"pooled CR, {p.name.lower()} (k = {p.k})", printed,
                              f"{p.text()}; point estimate {where} the claimed range",
                              source="; ".join(s.label for s in p.series), role="decides" if decides else "context",
                              note="" if decides else "mixes settings: shown, not counted"))
        reproduced.append(Reproduced(f"pooled CR, {p.name.lower()}", float(p.shown.estimate), p.text(),
                                     ci=(float(p.shown.ci_low), float(p.shown.ci_high))))
    verdict = rules.verdict_across_settings(judged)
    citation, citation_reason = rules.citation_from_works(claim.id, claim.references, works)
    name_of = {n: ev.pools[n].name.lower() for n in ev.pools}
    fits = [n for n, j in judged.items() if j.outcome == "agrees"]
    informative = {n: j for n, j in judged.items() if j.informative and j.outcome is not None}
    fits_by_point = [n for n, j in judged.items() if j.position == "inside"]
    lead = {
        "consistent": f"The claimed {printed} (read as {_pct(interval[0])} to {_pct(interval[1])}) fits every setting "
                      "whose 95% CI can test it.",
        "discrepant": f"Every setting whose 95% CI can test it contradicts the claimed {printed}: the whole CI lies "
                      "outside it.",
        "imprecise": f"The claimed {printed} (read as {_pct(interval[0])} to {_pct(interval[1])}) does not hold in "
                     "every setting, and the sentence names none.",
        "not-reproducible": f"No setting's 95% CI is narrow enough to test the claimed {printed}.",
    }[verdict]
    parts = [lead]
    for n, j in judged.items():
        p = ev.pools[n]
        state = ("cannot test it (" + (j.uninformative_reason or "") + ")") if not j.informative else \
            {"agrees": "fits it", "departs": f"lies {j.position} it, though the 95% CI reaches it",
             "disagrees": f"lies {j.position} it: the whole 95% CI is outside"}[j.outcome]
        parts.append(f"{p.name}: {p.text()}, {state}.")
    if fits_by_point:
        parts.append("The figure fits " + " and ".join(name_of[n] for n in fits_by_point)
                     + " by its pooled point estimate" + ("" if set(fits_by_point) <= set(fits) else
                                                          ", where too few series make the CI uninformative") + ".")
    flips = []
    for n, j in judged.items():
        for lab, q in _other_analyses(ev, n):
            k = _judge(q, printed)
            if (k.outcome, k.informative) != (j.outcome, j.informative):
                flips.append(f"{name_of[n]} ({lab}: {k.outcome or 'undecided'}"
                             + ("" if k.informative else ", uninformative") + ")")
    parts.append("Sensitivity analyses that would change a setting's outcome: "
                 + ("; ".join(flips) if flips else "none") + ".")
    parts.append("Only adult series were examined: the sentence names no age group for this figure, the cited work [2] "
                 "is titled as a review of agents for relapsed or refractory ALL in adults, and no paediatric salvage "
                 "series was collected, so the verdict does not cover children.")
    parts.append("Pooled with a logit random-effects model (REML, Hartung-Knapp CI) from counts printed or exactly "
                 "derivable from the printed percentage; prediction intervals are not used.")
    parts.append(f"Citation: {citation_reason}")
    certainty = {n: summary_of_findings(f"CR after salvage chemotherapy, {ev.pools[n].name.lower()}", ev.pools[n].shown,
                                        [ev.designs[s.row_id] for s in ev.pools[n].series], ["adult"] * ev.pools[n].k,
                                        ["rr"] * ev.pools[n].k, interval, target_population="adult")
                 for n in judged}
    first = ev.pools["first"]
    deciding = Reproduced("pooled CR, first salvage", float(first.shown.estimate), first.text(),
                          ci=(float(first.shown.ci_low), float(first.shown.ci_high)))
    if verdict == "imprecise":
        takeaway = _imprecise_takeaway(ev, judged, printed)
    else:
        takeaway = f"{lead.split(':')[0]}."
    return ClaimResult(id=claim.id, citation=citation, verdict=verdict, reason=" ".join(parts),
                       reproduced=tuple(reproduced),
                       checks=tuple(checks), citation_reason=citation_reason, takeaway=takeaway, deciding=deciding,
                       rules=rules.rules_used(checks, "informative-ci", "combine-settings", "citation-works"),
                       extra={"certainty": certainty, "settings": {n: {"outcome": j.outcome,
                                                                       "informative": j.informative,
                                                                       "position": j.position}
                                           for n, j in judged.items()},
                              "fits": fits_by_point, "flips": flips, "informative_settings": sorted(informative)})


@claim_group("reinduction-cr", ids=CLAIM_IDS)
def evaluate_reinduction_cr(claims: ClaimsRegistry) -> list[ClaimResult]:
    return [reinduction_cr(claims, works=load_cited_works())]

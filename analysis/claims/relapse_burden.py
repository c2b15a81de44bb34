"""Claim group ``relapse-burden``: how many adults and children relapse (refs [1], [2])."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analysis.inputs.files import ClaimsRegistry
from analysis.stats.rounding import within_rounding
from analysis.inputs.tables import load_table
from analysis.claims.result import Check, ClaimResult, Reproduced, verdict_from_checks
from analysis.claims.registry import claim_group
from analysis.claims.pooling import Span, claimed_interval, coverage, parse_span, shared_length, span_agrees
from analysis.claims.pooling import _pct, _data, _source_text
from analysis.inputs.cited_works import load_cited_works
from analysis.claims.cited_citation import citation_axis

CLAIM_IDS = ["relapse-adults", "relapse-children"]


# =====================================================================================
# Relapse burden (adults, children)
# =====================================================================================
#: How each relapse row is used. "check": a statement about the whole age group, compared with
#: the claimed range. "context": shown, not compared (a selected subgroup, one component of
#: "resistance or relapse", or a cure, survival or not-cured statement: those include toxic
#: deaths and refractory disease, so every one of them is context, printed in figures or in
#: words). ``-complement``: a cure or survival rate, drawn as 1 - value. Rows not listed are
#: words without a proportion ("most", a count of relapsed patients without the number at risk).
RELAPSE_USE = {
    "adult_relapse.csv": {
        "gimema-0288-relapse": ("check", "relapse among adults in remission, cooperative-group trial"),
        "bloodadv-adult-rr": ("check", "relapsed or refractory adults (opinion piece)"),
        "review-relapse-despite-consolidation": ("check", "relapse after consolidation (review range)"),
        "esmo-adult-cure": ("context-complement", "cure rate; drawn as 1 − cure, which also counts toxic deaths and "
                            "refractory disease"),
        "pethema-not-cured": ("context", "not cured (in words), which also counts toxic deaths"),
        "haplo-vs-chemo-hr-relapse": ("context", "high-risk subgroup only, 3-year cumulative incidence"),
        "pethema-all-hr-11-cir": ("context", "high-risk subgroup, transplant guided by residual disease; relapse "
                                  "only, 5-year cumulative incidence"),
        "gimema-0288-resistant": ("context", "primary resistance only, one component of the claim"),
    },
    "paediatric_relapse.csv": {
        "cog-1996-2014-relapse": ("check", "relapse, 12 COG front-line trials 1996-2014"),
        "cog-1996-2014-relapse-b-all": ("check", "relapse, B-ALL on the same trials"),
        "cog-1988-2002-relapse": ("check", "relapse, 10 COG front-line trials 1988-2002"),
        "ash-edu-2012-fail-frontline": ("check", "predicted relapse (educational review)"),
        "bloodadv-paed-rr": ("check", "relapsed or refractory children (opinion piece)"),
        "csizmar-2025-paed-rr": ("check", "relapsed or refractory children (review)"),
        "stjude-relapse-us": ("check", "relapse, US children (institutional patient page)"),
        "induction-failure-14-groups": ("context", "primary resistance only, one component of the claim"),
        "hunger2012-5y-os-1990-94": ("context-complement", "5-year survival (ref [1]); drawn as 1 − survival = "
                                     "deaths from any cause by 5 years, not relapse"),
        "hunger2012-5y-os-2000-05": ("context-complement", "5-year survival (ref [1]); drawn as 1 − survival = "
                                     "deaths from any cause by 5 years, not relapse"),
        "esmo-paed-cure": ("context-complement", "cure rate; drawn as 1 − cure, which also counts toxic deaths"),
    },
}


@dataclass(frozen=True)
class RelapseFigure:
    """One published figure of a relapse table, as used on the page and in the checks."""

    row_id: str
    study: str
    reported: str
    use: str            # check | context | words
    why: str
    span: Span | None   # on the proportion scale, after the complement if any
    recomputed: float | None  # events/total where both are printed
    location: str
    source: str

    @property
    def drawn(self) -> str:
        """The value as drawn: "60.0%", "30.0%–60.0%", "16.3% (= 1 − 83.7%)", or "—" (words)."""
        if self.span is None:
            return "—"
        if self.recomputed is not None:
            return _pct(self.recomputed, 2) + " (recomputed)"
        text = _span_text(self.span)
        return f"{text} (= 1 − {self.reported})" if self.span.text.startswith("1 - ") else text

    @property
    def compared_span(self) -> Span | None:
        if self.recomputed is not None:
            return Span(self.recomputed, self.recomputed, _pct(self.recomputed, 2))
        return self.span


def relapse_figures(table: str, data_dir: Path | str | None = None) -> list[RelapseFigure]:
    """The rows of ``adult_relapse.csv`` or ``paediatric_relapse.csv`` with their use."""
    frame = load_table(f"background/{table}", _data(data_dir))
    uses = RELAPSE_USE[table]
    out = []
    for _, row in frame.iterrows():
        use, why = uses.get(row["row_id"], ("words", "no proportion printed, or words only"))
        span = parse_span(row["reported"])
        recomputed = None
        if pd.notna(row["events"]) and pd.notna(row["total"]):
            recomputed = int(row["events"]) / int(row["total"])
        if span is not None and use.endswith("complement"):
            span = Span(1 - span.high, 1 - span.low, f"1 - {row['reported']}")
        use = use.removesuffix("-complement")
        if span is None and use == "check":
            raise ValueError(f"background/{table}: row {row['row_id']}: it is compared with the claim but "
                             f"{row['reported']!r} is not a printed proportion")
        out.append(RelapseFigure(row_id=row["row_id"], study=row["study"], reported=row["reported"], use=use,
                                 why=why, span=span, recomputed=recomputed, location=row["location"],
                                 source=_source_text(row)))
    return out


def _span_text(span: Span) -> str:
    return _pct(span.low, 1) if span.is_point else f"{_pct(span.low, 1)}–{_pct(span.high, 1)}"


def _short_name(study: str) -> str:
    """"Hunger 2012 (COG 1990-2005) = commentary ref [1]" -> "Hunger 2012 (COG 1990-2005)"."""
    return study.split(" = ")[0].removesuffix(" - as quoted")


def _relapse_result(claim, figures: list[RelapseFigure], works, population: str) -> ClaimResult:
    printed = claim.reported[0]
    interval = claimed_interval(printed)
    width = interval[1] - interval[0]
    checks = []
    compared = [f for f in figures if f.use == "check"]
    for f in compared:
        span = f.compared_span
        found = f"{f.reported} printed; recomputed {_pct(f.recomputed, 2)}" if f.recomputed is not None else _span_text(span)
        if not span.is_point:
            found += (f"; shares {_pct(shared_length(span, interval) / width, 0)} of the claimed range")
        checks.append(Check(label=f"{_short_name(f.study)}: {f.why}", reported=printed, found=found,
                            agrees=span_agrees(span, interval), source=f.source))
    for f in figures:
        if f.recomputed is not None and f.span is not None and f.span.is_point:
            checks.append(Check(label=f"{_short_name(f.study)}: printed percentage vs its own counts",
                                reported=f.reported, found=_pct(f.recomputed, 2),
                                agrees=within_rounding(f.recomputed, f.reported), source=f.source))
    spans = [f.compared_span for f in compared]
    envelope = (min(s.low for s in spans), max(s.high for s in spans)) if spans else (float("nan"), float("nan"))
    covered = coverage(spans, interval) if spans else 0.0
    verdict = verdict_from_checks(checks)
    citation, citation_reason = citation_axis(claim.id, claim.references, works)
    n_ok = sum(1 for c in checks if c.agrees)
    context = [f for f in figures if f.use == "context" and f.span is not None]
    outside = [f for f in context if not span_agrees(f.span, interval)]
    with_counts = [f for f in compared if f.recomputed is not None]
    uncovered = []
    if spans and interval[1] - envelope[1] > 0.005:   # more than half a percentage point left uncovered
        uncovered.append(f"above {_pct(envelope[1], 1)}")
    if spans and envelope[0] - interval[0] > 0.005:
        uncovered.append(f"below {_pct(envelope[0], 1)}")
    if verdict == "consistent":
        reason = (f"All {n_ok} comparisons agree: the {len(compared)} published statements about {population} "
                  f"as a whole span {_pct(envelope[0], 1)} to {_pct(envelope[1], 1)}, and each meets the claimed "
                  f"{printed} (read as {_pct(interval[0], 1)} to {_pct(interval[1], 1)}; a published range must "
                  f"share at least half of the narrower range, not merely touch it). ")
    else:
        failed = "; ".join(f"{c.label} ({c.found})" for c in checks if c.agrees is False)
        reason = f"Published figures disagree with the claimed {printed}: {failed}. "
    reason += (f"Together they cover {_pct(covered, 0)} of the claimed range"
               + (f"; no compared figure lies {' or '.join(uncovered)}" if uncovered else "") + ". ")
    if verdict == "consistent":
        if with_counts:
            reason += ("The proportions with printed counts were recomputed ("
                       + ", ".join(f"{_pct(f.recomputed, 1)}" for f in with_counts)
                       + "), but the claim is a summary range, not a statistic of one dataset, so 'consistent' is "
                       "the strongest verdict. ")
        else:
            reason += (f"No source gives counts from which a relapse proportion for {population} could be "
                       "recomputed, so 'consistent' is the strongest verdict. ")
    reason += ("Cure, survival and not-cured statements are context only, not compared: they also count "
               "refractory disease and deaths from toxicity. ")
    if outside:
        reason += ("Context figures (not compared) that fall outside the claimed range: "
                   + "; ".join(f"{_short_name(f.study)}, {f.drawn} ({f.why})" for f in outside) + ". ")
    reason += f"Citation: {citation_reason}"
    reproduced = (Reproduced(f"published range, {population}", None,
                             f"{_pct(envelope[0], 1)}–{_pct(envelope[1], 1)} across {len(compared)} sources, "
                             f"covering {_pct(covered, 0)} of the claimed range", ci=envelope),)
    reproduced += tuple(Reproduced(f"{f.row_id} recomputed", float(f.recomputed), _pct(f.recomputed, 2))
                        for f in with_counts)
    return ClaimResult(id=claim.id, citation=citation, verdict=verdict, reason=reason.strip(),
                       reproduced=reproduced, checks=tuple(checks), citation_reason=citation_reason,
                       extra={"envelope": envelope, "interval": interval, "coverage": covered})


def relapse_adults(claims: ClaimsRegistry, data_dir=None, works=None) -> ClaimResult:
    works = works or load_cited_works(data_dir)
    return _relapse_result(claims.get("relapse-adults"), relapse_figures("adult_relapse.csv", data_dir), works,
                           "adults")


def relapse_children(claims: ClaimsRegistry, data_dir=None, works=None) -> ClaimResult:
    works = works or load_cited_works(data_dir)
    return _relapse_result(claims.get("relapse-children"), relapse_figures("paediatric_relapse.csv", data_dir),
                           works, "children")



@claim_group("relapse-burden", ids=CLAIM_IDS)
def evaluate_relapse_burden(claims: ClaimsRegistry) -> list[ClaimResult]:
    works = load_cited_works()
    return [relapse_adults(claims, works=works), relapse_children(claims, works=works)]

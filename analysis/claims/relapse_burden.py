"""Claim group ``relapse-burden``: how many adults (about 50%-65%) and children (about 10%-20%) are
refractory or relapse (commentary refs [1], [2]).

Each claim is a summary range, compared with independent published figures in
``data/background/{adult,paediatric}_relapse.csv``; how each row is used (compared, context,
words) is data: ``data/background/selection.yaml``. Rules (``analysis.claims.rules``):
``published-range`` for each compared figure, ``rounding`` for a printed percentage against its own
counts, ``combine-checks`` for the verdict and ``citation-works`` for the citation axis. Cure,
survival and "not cured" statements are context, never compared: they include deaths from toxicity
and refractory disease, and survival is not relapse.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analysis.claims import rules
from analysis.claims.pooling import Span, _data, _pct, _source_text, parse_span
from analysis.claims.registry import claim_group
from analysis.claims.result import ClaimResult, Reproduced
from analysis.inputs.cited_works import load_cited_works
from analysis.inputs.files import ClaimsRegistry
from analysis.inputs.selection import load_selection
from analysis.inputs.tables import load_table

CLAIM_IDS = ["relapse-adults", "relapse-children"]


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
    """The rows of ``adult_relapse.csv`` or ``paediatric_relapse.csv`` with their use
    (``selection.yaml``); a compared row must print a proportion."""
    frame = load_table(f"background/{table}", _data(data_dir))
    uses = load_selection(data_dir)[table]
    out = []
    for _, row in frame.iterrows():
        use = uses[row["row_id"]]
        span = parse_span(row["reported"])
        recomputed = None
        if pd.notna(row["events"]) and pd.notna(row["total"]):
            recomputed = int(row["events"]) / int(row["total"])
        if span is not None and use.complement:
            span = Span(1 - span.high, 1 - span.low, f"1 - {row['reported']}")
        if span is None and use.use == "check":
            raise ValueError(f"background/{table}: row {row['row_id']}: it is compared with the claim but "
                             f"{row['reported']!r} is not a printed proportion")
        out.append(RelapseFigure(row_id=row["row_id"], study=row["study"], reported=row["reported"], use=use.use,
                                 why=use.why, span=span, recomputed=recomputed, location=row["location"],
                                 source=_source_text(row)))
    return out


def _span_text(span: Span) -> str:
    return _pct(span.low, 1) if span.is_point else f"{_pct(span.low, 1)}–{_pct(span.high, 1)}"


def _short_name(study: str) -> str:
    """"Hunger 2012 (COG 1990-2005) = commentary ref [1]" -> "Hunger 2012 (COG 1990-2005)"."""
    return study.split(" = ")[0].removesuffix(" - as quoted")


def coverage(spans: list[Span], interval: tuple[float, float]) -> float:
    """The fraction of the claimed ``interval`` covered by the union of the published ``spans``
    (points cover nothing; only ranges have length). Description only, never a rule."""
    low, high = interval
    pieces = sorted((max(s.low, low), min(s.high, high)) for s in spans if min(s.high, high) > max(s.low, low))
    covered, end = 0.0, low
    for a, b in pieces:
        a = max(a, end)
        if b > a:
            covered += b - a
            end = b
    return covered / (high - low)


def _relapse_result(claim, figures: list[RelapseFigure], works, population: str) -> ClaimResult:
    printed = claim.reported[0]
    interval = rules.claimed_interval(printed)
    width = interval[1] - interval[0]
    checks = []
    compared = [f for f in figures if f.use == "check"]
    for f in compared:
        span = f.compared_span
        found = (f"{f.reported} printed; recomputed {_pct(f.recomputed, 2)}" if f.recomputed is not None
                 else _span_text(span))
        if not span.is_point:
            share = rules.shared_length(span.low, span.high, interval) / width
            found += f"; shares {_pct(share, 0)} of the claimed range"
        judged = rules.published_in_range(span.low, span.high, interval)
        checks.append(judged.check(f"{_short_name(f.study)}: {f.why}", printed, found, source=f.source))
    for f in figures:
        if f.recomputed is not None and f.span is not None and f.span.is_point:
            checks.append(rules.rounding(f.recomputed, f.reported).check(
                f"{_short_name(f.study)}: printed percentage vs its own counts", f.reported, _pct(f.recomputed, 2),
                source=f.source))
    spans = [f.compared_span for f in compared]
    envelope = (min(s.low for s in spans), max(s.high for s in spans)) if spans else (float("nan"), float("nan"))
    covered = coverage(spans, interval) if spans else 0.0
    verdict = rules.verdict_from_checks(checks)
    citation, citation_reason = rules.citation_from_works(claim.id, claim.references, works)
    counted = [c for c in checks if c.counted]
    context = [f for f in figures if f.use == "context" and f.span is not None]
    outside = [f for f in context if rules.published_in_range(f.span.low, f.span.high, interval).outcome != "agrees"]
    with_counts = [f for f in compared if f.recomputed is not None]
    uncovered = []
    if spans and interval[1] - envelope[1] > 0.005:   # more than half a percentage point left uncovered
        uncovered.append(f"above {_pct(envelope[1], 1)}")
    if spans and envelope[0] - interval[0] > 0.005:
        uncovered.append(f"below {_pct(envelope[0], 1)}")
    read_as = f"{printed} (read as {_pct(interval[0], 1)} to {_pct(interval[1], 1)})"
    if verdict == "consistent":
        reason = (f"All {len(counted)} comparisons agree: the {len(compared)} published statements about {population} "
                  f"as a whole span {_pct(envelope[0], 1)} to {_pct(envelope[1], 1)}, and each meets the claimed "
                  f"{read_as}; a published range must share at least half of the narrower range, not merely touch it. ")
    else:
        failed = "; ".join(f"{c.label} ({c.found})" for c in checks if c.counted and c.outcome != "agrees")
        reason = f"Published figures depart from the claimed {read_as}: {failed}. "
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
    deciding = Reproduced(f"published figures, {population}", None,
                          f"{_pct(envelope[0], 1)}–{_pct(envelope[1], 1)} across {len(compared)} sources, "
                          f"covering {_pct(covered, 0)} of the claimed range", ci=envelope)
    reproduced = (deciding,) + tuple(Reproduced(f"{_short_name(f.study)}, recomputed from its counts",
                                                float(f.recomputed), _pct(f.recomputed, 2)) for f in with_counts)
    n_agree = sum(1 for c in counted if c.outcome == "agrees")
    takeaway = (f"{len(compared)} other published sources on {population} span {_pct(envelope[0], 0)}–"
                f"{_pct(envelope[1], 0)}; {n_agree} of {len(counted)} comparisons support {printed}.")
    return ClaimResult(id=claim.id, citation=citation, verdict=verdict, reason=reason.strip(),
                       reproduced=reproduced, checks=tuple(checks), citation_reason=citation_reason,
                       extra={"envelope": envelope, "interval": interval, "coverage": covered},
                       takeaway=takeaway, deciding=deciding,
                       rules=rules.rules_used(checks, "combine-checks", "citation-works"))


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

"""Pooled proportions of published series, over every count a printed percentage allows."""

from __future__ import annotations

import dataclasses
import itertools
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analysis.claims.rules import Judgement, claimed_interval  # noqa: F401 (re-exported for the pages)
from analysis.inputs import paths
from analysis.stats.meta import PooledProportion, pool_proportions
from analysis.stats.proportions import clopper_pearson  # noqa: F401 (the one implementation, re-exported)
from analysis.stats.rounding import format_percent, parse_printed, within_rounding

#: The pooling model used for every pooled figure of this group.
MODEL = {"transform": "logit", "method": "REML", "ci": "hk"}
#: Sensitivity analyses: (label, model).
SENSITIVITY = (
    ("REML, Wald (z) CI", {"transform": "logit", "method": "REML", "ci": "wald"}),
    ("GLMM (random-intercept logistic), t CI", {"transform": "logit", "method": "GLMM", "ci": "hk"}),
)



def _data(data_dir: Path | str | None) -> Path:
    return Path(data_dir) if data_dir is not None else paths.DATA


def _pct(value: float, decimals: int = 1) -> str:
    return format_percent(value, decimals)


@dataclass(frozen=True)
class Span:
    """A printed figure on the proportion scale: a point (low == high) or a range."""

    low: float
    high: float
    text: str

    @property
    def is_point(self) -> bool:
        return self.low == self.high


def parse_span(text: str) -> Span | None:
    """A table's ``reported`` string as a proportion or a range, or None for words ("Most").

    Handles the forms of the background tables: "12.7%", "30% to 60%", "10–15%",
    "15-20 percent (about 600 children)" (words in brackets dropped), "43% ± 7%" (kept as the
    estimate; the ± part is the source's interval, not a range of the figure), "∼1%",
    "overall cure rate of 50%" (words before one percentage), bounds "≥90%" -> [0.9, 1].
    Whole counts without a percentage (e.g. "609") are not proportions: None.
    """
    raw = re.sub(r"\([^)]*\)", "", str(text)).replace("percent", "%").replace("∼", "").replace("~", "").strip()
    raw = re.sub(r"\s*±.*$", "", raw)
    if "%" not in raw:
        return None
    words_then_number = re.fullmatch(r"[A-Za-z ,]+?\s(\d+(?:\.\d+)?%)", raw)  # "overall cure rate of 50%"
    if words_then_number:
        raw = words_then_number.group(1)
    try:
        printed = parse_printed(raw)
    except ValueError:
        return None
    if printed.kind == "bound" and printed.estimate.is_percent:  # "≥90%", "≤10%"
        v = printed.estimate.fraction
        return Span(v, 1.0, text) if printed.estimate.comparator in (">", ">=", "≥") else Span(0.0, v, text)
    if printed.kind == "number":
        v = printed.estimate.fraction
        return Span(v, v, text)
    if printed.kind == "range" and printed.numbers[0].is_percent:
        lo, hi = printed.interval
        return Span(lo.fraction, hi.fraction, text)
    return None


def prediction_interval(fit: PooledProportion) -> tuple[float, float] | None:
    """The 95% prediction interval of a pool in the one convention this report uses, metafor's
    ``predict()`` (``analysis.stats.meta``: the CI's critical value, sqrt(tau² + se²)); None
    for fewer than three series, where it is not shown (it would only restate the assumed
    normal spread of two studies)."""
    if fit.k < 3:
        return None
    return float(fit.pi_low), float(fit.pi_high)


def pi_text(fit: PooledProportion) -> str:
    """The prediction interval as shown (description only: verdicts never use it)."""
    pi = prediction_interval(fit)
    if pi is None:
        return "not shown (fewer than 3 series)"
    text = f"{_pct(pi[0])}–{_pct(pi[1])}"
    return text + (" (tau² = 0: no heterogeneity estimated)" if fit.tau2 == 0 else "")


def candidate_counts(printed: str, total: int) -> list[int]:
    """Every whole count k in 0..total with k/total equal to the printed percentage within its
    rounding (GRIM-style; Brown & Heathers 2017). "16%" of 134 -> [21, 22]."""
    num = parse_printed(printed).estimate
    if num is None or not num.is_percent:
        raise ValueError(f"{printed!r} is not a single printed percentage")
    if int(total) <= 0:
        raise ValueError(f"total {total!r} must be a positive count")
    return [k for k in range(int(total) + 1) if within_rounding(k / int(total), num)]


def _source_text(row) -> str:
    ids = "; ".join(x for x in (f"doi:{row['doi']}" if row["doi"] else "",
                                f"PMID {row['pmid']}" if row["pmid"] else "") if x)
    return f"{row['study']}, {row['location']}" + (f" ({ids})" if ids else "")



# =====================================================================================
# Pooled proportions with counts that a printed percentage leaves open
# =====================================================================================
@dataclass(frozen=True)
class Series:
    """One study arm or cohort entering a pool: its count, or the counts its printed
    percentage allows (``bracketed``), never a guessed single value."""

    row_id: str
    label: str
    candidates: tuple[int, ...]
    total: int
    reported: str
    derived: bool
    source: str
    quantity: str = ""

    @property
    def bracketed(self) -> bool:
        return len(self.candidates) > 1

    @property
    def shown(self) -> int:
        """The count drawn in figures: the printed count, or the candidate nearest printed% x total
        (lower on a tie)."""
        if len(self.candidates) == 1:
            return self.candidates[0]
        target = parse_printed(self.reported).estimate.fraction * self.total
        return min(self.candidates, key=lambda k: (abs(k - target), k))

    @property
    def count_text(self) -> str:
        if self.bracketed:
            return f"{self.candidates[0]}–{self.candidates[-1]}/{self.total} (bracketed)"
        return f"{self.candidates[0]}/{self.total}" + (" (derived)" if self.derived else "")


@dataclass(frozen=True)
class Pool:
    """A pooled proportion over all count combinations the printed percentages allow."""

    name: str
    series: tuple[Series, ...]
    shown: PooledProportion
    fits: tuple[PooledProportion, ...]
    model: dict

    @property
    def k(self) -> int:
        return len(self.series)

    @property
    def estimate_range(self) -> tuple[float, float]:
        values = [f.estimate for f in self.fits]
        return min(values), max(values)

    def judge(self, judge_fit) -> Judgement:
        """A rulebook judgement (``judge_fit(fit) -> Judgement``) over every count combination the
        printed percentages allow: the shown fit's judgement when every combination gives the same
        outcome; otherwise no outcome (undecided over the bracketed counts, not counted)."""
        judgements = [judge_fit(f) for f in self.fits]
        shown = judge_fit(self.shown)
        outcomes = {j.outcome for j in judgements}
        positions = sorted({j.position for j in judgements})
        informative = all(j.informative for j in judgements)
        why = next((j.uninformative_reason for j in judgements if not j.informative), None)
        if len(outcomes) == 1:
            return dataclasses.replace(shown, informative=informative, uninformative_reason=why,
                                       position="/".join(positions))
        return dataclasses.replace(shown, outcome=None, informative=False, position="/".join(positions),
                                   uninformative_reason="undecided: the counts the printed percentages allow give "
                                                        "different outcomes")

    def text(self) -> str:
        s = self.shown
        lo, hi = self.estimate_range
        spread = "" if _pct(lo) == _pct(hi) else f" (estimate {_pct(lo)}–{_pct(hi)} over the bracketed counts)"
        return f"{_pct(s.estimate)} (95% CI {_pct(s.ci_low)}–{_pct(s.ci_high)}){spread}"

    @property
    def for_plot(self) -> PooledProportion:
        """The shown fit; with fewer than three series its prediction interval is collapsed onto
        the CI so the forest plot draws none (and says so)."""
        if prediction_interval(self.shown) is not None:
            return self.shown
        return dataclasses.replace(self.shown, pi_low=self.shown.ci_low, pi_high=self.shown.ci_high)


def pool(name: str, series: list[Series], model: dict | None = None) -> Pool:
    """Pool ``series`` with ``model`` (default :data:`MODEL`) at every allowed count combination."""
    model = dict(model or MODEL)
    if not series:
        raise ValueError(f"pool {name!r}: no series to pool")
    labels = [s.label + (" *" if s.bracketed else " \u2020" if s.derived else "") for s in series]
    totals = [s.total for s in series]
    fits = tuple(pool_proportions(list(combo), totals, labels=labels, **model)
                 for combo in itertools.product(*(s.candidates for s in series)))
    shown = pool_proportions([s.shown for s in series], totals, labels=labels, **model)
    return Pool(name=name, series=tuple(series), shown=shown, fits=fits, model=model)


def series_from_row(row, label: str) -> Series | None:
    """One table row as a pooled series: its printed count, or every count its printed
    percentage allows (bracketed); None when no denominator is printed."""
    total = row["total"]
    if pd.isna(total):
        return None
    if pd.notna(row["events"]):
        candidates = (int(row["events"]),)
    else:
        candidates = tuple(candidate_counts(row["reported"], int(total)))
        if not candidates:
            raise ValueError(f"row {row['row_id']}: no count of {int(total)} rounds to {row['reported']!r}")
    return Series(row_id=row["row_id"], label=label,
                  candidates=candidates, total=int(total), reported=row["reported"],
                  derived=bool(row["derived"]) if pd.notna(row["derived"]) else False,
                  source=_source_text(row), quantity=row["quantity"])

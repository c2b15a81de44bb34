"""Pooled proportions of published series, over every count a printed percentage allows."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analysis.inputs import paths
from analysis.stats.meta import PooledProportion, pool_proportions
from analysis.stats.rounding import format_percent, parse_printed, rounding_interval, within_rounding

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


def claimed_interval(printed_range: str) -> tuple[float, float]:
    """The values a printed range like "50%-65%" stands for: [low end's lower rounding edge,
    high end's upper rounding edge] ("50%-65%" -> [0.495, 0.655])."""
    parsed = parse_printed(printed_range)
    if parsed.kind != "range":
        raise ValueError(f"{printed_range!r} is not a printed range")
    lo, hi = parsed.interval
    return rounding_interval(lo)[0], rounding_interval(hi)[1]


#: A published range agrees with a claimed range when they share at least this fraction of the
#: narrower of the two (any overlap is not enough: "30% to 60%" touching "50%-65%" at one end
#: would otherwise count as agreement).
MIN_SHARED = 0.5


def shared_length(span: Span, interval: tuple[float, float]) -> float:
    """Length of the part of ``span`` that lies in ``interval`` (0 when they do not meet)."""
    return max(0.0, min(span.high, interval[1]) - max(span.low, interval[0]))


def coverage(spans: list[Span], interval: tuple[float, float]) -> float:
    """The fraction of the claimed ``interval`` covered by the union of the published ``spans``
    (points cover nothing; only ranges have length)."""
    low, high = interval
    pieces = sorted((max(s.low, low), min(s.high, high)) for s in spans if min(s.high, high) > max(s.low, low))
    covered, end = 0.0, low
    for a, b in pieces:
        a = max(a, end)
        if b > a:
            covered += b - a
            end = b
    return covered / (high - low)


def span_agrees(span: Span, interval: tuple[float, float]) -> bool:
    """A point agrees when it lies in the interval [low, high]; a range when the two share at
    least :data:`MIN_SHARED` of the narrower one ("30% to 60%" vs [49.5%, 65.5%): 10.5 of 16
    points shared, agrees; "30% to 55%": 5.5 of 16, does not)."""
    low, high = interval
    eps = 1e-12
    if span.is_point:
        return low - eps <= span.low <= high + eps
    narrower = min(span.high - span.low, high - low)
    return shared_length(span, interval) >= MIN_SHARED * narrower - eps


def clopper_pearson(events: int, total: int, level: float = 0.95) -> tuple[float, float]:
    """Exact (Clopper–Pearson) confidence interval of ``events/total``: 1/45 -> (0.0006, 0.118)."""
    from scipy import stats
    if total <= 0 or not 0 <= events <= total:
        raise ValueError(f"{events}/{total} is not a proportion")
    alpha = 1 - level
    lo = 0.0 if events == 0 else float(stats.beta.ppf(alpha / 2, events, total - events + 1))
    hi = 1.0 if events == total else float(stats.beta.ppf(1 - alpha / 2, events + 1, total - events))
    return lo, hi


def ci_meets(ci: tuple[float, float], interval: tuple[float, float]) -> bool:
    """The summary-range rule: True unless the whole CI lies outside the claim's rounding
    interval [low, high) (so ``discrepant`` needs ci_high < low or ci_low >= high)."""
    eps = 1e-12
    return not (ci[1] < interval[0] - eps or ci[0] >= interval[1] - eps)


def where_estimate_falls(estimate: float, interval: tuple[float, float]) -> str:
    """"inside", "above" or "below" the claim's rounding interval [low, high)."""
    if estimate < interval[0]:
        return "below"
    if estimate >= interval[1]:
        return "above"
    return "inside"


def prediction_interval(fit: PooledProportion) -> tuple[float, float] | None:
    """Higgins, Thompson & Spiegelhalter (2009) prediction interval on the logit scale, t with
    k − 2 df: mu ± t * sqrt(tau² + se²), back-transformed; None when k < 3 (not estimable)."""
    from scipy import special, stats
    if fit.k < 3 or fit.transform != "logit":
        return None
    crit = float(stats.t.ppf(0.5 + fit.level / 2, fit.k - 2))
    half = crit * (fit.tau2 + fit.se ** 2) ** 0.5
    return float(special.expit(fit.mu - half)), float(special.expit(fit.mu + half))


def pi_text(fit: PooledProportion) -> str:
    """The prediction interval as shown, with why it is never used in a verdict."""
    pi = prediction_interval(fit)
    if pi is None:
        return "not estimable (k < 3)"
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
    ids = "; ".join(x for x in (f"doi:{row['doi']}" if row["doi"] else "", f"PMID {row['pmid']}" if row["pmid"] else "") if x)
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
        """The count drawn in figures: the candidate nearest printed% x total (lower on a tie)."""
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

    def agrees(self, test) -> bool | None:
        """True/False when ``test(fit)`` is the same for every combination, else None."""
        outcomes = {bool(test(f)) for f in self.fits}
        return outcomes.pop() if len(outcomes) == 1 else None

    def text(self) -> str:
        s = self.shown
        lo, hi = self.estimate_range
        spread = "" if _pct(lo) == _pct(hi) else f" (estimate {_pct(lo)}–{_pct(hi)} over the bracketed counts)"
        return f"{_pct(s.estimate)} (95% CI {_pct(s.ci_low)}–{_pct(s.ci_high)}){spread}"

    @property
    def for_plot(self) -> PooledProportion:
        """The shown fit with the Higgins (t, k − 2 df) prediction interval for plotting; with
        k < 3, where none is estimable, the forest plot draws none and says so."""
        import dataclasses
        pi = prediction_interval(self.shown) or (self.shown.ci_low, self.shown.ci_high)
        return dataclasses.replace(self.shown, pi_low=pi[0], pi_high=pi[1])


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


def _series_from_row(row) -> Series | None:
    total = row["total"]
    if pd.isna(total):
        return None
    if pd.notna(row["events"]):
        candidates = (int(row["events"]),)
    else:
        candidates = tuple(candidate_counts(row["reported"], int(total)))
        if not candidates:
            raise ValueError(f"row {row['row_id']}: no count of {int(total)} rounds to {row['reported']!r}")
    return Series(row_id=row["row_id"], label=_short_label(row),
                  candidates=candidates, total=int(total), reported=row["reported"],
                  derived=bool(row["derived"]) if pd.notna(row["derived"]) else False,
                  source=_source_text(row), quantity=row["quantity"])


# Short labels for forest plots (row_id -> label); rows not listed use their row_id.
SHORT_LABELS = {
    "tower-soc-cr": "TOWER chemotherapy arm (CR)",
    "tower-soc-cr-crh-cri": "TOWER chemotherapy arm (CR/CRh/CRi)",
    "inovate-soc-cr-cri-final": "INO-VATE standard arm (CR/CRi)",
    "inovate-soc-cr-cri-primary": "INO-VATE standard arm, first 218 (CR/CRi)",
    "gmall-first-salvage-after-chemo": "GMALL, 1st salvage after chemotherapy",
    "gmall-first-salvage-after-sct": "GMALL, 1st salvage after SCT",
    "gmall-second-salvage": "GMALL, 2nd salvage",
    "mdacc-second-salvage": "MD Anderson, 2nd salvage",
    "graall-cr2": "GRAALL-2003/-2005, first relapse",
    "pooled-206-211-tr-fatal": "MT103-206/-211 pooled (phase 2)",
    "tower-blin-tr-fatal": "TOWER blinatumomab arm",
    "alcantara-tr-fatal": "ALCANTARA (Ph+)",
    "mt103-205-tr-fatal-all": "MT103-205 (children, all doses)",
    "pooled-206-211-any-fatal": "MT103-206/-211 pooled (phase 2)",
    "tower-soc-tr-fatal": "TOWER chemotherapy arm (comparator)",
    "tower-soc-any-fatal": "TOWER chemotherapy arm (comparator)",
    "mt103-205-tr-fatal-rp2d": "MT103-205, recommended dose (subset)",
    "mt103-205-any-fatal-rp2d": "MT103-205, recommended dose (subset)",
    "tower-blin-any-fatal": "TOWER blinatumomab arm",
    "alcantara-any-fatal": "ALCANTARA (Ph+)",
    "mt103-205-any-fatal-all": "MT103-205 (children, all doses)",
}


def _short_label(row) -> str:
    return SHORT_LABELS.get(row["row_id"], row["row_id"])


def _position(p: Pool, interval) -> str:
    """Where the pooled point estimate falls against the claimed interval, over every bracketed count."""
    places = {where_estimate_falls(f.estimate, interval) for f in p.fits}
    return places.pop() if len(places) == 1 else "/".join(sorted(places))



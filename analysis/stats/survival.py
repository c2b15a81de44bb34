"""Survival summaries against each other: events implied by a hazard-ratio interval (Schoenfeld
1981), survival curves through printed landmarks, a printed median against landmarks, and a
median against the follow-up.

References
----------
- Schoenfeld D. The asymptotic properties of nonparametric tests for comparing survival
  distributions. Biometrika 1981;68:316-319 (variance of the log-rank statistic ~ D p (1-p)).
- Kaplan EL, Meier P. Nonparametric estimation from incomplete observations.
  J Am Stat Assoc 1958;53:457-481.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from analysis.stats._checked import _count, _finite, _positive, _z_critical  # noqa: F401

LN2 = math.log(2.0)


# --------------------------------------------------------------------------- events from HR CI

@dataclass(frozen=True)
class ImpliedEvents:
    """Approximate total number of events implied by a hazard-ratio confidence interval.

    ``approximate`` is always True: this is Schoenfeld's large-sample approximation, not a count.
    """

    low: float
    high: float
    allocation: float
    level: float
    se_log_hr: float
    information: float
    events: float
    events_min: float | None
    events_max: float | None
    approximate: bool = True
    method: str = ("APPROXIMATION (Schoenfeld, Biometrika 1981;68:316): SE(log HR) = "
                   "(ln high - ln low) / (2 z_crit); D ~ 1 / (p (1 - p) SE^2)")


def implied_events_from_hr_ci(low: float, high: float, allocation: float = 0.5,
                              level: float = 0.95, *, decimals: int | None = None) -> ImpliedEvents:
    """Approximate number of events behind a hazard ratio's confidence interval.

    APPROXIMATION. Under proportional hazards the variance of the log-rank statistic / Cox
    score is about D p (1 - p) for D events and allocation fraction p (Schoenfeld 1981), so
    Var(log HR) ~ 1 / (D p (1 - p)). With SE(log HR) = (ln high - ln low) / (2 z_crit):
    D ~ 1 / (p (1 - p) SE^2) (= 4 / SE^2 for 1:1 allocation). The result is not a published
    count; it is only a sanity check of the order of magnitude. ``decimals``: the printed digits
    of the limits; ``events_min``/``events_max`` then span all limits that round to them.
    """
    lo = _positive("low", low)
    hi = _positive("high", high)
    if lo >= hi:
        raise ValueError(f"low must be < high, got low={low!r}, high={high!r}")
    p = _finite("allocation", allocation)
    if not 0.0 < p < 1.0:
        raise ValueError(f"allocation must lie strictly between 0 and 1, got {allocation!r}")
    zc = _z_critical(level)

    def events(l_: float, u_: float) -> float:
        se_ = (math.log(u_) - math.log(l_)) / (2.0 * zc)
        return 1.0 / (p * (1.0 - p) * se_ * se_)

    se = (math.log(hi) - math.log(lo)) / (2.0 * zc)
    e_min = e_max = None
    if decimals is not None:
        dd = _count("decimals", decimals, 0)
        h = 0.5 * 10.0 ** (-dd)
        if lo - h <= 0:
            raise ValueError(f"low {low!r} printed to {dd} decimals may round from 0; events_max is unbounded")
        e_min = events(lo - h, hi + h)   # widest interval -> fewest events
        e_max = events(lo + h, hi - h)   # narrowest interval -> most events
    return ImpliedEvents(low=lo, high=hi, allocation=p, level=float(level), se_log_hr=se,
                         information=1.0 / (se * se), events=events(lo, hi),
                         events_min=e_min, events_max=e_max)


# --------------------------------------------------------------------------- survival models

Landmarks = Sequence[tuple[float, float]]


def _landmarks(landmarks: object, minimum: int = 1) -> tuple[tuple[float, float], ...]:
    """Validate (time, survival) pairs: times > 0 strictly increasing, survival in (0, 1]
    and non-increasing (a survival curve cannot rise)."""
    try:
        pairs = [tuple(pair) for pair in landmarks]  # type: ignore[union-attr]
    except TypeError:
        raise ValueError(f"landmarks must be a sequence of (time, survival) pairs, got {landmarks!r}") from None
    if len(pairs) < minimum:
        raise ValueError(f"landmarks needs at least {minimum} (time, survival) pair(s), got {len(pairs)}")
    out = []
    for i, pair in enumerate(pairs):
        if len(pair) != 2:
            raise ValueError(f"landmarks[{i}] must be a (time, survival) pair, got {pair!r}")
        t = _positive(f"landmarks[{i}] time", pair[0])
        s = _finite(f"landmarks[{i}] survival", pair[1])
        if not 0.0 < s <= 1.0:
            raise ValueError(f"landmarks[{i}] survival must lie in (0, 1], got {pair[1]!r}")
        out.append((t, s))
    for i in range(1, len(out)):
        if out[i][0] <= out[i - 1][0]:
            raise ValueError(f"landmarks must be sorted by strictly increasing time; "
                             f"landmarks[{i}] time {out[i][0]!r} <= {out[i - 1][0]!r}")
        if out[i][1] > out[i - 1][1]:
            raise ValueError(f"landmarks survival cannot increase with time; "
                             f"landmarks[{i}] survival {out[i][1]!r} > {out[i - 1][1]!r}")
    return tuple(out)


def _times(t: float | Iterable[float]) -> np.ndarray:
    arr = np.asarray(t, dtype=float)
    if np.any(~np.isfinite(arr)) or np.any(arr < 0):
        raise ValueError(f"t must be finite and >= 0, got {t!r}")
    return arr


def _out(arr: np.ndarray) -> float | np.ndarray:
    return float(arr) if arr.ndim == 0 else arr


@dataclass(frozen=True)
class ExponentialFit:
    """Exponential survival S(t) = exp(-rate t); constant hazard ``rate``; median ln 2 / rate."""

    rate: float
    landmarks: tuple[tuple[float, float], ...]
    model: str = "exponential"

    def survival(self, t: float | Iterable[float]) -> float | np.ndarray:
        return _out(np.exp(-self.rate * _times(t)))

    def hazard(self, t: float | Iterable[float]) -> float | np.ndarray:
        return _out(np.full_like(_times(t), self.rate, dtype=float))

    @property
    def median(self) -> float:
        return LN2 / self.rate if self.rate > 0 else math.inf


def fit_exponential_from_landmark(t: float, s: float) -> ExponentialFit:
    """Exponential model through one landmark: rate = -ln(s) / t, so S(t) = exp(-rate t) and
    median = ln 2 / rate = t ln 2 / (-ln s). A survival of 1 gives rate 0 (median infinite)."""
    tt = _positive("t", t)
    ss = _finite("s", s)
    if not 0.0 < ss <= 1.0:
        raise ValueError(f"s must lie in (0, 1], got {s!r}")
    return ExponentialFit(rate=-math.log(ss) / tt, landmarks=((tt, ss),))


def _exponential_least_squares(marks: tuple[tuple[float, float], ...]) -> ExponentialFit:
    """One-parameter fit of the cumulative hazard H(t) = -ln S(t) = rate t through the origin
    by least squares (exact for a single landmark): rate = sum t H / sum t^2."""
    t = np.array([m[0] for m in marks])
    h = -np.log(np.array([m[1] for m in marks]))
    return ExponentialFit(rate=float(np.dot(t, h) / np.dot(t, t)), landmarks=marks)


@dataclass(frozen=True)
class PiecewiseExponentialFit:
    """Piecewise-constant hazard through landmarks (0, 1), (t_1, s_1), ..., (t_K, s_K).

    ``rates[j]`` is the hazard on (breaks[j], breaks[j+1]]: ln(s_j / s_{j+1}) / (t_{j+1} - t_j).
    Beyond the last landmark the last hazard is carried forward (an extrapolation;
    ``median_extrapolated`` says whether the median needed it).
    """

    breaks: tuple[float, ...]
    rates: tuple[float, ...]
    landmarks: tuple[tuple[float, float], ...]
    model: str = "piecewise-exponential"

    def _cumhaz(self, t: np.ndarray) -> np.ndarray:
        edges = np.array(self.breaks)
        rates = np.array(self.rates)
        widths = np.clip(t[..., None] - edges[:-1], 0.0, None)
        spans = np.append(np.diff(edges)[:-1], np.inf)  # the last piece never ends
        return np.sum(np.minimum(widths, spans) * rates, axis=-1)

    def survival(self, t: float | Iterable[float]) -> float | np.ndarray:
        return _out(np.exp(-self._cumhaz(_times(t))))

    def hazard(self, t: float | Iterable[float]) -> float | np.ndarray:
        arr = _times(t)
        idx = np.clip(np.searchsorted(np.array(self.breaks), arr, side="left") - 1, 0, len(self.rates) - 1)
        return _out(np.array(self.rates)[idx])

    @property
    def median(self) -> float:
        cum = 0.0
        target = LN2
        for j, rate in enumerate(self.rates):
            start = self.breaks[j]
            last = j == len(self.rates) - 1
            width = math.inf if last else self.breaks[j + 1] - start
            if rate > 0 and cum + rate * width >= target:
                return start + (target - cum) / rate
            cum += rate * (0.0 if math.isinf(width) else width)
        return math.inf

    @property
    def median_extrapolated(self) -> bool:
        return self.median > self.landmarks[-1][0]


def fit_piecewise_exponential(landmarks: Landmarks) -> PiecewiseExponentialFit:
    """Piecewise-exponential (piecewise-constant hazard) curve through the landmarks.

    With (t_0, s_0) = (0, 1): hazard on (t_{j-1}, t_j] is ln(s_{j-1} / s_j) / (t_j - t_{j-1}), so
    the curve passes exactly through every landmark; after t_K the last hazard continues.
    Landmarks: (time, survival) pairs, times > 0 strictly increasing, survival in (0, 1]
    non-increasing (a median may be given as (median, 0.5)).
    """
    marks = _landmarks(landmarks, 1)
    times = (0.0,) + tuple(m[0] for m in marks)
    surv = (1.0,) + tuple(m[1] for m in marks)
    rates = tuple(math.log(surv[j - 1] / surv[j]) / (times[j] - times[j - 1]) for j in range(1, len(times)))
    return PiecewiseExponentialFit(breaks=times, rates=rates, landmarks=marks)


@dataclass(frozen=True)
class WeibullFit:
    """Weibull survival S(t) = exp(-(t / scale)^shape) (lifelines' lambda_, rho_; scipy's
    weibull_min(c=shape, scale=scale)). Hazard (shape/scale)(t/scale)^(shape-1);
    median scale (ln 2)^(1/shape). ``exact`` is True when it passes through every landmark."""

    scale: float
    shape: float
    landmarks: tuple[tuple[float, float], ...]
    exact: bool
    model: str = "weibull"

    def survival(self, t: float | Iterable[float]) -> float | np.ndarray:
        return _out(np.exp(-(_times(t) / self.scale) ** self.shape))

    def hazard(self, t: float | Iterable[float]) -> float | np.ndarray:
        arr = _times(t)
        return _out((self.shape / self.scale) * (arr / self.scale) ** (self.shape - 1.0))

    @property
    def median(self) -> float:
        return self.scale * LN2 ** (1.0 / self.shape)


def fit_weibull_from_landmarks(landmarks: Landmarks) -> WeibullFit:
    """Weibull curve through >= 2 landmarks, on the complementary log-log scale.

    ln(-ln S(t)) = shape ln t - shape ln scale is a straight line in ln t. Two landmarks
    determine it exactly: shape = (y2 - y1) / (x2 - x1), scale = exp(x1 - y1 / shape), with
    x = ln t, y = ln(-ln s). More landmarks: ordinary least squares of y on x
    (scipy.stats.linregress), ``exact`` False. Survival 1 is not allowed (ln(-ln 1) = -inf).
    """
    marks = _landmarks(landmarks, 2)
    for i, (_, s) in enumerate(marks):
        if s >= 1.0:
            raise ValueError(f"landmarks[{i}] survival 1 has no Weibull (log-log) representation")
    x = np.log([m[0] for m in marks])
    y = np.log(-np.log([m[1] for m in marks]))
    if np.allclose(y, y[0], rtol=0, atol=1e-15):
        raise ValueError("landmarks survival is constant; a Weibull shape cannot be fitted")
    if len(marks) == 2:
        shape = float((y[1] - y[0]) / (x[1] - x[0]))
        intercept = float(y[0] - shape * x[0])
    else:
        fit = stats.linregress(x, y)
        shape, intercept = float(fit.slope), float(fit.intercept)
    return WeibullFit(scale=math.exp(-intercept / shape), shape=shape, landmarks=marks,
                      exact=len(marks) == 2)


# --------------------------------------------------------------------------- median vs landmarks

@dataclass(frozen=True)
class ModelMedianCheck:
    """One model's view of a printed median.

    ``implied_median`` is the model's median from the landmarks; ``implied_median_range`` its
    range when every landmark survival moves within +/- ``survival_half_width`` (corners of the
    rounding box; each model's median is monotone in each survival value).
    ``survival_at_median`` is the model's S at the printed median (0.5 if they agree exactly);
    ``relative_difference`` = printed / implied median - 1.
    ``consistent``: the printed median's range [median -/+ median_half_width] overlaps the
    implied range (a strict criterion: only rounding is allowed for, not model error).
    ``extrapolated``: the implied median lies beyond the last landmark, so the model's tail
    assumption, not the data, decides it.
    """

    model: str
    implied_median: float
    implied_median_range: tuple[float, float]
    survival_at_median: float
    relative_difference: float
    extrapolated: bool
    consistent: bool
    fit: object


@dataclass(frozen=True)
class MedianLandmarkCheck:
    """A printed median against printed landmark survival, model-free and under models.

    ``order_consistent`` (model-free): a survival curve is non-increasing, so a landmark with
    S(t) above 50% (beyond rounding) forces median >= t and one below 50% forces median <= t.
    ``required_hazard``: the constant hazard needed after the last landmark before the median to
    fall from its survival to 0.5 exactly at the printed median; ``hazard_before`` the hazard of
    the last piece of the piecewise-exponential fit; their ratio shows how abruptly the curve
    would have to fall. Models are assumptions: disagreement is a flag, not proof of error.
    """

    median: float
    landmarks: tuple[tuple[float, float], ...]
    order_consistent: bool
    order_violations: tuple[str, ...]
    checks: tuple[ModelMedianCheck, ...]
    required_hazard: float | None
    hazard_before: float | None
    hazard_ratio_needed: float | None


def _fit_model(model: str, marks: tuple[tuple[float, float], ...]):
    if model == "exponential":
        return _exponential_least_squares(marks)
    if model == "piecewise-exponential":
        return fit_piecewise_exponential(marks)
    if model == "weibull":
        return fit_weibull_from_landmarks(marks)
    raise ValueError(f"models entries must be 'exponential', 'piecewise-exponential' or 'weibull', got {model!r}")


def median_consistent_with_landmarks(median: float, landmarks: Landmarks, *,
                                     survival_half_width: float = 0.0,
                                     median_half_width: float = 0.0,
                                     models: Sequence[str] = ("exponential", "piecewise-exponential",
                                                              "weibull")) -> MedianLandmarkCheck:
    """Does a printed median survival agree with printed landmark survival?

    Landmarks are (time, survival) pairs in the same time unit as ``median`` (do not include
    the median itself; it is the value under test). Three models, each fitted to the
    landmarks only: exponential (cumulative hazard through the origin, least squares; exact for
    one landmark), piecewise exponential (exact through every landmark, last hazard carried
    forward) and Weibull (>= 2 landmarks; exact through two). For each, the implied median and
    its range over the rounding of the landmarks (``survival_half_width``, e.g. 0.005 for
    whole percentages) are compared with the printed median +/- ``median_half_width``.
    A model-free order check and the hazard needed after the last landmark complete the picture.
    Landmarks from different data cuts or reports should not be mixed without saying so.
    """
    med = _positive("median", median)
    marks = _landmarks(landmarks, 1)
    sw = _finite("survival_half_width", survival_half_width)
    mw = _finite("median_half_width", median_half_width)
    if not 0.0 <= sw < 0.5:
        raise ValueError(f"survival_half_width must lie in [0, 0.5), got {survival_half_width!r}")
    if mw < 0:
        raise ValueError(f"median_half_width must be >= 0, got {median_half_width!r}")
    if isinstance(models, str) or not models:
        raise ValueError(f"models must be a non-empty sequence of model names, got {models!r}")

    violations = []
    for t, s in marks:
        if s - sw > 0.5 and med + mw < t:
            violations.append(f"S({t:g}) = {s:g} > 0.5 requires median >= {t:g}")
        if s + sw < 0.5 and med - mw > t:
            violations.append(f"S({t:g}) = {s:g} < 0.5 requires median <= {t:g}")

    checks = []
    for model in models:
        if model == "weibull" and len(marks) < 2:
            continue
        fit = _fit_model(model, marks)
        medians = []
        for shifts in itertools.product((-sw, sw), repeat=len(marks)) if sw > 0 else [(0.0,) * len(marks)]:
            moved = [(t, min(1.0, max(1e-12, s + d))) for (t, s), d in zip(marks, shifts, strict=True)]
            moved_sorted = all(moved[i][1] <= moved[i - 1][1] for i in range(1, len(moved)))
            if not moved_sorted:
                continue
            try:
                medians.append(_fit_model(model, tuple(moved)).median)
            except ValueError:
                continue
        lo_m, hi_m = (min(medians), max(medians)) if medians else (fit.median, fit.median)
        tol = 1e-9 * med  # floating-point slack only
        consistent = med - mw <= hi_m + tol and lo_m - tol <= med + mw
        checks.append(ModelMedianCheck(model=model, implied_median=fit.median,
                                       implied_median_range=(lo_m, hi_m),
                                       survival_at_median=float(fit.survival(med)),
                                       relative_difference=med / fit.median - 1.0,
                                       extrapolated=fit.median > marks[-1][0],
                                       consistent=bool(consistent), fit=fit))

    before = [m for m in marks if m[0] < med]
    required = hazard_before = ratio = None
    if before and before[-1][1] > 0.5:
        t_last, s_last = before[-1]
        required = math.log(s_last / 0.5) / (med - t_last)
        pw = fit_piecewise_exponential(before)
        hazard_before = pw.rates[-1]
        ratio = required / hazard_before if hazard_before > 0 else math.inf
    return MedianLandmarkCheck(median=med, landmarks=marks, order_consistent=not violations,
                               order_violations=tuple(violations), checks=tuple(checks),
                               required_hazard=required, hazard_before=hazard_before,
                               hazard_ratio_needed=ratio)


# --------------------------------------------------------------------------- follow-up

@dataclass(frozen=True)
class FollowUpCheck:
    """A median survival compared with the median follow-up of the same analysis."""

    median: float
    median_follow_up: float
    ratio: float
    beyond: bool
    explanation: str


def median_beyond_follow_up(median: float, median_follow_up: float) -> FollowUpCheck:
    """What a median survival longer than the median follow-up means for its precision.

    Median follow-up (usually by reverse Kaplan–Meier, Schemper & Smith, Control Clin Trials
    1996;17:343) is the time by which half of the patients had been followed. If the median
    survival exceeds it, at most about half of the patients can have been observed up to the
    median time; the estimate sits in the right tail of the Kaplan–Meier curve, where few
    patients remain at risk, each event drops the curve by a large step, the confidence limits
    are wide (the upper one is often not reached) and a later data cut can move it a lot.
    Times in the same unit.
    """
    med = _positive("median", median)
    fu = _positive("median_follow_up", median_follow_up)
    ratio = med / fu
    beyond = med > fu
    if beyond:
        text = (f"The median ({med:g}) is {ratio:.2f} times the median follow-up ({fu:g}): at most "
                "about half of the patients can have been followed that long, so the median is read "
                "from the sparse right tail of the Kaplan-Meier curve, where few patients are at risk "
                "and single events move it; it is imprecise and may change at a later data cut.")
    else:
        text = (f"The median ({med:g}) lies within the median follow-up ({fu:g}); more than half of "
                "the patients were followed at least that long, so it rests on the better-populated "
                "part of the curve (its precision still depends on the events around it).")
    return FollowUpCheck(median=med, median_follow_up=fu, ratio=ratio, beyond=beyond, explanation=text)

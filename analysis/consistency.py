"""Statistical consistency checks on published summaries.

Patient-level data are not public for the trials the commentary cites, so the report checks
the printed summaries the way a careful reviewer does: does a P value agree with its
confidence interval, is a ratio's estimate the geometric centre of its interval, can a
percentage be k/n with the stated n, can a Kaplan–Meier landmark be produced by n patients,
how many events does a hazard-ratio interval imply, and does a printed median agree with
printed landmark survival under simple survival models.

Every function is pure, validates its input (``ValueError`` with a one-line message naming the
argument and the problem) and returns a small frozen dataclass that says what was computed.

References
----------
- Altman DG, Bland JM. How to obtain the confidence interval from a P value.
  BMJ 2011;343:d2090. doi:10.1136/bmj.d2090
- Altman DG, Bland JM. How to obtain the P value from a confidence interval.
  BMJ 2011;343:d2304. doi:10.1136/bmj.d2304
- Brown NJL, Heathers JAJ. The GRIM test: a simple technique detects numerous anomalies in
  the reporting of results in psychology. Soc Psychol Personal Sci 2017;8:363-369.
  doi:10.1177/1948550616673876
- Nuijten MB et al. The prevalence of statistical reporting errors in psychology (statcheck).
  Behav Res Methods 2016;48:1205-1226 (rounding intervals of printed values).
- Kaplan EL, Meier P. Nonparametric estimation from incomplete observations.
  J Am Stat Assoc 1958;53:457-481.
- Schoenfeld D. The asymptotic properties of nonparametric tests for comparing survival
  distributions. Biometrika 1981;68:316-319 (variance of the log-rank statistic ~ D p (1-p)).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from numbers import Integral, Real
from typing import Callable, Iterable, Sequence

import numpy as np
from scipy import stats

from .rounding import PrintedNumber, parse_number

__all__ = [
    "PFromCI",
    "CIFromP",
    "CISymmetry",
    "GrimPercent",
    "KMAttainability",
    "ImpliedEvents",
    "ExponentialFit",
    "PiecewiseExponentialFit",
    "WeibullFit",
    "ModelMedianCheck",
    "MedianLandmarkCheck",
    "FollowUpCheck",
    "p_from_ci",
    "ci_from_p",
    "ratio_ci_symmetry",
    "grim_percent",
    "km_attainable",
    "implied_events_from_hr_ci",
    "fit_exponential_from_landmark",
    "fit_piecewise_exponential",
    "fit_weibull_from_landmarks",
    "median_consistent_with_landmarks",
    "median_beyond_follow_up",
]

LN2 = math.log(2.0)


# --------------------------------------------------------------------------- validation

def _finite(name: str, value: object) -> float:
    """``value`` as a finite float, or ``ValueError`` naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise ValueError(f"{name} must be a number, got {value!r}")
    out = float(value)
    if not math.isfinite(out):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return out


def _positive(name: str, value: object) -> float:
    out = _finite(name, value)
    if out <= 0:
        raise ValueError(f"{name} must be > 0, got {value!r}")
    return out


def _count(name: str, value: object, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    if int(value) < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value!r}")
    return int(value)


def _z_critical(level: object) -> float:
    """Two-sided normal critical value for a confidence level in (0, 1): 1.959964 for 0.95."""
    lvl = _finite("level", level)
    if not 0.0 < lvl < 1.0:
        raise ValueError(f"level must lie strictly between 0 and 1, got {level!r}")
    return float(stats.norm.isf((1.0 - lvl) / 2.0))


def _to_analysis_scale(name: str, value: float, ratio: bool) -> float:
    if ratio:
        if value <= 0:
            raise ValueError(f"{name} must be > 0 for a ratio (it is log-transformed), got {value!r}")
        return math.log(value)
    return value


def _printed_percent(name: str, text: object) -> PrintedNumber:
    """Parse a printed percentage kept as a string ("85%", "84.8%", "62.5")."""
    if not isinstance(text, str):
        raise ValueError(f"{name} must be the printed string (e.g. '85%'), got {text!r}; "
                         "floats lose trailing zeros")
    try:
        num = parse_number(text)
    except ValueError:
        raise ValueError(f"{name} {text!r} is not a printed percentage") from None
    if num.comparator:
        raise ValueError(f"{name} {text!r} is a bound, not a printed value")
    if num.unit not in ("", "%"):
        raise ValueError(f"{name} {text!r} has unit {num.unit!r}, expected a percentage")
    if not Decimal(0) <= num.value <= Decimal(100):
        raise ValueError(f"{name} {text!r} lies outside 0-100%")
    return num


# --------------------------------------------------------------------------- exact rounding

def _round_fraction(x: Fraction, decimals: int, half_even: bool) -> Fraction:
    """Round a non-negative exact fraction to ``decimals`` places, ties half-up or half-even."""
    scale = 10 ** decimals
    scaled = x * scale
    floor = scaled.numerator // scaled.denominator
    rem = scaled - floor
    if rem > Fraction(1, 2):
        floor += 1
    elif rem == Fraction(1, 2):
        if not half_even or floor % 2 == 1:
            floor += 1
    return Fraction(floor, scale)


def _rounds_to(x: Fraction, printed: Fraction, decimals: int) -> tuple[bool, bool]:
    """(half-up match, half-even match) for an exact value against a printed value."""
    return (_round_fraction(x, decimals, False) == printed,
            _round_fraction(x, decimals, True) == printed)


def _half_unit(decimals: int) -> Fraction:
    return Fraction(1, 2 * 10 ** decimals)


# --------------------------------------------------------------------------- P <-> CI

def _altman_bland_p(z: float) -> float:
    """Altman & Bland (BMJ 2011;343:d2304) approximation P = exp(-0.717 z - 0.416 z^2), z >= 0."""
    return math.exp(-0.717 * z - 0.416 * z * z)


def _altman_bland_z(p: float) -> float:
    """Altman & Bland (BMJ 2011;343:d2090) approximation z = -0.862 + sqrt(0.743 - 2.404 ln P)."""
    return -0.862 + math.sqrt(0.743 - 2.404 * math.log(p))


@dataclass(frozen=True)
class PFromCI:
    """P value recovered from an estimate and its confidence interval (normal/Wald test).

    ``theta``, ``theta_low``, ``theta_high`` are on the analysis scale (natural log for ratios);
    ``p`` uses the exact normal tail, ``p_altman_bland`` the paper's closed-form approximation.
    ``p_min``/``p_max`` (when ``decimals`` was given) span every estimate/interval that rounds
    to the printed values.
    """

    estimate: float
    low: float
    high: float
    ratio: bool
    level: float
    theta: float
    theta_low: float
    theta_high: float
    se: float
    z: float
    p: float
    p_altman_bland: float
    decimals: int | None = None
    p_min: float | None = None
    p_max: float | None = None
    method: str = ("SE = (u - l) / (2 z_crit) on the analysis scale (log for ratios); z = theta/SE; "
                   "P = 2 * (1 - Phi(|z|)); Altman & Bland, BMJ 2011;343:d2304")


def _wald_p(theta: float, lo: float, hi: float, zc: float) -> tuple[float, float, float]:
    se = (hi - lo) / (2.0 * zc)
    z = theta / se
    return se, z, float(2.0 * stats.norm.sf(abs(z)))


def p_from_ci(estimate: float, low: float, high: float, ratio: bool = True,
              level: float = 0.95, *, decimals: int | None = None) -> PFromCI:
    """Two-sided P value implied by an estimate and its (1 - alpha) confidence interval.

    Formula (Altman & Bland, "How to obtain the P value from a confidence interval",
    BMJ 2011;343:d2304): on the analysis scale (natural log for ratio measures such as HR, OR,
    RR), SE = (u - l) / (2 * z_crit), z = Est / SE, P = 2 * (1 - Phi(|z|)). The paper's
    approximation P = exp(-0.717 z - 0.416 z^2) is returned alongside as ``p_altman_bland``.

    ``decimals`` (optional): the printed number of decimals of estimate and limits. Then
    ``p_min``/``p_max`` bound the P value over every (estimate, low, high) that rounds to the
    printed numbers (z is monotone in each, so the corners of the rounding box suffice; if the
    estimate's rounding interval reaches the null value, ``p_max`` is 1).

    The method assumes a symmetric Wald interval on the analysis scale; it is approximate for
    small samples analysed with t tests or exact methods (the paper's caveat).
    """
    est = _finite("estimate", estimate)
    lo = _finite("low", low)
    hi = _finite("high", high)
    zc = _z_critical(level)
    if lo >= hi:
        raise ValueError(f"low must be < high, got low={low!r}, high={high!r}")
    theta = _to_analysis_scale("estimate", est, ratio)
    t_lo = _to_analysis_scale("low", lo, ratio)
    t_hi = _to_analysis_scale("high", hi, ratio)
    if not lo <= est <= hi:
        raise ValueError(f"estimate {estimate!r} lies outside its interval [{low!r}, {high!r}]")
    se, z, p = _wald_p(theta, t_lo, t_hi, zc)
    p_min = p_max = None
    if decimals is not None:
        d = _count("decimals", decimals, 0)
        h = 0.5 * 10.0 ** (-d)
        values = []
        for e, l_, u_ in itertools.product((est - h, est + h), (lo - h, lo + h), (hi - h, hi + h)):
            if ratio and min(e, l_, u_) <= 0:
                continue
            if l_ >= u_:
                continue
            te = math.log(e) if ratio else e
            values.append(_wald_p(te, *(math.log(v) if ratio else v for v in (l_, u_)), zc)[2])
        p_min = min(values)
        null = 1.0 if ratio else 0.0
        p_max = 1.0 if est - h <= null <= est + h else max(values)
    return PFromCI(estimate=est, low=lo, high=hi, ratio=bool(ratio), level=float(level),
                   theta=theta, theta_low=t_lo, theta_high=t_hi, se=se, z=z, p=p,
                   p_altman_bland=_altman_bland_p(abs(z)), decimals=decimals,
                   p_min=p_min, p_max=p_max)


@dataclass(frozen=True)
class CIFromP:
    """Confidence interval recovered from an estimate and its two-sided P value."""

    estimate: float
    p: float
    ratio: bool
    level: float
    z: float
    se: float
    low: float
    high: float
    z_method: str
    method: str = ("z from P; SE = |theta| / z on the analysis scale (log for ratios); "
                   "CI = theta -/+ z_crit SE, back-transformed; Altman & Bland, BMJ 2011;343:d2090")


def ci_from_p(estimate: float, p: float, ratio: bool = True, level: float = 0.95, *,
              z_method: str = "exact") -> CIFromP:
    """Confidence interval implied by an estimate and its two-sided P value.

    Formula (Altman & Bland, "How to obtain the confidence interval from a P value",
    BMJ 2011;343:d2090): z from P, SE = |Est| / z, CI = Est -/+ z_crit * SE on the analysis scale
    (natural log for ratios, then exponentiated). ``z_method="exact"`` takes z = Phi^-1(1 - P/2)
    (scipy); ``z_method="altman-bland"`` uses the paper's approximation
    z = -0.862 + sqrt(0.743 - 2.404 ln P), which reproduces the paper's worked examples digit
    for digit. An estimate at the null (0, or 1 for a ratio) carries no information on SE.
    """
    est = _finite("estimate", estimate)
    pv = _finite("p", p)
    if not 0.0 < pv < 1.0:
        raise ValueError(f"p must lie strictly between 0 and 1, got {p!r}")
    zc = _z_critical(level)
    theta = _to_analysis_scale("estimate", est, ratio)
    if theta == 0.0:
        raise ValueError(f"estimate {estimate!r} is at the null value; SE cannot be recovered from P")
    if z_method == "exact":
        z = float(stats.norm.isf(pv / 2.0))
    elif z_method == "altman-bland":
        z = _altman_bland_z(pv)
    else:
        raise ValueError(f"z_method must be 'exact' or 'altman-bland', got {z_method!r}")
    se = abs(theta) / z
    lo, hi = theta - zc * se, theta + zc * se
    if ratio:  # a P near 1 implies a huge SE: limits may under/overflow to 0 and inf
        lo, hi = float(np.exp(lo)), float(np.exp(hi)) if hi < 709.0 else math.inf
    return CIFromP(estimate=est, p=pv, ratio=bool(ratio), level=float(level), z=z, se=se,
                   low=lo, high=hi, z_method=z_method)


# --------------------------------------------------------------------------- CI symmetry

@dataclass(frozen=True)
class CISymmetry:
    """Log-scale symmetry of a ratio estimate within its confidence interval.

    ``lower_half_width`` = ln(est) - ln(low), ``upper_half_width`` = ln(high) - ln(est);
    ``relative_difference`` = (upper - lower) / mean of the two. ``consistent`` is True when
    some estimate inside the estimate's rounding interval equals the geometric midpoint
    sqrt(low * high) of some limits inside their rounding intervals.
    """

    estimate: float
    low: float
    high: float
    decimals: tuple[int, int, int]
    lower_half_width: float
    upper_half_width: float
    relative_difference: float
    geometric_midpoint: float
    midpoint_range: tuple[float, float]
    estimate_range: tuple[float, float]
    consistent: bool
    rule: str = "printed value v with d decimals stands for [v - 0.5*10^-d, v + 0.5*10^-d]"


def _value_and_decimals(name: str, value: object, decimals: int | None) -> tuple[float, int]:
    if isinstance(value, str):
        try:
            num = parse_number(value)
        except ValueError:
            raise ValueError(f"{name} {value!r} is not a printed number") from None
        if num.comparator:
            raise ValueError(f"{name} {value!r} is a bound, not a printed value")
        return float(num.value), num.decimals
    out = _finite(name, value)
    if decimals is None:
        raise ValueError(f"{name} is a float: give decimals (the printed digits) or pass the printed string")
    return out, _count("decimals", decimals, 0)


def ratio_ci_symmetry(estimate: float | str, low: float | str, high: float | str, *,
                      decimals: int | None = None) -> CISymmetry:
    """Is a printed ratio estimate the geometric midpoint of its printed interval?

    A Wald interval for a log-ratio is symmetric on the log scale, so the estimate should equal
    sqrt(low * high) up to the rounding of the printed digits. Values may be printed strings
    ("0.41") — their decimals are read from the text — or floats with ``decimals`` given.
    ``consistent`` compares the two rounding-induced ranges: the estimate's
    [est - h, est + h] and the midpoint's [sqrt((l-h)(u-h)), sqrt((l+h)(u+h))] (each limit with
    its own h = 0.5 * 10^-decimals); they must overlap. An estimate outside its interval is
    reported (negative half-width, not consistent) rather than raised, since it is a finding.
    """
    est, d_est = _value_and_decimals("estimate", estimate, decimals)
    lo, d_lo = _value_and_decimals("low", low, decimals)
    hi, d_hi = _value_and_decimals("high", high, decimals)
    for name, v in (("estimate", est), ("low", lo), ("high", hi)):
        if v <= 0:
            raise ValueError(f"{name} must be > 0 for a ratio, got {v!r}")
    if lo >= hi:
        raise ValueError(f"low must be < high, got low={low!r}, high={high!r}")
    lower = math.log(est) - math.log(lo)
    upper = math.log(hi) - math.log(est)
    mean = (lower + upper) / 2.0
    h_est, h_lo, h_hi = (0.5 * 10.0 ** -d for d in (d_est, d_lo, d_hi))
    mid_lo = math.sqrt(max(lo - h_lo, 0.0) * (hi - h_hi))
    mid_hi = math.sqrt((lo + h_lo) * (hi + h_hi))
    est_lo, est_hi = est - h_est, est + h_est
    eps = 1e-12
    consistent = est_lo <= mid_hi + eps and mid_lo <= est_hi + eps and lo <= est <= hi
    return CISymmetry(estimate=est, low=lo, high=hi, decimals=(d_est, d_lo, d_hi),
                      lower_half_width=lower, upper_half_width=upper,
                      relative_difference=(upper - lower) / mean if mean != 0 else math.inf,
                      geometric_midpoint=math.sqrt(lo * hi), midpoint_range=(mid_lo, mid_hi),
                      estimate_range=(est_lo, est_hi), consistent=bool(consistent))


# --------------------------------------------------------------------------- GRIM

@dataclass(frozen=True)
class GrimPercent:
    """Which k of n round to a printed percentage (GRIM for percentages).

    ``k_half_up`` / ``k_half_even`` list the k for which 100 k / n rounds to the printed value
    under each tie rule; ``k`` is their union and ``consistent`` says whether it is non-empty.
    ``nearest_k`` gives the k closest to the printed value (useful when inconsistent).
    """

    printed: str
    n: int
    value: Decimal
    decimals: int
    k: tuple[int, ...]
    k_half_up: tuple[int, ...]
    k_half_even: tuple[int, ...]
    consistent: bool
    nearest_k: tuple[int, ...]
    rule: str = ("100 k / n (exact) rounded to the printed decimals; ties rounded half-up and "
                 "half-to-even are both accepted; k lists the union")


def _grim_fraction(value: Decimal, decimals: int, n: int, per: int) -> tuple[list[int], list[int], list[int]]:
    """k in 0..n with round(per * k / n) == value: (union, half-up, half-even)."""
    printed = Fraction(value)
    h = _half_unit(decimals)
    lo_k = max(0, math.floor((printed - h) * n / per) - 1)
    hi_k = min(n, math.ceil((printed + h) * n / per) + 1)
    up, even = [], []
    for k in range(lo_k, hi_k + 1):
        a, b = _rounds_to(Fraction(per * k, n), printed, decimals)
        if a:
            up.append(k)
        if b:
            even.append(k)
    return sorted(set(up) | set(even)), up, even


def grim_percent(percent_text: str, n: int) -> GrimPercent:
    """GRIM test for a printed percentage: which k/n (k = 0..n) round to it?

    Reference: Brown NJL, Heathers JAJ, Soc Psychol Personal Sci 2017;8:363 (GRIM); applied to
    percentages as in the scrutiny R package (``grim(..., percent = TRUE)``). The value is kept
    as printed (a string) because trailing zeros carry the precision: "54.0%" with n = 150 is
    81/150 exactly, while "54.2%" is attainable by no k. 100 k / n is computed exactly
    (fractions) and rounded to the printed decimals with ties half-up and half-to-even; both
    conventions are accepted and reported separately.
    """
    num = _printed_percent("percent_text", percent_text)
    nn = _count("n", n, 1)
    union, up, even = _grim_fraction(num.value, num.decimals, nn, 100)
    target = Fraction(num.value)
    window = range(max(0, math.floor(target * nn / 100) - 1), min(nn, math.ceil(target * nn / 100) + 1) + 1)
    distance = {k: abs(Fraction(100 * k, nn) - target) for k in window}
    nearest = tuple(k for k in window if distance[k] == min(distance.values()))
    return GrimPercent(printed=percent_text, n=nn, value=num.value, decimals=num.decimals,
                       k=tuple(union), k_half_up=tuple(up), k_half_even=tuple(even),
                       consistent=bool(union), nearest_k=nearest)


# --------------------------------------------------------------------------- Kaplan-Meier

@dataclass(frozen=True)
class KMAttainability:
    """Whether a printed Kaplan–Meier landmark can be produced by n patients.

    (a) ``events_without_censoring``: the d for which (n - d) / n rounds to the printed value
        (the KM estimate when nobody is censored before t), filtered by ``at_risk`` when given.
    (b) With censoring before t the KM estimate is prod (1 - 1/m_j) over deaths j, with at-risk
        counts n >= m_1 > m_2 > ... (ties are the same product). ``feasible_events`` lists every
        number of deaths D for which some such sequence rounds to the printed value;
        ``min_events``/``max_events`` are its ends and ``example_at_risk`` is an at-risk
        sequence reaching the printed value with ``min_events`` deaths. ``undetermined_events``
        lists D whose search hit the node cap (normally empty).
    """

    printed: str
    n: int
    at_risk: int | None
    decimals: int
    events_without_censoring: tuple[int, ...]
    attainable_without_censoring: bool
    feasible_events: tuple[int, ...]
    undetermined_events: tuple[int, ...]
    attainable_with_censoring: bool
    min_events: int | None
    max_events: int | None
    example_at_risk: tuple[int, ...]
    note: str


class _SearchCap(Exception):
    pass


def _km_sequence(deaths: int, n: int, floor_m: int, accept: Callable[[Fraction], bool],
                 lo: float, hi: float, cap: int) -> tuple[int, ...] | None:
    """Depth-first search for at-risk counts n >= m_1 > ... > m_D >= floor_m with
    prod (m_j - 1) / m_j accepted. Returns the sequence, or None; raises _SearchCap.

    Branch and bound: after choosing m with k deaths left (including this one) the product
    can end anywhere in [p (m-1)/m * (floor_m - 1)/(floor_m + k - 2), p (m - k)/m] (telescoping
    products of consecutive at-risk counts), so m runs over a contiguous range.
    """
    eps = 1e-12
    nodes = 0
    seq: list[int] = []

    def rec(p: float, exact: Fraction, m_max: int, k: int) -> bool:
        nonlocal nodes
        if k == 0:
            return accept(exact)
        for m in range(m_max, floor_m + k - 2, -1):
            nodes += 1
            if nodes > cap:
                raise _SearchCap
            if p * (m - k) / m < lo - eps:
                break  # the largest reachable product only shrinks as m decreases
            p1 = p * (m - 1) / m
            smallest = p1 if k == 1 else p1 * (floor_m - 1) / (floor_m + k - 2)
            if smallest > hi + eps:
                continue
            seq.append(m)
            if rec(p1, exact * Fraction(m - 1, m), m - 1, k - 1):
                return True
            seq.pop()
        return False

    return tuple(seq) if rec(1.0, Fraction(1), n, deaths) else None


def km_attainable(percent_text: str, n: int, at_risk: int | None = None, *,
                  node_cap: int = 200_000) -> KMAttainability:
    """Is a printed Kaplan–Meier survival at time t attainable with n patients?

    What is computed (Kaplan & Meier 1958): S(t) = prod over death times t_j <= t of
    (1 - d_j / m_j), m_j the number at risk just before t_j.

    (a) No censoring before t: S(t) = (n - d) / n, so the printed value fixes d up to rounding
        (a GRIM test on n - d survivors): ``events_without_censoring``.
    (b) Censoring before t allowed: any strictly decreasing at-risk sequence
        n >= m_1 > ... > m_D can be produced by censoring patients between deaths, and ties
        give the same product, so S(t) ranges over products of D factors (m - 1)/m. This
        function finds, exactly, every D for which such a product rounds to the printed value
        (ties half-up or half-even). The most deaths come with no censoring (S <= (n - D)/n);
        the fewest come when most patients are censored early and deaths hit a small risk set.
        With ``at_risk`` (number still at risk at t) the final risk set after the last death
        must hold at least ``at_risk`` patients, so m_D >= at_risk + 1 and D <= n - at_risk.

    Implication: with unknown censoring a printed percentage fixes the number of events only to
    [min_events, max_events]; a value that is *not* attainable without censoring is not an
    error when follow-up is incomplete, it only shows that censoring occurred before t.
    """
    num = _printed_percent("percent_text", percent_text)
    nn = _count("n", n, 1)
    r = None if at_risk is None else _count("at_risk", at_risk, 0)
    if r is not None and r > nn:
        raise ValueError(f"at_risk must be <= n ({nn}), got {at_risk!r}")
    cap = _count("node_cap", node_cap, 1)
    d = num.decimals
    printed = Fraction(num.value) / 100
    h = _half_unit(d) / 100

    def accept(x: Fraction) -> bool:
        a, b = _rounds_to(x * 100, Fraction(num.value), d)
        return a or b

    survivors, _, _ = _grim_fraction(num.value, d, nn, 100)
    # without censoring everybody alive at t is still at risk at t, so at_risk = n - d
    no_cens = sorted(nn - k for k in survivors if r is None or k == r)

    lo_f, hi_f = float(printed - h), float(printed + h)
    floor_m = 1 if r is None else r + 1
    d_upper = nn - floor_m + 1          # D distinct at-risk counts in [floor_m, n]
    # S <= (n - D) / n, so D cannot exceed n (1 - lower edge)
    d_upper = min(d_upper, math.floor(nn * (1 - (printed - h))))
    feasible: list[int] = []
    undetermined: list[int] = []
    example: tuple[int, ...] = ()
    for deaths in range(0, d_upper + 1):
        if deaths == 0:
            if accept(Fraction(1)):
                feasible.append(0)
            continue
        try:
            seq = _km_sequence(deaths, nn, floor_m, accept, lo_f, hi_f, cap)
        except _SearchCap:
            undetermined.append(deaths)
            continue
        if seq is not None:
            if not feasible:
                example = seq
            feasible.append(deaths)
    lo_ev = feasible[0] if feasible else None
    hi_ev = feasible[-1] if feasible else None
    if feasible:
        note = (f"{percent_text} with n = {nn}: "
                + (f"without censoring before t it means {', '.join(map(str, no_cens))} event(s); "
                   if no_cens else "not attainable without censoring before t (so censoring occurred); ")
                + f"with censoring, {lo_ev} to {hi_ev} events can produce it, so the printed value "
                  "alone does not fix the number of events.")
    else:
        note = f"{percent_text} cannot be produced by any Kaplan-Meier estimate with n = {nn}" + (
            f" and {r} at risk at t" if r is not None else "") + "."
    return KMAttainability(printed=percent_text, n=nn, at_risk=r, decimals=d,
                           events_without_censoring=tuple(no_cens),
                           attainable_without_censoring=bool(no_cens),
                           feasible_events=tuple(feasible), undetermined_events=tuple(undetermined),
                           attainable_with_censoring=bool(feasible), min_events=lo_ev,
                           max_events=hi_ev, example_at_risk=example, note=note)


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
    implied range (a strict criterion: only rounding is allowed for, not model error). ``extrapolated``: the implied median lies beyond the last landmark, so the
    model's tail assumption, not the data, decides it.
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
            moved = [(t, min(1.0, max(1e-12, s + d))) for (t, s), d in zip(marks, shifts)]
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

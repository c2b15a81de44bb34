"""P values and confidence intervals of published ratios: P from a CI and back (Altman & Bland
2011), and whether an estimate is the geometric centre of its interval.

References
----------
- Altman DG, Bland JM. How to obtain the confidence interval from a P value.
  BMJ 2011;343:d2090. doi:10.1136/bmj.d2090
- Altman DG, Bland JM. How to obtain the P value from a confidence interval.
  BMJ 2011;343:d2304. doi:10.1136/bmj.d2304
- Nuijten MB et al. The prevalence of statistical reporting errors in psychology (statcheck).
  Behav Res Methods 2016;48:1205-1226 (rounding intervals of printed values).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

from analysis.stats._checked import (  # noqa: F401
    _count,
    _finite,
    _half_unit,
    _positive,
    _round_fraction,
    _rounds_to,
    _to_analysis_scale,
    _z_critical,
)
from analysis.stats.rounding import parse_number

LN2 = math.log(2.0)


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



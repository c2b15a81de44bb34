"""Argument checks and exact rounding shared by the consistency checks (one-line ValueErrors)."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction
from numbers import Integral, Real

from analysis.stats.rounding import PrintedNumber, parse_number

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
    from scipy import stats  # imported here: the rounding and attainability paths (plots, CLI) never need it

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



"""Printed numbers, kept as printed, and statcheck-style rounding comparisons.

A published "54%" is not the number 0.54: it is every value that rounds to 54 at zero
decimals, i.e. the interval [53.5%, 54.5%).  Following statcheck (Nuijten et al., Behav Res
Methods 2016;48:1205) and GRIM-style tools (Brown & Heathers 2017), a recomputed value
*agrees* with a printed one when it lies inside that rounding interval; the printed string and
its number of decimals are therefore kept, never converted to a float early.

Parsed forms (``parse_printed``):

========================  ==========================================
``"54%"``                 one percentage (decimals 0)
``"44%-64%"``             a range / interval of two percentages
``"0.42 (0.24-0.75)"``    an estimate with its interval
``"71.4 months"``         a number with a unit (decimals 1)
``"1,373"``               a count (thousands separators removed)
``"<0.01%"``              a bound (``comparator`` is ``"<"``)
``"30-70 years"``         a range with a unit
``"not reached"``         a non-numeric statement (no numbers)
========================  ==========================================

The interval convention is half-open, ``[v - h, v + h)`` with ``h = 0.5 * 10**-decimals``, which
is round-half-up; ``within_rounding(..., half_even=True)`` also accepts the upper edge, which a
round-half-to-even printer (Python, R's ``round``) may produce.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

__all__ = [
    "PrintedNumber",
    "Printed",
    "Comparison",
    "parse_number",
    "parse_printed",
    "rounding_interval",
    "within_rounding",
    "compare",
    "format_percent",
]

_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2212"  # hyphen, nb-hyphen, figure, en, em dash, minus
_NUMBER = r"(?:(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+)"
_UNIT = r"%|[A-Za-z][A-Za-z ]*?"
_WORDS = {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
          "seven": 7, "eight": 8, "nine": 9, "ten": 10}


@dataclass(frozen=True)
class PrintedNumber:
    """One number as printed: its text, exact decimal value, decimals and unit.

    ``value`` is the printed number on its printed scale (``Decimal("54")`` for "54%");
    ``fraction`` converts a percentage to a proportion (0.54) and leaves other units alone.
    """

    text: str
    value: Decimal
    decimals: int
    unit: str = ""
    comparator: str = ""

    @property
    def is_percent(self) -> bool:
        return self.unit == "%"

    @property
    def scale(self) -> Decimal:
        """Factor from the printed scale to the analysis scale (1/100 for percentages)."""
        return Decimal("0.01") if self.is_percent else Decimal(1)

    @property
    def fraction(self) -> float:
        """The printed value on the analysis scale (a proportion for percentages)."""
        return float(self.value * self.scale)


@dataclass(frozen=True)
class Printed:
    """A reported value as printed in the commentary, parsed into its numbers.

    ``kind`` is one of ``"number"``, ``"range"``, ``"estimate-ci"``, ``"bound"``, ``"text"``.
    """

    text: str
    kind: str
    numbers: tuple[PrintedNumber, ...]

    @property
    def estimate(self) -> PrintedNumber | None:
        return self.numbers[0] if self.kind in ("number", "estimate-ci", "bound") else None

    @property
    def interval(self) -> tuple[PrintedNumber, PrintedNumber] | None:
        if self.kind == "range":
            return self.numbers[0], self.numbers[1]
        if self.kind == "estimate-ci":
            return self.numbers[1], self.numbers[2]
        return None


def _clean(text: str) -> str:
    out = text.strip()
    for dash in _DASHES:
        out = out.replace(dash, "-")
    return re.sub(r"\s+", " ", out)


def parse_number(text: str, unit: str = "") -> PrintedNumber:
    """Parse one printed number ("54", "54%", "71.4 months", "1,373", "<0.01%", "four").

    Raises ``ValueError`` naming the text when it is not a single printed number.
    """
    raw = _clean(str(text))
    match = re.fullmatch(rf"(?P<cmp>[<>]=?|~|≈|≤|≥)?\s*(?P<num>{_NUMBER})\s*(?P<unit>{_UNIT})?", raw)
    if match is None:
        word = raw.lower()
        if word in _WORDS:
            return PrintedNumber(text=raw, value=Decimal(_WORDS[word]), decimals=0, unit=unit)
        raise ValueError(f"{text!r} is not a printed number")
    num = match.group("num").replace(",", "")
    value = Decimal(num)
    decimals = len(num.split(".")[1]) if "." in num else 0
    found_unit = (match.group("unit") or "").strip()
    return PrintedNumber(text=raw, value=value, decimals=decimals, unit=found_unit or unit,
                         comparator=match.group("cmp") or "")


def parse_printed(text: str) -> Printed:
    """Parse a reported value as printed; see the module docstring for the forms.

    A range's unit, when printed once ("30-70 years", "44-64%"), applies to both ends.
    Non-numeric statements ("not reached") come back as ``kind="text"`` with no numbers.
    """
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"{text!r} is not a printed value (expected a non-empty string)")
    raw = _clean(text)
    est_ci = re.fullmatch(rf"(?P<est>{_NUMBER}\s*%?)\s*\((?:95% CI[:,]?\s*)?"
                          rf"(?P<lo>{_NUMBER}\s*%?)\s*(?:-|to)\s*(?P<hi>{_NUMBER}\s*%?)\)", raw)
    if est_ci:
        parts = [parse_number(est_ci.group(g)) for g in ("est", "lo", "hi")]
        unit = next((p.unit for p in parts if p.unit), "")
        parts = [PrintedNumber(p.text, p.value, p.decimals, p.unit or unit) for p in parts]
        return Printed(raw, "estimate-ci", tuple(parts))
    rng = re.fullmatch(rf"(?P<lo>{_NUMBER})\s*(?P<u1>%?)\s*(?:-|to)\s*(?P<hi>{_NUMBER})\s*(?P<u2>{_UNIT})?", raw)
    if rng:
        unit = (rng.group("u2") or rng.group("u1") or "").strip()
        lo = parse_number(rng.group("lo") + (rng.group("u1") or ""), unit=unit)
        hi = parse_number(rng.group("hi"), unit=unit)
        hi = PrintedNumber(hi.text, hi.value, hi.decimals, unit)
        return Printed(raw, "range", (lo, hi))
    try:
        num = parse_number(raw)
    except ValueError as err:
        if re.search(r"\d", raw):
            raise ValueError(f"{text!r} mixes numbers and words in a form this parser does not know") from err
        return Printed(raw, "text", ())
    return Printed(raw, "bound" if num.comparator in ("<", ">", "<=", ">=", "≤", "≥") else "number", (num,))


def rounding_interval(printed: PrintedNumber | str) -> tuple[float, float]:
    """The values that round to the printed number, on the analysis scale: [low, high).

    "54%" -> (0.535, 0.545); "71.4 months" -> (71.35, 71.45); "224" -> (223.5, 224.5).
    """
    num = parse_number(printed) if isinstance(printed, str) else printed
    half = Decimal(5) * Decimal(10) ** (-(num.decimals + 1))
    return float((num.value - half) * num.scale), float((num.value + half) * num.scale)


def within_rounding(value: float, printed: PrintedNumber | str, half_even: bool = True) -> bool:
    """True when ``value`` (analysis scale) rounds to the printed number.

    The lower edge is always included; the upper edge is included when ``half_even`` (a
    round-half-to-even printer can print 0.545 as "54%"). A tiny tolerance (1e-12 relative)
    absorbs binary floating-point error at the edges.
    """
    if value is None or value != value:  # None or NaN
        return False
    low, high = rounding_interval(printed)
    eps = 1e-12 * max(1.0, abs(low), abs(high))
    if value < low - eps:
        return False
    return value <= high + eps if half_even else value < high - eps


def within_rounding_array(values, printed: PrintedNumber | str, half_even: bool = True):
    """:func:`within_rounding` for an array of values (the same rule and tolerance), as a bool array."""
    import numpy as np

    v = np.asarray(values, dtype=float)
    low, high = rounding_interval(printed)
    eps = 1e-12 * max(1.0, abs(low), abs(high))
    upper = (v <= high + eps) if half_even else (v < high - eps)
    return (v >= low - eps) & upper & ~np.isnan(v)


@dataclass(frozen=True)
class Comparison:
    """One statcheck-style row: printed string, parsed value and decimals, recomputed value,
    the rounding interval and whether the recomputed value lies inside it."""

    printed: str
    parsed: float
    decimals: int
    recomputed: float
    low: float
    high: float
    agrees: bool
    rule: str = "round-half-up interval [low, high), upper edge accepted (half-even)"


def compare(recomputed: float, printed: PrintedNumber | str) -> Comparison:
    """Compare a recomputed value with one printed number (see ``within_rounding``)."""
    num = parse_number(printed) if isinstance(printed, str) else printed
    low, high = rounding_interval(num)
    return Comparison(printed=num.text, parsed=num.fraction, decimals=num.decimals,
                      recomputed=float(recomputed), low=low, high=high,
                      agrees=within_rounding(recomputed, num))


def format_percent(value: float, decimals: int = 0) -> str:
    """Format a proportion as a percentage string with the given decimals ("54%", "53.9%")."""
    return f"{100 * float(value):.{decimals}f}%"

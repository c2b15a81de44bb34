"""Printed-number parsing and statcheck-style rounding (analysis.stats.rounding)."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from analysis.stats.rounding import (
    compare,
    format_percent,
    parse_number,
    parse_printed,
    rounding_interval,
    within_rounding,
)


@pytest.mark.parametrize("text, kind, values, decimals, unit", [
    ("54%", "number", ["54"], [0], "%"),
    ("44%-64%", "range", ["44", "64"], [0, 0], "%"),
    ("44–64%", "range", ["44", "64"], [0, 0], "%"),
    ("0.42 (0.24-0.75)", "estimate-ci", ["0.42", "0.24", "0.75"], [2, 2, 2], ""),
    ("0.42 (95% CI: 0.24–0.75)", "estimate-ci", ["0.42", "0.24", "0.75"], [2, 2, 2], ""),
    ("71.4 months", "number", ["71.4"], [1], "months"),
    ("84.8% (76.3-90.4)", "estimate-ci", ["84.8", "76.3", "90.4"], [1, 1, 1], "%"),
    ("82.4% (73.7%-88.4%)", "estimate-ci", ["82.4", "73.7", "88.4"], [1, 1, 1], "%"),
    ("1,373", "number", ["1373"], [0], ""),
    ("<0.01%", "bound", ["0.01"], [2], "%"),
    ("30-70 years", "range", ["30", "70"], [0, 0], "years"),
    ("84.80%", "number", ["84.80"], [2], "%"),
    ("four", "number", ["4"], [0], ""),
])
def test_parse_printed_forms(text, kind, values, decimals, unit):
    printed = parse_printed(text)
    assert printed.kind == kind
    assert [str(n.value) for n in printed.numbers] == values
    assert [n.decimals for n in printed.numbers] == decimals  # trailing zeros are kept: "84.80%" has 2
    assert all(n.unit == unit for n in printed.numbers)


def test_text_statement_has_no_numbers():
    assert parse_printed("not reached").kind == "text"
    assert parse_printed("not reached").numbers == ()


@pytest.mark.parametrize("bad", ["", "   ", "54% or so 12", None, 54])
def test_parse_printed_rejects_bad_input(bad):
    with pytest.raises(ValueError):
        parse_printed(bad)


def test_parse_number_rejects_words():
    with pytest.raises(ValueError, match="not a printed number"):
        parse_number("about half")


def test_rounding_interval_reference_values():
    # statcheck's rule: "54%" stands for [53.5%, 54.5%)
    assert rounding_interval("54%") == pytest.approx((0.535, 0.545))
    assert rounding_interval("71.4 months") == pytest.approx((71.35, 71.45))
    assert rounding_interval("0.42") == pytest.approx((0.415, 0.425))
    assert rounding_interval("1,373") == pytest.approx((1372.5, 1373.5))


def test_within_rounding_edges():
    assert within_rounding(0.535, "54%")            # lower edge included
    assert within_rounding(0.5449, "54%")
    assert within_rounding(0.545, "54%")            # upper edge: a half-even printer gives 54
    assert not within_rounding(0.545, "54%", half_even=False)
    assert not within_rounding(0.5349, "54%")
    assert not within_rounding(0.5451, "54%")
    assert not within_rounding(float("nan"), "54%")
    assert within_rounding(395 / 488, "81%")        # E1910: 80.9% prints as 81%
    assert not within_rounding(395 / 488, "80%")


def test_compare_row_is_statcheck_like():
    row = compare(0.5391, "54%")
    assert (row.printed, row.parsed, row.decimals, row.agrees) == ("54%", 0.54, 0, True)
    assert compare(0.55, "54%").agrees is False


def test_format_percent():
    assert format_percent(395 / 488, 1) == "80.9%"
    assert format_percent(0.54) == "54%"


@given(value=st.floats(min_value=0, max_value=1, allow_nan=False), decimals=st.integers(0, 3))
def test_a_correctly_rounded_percentage_always_agrees(value, decimals):
    printed = f"{Decimal(repr(value * 100)).quantize(Decimal(1).scaleb(-decimals))}%"
    assert within_rounding(value, printed), (value, printed)


@given(value=st.floats(min_value=0.001, max_value=0.999), decimals=st.integers(0, 2),
       shift=st.integers(min_value=1, max_value=5))
def test_a_value_off_by_a_whole_unit_never_agrees(value, decimals, shift):
    unit = 10 ** -decimals
    printed_value = round(value * 100, decimals)
    printed = f"{printed_value:.{decimals}f}%"
    off = (printed_value + shift * unit) / 100
    assert not within_rounding(off, printed)


@given(st.integers(min_value=0, max_value=10**6))
def test_counts_agree_only_with_themselves(n):
    assert within_rounding(n, f"{n:,}")
    assert not within_rounding(n + 1, f"{n:,}")

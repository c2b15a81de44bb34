"""analysis.stats.proportions.clopper_pearson against R's binom.test (tests/reference/clopper_pearson.json)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from analysis.stats.proportions import clopper_pearson, clopper_pearson_arrays

REF = json.loads((Path(__file__).resolve().parents[1] / "reference" / "clopper_pearson.json").read_text())


@pytest.mark.parametrize("case", REF["cases"], ids=lambda c: f"{c['events']}/{c['total']}@{c['level']}")
def test_agrees_with_r_binom_test(case):
    low, high = clopper_pearson(case["events"], case["total"], case["level"])
    assert low == pytest.approx(case["low"], abs=1e-12)
    assert high == pytest.approx(case["high"], abs=1e-12)


def test_reference_holds_the_brief_examples():
    by = {(c["events"], c["total"], c["level"]): (c["low"], c["high"]) for c in REF["cases"]}
    assert by[(1, 45, 0.95)] == pytest.approx((0.000562, 0.117704), abs=5e-7)
    assert by[(0, 10, 0.95)] == pytest.approx((0.0, 0.308497), abs=5e-7)
    assert by[(10, 10, 0.95)] == pytest.approx((0.691503, 1.0), abs=5e-7)


def test_bounds_are_exactly_0_and_1_at_the_edges():
    assert clopper_pearson(0, 10)[0] == 0.0
    assert clopper_pearson(10, 10)[1] == 1.0
    assert 0.0 < clopper_pearson(1, 10)[0] and clopper_pearson(9, 10)[1] < 1.0


def test_arrays_agree_with_the_scalar_function():
    x, n = np.array([0, 1, 25, 36]), np.array([10, 45, 36, 36])
    low, high = clopper_pearson_arrays(x, n, 0.9)
    for i in range(len(x)):
        assert (low[i], high[i]) == clopper_pearson(int(x[i]), int(n[i]), 0.9)


@pytest.mark.parametrize("events, total", [(-1, 10), (11, 10), (0, 0), (1.5, 10), (True, 10), ("1", 10)])
def test_rejects_what_is_not_a_proportion(events, total):
    with pytest.raises(ValueError):
        clopper_pearson(events, total)


@pytest.mark.parametrize("level", [0, 1, 1.5, -0.1, True])
def test_rejects_a_bad_level(level):
    with pytest.raises(ValueError, match="level"):
        clopper_pearson(1, 10, level)


def test_a_wrong_interval_fails(monkeypatch):
    """The reference test can fail: a Wald interval in place of the exact one is caught."""
    from statsmodels.stats.proportion import proportion_confint

    import analysis.stats.proportions as mod

    monkeypatch.setattr(mod, "proportion_confint",
                        lambda x, n, alpha, method: proportion_confint(x, n, alpha=alpha, method="normal"))
    case = REF["cases"][0]
    assert clopper_pearson(case["events"], case["total"])[1] != pytest.approx(case["high"], abs=1e-6)

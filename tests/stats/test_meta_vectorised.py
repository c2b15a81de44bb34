"""analysis.stats.meta_vectorised.pool_batch agrees with pool_proportions (1e-12) over the whole
reproduction search and on edge cases; rows it cannot handle go through the scalar path."""

from __future__ import annotations

import numpy as np
import pytest

import analysis.stats.meta_vectorised as mv
from analysis.stats.meta import CIS, TRANSFORMS, pool_proportions
from analysis.stats.meta_vectorised import RESULT_FIELDS, pool_batch
from analysis.stats.reproduction import load_candidates, search

IV_METHODS = ("EE", "DL", "PM", "REML", "ML")
TOL = 1e-12
EDGE = [([0, 0, 0], [10, 20, 30]), ([10, 20], [10, 20]), ([5, 5, 5], [10, 10, 10]), ([1, 2], [1000, 1000]),
        ([50, 1, 99], [100, 100, 100]), ([0, 1, 0, 1], [1, 1, 1, 1]), ([1, 1], [1, 1]), ([0, 1], [1, 1]),
        ([25, 81, 115, 16, 27], [36, 189, 271, 45, 70])]


def mismatches(batch, sets) -> list[str]:
    """Every number or flag list of ``batch`` that differs from pool_proportions on the same set.

    Numbers agree when |a - b| <= 1e-12 max(1, |a|); I² is compared as a fraction (its percent
    / 100): it divides a tau² near 0 by vt + tau², which turns a 1e-16 difference in the order of
    a sum into up to 3e-11 percentage points."""
    out = []
    for i, (e, t) in enumerate(sets):
        ref = pool_proportions(list(e), list(t), transform=batch.transform, method=batch.method, ci=batch.ci,
                               level=batch.level)
        for name in RESULT_FIELDS:
            a, b = getattr(ref, name), float(getattr(batch, name)[i])
            if name == "i2":
                a, b = a / 100.0, b / 100.0
            if not (abs(a - b) <= TOL * max(1.0, abs(a)) or (np.isnan(a) and np.isnan(b))):
                out.append(f"set {i}: {name} {a!r} vs {b!r}")
        if list(ref.flags) != list(batch.flags[i]):
            out.append(f"set {i}: flags {ref.flags} vs {batch.flags[i]}")
    return out


@pytest.fixture(scope="module")
def search_sets():
    studies, variants = load_candidates()
    sets = []
    for outcome in ("cr", "mrd"):
        table = search(studies, variants, outcome)
        sets += list(dict.fromkeys(zip(table["events"], table["totals"], strict=True)))
    return sets


@pytest.mark.parametrize("transform", TRANSFORMS)
@pytest.mark.parametrize("method", IV_METHODS)
@pytest.mark.parametrize("ci", CIS)
def test_whole_search_agrees_with_the_scalar_path(search_sets, transform, method, ci):
    batch = pool_batch(search_sets, transform, method, ci)
    assert len(batch) == len(search_sets) > 50   # 78 distinct sets of counts today
    assert mismatches(batch, search_sets) == []


def test_search_table_rows_are_the_batch_results(search_sets):
    """The numbers in the search table are the batch's (no reordering between plan and rows)."""
    studies, variants = load_candidates()
    table = search(studies, variants, "cr")
    for _, row in table[table["method"] != "GLMM"].sample(60, random_state=1).iterrows():
        ref = pool_proportions(list(row["events"]), list(row["totals"]), transform=row["transform"],
                               method=row["method"], ci=row["ci"])
        assert (row["estimate"], row["ci_low"], row["ci_high"], row["pi_low"], row["pi_high"]) == pytest.approx(
            (ref.estimate, ref.ci_low, ref.ci_high, ref.pi_low, ref.pi_high), abs=TOL)
        assert row["flags"] == "; ".join(ref.flags)


@pytest.mark.parametrize("transform", TRANSFORMS)
@pytest.mark.parametrize("method", IV_METHODS)
@pytest.mark.parametrize("ci", CIS)
def test_edge_cases_and_random_sets(transform, method, ci):
    rng = np.random.default_rng(2023)
    sets = list(EDGE)
    for _ in range(30):
        k = int(rng.integers(2, 20))
        n = rng.integers(1, 400, size=k)
        x = rng.binomial(n, rng.beta(0.7, 0.7, size=k))
        sets.append((x.tolist(), n.tolist()))
    if method == "EE" and ci == "wald":
        sets += [([3], [10]), ([0], [5])]
    assert mismatches(pool_batch(sets, transform, method, ci), sets) == []


def test_a_broken_batch_is_caught():
    """The comparison can fail: DL's tau² in place of REML's is reported."""
    sets = EDGE[-1:] + [([5, 30, 12], [40, 50, 60])]
    broken = pool_batch(sets, "logit", "DL", "hk")
    broken.method = "REML"
    assert mismatches(broken, sets)


def test_rows_that_do_not_converge_go_through_the_scalar_path(monkeypatch):
    monkeypatch.setattr(mv, "_MAXITER", 1)   # Fisher scoring and Brent give up at once
    sets = EDGE[-1:] + [([5, 30, 12], [40, 50, 60])]
    for method in ("REML", "PM"):
        batch = pool_batch(sets, "logit", method, "wald")
        assert batch.fallbacks >= 1
        assert mismatches(batch, sets) == []


def test_glmm_goes_through_the_scalar_path():
    sets = [([25, 81, 115, 16, 27], [36, 189, 271, 45, 70])]
    batch = pool_batch(sets, "logit", "GLMM", "wald")
    assert batch.fallbacks == 1 and mismatches(batch, sets) == []


@pytest.mark.parametrize("sets, message", [
    ([([1, 2], [10, 1])], "events \\(2\\) > total \\(1\\)"),
    ([([1], [10])], "needs at least 2 studies"),
    ([([1.5, 2], [10, 10])], "not an integer count"),
    ([], "no sets of counts"),
])
def test_bad_input_raises_the_scalar_error(sets, message):
    with pytest.raises(ValueError, match=message):
        pool_batch(sets, "logit", "REML", "wald")


def test_unknown_model_is_rejected():
    with pytest.raises(ValueError, match="unknown method"):
        pool_batch([([1, 2], [10, 10])], "logit", "XX", "wald")

"""Timing of analysis.stats.meta.pool_proportions (a script, not a test).

Run from the repository root:  .venv/bin/python benchmarks/bench_meta.py

For k = 18, 1,000 and 100,000 studies (fixed synthetic counts, seed 2023) and each method,
times ``pool_proportions(..., transform="logit")`` (best of several repeats) and, on the same
yi/vi in the same run, statsmodels' ``combine_effects`` (which computes fewer things: no exact
per-study CIs, no back-transform, no PI, no REML/ML).  Target: closed-form estimators (EE, DL)
under 2 ms at k = 18, cost linear in k.  The GLMM (exact gradient, vectorised profile grid,
Newton: about 20 batched deviance evaluations per fit) is run at k = 18 and 1,000 only; target
under 25 ms at k = 18 and well under 1 s at k = 1,000 (measured on a shared 2-core machine:
~3-4 ms and ~60-150 ms; before, with BFGS on numerical gradients from three starts, ~0.5 s and
~9 s).  At k = 100,000 a fit takes tens of seconds (each evaluation integrates 100,000 random
effects by 7-point quadrature at a batch of parameter points), too slow to repeat here.  The
ratio column compares the GLMM with statsmodels' DL, which is not the same model.

Second part, the reproduction search (``analysis.stats.reproduction.search``, both outcomes, every
tie combination) with the vectorised path (``analysis.stats.meta_vectorised.pool_batch``) against
the same search with each set of counts pooled one by one by ``pool_proportions`` (the path before
the vectorised one), median of 3 runs each: seconds, the ratio, and fits per second of
``pool_batch`` against ``pool_proportions`` on the search's own sets of counts (REML, HK).
Ratios, not seconds, are the result: the machine is shared.
"""

from __future__ import annotations

import sys
import timeit
from pathlib import Path

import numpy as np
from statsmodels.stats.meta_analysis import combine_effects

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import statistics  # noqa: E402
import time  # noqa: E402

import analysis.stats.meta_vectorised as mv  # noqa: E402
from analysis.stats.meta import METHODS, effect_sizes, pool_proportions  # noqa: E402
from analysis.stats.reproduction import load_candidates, search  # noqa: E402

SM_METHOD = {"EE": "chi2", "DL": "chi2", "PM": "iterated", "REML": "iterated",
             "ML": "iterated", "GLMM": "chi2"}
KS = (18, 1_000, 100_000)
GLMM_MAX_K = 1_000


def data(k: int):
    rng = np.random.default_rng(2023)
    ni = rng.integers(15, 400, size=k)
    p = 1 / (1 + np.exp(-rng.normal(0.0, 0.7, size=k)))
    xi = rng.binomial(ni, p)
    return xi.tolist(), ni.tolist()


def best_time(fn, budget: float = 1.0) -> float:
    t1 = timeit.timeit(fn, number=1)
    number = max(1, min(200, int(budget / max(t1, 1e-6) / 5)))
    return min(timeit.repeat(fn, number=number, repeat=5)) / number


def main() -> None:
    print(f"{'k':>8} {'method':>6} {'pool_proportions':>17} {'combine_effects':>16} {'ratio':>7}  us/study")
    for k in KS:
        xi, ni = data(k)
        yi, vi, _ = effect_sizes(np.asarray(xi, float), np.asarray(ni, float), "logit")
        for method in METHODS:
            if method == "GLMM" and k > GLMM_MAX_K:
                print(f"{k:>8} {method:>6} {'skipped (see docstring)':>17}")
                continue
            t_ours = best_time(lambda xi=xi, ni=ni, method=method: pool_proportions(xi, ni, method=method), 2.0)
            t_sm = best_time(lambda yi=yi, vi=vi, method=method: combine_effects(yi, vi, method_re=SM_METHOD[method]),
                             1.0)
            print(f"{k:>8} {method:>6} {1e3 * t_ours:>14.3f} ms {1e3 * t_sm:>13.3f} ms "
                  f"{t_ours / t_sm:>7.2f}  {1e6 * t_ours / k:8.3f}")


def _scalar_batch(sets, transform="logit", method="REML", ci="wald", level=0.95):
    """pool_batch's result built with one pool_proportions call per set (the old path)."""
    rows = [pool_proportions(list(e), list(t), transform=transform, method=method, ci=ci, level=level) for e, t in sets]
    fields = {name: np.array([getattr(r, name) for r in rows]) for name in mv.RESULT_FIELDS}
    return mv.PooledBatch(transform=transform, method=method, ci=ci, level=level,
                          k=np.array([r.k for r in rows]), flags=[list(r.flags) for r in rows], **fields)


def _median_time(fn, runs: int = 3) -> float:
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return statistics.median(out)


def search_benchmark() -> None:
    studies, variants = load_candidates()
    run = lambda: (search(studies, variants, "cr"), search(studies, variants, "mrd"))  # noqa: E731
    rows = sum(len(t) for t in run())
    t_vec = _median_time(run)
    original = mv.pool_batch
    mv.pool_batch = _scalar_batch
    try:
        t_old = _median_time(run)
    finally:
        mv.pool_batch = original
    table = search(studies, variants, "cr")
    sets = list(dict.fromkeys(zip(table["events"], table["totals"], strict=True))) * 20
    t_b = _median_time(lambda: mv.pool_batch(sets, "logit", "REML", "hk"))
    t_s = _median_time(lambda: _scalar_batch(sets, "logit", "REML", "hk"))
    print(f"\nreproduction search, both outcomes ({rows} rows, every tie combination), median of 3:")
    print(f"  one pool_proportions per set: {t_old:6.2f} s")
    print(f"  vectorised (pool_batch):      {t_vec:6.2f} s   ratio before/after {t_old / t_vec:5.1f}x")
    print(f"  fits/s on {len(sets)} sets (REML, HK): pool_batch {len(sets) / t_b:9.0f}, "
          f"pool_proportions {len(sets) / t_s:7.0f}, ratio {t_s / t_b:5.1f}x")


if __name__ == "__main__":
    if "--search-only" not in sys.argv:
        main()
    search_benchmark()

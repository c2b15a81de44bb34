"""The exact (Clopper-Pearson) confidence interval of a single proportion: one implementation.

Every exact interval in the report (per-study intervals of the forest plots, the crude pooled
rate of treatment-related deaths, the no-censoring interval behind a Kaplan-Meier estimate, the
tie-breaking of counts rebuilt from a printed percentage and its CI) is this function.

Clopper CJ, Pearson ES. The use of confidence or fiducial limits illustrated in the case of the
binomial. *Biometrika* 1934;26(4):404-413. The bounds are beta quantiles,
``Beta(a/2; x, n-x+1)`` and ``Beta(1-a/2; x+1, n-x)``, with 0 when x = 0 and 1 when x = n; this
is R's ``binom.test(x, n)$conf.int`` (tests/reference/clopper_pearson.json) and statsmodels'
``proportion_confint(method="beta")``, which computes it here.
"""

from __future__ import annotations

import numbers

import numpy as np
from statsmodels.stats.proportion import proportion_confint

__all__ = ["clopper_pearson", "clopper_pearson_arrays"]


def _check_level(level) -> float:
    if isinstance(level, bool) or not isinstance(level, numbers.Real) or not 0 < float(level) < 1:
        raise ValueError(f"level must be a number strictly between 0 and 1 (e.g. 0.95), got {level!r}")
    return float(level)


def clopper_pearson(events: int, total: int, level: float = 0.95) -> tuple[float, float]:
    """Exact (Clopper-Pearson) ``level`` interval of ``events/total`` as (low, high) on 0-1.

    1/45 -> (0.000562, 0.117704); 0/10 -> (0, 0.308497); 10/10 -> (0.691503, 1), as R's
    ``binom.test``. Raises ValueError for a count that is not a whole number, a total below 1
    or events outside [0, total].
    """
    for name, value in (("events", events), ("total", total)):
        whole = isinstance(value, numbers.Real) and float(value).is_integer()
        if isinstance(value, (bool, np.bool_)) or not whole:
            raise ValueError(f"{name} must be a whole number, got {value!r}")
    events, total = int(events), int(total)
    if total < 1 or not 0 <= events <= total:
        raise ValueError(f"{events}/{total} is not a proportion (need 0 <= events <= total, total >= 1)")
    low, high = clopper_pearson_arrays(np.array([events]), np.array([total]), level)
    return float(low[0]), float(high[0])


def clopper_pearson_arrays(events, totals, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """:func:`clopper_pearson` for arrays of counts (one interval per element), as float arrays.

    The bounds at x = 0 and x = n are set to exactly 0 and 1 (statsmodels already does; this
    keeps it so whatever the version). The caller checks the counts (``pool_proportions`` does).
    """
    level = _check_level(level)
    x = np.asarray(events, dtype=float)
    n = np.asarray(totals, dtype=float)
    low, high = proportion_confint(x, n, alpha=1.0 - level, method="beta")
    low = np.where(x == 0, 0.0, np.asarray(low, dtype=float))
    high = np.where(x == n, 1.0, np.asarray(high, dtype=float))
    return low, high

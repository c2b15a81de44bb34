"""Many meta-analyses of single proportions at once: the array path of :func:`pool_proportions`.

The reproduction search (``analysis.stats.reproduction``) and the best-subset search pool
thousands of sets of (events, totals) under one model each; :func:`pool_proportions` builds a
per-study table and a result object per fit (about 2 ms each), most of which the search does
not use. :func:`pool_batch` computes the same numbers for B sets in one pass of numpy array
operations on a (B, K) array padded with a mask (K = the largest k): the same effect sizes and
back-transforms (``analysis.stats.meta``), the same estimators with metafor 3.8-1's algorithms
(DL closed form; Paule-Mandel by the same Brent root-finder as R's ``uniroot``, here run on all
rows at once; ML/REML by the same Fisher scoring, step-halving, stopping rule and ``ll0check``),
the same Hartung-Knapp scaling and the same prediction interval (metafor ``predict.rma``: the
CI's critical value, ``sqrt(se² + tau²)``). It agrees with :func:`pool_proportions` to 1e-12 on
every number of the search and gives the same ``flags`` text (``tests/stats/test_meta_vectorised.py``
runs the whole search both ways).

Rows the array path does not handle are handed to :func:`pool_proportions` one by one, so that
the result, its flags and its errors are exactly the scalar path's: the GLMM (an optimisation per
fit), a Paule-Mandel root beyond metafor's ``tau2.max``, Fisher scoring that does not converge in
100 iterations, a root search that hits its iteration limit, and any non-finite result.
``fallbacks`` in the result counts them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import stats

from analysis.stats.meta import CIS, METHODS, TRANSFORMS, back_transform, effect_sizes, pool_proportions
from analysis.stats.tau2 import _DBL_EPS, _MAXITER, _TAU2_MAX, _THRESHOLD, _UNIROOT_TOL

__all__ = ["PooledBatch", "pool_batch", "pad_counts", "RESULT_FIELDS"]

#: The per-fit numbers a :class:`PooledBatch` holds (all 1-D float arrays of length B).
RESULT_FIELDS = ("estimate", "ci_low", "ci_high", "pi_low", "pi_high", "mu", "se", "tau2", "i2", "h2",
                 "q", "q_pvalue")


@dataclass
class PooledBatch:
    """B pooled proportions under one (transform, method, ci, level): arrays of length B.

    Proportions on 0-1, ``mu`` and ``se`` on the transformed scale, as :class:`PooledProportion`;
    ``k`` the number of studies of each set, ``flags`` one list of strings per set (the same text
    :func:`pool_proportions` gives), ``fallbacks`` how many sets went through the scalar path.
    """

    transform: str
    method: str
    ci: str
    level: float
    k: np.ndarray
    estimate: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    pi_low: np.ndarray
    pi_high: np.ndarray
    mu: np.ndarray
    se: np.ndarray
    tau2: np.ndarray
    i2: np.ndarray
    h2: np.ndarray
    q: np.ndarray
    q_pvalue: np.ndarray
    flags: list = field(default_factory=list)
    fallbacks: int = 0

    def __len__(self) -> int:
        return int(self.k.size)


def pad_counts(sets: Sequence[tuple[Sequence[int], Sequence[int]]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(events, totals, mask) as (B, K) float/float/bool arrays from B (events, totals) pairs of
    any lengths; padded cells hold 1/2 (never used: every sum is masked)."""
    b = len(sets)
    kmax = max((len(e) for e, _ in sets), default=0)
    x = np.ones((b, kmax))
    n = np.full((b, kmax), 2.0)
    mask = np.zeros((b, kmax), dtype=bool)
    for i, (e, t) in enumerate(sets):
        if len(e) != len(t):
            raise ValueError(f"set {i + 1}: {len(e)} event counts but {len(t)} totals")
        x[i, :len(e)] = e
        n[i, :len(t)] = t
        mask[i, :len(e)] = True
    return x, n, mask


# --------------------------------------------------------------------------------------------
# masked row sums and the estimators
# --------------------------------------------------------------------------------------------
def _wm(yi, vi, mask, tau2):
    """w, sum w, weighted mean for each row (tau2 of shape (B,))."""
    w = np.where(mask, 1.0 / (vi + tau2[:, None]), 0.0)
    sw = w.sum(axis=1)
    return w, sw, (w * yi).sum(axis=1) / sw


def _qgen(tau2, yi, vi, mask):
    w, _, ybar = _wm(yi, vi, mask, tau2)
    return (w * (yi - ybar[:, None]) ** 2).sum(axis=1)


def _tau2_dl(yi, vi, mask, k):
    w, sw, _ = _wm(yi, vi, mask, np.zeros(k.size))
    trp = sw - (w ** 2).sum(axis=1) / sw
    return np.maximum(0.0, (_qgen(np.zeros(k.size), yi, vi, mask) - (k - 1)) / trp)


def _tau2_pm(yi, vi, mask, k, bad):
    """Paule-Mandel for every row: R_zeroin2 (as ``analysis.stats.tau2._r_zeroin``) on arrays.
    Rows needing a wider bound or not converging are marked in ``bad`` (scalar path)."""
    target = k - 1.0
    f = lambda t: _qgen(t, yi, vi, mask) - target  # noqa: E731
    zero = np.zeros(k.size)
    f0 = f(zero)
    out = np.zeros(k.size)
    ymask = np.where(mask, yi, np.nan)
    med = np.nanmedian(ymask, axis=1)
    mad = 1.4826 * np.nanmedian(np.abs(ymask - med[:, None]), axis=1)
    upper = np.maximum(_TAU2_MAX, 10.0 * mad ** 2)
    fu = f(upper)
    todo = (f0 >= 0) & ~bad
    bad |= todo & (fu > 0)
    todo &= ~(fu > 0)
    a, b, fa, fb = zero.copy(), upper.copy(), f0.copy(), fu.copy()
    c, fc = a.copy(), fa.copy()
    done = ~todo
    out = np.where(todo & (fa == 0.0), a, out)
    done |= todo & (fa == 0.0)
    out = np.where(~done & (fb == 0.0), b, out)
    done |= fb == 0.0
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for _ in range(_MAXITER + 1):
            act = ~done
            if not act.any():
                break
            prev = b - a
            swap = act & (np.abs(fc) < np.abs(fb))
            a, b, c = np.where(swap, b, a), np.where(swap, c, b), np.where(swap, b, c)
            fa, fb, fc = np.where(swap, fb, fa), np.where(swap, fc, fb), np.where(swap, fb, fc)
            tol_act = 2.0 * _DBL_EPS * np.abs(b) + _UNIROOT_TOL / 2.0
            new = (c - b) / 2.0
            fin = act & ((np.abs(new) <= tol_act) | (fb == 0.0))
            out = np.where(fin, b, out)
            done |= fin
            act &= ~fin
            interp = act & (np.abs(prev) >= tol_act) & (np.abs(fa) > np.abs(fb))
            cb = c - b
            sec = a == c
            t1s = fb / fa
            p_sec, q_sec = cb * t1s, 1.0 - t1s
            qq, t1, t2 = fa / fc, fb / fc, fb / fa
            p_inv = t2 * (cb * qq * (qq - t1) - (b - a) * (t1 - 1.0))
            q_inv = (qq - 1.0) * (t1 - 1.0) * (t2 - 1.0)
            p = np.where(sec, p_sec, p_inv)
            q = np.where(sec, q_sec, q_inv)
            q = np.where(p > 0, -q, q)
            p = np.where(p > 0, p, -p)
            take = interp & (p < (0.75 * cb * q - np.abs(tol_act * q) / 2.0)) & (p < np.abs(prev * q / 2.0))
            new = np.where(take, p / q, new)
            small = np.abs(new) < tol_act
            new = np.where(small, np.where(new > 0, tol_act, -tol_act), new)
            a, fa = np.where(act, b, a), np.where(act, fb, fa)
            b = np.where(act, b + new, b)
            fb = np.where(act, f(b), fb)
            same = act & (((fb > 0) & (fc > 0)) | ((fb < 0) & (fc < 0)))
            c, fc = np.where(same, a, c), np.where(same, fa, fc)
    bad |= ~done
    return np.maximum(0.0, out)


def _loglik(yi, vi, mask, k, tau2, reml):
    w, sw, ybar = _wm(yi, vi, mask, tau2)
    rss = (w * (yi - ybar[:, None]) ** 2).sum(axis=1)
    logv = np.where(mask, np.log(vi + tau2[:, None]), 0.0).sum(axis=1)
    if reml:
        return -0.5 * (k - 1) * math.log(2 * math.pi) - 0.5 * logv - 0.5 * np.log(sw) - 0.5 * rss
    return -0.5 * k * math.log(2 * math.pi) - 0.5 * logv - 0.5 * rss


def _score_step(yi, vi, mask, tau2, reml):
    w, sw, ybar = _wm(yi, vi, mask, tau2)
    w2 = w * w
    sw2 = w2.sum(axis=1)
    yppy = (w2 * (yi - ybar[:, None]) ** 2).sum(axis=1)
    if reml:
        trp = sw - sw2 / sw
        trpp = sw2 - 2.0 * (w2 * w).sum(axis=1) / sw + (sw2 / sw) ** 2
        return (yppy - trp) / trpp
    return (yppy - sw) / sw2


def _tau2_ml_reml(yi, vi, mask, k, reml, bad, flags):
    """metafor's Fisher scoring on every row (see ``analysis.stats.tau2._tau2_ml_reml``)."""
    mean = np.where(mask, yi, 0.0).sum(axis=1) / k
    he = (np.where(mask, (yi - mean[:, None]) ** 2, 0.0).sum(axis=1) - np.where(mask, vi, 0.0).sum(axis=1)
          * (k - 1) / k) / (k - 1)
    tau2 = np.maximum(0.0, he)
    idx = np.flatnonzero(~bad)          # rows still iterating (only these are computed)
    it = 0
    while idx.size:
        it += 1
        t = tau2[idx]
        adj = _score_step(yi[idx], vi[idx], mask[idx], t, reml)
        adj = np.where(np.isnan(adj), 0.0, adj)
        neg = t + adj < 0.0
        while neg.any():
            adj = np.where(neg, adj / 2.0, adj)
            neg = t + adj < 0.0
        new = t + adj
        tau2[idx] = new
        if it > _MAXITER:   # the scalar loop gives up after iteration 101 whatever the change
            bad[idx] = True
            break
        idx = idx[np.abs(t - new) > _THRESHOLD]
    ll0 = _loglik(yi, vi, mask, k, np.zeros(k.size), reml)
    ll = _loglik(yi, vi, mask, k, tau2, reml)
    reset = ~bad & (ll0 - ll > _UNIROOT_TOL) & (tau2 > _THRESHOLD)
    name = "REML" if reml else "ML"
    for i in np.flatnonzero(reset):
        flags[i].append(f"{name} Fisher scoring ended at a point with lower likelihood than tau2 = 0; "
                        "tau2 set to 0 (as metafor)")
    return np.maximum(0.0, np.where(reset, 0.0, tau2))


# --------------------------------------------------------------------------------------------
# effect sizes and back-transforms on (B, K) arrays (the formulas of analysis.stats.meta)
# --------------------------------------------------------------------------------------------
def _effect_sizes(x, n, mask, transform):
    yi, vi, corrected = effect_sizes(x, n, transform)
    return yi, vi, corrected & mask


_NAMES = ("estimate", "ci_low", "ci_high", "pi_low", "pi_high")


# --------------------------------------------------------------------------------------------
# entry point
# --------------------------------------------------------------------------------------------
def pool_batch(sets: Sequence[tuple[Sequence[int], Sequence[int]]], transform: str = "logit",
               method: str = "REML", ci: str = "wald", level: float = 0.95) -> PooledBatch:
    """Pool each (events, totals) of ``sets`` under one model, as :func:`pool_proportions` does.

    ``sets`` is a sequence of B pairs of count sequences (lengths may differ). Every set is
    checked as :func:`pool_proportions` checks it (whole non-negative counts, events <= total,
    total > 0, k >= 2 where the model needs it): the first bad set raises the scalar path's
    ValueError. Labels are the default ones ("Study 1", ...), as the search uses.
    """
    if transform not in TRANSFORMS or method not in METHODS or ci not in CIS:
        pool_proportions([1, 1], [2, 2], transform=transform, method=method, ci=ci, level=level)  # raises
    if not sets:
        raise ValueError("no sets of counts given")
    x, n, mask = pad_counts(sets)
    k = mask.sum(axis=1).astype(float)
    mx, mn = np.where(mask, x, 0.0), np.where(mask, n, 1.0)
    invalid = ((k == 0) | ((mx < 0) | (mx != np.floor(mx)) | (mn <= 0) | (mn != np.floor(mn)) | (mx > mn)
                           | ~np.isfinite(mx) | ~np.isfinite(mn)).any(axis=1)
               | ((k < 2) & ((method != "EE") | (ci == "hk"))))
    if invalid.any() or method == "GLMM":
        bad_rows = np.flatnonzero(invalid) if not method == "GLMM" else np.arange(len(sets))
        if invalid.any():   # the scalar path names the problem
            e, t = sets[int(np.flatnonzero(invalid)[0])]
            pool_proportions(list(e), list(t), transform=transform, method=method, ci=ci, level=level)
        return _scalar_rows(sets, bad_rows, transform, method, ci, level)
    level = float(level)
    b = k.size
    flags: list[list[str]] = [[] for _ in range(b)]
    yi, vi, corrected = _effect_sizes(x, n, mask, transform)
    for i in np.flatnonzero(corrected.any(axis=1)):
        flags[i].append("continuity correction 1/2 added (zero cell) to: "
                        + ", ".join(f"Study {j + 1}" for j in np.flatnonzero(corrected[i])))
    zero = np.zeros(b)
    w_fe, sw_fe, ybar_fe = _wm(yi, vi, mask, zero)
    many = k > 1
    q = np.where(many, np.maximum(0.0, (w_fe * (yi - ybar_fe[:, None]) ** 2).sum(axis=1)), 0.0)
    q_p = np.where(many, stats.chi2.sf(q, np.maximum(k - 1, 1)), 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        vt = np.where(many, (k - 1) / (sw_fe - (w_fe ** 2).sum(axis=1) / sw_fe), 0.0)
    bad = np.zeros(b, dtype=bool)
    if method == "EE":
        tau2 = zero
    elif method == "DL":
        tau2 = _tau2_dl(yi, vi, mask, k)
    elif method == "PM":
        tau2 = _tau2_pm(yi, vi, mask, k, bad)
    else:
        tau2 = _tau2_ml_reml(yi, vi, mask, k, method == "REML", bad, flags)
    w, sw, mu = _wm(yi, vi, mask, tau2)
    vb = 1.0 / sw
    alpha = 1.0 - level
    if ci == "hk":
        rss = (w * (yi - mu[:, None]) ** 2).sum(axis=1)
        s2w = np.where(rss <= _DBL_EPS, 0.0, rss / np.maximum(k - 1, 1))
        for i in range(b):
            if s2w[i] == 0.0:
                flags[i].append("Hartung-Knapp: weighted residual sum of squares is 0, so the CI has zero width "
                                "(as metafor)")
            if method == "EE":
                flags[i].append("Hartung-Knapp adjustment applied to a common-effect model (metafor warns it is "
                                "not meant for EE)")
        vb = vb * s2w
        crit = stats.t.ppf(1 - alpha / 2, k - 1)
    else:
        crit = np.full(b, float(stats.norm.ppf(1 - alpha / 2)))
    se = np.sqrt(vb)
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == "EE":
            i2 = np.where(many, np.where(q <= 0, 0.0, np.maximum(0.0, 100.0 * (q - (k - 1)) / q)), 0.0)
            h2 = np.where(many, q / np.maximum(k - 1, 1), 1.0)
        else:
            i2 = np.where(many, 100.0 * tau2 / (vt + tau2), 0.0)
            h2 = np.where(many, tau2 / vt + 1.0, 1.0)
    if method != "EE":
        for i in range(b):
            if tau2[i] == 0.0:
                flags[i].append("tau2 estimate is at its boundary 0")
            elif method in ("ML", "REML") and tau2[i] < _THRESHOLD:
                flags[i].append(f"tau2 = {tau2[i]:.3g} is within metafor's Fisher-scoring threshold (1e-5) of the "
                                "boundary 0")
    pi_se = np.sqrt(se * se + tau2)
    pts = np.column_stack([mu, mu - crit * se, mu + crit * se, mu - crit * pi_se, mu + crit * pi_se])
    nhm = k / np.where(mask, 1.0 / n, 0.0).sum(axis=1)
    back, clipped = back_transform(pts, transform, harmonic_n=nhm, strict=False)
    nonfinite = ~np.isfinite(back).all(axis=1) | ~np.isfinite(se) | ~np.isfinite(tau2)
    bad |= nonfinite
    for i in range(b):
        for j, nm in enumerate(_NAMES):
            if clipped[i, j]:
                flags[i].append(f"{nm} back-transform clipped to {back[i, j]:g} (metafor's {transform} back-transform)")
            if transform == "raw" and not (0.0 <= back[i, j] <= 1.0):
                flags[i].append(f"{nm} = {back[i, j]:.6g} lies outside [0, 1] on the raw scale (reported, not clipped)")
    out = PooledBatch(transform=transform, method=method, ci=ci, level=level, k=k.astype(int),
                      estimate=back[:, 0].copy(), ci_low=back[:, 1].copy(), ci_high=back[:, 2].copy(),
                      pi_low=back[:, 3].copy(), pi_high=back[:, 4].copy(), mu=mu, se=se, tau2=tau2,
                      i2=i2, h2=h2, q=q, q_pvalue=q_p, flags=flags)
    if bad.any():
        _fill_scalar(out, sets, np.flatnonzero(bad))
    return out


def _fill_scalar(out: PooledBatch, sets, rows) -> None:
    """Replace ``rows`` of ``out`` by :func:`pool_proportions` results (errors propagate)."""
    for i in rows:
        e, t = sets[int(i)]
        res = pool_proportions(list(e), list(t), transform=out.transform, method=out.method, ci=out.ci,
                               level=out.level)
        for name in RESULT_FIELDS:
            getattr(out, name)[i] = getattr(res, name)
        out.flags[i] = list(res.flags)
    out.fallbacks += len(rows)


def _scalar_rows(sets, rows, transform, method, ci, level) -> PooledBatch:
    b = len(sets)
    nan = lambda: np.full(b, np.nan)  # noqa: E731
    out = PooledBatch(transform=transform, method=method, ci=ci, level=float(level),
                      k=np.array([len(e) for e, _ in sets], dtype=int),
                      **{name: nan() for name in RESULT_FIELDS}, flags=[[] for _ in range(b)])
    _fill_scalar(out, sets, rows)
    return out

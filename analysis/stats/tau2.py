"""Heterogeneity estimators for the random-effects model, as R metafor 3.8-1's ``rma.uni`` computes
them: DerSimonian-Laird (1986), Paule-Mandel (1982; Veroniki et al. 2016), ML and REML by Fisher
scoring (Viechtbauer 2005), with metafor's control defaults and its uniroot."""

from __future__ import annotations

import math

import numpy as np
from scipy import optimize

# metafor 3.8-1 ``rma.uni`` control defaults (see ``rma.uni`` source: ``con <- list(...)``).
_THRESHOLD = 1e-5                       # Fisher scoring stops when |change in tau2| <= this
_UNIROOT_TOL = np.finfo(float).eps ** 0.25   # R's .Machine$double.eps^0.25
_MAXITER = 100
_TAU2_MAX = 100.0
_DBL_EPS = np.finfo(float).eps


# --------------------------------------------------------------------------------------------
# tau² estimators (metafor rma.uni, intercept-only model)
# --------------------------------------------------------------------------------------------
def _wmoments(yi, vi, tau2):
    w = 1.0 / (vi + tau2)
    sw = w.sum()
    ybar = (w * yi).sum() / sw
    return w, sw, ybar


def _q_gen(tau2: float, yi, vi) -> float:
    """Generalised Q: sum w (y - ybar_w)², w = 1/(vi + tau2) (metafor ``.QE.func``)."""
    w, sw, ybar = _wmoments(yi, vi, tau2)
    return float((w * (yi - ybar) ** 2).sum())


def _tau2_dl(yi, vi) -> float:
    """DerSimonian-Laird: (Q - (k-1)) / (sum w - sum w²/sum w), truncated at 0."""
    k = yi.size
    w, sw, _ = _wmoments(yi, vi, 0.0)
    trp = sw - (w ** 2).sum() / sw
    return max(0.0, (_q_gen(0.0, yi, vi) - (k - 1)) / trp)


def _r_zeroin(f, ax: float, bx: float, fa: float, fb: float, tol: float, maxit: int):
    """R's ``uniroot`` (R_zeroin2, Brent 1973), transcribed so that Paule-Mandel tau² is the
    same number metafor returns with its default ``tol = .Machine$double.eps^0.25``."""
    a, b = ax, bx
    c, fc = a, fa
    if fa == 0.0:
        return a, True
    if fb == 0.0:
        return b, True
    it = maxit + 1
    while it > 0:
        it -= 1
        prev_step = b - a
        if abs(fc) < abs(fb):
            a, b, c = b, c, b
            fa, fb, fc = fb, fc, fb
        tol_act = 2.0 * _DBL_EPS * abs(b) + tol / 2.0
        new_step = (c - b) / 2.0
        if abs(new_step) <= tol_act or fb == 0.0:
            return b, True
        if abs(prev_step) >= tol_act and abs(fa) > abs(fb):
            cb = c - b
            if a == c:
                t1 = fb / fa
                p = cb * t1
                q = 1.0 - t1
            else:
                q = fa / fc
                t1 = fb / fc
                t2 = fb / fa
                p = t2 * (cb * q * (q - t1) - (b - a) * (t1 - 1.0))
                q = (q - 1.0) * (t1 - 1.0) * (t2 - 1.0)
            if p > 0:
                q = -q
            else:
                p = -p
            if p < (0.75 * cb * q - abs(tol_act * q) / 2.0) and p < abs(prev_step * q / 2.0):
                new_step = p / q
        if abs(new_step) < tol_act:
            new_step = tol_act if new_step > 0 else -tol_act
        a, fa = b, fb
        b += new_step
        fb = f(b)
        if (fb > 0 and fc > 0) or (fb < 0 and fc < 0):
            c, fc = a, fa
    return b, False


def _tau2_max(yi) -> float:
    """metafor's upper search bound: max(100, 10 * mad(yi)²)."""
    mad = 1.4826 * np.median(np.abs(yi - np.median(yi)))
    return max(_TAU2_MAX, 10.0 * mad ** 2)


def _tau2_pm(yi, vi, flags) -> float:
    """Paule-Mandel: the tau2 at which the generalised Q equals k-1 (0 if Q(0) < k-1)."""
    k = yi.size
    target = k - 1.0
    f = lambda t: _q_gen(t, yi, vi) - target  # noqa: E731
    f0 = f(0.0)
    if f0 < 0:
        return 0.0
    upper = _tau2_max(yi)
    fu = f(upper)
    while fu > 0:   # metafor stops here ("tau2.max too low"); we widen and say so
        flags.append(f"Paule-Mandel: Q(tau2) > k-1 at metafor's bound tau2.max={upper:g}; bound widened")
        upper *= 10.0
        fu = f(upper)
    root, ok = _r_zeroin(f, 0.0, upper, f0, fu, _UNIROOT_TOL, _MAXITER)
    if not ok:
        flags.append("Paule-Mandel root search hit the iteration limit; tau2 from scipy brentq")
        root = optimize.brentq(f, 0.0, upper, xtol=1e-14, rtol=1e-14, maxiter=1000)
    return max(0.0, root)


def _loglik(yi, vi, tau2, reml: bool) -> float:
    k = yi.size
    w, sw, ybar = _wmoments(yi, vi, tau2)
    rss = (w * (yi - ybar) ** 2).sum()
    if reml:
        return -0.5 * (k - 1) * math.log(2 * math.pi) - 0.5 * np.log(vi + tau2).sum() - 0.5 * math.log(sw) - 0.5 * rss
    return -0.5 * k * math.log(2 * math.pi) - 0.5 * np.log(vi + tau2).sum() - 0.5 * rss


def _score_step(yi, vi, tau2, reml: bool) -> float:
    """One Fisher-scoring step for ML/REML tau² (Viechtbauer 2005; metafor ``rma.uni``)."""
    w, sw, ybar = _wmoments(yi, vi, tau2)
    w2 = w * w
    sw2 = w2.sum()
    yppy = (w2 * (yi - ybar) ** 2).sum()        # Y' P P Y with P = W - w w'/sum(w)
    if reml:
        trp = sw - sw2 / sw
        trpp = sw2 - 2.0 * (w2 * w).sum() / sw + (sw2 / sw) ** 2
        return (yppy - trp) / trpp
    return (yppy - sw) / sw2


def _tau2_ml_reml(yi, vi, reml: bool, flags) -> float:
    """ML/REML tau² by metafor's Fisher scoring: start at max(0, Hedges' estimate), step-halve
    to stay >= 0, stop when the change is <= 1e-5, then metafor's ll0 check (tau2 set to 0
    when the likelihood at 0 is higher)."""
    k = yi.size
    he = (((yi - yi.mean()) ** 2).sum() - vi.sum() * (k - 1) / k) / (k - 1)
    tau2 = max(0.0, he)
    change, it, conv = _THRESHOLD + 1.0, 0, True
    while change > _THRESHOLD:
        it += 1
        old = tau2
        adj = _score_step(yi, vi, tau2, reml)
        if math.isnan(adj):
            adj = 0.0
        while tau2 + adj < 0.0:
            adj /= 2.0
        tau2 = tau2 + adj
        change = abs(old - tau2)
        if it > _MAXITER:
            conv = False
            break
    name = "REML" if reml else "ML"
    if not conv:
        # metafor stops with an error here; we find the root of the score robustly and say so
        flags.append(f"{name} Fisher scoring did not converge in {_MAXITER} iterations "
                     "(metafor would stop); tau2 from a bracketing root-finder")
        g = lambda t: _score_step(yi, vi, t, reml)  # noqa: E731
        if g(0.0) <= 0:
            return 0.0
        hi = max(1.0, he)
        while g(hi) > 0:
            hi *= 10.0
        return optimize.brentq(g, 0.0, hi, xtol=1e-14, rtol=1e-14, maxiter=1000)
    ll0 = _loglik(yi, vi, 0.0, reml)
    ll = _loglik(yi, vi, tau2, reml)
    if ll0 - ll > _UNIROOT_TOL and tau2 > _THRESHOLD:
        flags.append(f"{name} Fisher scoring ended at a point with lower likelihood than tau2 = 0; "
                     "tau2 set to 0 (as metafor)")
        tau2 = 0.0
    return max(0.0, tau2)



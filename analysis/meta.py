"""Random-effects meta-analysis of single proportions that agrees with R ``metafor`` 3.8-1.

One public entry point, :func:`pool_proportions`, re-derives pooled proportions such as the
commentary's "CR 54% [44-64%]".  It computes exactly what ``metafor`` computes for

* ``escalc(measure = "PLO" | "PFT" | "PAS" | "PR", xi, ni)`` (continuity correction of 1/2
  added only to studies with a zero cell, for PLO and PR; none for PFT and PAS),
* ``rma(yi, vi, method = "EE" | "DL" | "PM" | "REML" | "ML", test = "z" | "knha")``,
* ``rma.glmm(xi = , ni = , measure = "PLO", test = "z" | "t")`` (random-intercept logistic
  model, maximum likelihood with 7-point adaptive Gauss-Hermite quadrature as ``lme4::glmer``),
* ``predict(fit, transf = transf.ilogit | transf.ipft.hm | transf.iarcsin)``
  (prediction interval as ``predict.rma`` computes it by default in 3.8-1),

and reports the results back-transformed to the proportion scale.  The estimators and their
references (Viechtbauer 2010 for metafor; DerSimonian & Laird 1986; Paule & Mandel 1982;
Viechtbauer 2005 for ML/REML; Hartung & Knapp 2001; Higgins & Thompson 2002 for I² and H²;
Higgins, Thompson & Spiegelhalter 2009 for the prediction interval; Freeman & Tukey 1950 and
Miller 1978 for the double-arcsine transform and its harmonic-mean back-transform; Stijnen,
Hamza & Özdemir 2010 for the GLMM; Clopper & Pearson 1934 for the per-study exact interval) are
written out in ``book/methods/meta-analysis.md``.

Why not statsmodels' ``combine_effects`` alone: it has no REML/ML, no prediction interval, no
proportion transforms, and it does not truncate DerSimonian-Laird tau² at 0.  scipy supplies the
distributions and the optimiser, statsmodels the Clopper-Pearson interval; the estimators are
written here, vectorised, following metafor's own algorithms (same starting values, same
Fisher-scoring steps and stopping rule, the same Brent root-finder as R's ``uniroot``), so the
outputs agree with metafor to 1e-6 (tests/reference/README.md lists the tolerances).
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
import pandas as pd
from scipy import optimize, special, stats
from statsmodels.stats.proportion import proportion_confint

__all__ = ["PooledProportion", "pool_proportions", "TRANSFORMS", "METHODS", "CIS"]

TRANSFORMS = ("logit", "ftda", "asin", "raw")
METHODS = ("EE", "DL", "PM", "REML", "ML", "GLMM")
CIS = ("wald", "hk")

#: metafor's names for the same choices (for documentation and the reference script).
METAFOR_MEASURE = {"logit": "PLO", "ftda": "PFT", "asin": "PAS", "raw": "PR"}

# metafor 3.8-1 ``rma.uni`` control defaults (see ``rma.uni`` source: ``con <- list(...)``).
_THRESHOLD = 1e-5                       # Fisher scoring stops when |change in tau2| <= this
_UNIROOT_TOL = np.finfo(float).eps ** 0.25   # R's .Machine$double.eps^0.25
_MAXITER = 100
_TAU2_MAX = 100.0
_DBL_EPS = np.finfo(float).eps


# --------------------------------------------------------------------------------------------
# Result
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class PooledProportion:
    """Result of :func:`pool_proportions`.

    Proportions (``estimate``, ``ci_*``, ``pi_*``) are on the 0-1 scale; ``mu`` and ``se`` are
    on the transformed scale (logit, double arcsine, arcsine or raw).  ``flags`` lists every
    condition a reader must know about (a raw-scale bound outside [0, 1], a tau² at its
    boundary, a clipped back-transform, a continuity correction, a fallback optimiser); it is
    empty only when nothing needs saying.
    """

    estimate: float
    ci_low: float
    ci_high: float
    pi_low: float
    pi_high: float
    mu: float
    se: float
    tau2: float
    i2: float
    h2: float
    q: float
    q_pvalue: float
    k: int
    transform: str
    method: str
    ci: str
    level: float
    studies: pd.DataFrame
    flags: list = field(default_factory=list)
    q_df: int = 0
    q_lrt: float | None = None        # GLMM only: likelihood-ratio heterogeneity test (metafor QE.LRT)
    q_lrt_pvalue: float | None = None
    df: int | None = None             # t degrees of freedom of the CI/PI (None for z)
    vt: float = float("nan")          # metafor's "typical" within-study variance used in I², H²

    def summary(self) -> dict[str, Any]:
        """Headline numbers as plain Python scalars (JSON-ready, no numpy types)."""
        out = {
            "k": int(self.k), "transform": self.transform, "method": self.method,
            "ci": self.ci, "level": float(self.level),
            "estimate": float(self.estimate), "ci_low": float(self.ci_low),
            "ci_high": float(self.ci_high), "pi_low": float(self.pi_low),
            "pi_high": float(self.pi_high), "mu": float(self.mu), "se": float(self.se),
            "tau2": float(self.tau2), "i2": float(self.i2), "h2": float(self.h2),
            "q": float(self.q), "q_df": int(self.q_df), "q_pvalue": float(self.q_pvalue),
            "df": None if self.df is None else int(self.df),
            "flags": [str(f) for f in self.flags],
        }
        if self.q_lrt is not None:
            out["q_lrt"] = float(self.q_lrt)
            out["q_lrt_pvalue"] = float(self.q_lrt_pvalue)
        return out

    def to_dict(self) -> dict[str, Any]:
        """Everything, including the per-study table, as plain Python objects."""
        out = self.summary()
        rows = []
        for rec in self.studies.to_dict(orient="records"):
            rows.append({key: _plain(val) for key, val in rec.items()})
        out["studies"] = rows
        return out

    def __str__(self) -> str:
        pct = lambda v: f"{100 * v:.1f}%"  # noqa: E731
        lvl = f"{100 * self.level:g}%"
        return (
            f"{self.method} ({self.transform}, {self.ci}) k={self.k}: "
            f"{pct(self.estimate)} [{lvl} CI {pct(self.ci_low)}-{pct(self.ci_high)}; "
            f"PI {pct(self.pi_low)}-{pct(self.pi_high)}], tau2={self.tau2:.4g}, "
            f"I2={self.i2:.1f}%, Q={self.q:.2f} (df={self.q_df}, p={self.q_pvalue:.3g})"
            + (f"; flags: {'; '.join(self.flags)}" if self.flags else "")
        )


def _plain(val: Any) -> Any:
    if isinstance(val, (np.integer,)):
        return int(val)
    if isinstance(val, (np.floating, float)):
        return None if math.isnan(float(val)) else float(val)
    return val


# --------------------------------------------------------------------------------------------
# Input validation
# --------------------------------------------------------------------------------------------
def _as_counts(values: Sequence, what: str, labels: list[str]) -> np.ndarray:
    """Counts as floats; the first offending study is named in the error."""
    arr = values if isinstance(values, np.ndarray) else None
    if arr is None:
        try:
            arr = np.asarray(values)
        except (ValueError, TypeError):
            arr = np.asarray(list(values), dtype=object)
    has_bool = not isinstance(values, np.ndarray) and any(isinstance(v, (bool, np.bool_)) for v in values)
    if not has_bool and arr.ndim == 1 and arr.dtype.kind in "iuf":
        out = arr.astype(float).ravel()
        bad = ~np.isfinite(out) | (out < 0) | (out != np.floor(np.where(np.isfinite(out), out, 0)))
        if not bad.any():
            return out
        first = int(np.flatnonzero(bad)[0])
        values = [arr[first]]
        labels = [labels[first] if first < len(labels) else f"#{first + 1}"]
    arr = list(values) if not isinstance(values, list) else values
    out = np.empty(len(arr), dtype=float)
    for i, v in enumerate(arr):
        lab = labels[i] if i < len(labels) else f"#{i + 1}"
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (numbers.Real, np.number)):
            raise ValueError(f"study {lab!r}: {what} must be a number, got {v!r}")
        fv = float(v)
        if not math.isfinite(fv):
            raise ValueError(f"study {lab!r}: {what} is not finite ({v!r})")
        if fv < 0:
            raise ValueError(f"study {lab!r}: {what} is negative ({v!r})")
        if fv != math.floor(fv):
            raise ValueError(f"study {lab!r}: {what} is not an integer count ({v!r})")
        out[i] = fv
    return out


def _validate(events, totals, transform, method, ci, level, labels):
    if transform not in TRANSFORMS:
        raise ValueError(f"unknown transform {transform!r}; choose one of {', '.join(TRANSFORMS)}")
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    if ci not in CIS:
        raise ValueError(f"unknown ci {ci!r}; choose one of {', '.join(CIS)}")
    if isinstance(level, bool) or not isinstance(level, numbers.Real) or not (0 < float(level) < 1):
        raise ValueError(f"level must be a number strictly between 0 and 1 (e.g. 0.95), got {level!r}")
    if method == "GLMM" and transform != "logit":
        raise ValueError(f"method 'GLMM' is a logistic model: transform must be 'logit', got {transform!r}")
    try:
        n_ev, n_tot = len(events), len(totals)
    except TypeError as exc:
        raise ValueError("events and totals must be sequences of counts") from exc
    if n_ev != n_tot:
        raise ValueError(f"events has {n_ev} studies but totals has {n_tot}")
    if labels is None:
        labels = [f"Study {i + 1}" for i in range(n_ev)]
    else:
        labels = [str(x) for x in labels]
        if len(labels) != n_ev:
            raise ValueError(f"labels has {len(labels)} entries but there are {n_ev} studies")
        seen, dup = set(), set()
        for x in labels:
            (dup if x in seen else seen).add(x)
        dup = sorted(dup)
        if dup:
            raise ValueError(f"study labels must be unique; repeated: {', '.join(dup)}")
    if n_ev == 0:
        raise ValueError("no studies given")
    xi = _as_counts(events, "events", labels)
    ni = _as_counts(totals, "total", labels)
    for i, lab in enumerate(labels):
        if ni[i] == 0:
            raise ValueError(f"study {lab!r}: total is 0")
        if xi[i] > ni[i]:
            raise ValueError(f"study {lab!r}: events ({xi[i]:g}) > total ({ni[i]:g})")
    k = n_ev
    if method != "EE" and k < 2:
        raise ValueError(f"method {method!r} needs at least 2 studies to estimate tau2, got {k} "
                         f"(study {labels[0]!r})")
    if ci == "hk" and k < 2:
        raise ValueError(f"ci 'hk' needs at least 2 studies (t with k-1 df), got {k} "
                         f"(study {labels[0]!r})")
    return xi, ni, labels


# --------------------------------------------------------------------------------------------
# Effect sizes (metafor escalc)
# --------------------------------------------------------------------------------------------
def effect_sizes(xi: np.ndarray, ni: np.ndarray, transform: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Observed outcomes ``yi`` and sampling variances ``vi`` exactly as metafor ``escalc``.

    logit (PLO): yi = log(p/(1-p)), vi = 1/x + 1/(n-x);  raw (PR): yi = p, vi = p(1-p)/n
    (vtype "LS"); both after adding 1/2 to x and n-x of studies with a zero cell (metafor's
    ``add = 1/2, to = "only0"``).  Double arcsine (PFT, Freeman & Tukey 1950):
    yi = [asin sqrt(x/(n+1)) + asin sqrt((x+1)/(n+1))]/2, vi = 1/(4n+2).  Arcsine (PAS):
    yi = asin sqrt(x/n), vi = 1/(4n).  Returns (yi, vi, corrected) where ``corrected`` marks
    studies that received the continuity correction.
    """
    mi = ni - xi
    if transform in ("logit", "raw"):
        corrected = (xi == 0) | (mi == 0)
        x = np.where(corrected, xi + 0.5, xi)
        m = np.where(corrected, mi + 0.5, mi)
        n = x + m
        p = x / n
        if transform == "logit":
            yi = np.log(p / (1.0 - p))
            vi = 1.0 / x + 1.0 / m
        else:
            yi = p
            vi = p * (1.0 - p) / n
        return yi, vi, corrected
    corrected = np.zeros(xi.shape, dtype=bool)
    if transform == "asin":
        return np.arcsin(np.sqrt(xi / ni)), 1.0 / (4.0 * ni), corrected
    yi = 0.5 * (np.arcsin(np.sqrt(xi / (ni + 1.0))) + np.arcsin(np.sqrt((xi + 1.0) / (ni + 1.0))))
    return yi, 1.0 / (4.0 * ni + 2.0), corrected


# --------------------------------------------------------------------------------------------
# Back-transforms (metafor transf.*)
# --------------------------------------------------------------------------------------------
def _pft(p: float, n: float) -> float:
    """metafor ``transf.pft``: the double-arcsine value of proportion p at sample size n."""
    x = p * n
    return 0.5 * (math.asin(math.sqrt(x / (n + 1.0))) + math.asin(math.sqrt((x + 1.0) / (n + 1.0))))


def back_transform(values: np.ndarray, transform: str, ni: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Back to the proportion scale as metafor's back-transforms do it.

    logit: ``transf.ilogit``; raw: identity (never clipped); asin: ``transf.iarcsin``
    (sin² with values below 0 set to 0 and above pi/2 set to 1); ftda: ``transf.ipft.hm``, the
    Miller (1978) inversion with n = harmonic mean of the study sizes, values beyond the images
    of 0 and 1 set to 0 and 1.  Returns (proportions, clipped mask).
    """
    z = np.asarray(values, dtype=float)
    clipped = np.zeros(z.shape, dtype=bool)
    if transform == "logit":
        return special.expit(z), clipped
    if transform == "raw":
        return z.copy(), clipped
    if transform == "asin":
        out = np.sin(z) ** 2
        lo, hi = z < 0, z > math.asin(1.0)
        out[lo], out[hi] = 0.0, 1.0
        return out, lo | hi
    nhm = 1.0 / np.mean(1.0 / ni)
    with np.errstate(divide="ignore", invalid="ignore"):
        s = np.sin(2.0 * z)
        inner = 1.0 - (s + (s - 1.0 / s) / nhm) ** 2
        out = 0.5 * (1.0 - np.sign(np.cos(2.0 * z)) * np.sqrt(inner))
    hi, lo = z > _pft(1.0, nhm), z < _pft(0.0, nhm)
    out[hi], out[lo] = 1.0, 0.0
    if np.any(np.isnan(out)):   # cannot happen between the images of 0 and 1; never pass it on
        raise ValueError("double-arcsine back-transform undefined for value(s) "
                         f"{z[np.isnan(out)].tolist()} (harmonic mean n = {nhm:g})")
    return out, lo | hi


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


# --------------------------------------------------------------------------------------------
# GLMM (metafor rma.glmm, measure "PLO": lme4::glmer with nAGQ = 7)
# --------------------------------------------------------------------------------------------
_GH_NODES, _GH_W = np.polynomial.hermite_e.hermegauss(7)
_GH_W = _GH_W / math.sqrt(2.0 * math.pi)          # weights for the standard normal density


def _binom_dev(x, n, eta):
    """Binomial deviance residuals 2[x log(x/(n p)) + m log(m/(n(1-p)))], p = expit(eta)."""
    m = n - x
    # log p and log(1-p) computed stably
    lp = -np.logaddexp(0.0, -eta)
    lq = -np.logaddexp(0.0, eta)
    with np.errstate(divide="ignore", invalid="ignore"):
        tx = np.where(x > 0, x * (np.log(x / n) - lp), 0.0)
        tm = np.where(m > 0, m * (np.log(m / n) - lq), 0.0)
    return 2.0 * (tx + tm)


def _agq_deviance(beta: float, theta: float, x, n) -> float:
    """-2 log marginal likelihood (up to a constant) of the random-intercept logistic model by
    7-point adaptive Gauss-Hermite quadrature, as lme4's ``glmerAGQ``: per study, the
    conditional mode u0 of u ~ N(0, 1), its conditional sd 1/sqrt(1 + theta² n p(1-p)), and
    the GH rule centred and scaled there."""
    u = np.zeros_like(x)
    half_obj = lambda uu: 0.5 * _binom_dev(x, n, beta + theta * uu) + 0.5 * uu * uu  # noqa: E731
    obj = half_obj(u)
    for _ in range(200):   # damped Newton for the conditional mode (strictly convex problem)
        p = special.expit(beta + theta * u)
        g = u - theta * (x - n * p)
        h = 1.0 + theta * theta * n * p * (1.0 - p)
        step = g / h
        cand = u - step
        cobj = half_obj(cand)
        for _ in range(60):  # step-halving where Newton would overshoot (large theta)
            worse = cobj > obj + 1e-12 * np.abs(obj)
            if not worse.any():
                break
            step = np.where(worse, step / 2.0, step)
            cand = u - step
            cobj = half_obj(cand)
        u, obj = cand, cobj
        if np.max(np.abs(step)) < 1e-13:
            break
    p = special.expit(beta + theta * u)
    sd = 1.0 / np.sqrt(1.0 + theta * theta * n * p * (1.0 - p))
    devc0 = _binom_dev(x, n, beta + theta * u) + u * u
    uk = u[:, None] + _GH_NODES[None, :] * sd[:, None]
    devk = _binom_dev(x[:, None], n[:, None], beta + theta * uk) + uk * uk
    expo = -0.5 * (devk - devc0[:, None]) + 0.5 * _GH_NODES[None, :] ** 2
    log_mult = special.logsumexp(expo, b=_GH_W[None, :], axis=1)
    return float((devc0 - 2.0 * (log_mult + np.log(sd))).sum())


def _num_hessian(f, x0: np.ndarray, h: float = 1e-4) -> np.ndarray:
    """Central-difference Hessian (the same construction as lme4's ``deriv12``)."""
    d = x0.size
    H = np.empty((d, d))
    f0 = f(x0)
    for i in range(d):
        ei = np.zeros(d); ei[i] = h
        H[i, i] = (f(x0 + ei) - 2.0 * f0 + f(x0 - ei)) / (h * h)
        for j in range(i):
            ej = np.zeros(d); ej[j] = h
            H[i, j] = H[j, i] = (f(x0 + ei + ej) - f(x0 + ei - ej) - f(x0 - ei + ej)
                                 + f(x0 - ei - ej)) / (4.0 * h * h)
    return H


def _glmm_fit(x, n, theta0: float, flags) -> tuple[float, float, float]:
    """Maximum-likelihood (beta, se(beta), tau2) of the random-intercept logistic model.

    The deviance is even in theta, so theta is optimised unconstrained and |theta| reported
    (tau2 = theta²; the boundary tau2 = 0 is reached smoothly).  BFGS with 3-point gradients,
    then Newton polishing with a central-difference Hessian.  se(beta) comes, as in lme4's
    ``vcov`` for nAGQ > 0, from the inverse Hessian of the deviance in (theta, beta): the beta
    block of 2 H⁻¹.
    """
    if np.all(x == 0) or np.all(x == n):
        which = "no study has an event" if np.all(x == 0) else "every patient in every study had the event"
        raise ValueError(f"GLMM: {which}; the logit-scale pooled estimate is not finite")
    beta0 = float(special.logit(x.sum() / n.sum()))
    f = lambda par: _agq_deviance(par[0], par[1], x, n)  # noqa: E731
    best = None
    for th in (theta0, 0.5, 2.0):   # a few starts: keep the lowest deviance (deterministic)
        r = optimize.minimize(f, np.array([beta0, max(th, 0.05)]), method="BFGS", jac="3-point",
                              options={"gtol": 1e-9, "maxiter": 500})
        if best is None or r.fun < best.fun - 1e-10:
            best = r
    par = best.x.copy()
    for _ in range(5):   # Newton polish
        H = _num_hessian(f, par, 1e-4)
        g = np.array([(f(par + e) - f(par - e)) / 2e-6 for e in np.eye(2) * 1e-6])
        try:
            step = np.linalg.solve(H, g)
        except np.linalg.LinAlgError:
            break
        if not np.all(np.linalg.eigvalsh(H) > 0):
            break
        cand = par - step
        if f(cand) <= f(par) + 1e-12:
            par = cand
        if np.max(np.abs(step)) < 1e-10:
            break
    beta, theta = float(par[0]), abs(float(par[1]))
    H = _num_hessian(lambda q: _agq_deviance(q[1], q[0], x, n), np.array([theta, beta]), 1e-4)
    try:
        cov = 2.0 * np.linalg.inv(H)
        var_b = float(cov[1, 1])
    except np.linalg.LinAlgError:
        var_b = float("nan")
    if not (var_b > 0 and math.isfinite(var_b)):
        flags.append("GLMM: Hessian not positive definite; se from the fixed-theta information")
        p = special.expit(beta)
        var_b = 2.0 / _num_hessian(lambda q: _agq_deviance(q[0], theta, x, n), np.array([beta]), 1e-4)[0, 0]
        del p
    if not best.success:
        flags.append(f"GLMM optimiser message: {best.message}")
    return beta, math.sqrt(var_b), theta * theta


def _glm_saturated_wald(x, n) -> tuple[float, np.ndarray]:
    """Wald heterogeneity statistic of metafor ``rma.glmm`` (QE.Wld): the saturated logistic
    model fitted by R's ``glm`` IRLS (same start, clamping and convergence rule, so studies
    with a zero cell end where R's IRLS ends), tested for equal study logits.
    Returns (QE.Wld, fitted probabilities of the saturated model)."""
    y = x / n
    thresh, mthresh, inveps = 30.0, -30.0, 1.0 / _DBL_EPS

    def linkinv(eta):
        t = np.where(eta < mthresh, _DBL_EPS, np.where(eta > thresh, inveps, np.exp(np.clip(eta, -700, 700))))
        return t / (1.0 + t)

    def mu_eta(eta):
        e = np.exp(np.clip(eta, -700, 700))
        return np.where((eta > thresh) | (eta < mthresh), _DBL_EPS, e / (1.0 + e) ** 2)

    def dev(mu):
        with np.errstate(divide="ignore", invalid="ignore"):
            a = np.where(y > 0, y * np.log(y / mu), 0.0)
            b = np.where(1 - y > 0, (1 - y) * np.log((1 - y) / (1 - mu)), 0.0)
        return float((2.0 * n * (a + b)).sum())

    mustart = (n * y + 0.5) / (n + 1.0)
    eta = np.log(mustart / (1.0 - mustart))
    mu = linkinv(eta)
    devold = dev(mu)
    w2 = None
    for _ in range(25):
        me = mu_eta(eta)
        z = eta + (y - mu) / me
        w2 = n * me ** 2 / (mu * (1.0 - mu))
        eta = z                       # saturated: the weighted LS fit reproduces z exactly
        mu = linkinv(eta)
        d = dev(mu)
        if abs(d - devold) / (abs(d) + 0.1) < 1e-8:
            break
        devold = d
    ebar = (w2 * eta).sum() / w2.sum()
    return max(0.0, float((w2 * (eta - ebar) ** 2).sum())), mu


def _glmm_lrt(x, n, mu_sat) -> float:
    """metafor QE.LRT: -2 (logLik of the common-effect logistic model - logLik saturated)."""
    p = x.sum() / n.sum()
    m = n - x
    with np.errstate(divide="ignore", invalid="ignore"):
        a = np.where(x > 0, x * (np.log(mu_sat) - math.log(p)), 0.0)
        b = np.where(m > 0, m * (np.log1p(-mu_sat) - math.log1p(-p)), 0.0)
    return max(0.0, float(2.0 * (a + b).sum()))


# --------------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------------
def pool_proportions(events, totals, transform: str = "logit", method: str = "REML",
                     ci: str = "wald", level: float = 0.95, labels=None) -> PooledProportion:
    """Pool single proportions ``events/totals`` as metafor does (see module docstring).

    Parameters
    ----------
    events, totals : sequences of non-negative integer counts, one per study.
    transform : "logit" (PLO), "ftda" (PFT, Freeman-Tukey double arcsine, back-transformed
        with the harmonic mean of n), "asin" (PAS), "raw" (PR).
    method : "EE" (common effect), "DL", "PM", "REML", "ML", or "GLMM" (random-intercept
        logistic model by ML, 7-point adaptive Gauss-Hermite quadrature; logit only).
    ci : "wald" (normal quantile) or "hk" (Hartung-Knapp: t with k-1 df and the variance
        scaled by the weighted residual mean square; for GLMM, metafor's ``test = "t"``,
        t with k-1 df without scaling).
    level : confidence level in (0, 1).
    labels : study names (default "Study 1", ...), used in the table and in error messages.

    Raises
    ------
    ValueError
        for bad input, with the study label and the problem.
    """
    xi, ni, labels = _validate(events, totals, transform, method, ci, level, labels)
    level = float(level)
    k = xi.size
    flags: list[str] = []
    yi, vi, corrected = effect_sizes(xi, ni, transform)
    if not np.all(np.isfinite(yi)) or not np.all(np.isfinite(vi)) or np.any(vi <= 0):
        bad = [labels[i] for i in np.flatnonzero(~np.isfinite(yi) | ~np.isfinite(vi) | ~(vi > 0))]
        raise ValueError(f"study {bad[0]!r}: sampling variance is not positive and finite")
    if corrected.any():
        flags.append("continuity correction 1/2 added (zero cell) to: "
                     + ", ".join(labels[i] for i in np.flatnonzero(corrected)))

    # heterogeneity statistics shared by all inverse-variance fits (metafor rma.uni)
    w_fe, sw_fe, ybar_fe = _wmoments(yi, vi, 0.0)
    if k > 1:
        q = max(0.0, float((w_fe * (yi - ybar_fe) ** 2).sum()))
        q_p = float(stats.chi2.sf(q, k - 1))
        vt = (k - 1) / (sw_fe - (w_fe ** 2).sum() / sw_fe)
    else:
        q, q_p, vt = 0.0, 1.0, 0.0

    q_lrt = q_lrt_p = None
    alpha = 1.0 - level
    if method == "GLMM":
        theta0 = math.sqrt(max(_tau2_dl(yi, vi), 0.0025))
        mu, se, tau2 = _glmm_fit(xi, ni, theta0, flags)
        q_wld, mu_sat = _glm_saturated_wald(xi, ni)
        q, q_p = q_wld, float(stats.chi2.sf(q_wld, k - 1))
        q_lrt = _glmm_lrt(xi, ni, mu_sat)
        q_lrt_p = float(stats.chi2.sf(q_lrt, k - 1))
        wi = np.full(k, np.nan)
        flags.append("study weights are not defined for the GLMM (metafor gives none)")
        if ci == "hk":
            df = k - 1
            crit = float(stats.t.ppf(1 - alpha / 2, df))
        else:
            df = None
            crit = float(stats.norm.ppf(1 - alpha / 2))
        i2 = 100.0 * tau2 / (vt + tau2)
        h2 = tau2 / vt + 1.0
    else:
        if method == "EE":
            tau2 = 0.0
        elif method == "DL":
            tau2 = _tau2_dl(yi, vi)
        elif method == "PM":
            tau2 = _tau2_pm(yi, vi, flags)
        else:
            tau2 = _tau2_ml_reml(yi, vi, method == "REML", flags)
        w, sw, mu = _wmoments(yi, vi, tau2)
        mu = float(mu)
        vb = 1.0 / sw
        if ci == "hk":
            rss = float((w * (yi - mu) ** 2).sum())
            s2w = 0.0 if rss <= _DBL_EPS else rss / (k - 1)
            if s2w == 0.0:
                flags.append("Hartung-Knapp: weighted residual sum of squares is 0, so the CI has zero width (as metafor)")
            if method == "EE":
                flags.append("Hartung-Knapp adjustment applied to a common-effect model (metafor warns it is not meant for EE)")
            vb *= s2w
            df = k - 1
            crit = float(stats.t.ppf(1 - alpha / 2, df))
        else:
            df = None
            crit = float(stats.norm.ppf(1 - alpha / 2))
        se = math.sqrt(vb)
        wi = 100.0 * w / sw
        if k > 1:
            if method == "EE":
                i2 = 0.0 if q <= 0 else max(0.0, 100.0 * (q - (k - 1)) / q)
                h2 = q / (k - 1)
            else:
                i2 = 100.0 * tau2 / (vt + tau2)
                h2 = tau2 / vt + 1.0
        else:
            i2, h2 = 0.0, 1.0

    if method != "EE":
        if tau2 == 0.0:
            flags.append("tau2 estimate is at its boundary 0")
        elif method in ("ML", "REML") and tau2 < _THRESHOLD:
            flags.append(f"tau2 = {tau2:.3g} is within metafor's Fisher-scoring threshold (1e-5) of the boundary 0")
        elif method == "GLMM" and tau2 < 1e-8:
            flags.append("tau2 estimate is at its boundary 0")

    ci_lo, ci_hi = mu - crit * se, mu + crit * se
    pi_se = math.sqrt(se * se + tau2)
    pi_lo, pi_hi = mu - crit * pi_se, mu + crit * pi_se
    pts = np.array([mu, ci_lo, ci_hi, pi_lo, pi_hi])
    back, clipped = back_transform(pts, transform, ni)
    names = ["estimate", "ci_low", "ci_high", "pi_low", "pi_high"]
    for nm, val, clp in zip(names, back, clipped):
        if clp:
            flags.append(f"{nm} back-transform clipped to {val:g} (metafor's {transform} back-transform)")
        if transform == "raw" and not (0.0 <= val <= 1.0):
            flags.append(f"{nm} = {val:.6g} lies outside [0, 1] on the raw scale (reported, not clipped)")
    if not np.all(np.isfinite(back)) or not (math.isfinite(se) and math.isfinite(tau2)):
        raise ValueError("non-finite pooled result; check the input counts")

    cp_lo, cp_hi = proportion_confint(xi, ni, alpha=alpha, method="beta")
    cp_lo = np.where(xi == 0, 0.0, cp_lo)
    cp_hi = np.where(xi == ni, 1.0, cp_hi)
    studies = pd.DataFrame({
        "label": labels,
        "events": xi.astype(int),
        "total": ni.astype(int),
        "proportion": xi / ni,
        "ci_low": np.asarray(cp_lo, dtype=float),
        "ci_high": np.asarray(cp_hi, dtype=float),
        "weight": wi,
        "yi": yi,
        "vi": vi,
    })
    return PooledProportion(
        estimate=float(back[0]), ci_low=float(back[1]), ci_high=float(back[2]),
        pi_low=float(back[3]), pi_high=float(back[4]), mu=float(mu), se=float(se),
        tau2=float(tau2), i2=float(i2), h2=float(h2), q=float(q), q_pvalue=float(q_p),
        k=int(k), transform=transform, method=method, ci=ci, level=level, studies=studies,
        flags=flags, q_df=int(k - 1), q_lrt=q_lrt, q_lrt_pvalue=q_lrt_p, df=df, vt=float(vt),
    )

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
            raise ValueError(f"study {lab!r}: {what} is not finite ({fv:g})")
        if fv < 0:
            raise ValueError(f"study {lab!r}: {what} is negative ({fv:g})")
        if fv != math.floor(fv):
            raise ValueError(f"study {lab!r}: {what} is not an integer count ({fv:g})")
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
_GH_LOGW = np.log(_GH_W)
_GH_HALF_Z2 = 0.5 * _GH_NODES ** 2


class _GlmmData:
    """Per-study constants of the GLMM deviance: events x, non-events m, totals n, and half the
    saturated part of the binomial deviance, x log(x/n) + m log(m/n) (0 log 0 = 0)."""

    __slots__ = ("x", "m", "n", "half_sat", "nodes")

    def __init__(self, x, n):
        self.x, self.n = np.asarray(x, float), np.asarray(n, float)
        self.m = self.n - self.x
        with np.errstate(divide="ignore", invalid="ignore"):
            self.half_sat = (np.where(self.x > 0, self.x * np.log(self.x / self.n), 0.0)
                             + np.where(self.m > 0, self.m * np.log(self.m / self.n), 0.0))
        # the same as columns, for arrays with a trailing quadrature-node axis
        self.nodes = (self.x[:, None], self.m[:, None], self.half_sat[:, None])


def _half_obj(d: _GlmmData, eta, u, nodes: bool = False):
    """Half the conditional deviance, h(u) = binomial deviance(eta)/2 + u²/2, and p = expit(eta)
    (one exp and one log1p per element; the deviance's saturated part is a constant)."""
    e = np.exp(-np.abs(eta))
    l1 = np.log1p(e)
    lp = -(np.maximum(-eta, 0.0) + l1)          # log p
    lq = -(np.maximum(eta, 0.0) + l1)           # log(1 - p)
    r = 1.0 / (1.0 + e)
    p = np.where(eta >= 0.0, r, e * r)
    x, m, half_sat = d.nodes if nodes else (d.x, d.m, d.half_sat)
    return half_sat - x * lp - m * lq + 0.5 * u * u, p


def _agq_eval(d: _GlmmData, beta, theta, u, grad: bool = True):
    """lme4's nAGQ = 7 deviance of the random-intercept logistic model at a batch of parameter
    points, with its exact gradient.

    ``beta`` and ``theta`` have shape (B, 1), ``u`` (B, k) holds starting values of the
    conditional modes (for a warm start: the modes of a nearby point).  Per study the
    conditional mode u* of h(u) = dev(beta + theta u)/2 + u²/2 is found by damped Newton (h is
    strictly convex; steps are halved where h would increase) to |step| < 1e-13, so the result
    does not depend on the start beyond rounding; the 7-point Gauss-Hermite rule is centred at
    u* and scaled by s = h''(u*)^(-1/2) as in lme4's ``glmerAGQ``:

        D = sum_i -2 log( s_i sum_k w_k exp(-h_i(u*_i + s_i z_k) + z_k²/2) ).

    The gradient differentiates this formula exactly, including the dependence of u* and s on
    (beta, theta) (implicit function theorem on h'(u*) = 0).  Returns (D (B,), gradient (B, 2)
    in (beta, theta) or None, modes (B, k)).
    """
    x, n = d.x, d.n
    u = np.array(u, dtype=float, copy=True)
    eta = beta + theta * u
    obj, p = _half_obj(d, eta, u)
    th2n = theta * theta * n
    for _ in range(200):   # damped Newton for the conditional modes (strictly convex problem)
        g = u - theta * (x - n * p)
        step = g / (1.0 + th2n * p * (1.0 - p))
        cand = u - step
        cobj, cp = _half_obj(d, beta + theta * cand, cand)
        for _ in range(60):  # step-halving where Newton would overshoot (large theta);
            # steps below 1e-5 are in Newton's quadratic range, where a change of h is rounding
            worse = (cobj > obj + 1e-12 * np.abs(obj)) & (np.abs(step) > 1e-5)
            if not worse.any():
                break
            step = np.where(worse, step / 2.0, step)
            cand = u - step
            cobj, cp = _half_obj(d, beta + theta * cand, cand)
        u, obj, p = cand, cobj, cp
        if np.max(np.abs(step)) < 1e-13:
            break
    pq = p * (1.0 - p)
    hh = 1.0 + th2n * pq                                  # h''(u*)
    s = 1.0 / np.sqrt(hh)
    z = _GH_NODES
    uk = u[..., None] + z * s[..., None]                  # (B, k, 7)
    hk, pk = _half_obj(d, beta[..., None] + theta[..., None] * uk, uk, nodes=True)
    expo = _GH_LOGW + _GH_HALF_Z2 - hk
    top = expo.max(axis=-1, keepdims=True)
    wexp = np.exp(expo - top)
    tot = wexp.sum(axis=-1)
    dev = -2.0 * (top[..., 0] + np.log(tot) + np.log(s))   # per study
    D = dev.sum(axis=-1)
    if not grad:
        return D, None, u
    # d h(u_k)/d phi = h_phi(u_k) + h'(u_k) (du*/dphi + z_k ds/dphi), phi = beta, theta;
    # dD/dphi = 2 sum_k pi_k dh(u_k)/dphi - 2 dlog(s)/dphi, pi_k the normalised GH terms
    pi = wexp / tot[..., None]
    th = theta[..., None]
    resid_k = x[:, None] - n[:, None] * pk            # x - n p at the nodes
    hu_k = uk - th * resid_k                              # h'(u_k)
    resid = x - n * p
    du_b = -theta * n * pq / hh                           # du*/dbeta
    du_t = (resid - theta * n * pq * u) / hh              # du*/dtheta
    c3 = th2n * pq * (1.0 - 2.0 * p)
    dlogs_b = -0.5 * c3 * (1.0 + theta * du_b) / hh
    dlogs_t = -0.5 * (2.0 * theta * n * pq + c3 * (u + theta * du_t)) / hh
    ds_b, ds_t = (s * dlogs_b)[..., None], (s * dlogs_t)[..., None]
    dh_b = -resid_k + hu_k * (du_b[..., None] + z * ds_b)
    dh_t = -resid_k * uk + hu_k * (du_t[..., None] + z * ds_t)
    g_b = 2.0 * ((pi * dh_b).sum(axis=-1) - dlogs_b)
    g_t = 2.0 * ((pi * dh_t).sum(axis=-1) - dlogs_t)
    return D, np.stack([g_b.sum(axis=-1), g_t.sum(axis=-1)], axis=-1), u


def _agq_deviance(beta: float, theta: float, x, n) -> float:
    """-2 log marginal likelihood (up to a constant) of the random-intercept logistic model by
    7-point adaptive Gauss-Hermite quadrature, as lme4's ``glmerAGQ``: per study, the
    conditional mode u0 of u ~ N(0, 1), its conditional sd 1/sqrt(1 + theta² n p(1-p)), and
    the GH rule centred and scaled there (see :func:`_agq_eval`)."""
    d = _GlmmData(x, n)
    D, _, _ = _agq_eval(d, np.array([[float(beta)]]), np.array([[float(theta)]]),
                        np.zeros((1, d.x.size)), grad=False)
    return float(D[0])


# theta grid of the global search (the profile deviance over beta is evaluated at each point)
_THETA_GRID = np.array([0.03, 0.1, 0.2, 0.3, 0.45, 0.65, 0.9, 1.25, 1.7, 2.3, 3.2, 4.5, 6.5])
_GRID_NEWTON = 4       # Newton steps in beta at every grid point (all points at once)
_FD_STEP = 1e-5      # forward-difference step of the analytic gradient (Newton's Hessian)


def _glmm_fit(x, n, theta0: float, flags) -> tuple[float, float, float]:
    """Maximum-likelihood (beta, se(beta), tau2) of the random-intercept logistic model.

    The deviance is even in theta (D(beta, -theta) = D(beta, theta)), so theta >= 0 is used
    (a step to theta < 0 is reflected) and tau2 = theta²; at the boundary tau2 = 0 Newton
    converges to theta = 0 cubically (D - D(beta, 0) ~ a theta² + b theta⁴).

    1. Global search: the profile deviance min_beta D(beta, theta) on a grid of theta from 0.03
       to 6.5 plus the DerSimonian-Laird start ``theta0``, all points at once (a few Newton
       steps in beta each, the modes warm-started); the lowest point starts step 2, so the
       answer is at least as good as the best of 14 starts.
    2. Newton in (beta, theta) with the exact gradient of the deviance (:func:`_agq_eval`),
       the Hessian by forward differences of that gradient (step 1e-5), eigenvalues replaced
       by their absolute values (a saddle is left downhill), Armijo backtracking, until the
       step is below 1e-10.
    3. se(beta) as lme4's ``vcov`` for nAGQ > 0: the beta block of 2 H⁻¹, H the Hessian of the
       deviance in (theta, beta) by central differences with lme4's ``deriv12`` step 1e-4,
       taken of the exact gradient rather than of deviance values (whose rounding, ~1e-13
       relative, deriv12's division by h² amplifies to ~1e-7 in se and to 1e-5 with studies of
       10^4-10^5 patients).  A Hessian that is not positive definite (or singular to 1e-6
       relative: beta and theta not separately identified, as when every study has one
       patient) is flagged and se taken from the beta-beta element alone.

    Each fit costs about 20 batched deviance-and-gradient evaluations (the old BFGS with
    numerical gradients from three starts took ~650 deviance evaluations).
    """
    if np.all(x == 0) or np.all(x == n):
        which = "no study has an event" if np.all(x == 0) else "every patient in every study had the event"
        raise ValueError(f"GLMM: {which}; the logit-scale pooled estimate is not finite")
    d = _GlmmData(x, n)
    k = d.x.size
    beta0 = float(special.logit(x.sum() / n.sum()))

    # 1. global search: profile deviance over a theta grid, beta by Newton with the
    #    Laplace-type information 2 sum n p q / (1 + theta² n p q) as curvature
    th = np.unique(np.append(_THETA_GRID, max(float(theta0), 0.03)))[:, None]
    b = np.full_like(th, beta0)
    u = np.zeros((th.size, k))
    for _ in range(_GRID_NEWTON):
        D, g, u = _agq_eval(d, b, th, u)
        p = special.expit(b + th * u)
        info = 2.0 * (d.n * p * (1.0 - p) / (1.0 + th * th * d.n * p * (1.0 - p))).sum(axis=1)
        b = b - (g[:, 0] / info)[:, None]
    D, g, u = _agq_eval(d, b, th, u)
    j = int(np.argmin(D))
    par = np.array([b[j, 0], th[j, 0]])
    u0 = u[j]

    # 2. Newton in (beta, theta) with the exact gradient
    def batch(centre, u_start):
        pts = np.array([centre, centre + [_FD_STEP, 0.0], centre + [0.0, _FD_STEP]])
        Db, gb, ub = _agq_eval(d, pts[:, :1], pts[:, 1:], np.broadcast_to(u_start, (3, k)))
        H = (gb[1:] - gb[0]) / _FD_STEP
        return Db[0], gb[0], 0.5 * (H + H.T), ub[0]

    fval, grad, H, u0 = batch(par, u0)
    converged = False
    for _ in range(100):
        ev, V = np.linalg.eigh(H)
        ev = np.maximum(np.abs(ev), 1e-8 * max(1.0, float(np.max(np.abs(ev)))))
        step = V @ ((V.T @ grad) / ev)
        size = float(np.max(np.abs(step)))
        t = 1.0
        for _ in range(40):   # backtracking (Armijo) on the deviance, rounding tolerated
            cand = par - t * step
            u_start = u0
            if cand[1] < 0.0:          # D is even in theta: reflect (the modes change sign)
                cand[1], u_start = -cand[1], -u0
            cf, cg, cH, cu = batch(cand, u_start)
            if cf <= fval - 1e-4 * t * float(grad @ step) + 1e-12 * (abs(fval) + 1.0):
                break
            t *= 0.5
        else:
            # no decrease along a Newton step this short: a minimum to rounding error
            converged = size < 1e-7
            break
        par, fval, grad, H, u0 = cand, cf, cg, cH, cu
        if t * size < 1e-10:
            converged = True
            break
    beta, theta = float(par[0]), float(par[1])
    if theta < 1e-4:
        # tau2 < 1e-8, which pool_proportions reports as the boundary: at theta = 0 the
        # deviance is the binomial one, minimised by beta0, and its theta-derivative is 0 by
        # symmetry; take that point when its deviance is as low (Newton approaches theta = 0
        # only linearly when the theta² term of D vanishes, and stalls at rounding level)
        f0, _, _ = _agq_eval(d, np.array([[beta0]]), np.zeros((1, 1)), np.zeros((1, k)), grad=False)
        if f0[0] <= fval + 1e-12 * (abs(fval) + 1.0):
            beta, theta, converged, u0 = beta0, 0.0, True, np.zeros(k)

    # 3. se(beta): central differences (step 1e-4) of the exact gradient, order (theta, beta)
    h = 1e-4
    pts = np.array([[beta, theta + h], [beta, theta - h], [beta + h, theta], [beta - h, theta]])
    _, gh, _ = _agq_eval(d, pts[:, :1], pts[:, 1:], np.broadcast_to(u0, (4, k)))
    H = np.empty((2, 2))
    H[0, 0] = (gh[0, 1] - gh[1, 1]) / (2.0 * h)
    H[1, 1] = (gh[2, 0] - gh[3, 0]) / (2.0 * h)
    H[0, 1] = H[1, 0] = 0.5 * ((gh[0, 0] - gh[1, 0]) + (gh[2, 1] - gh[3, 1])) / (2.0 * h)
    ev = np.linalg.eigvalsh(H)
    # for theta > 0, singular to the accuracy of the differences (beta and theta not separately
    # identified, e.g. every study of one patient) counts as not positive definite; at theta = 0
    # H is diagonal (D is even in theta), so a small H[0, 0] does not affect var(beta)
    pos_def = ev[1] > 0.0 and ev[0] > (1e-6 * ev[1] if theta > 0.0 else 0.0)
    var_b = 2.0 * H[0, 0] / (H[0, 0] * H[1, 1] - H[0, 1] ** 2) if pos_def else float("nan")
    if not (var_b > 0 and math.isfinite(var_b)):
        flags.append("GLMM: Hessian not positive definite; se from the fixed-theta information")
        var_b = 2.0 / H[1, 1] if H[1, 1] > 0 else float("nan")
    if not converged:
        flags.append("GLMM optimiser message: Newton did not converge (step >= 1e-10 after "
                     f"its last accepted iteration; |gradient| = {float(np.max(np.abs(grad))):.2g})")
    if theta * theta > _GLMM_TAU2_DIVERGED:
        # e.g. complete separation (0/10 and 10/10): the quadrature deviance keeps falling as tau²
        # grows, and its minimum is an artefact, not an estimate
        flags.append(f"GLMM: tau2 = {theta * theta:.3g} on the logit scale; the between-study variance "
                     "diverges (complete separation?) and the fit is not interpretable")
    return beta, math.sqrt(var_b), theta * theta


_GLMM_TAU2_DIVERGED = 100.0  # logit-scale SD of 10: study logits spread over +-20, i.e. 0% vs 100%


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

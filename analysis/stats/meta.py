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

and reports the results back-transformed to the proportion scale.

**The prediction interval** (``pi_low``, ``pi_high``) is the one convention used in the whole
report, metafor 3.8-1's ``predict.rma`` default: ``mu ± crit · sqrt(se² + tau²)`` on the
transformed scale, back-transformed, where ``crit`` is the *CI's* critical value (the normal
quantile z for ``ci="wald"``; for ``ci="hk"`` Student's t with k − 1 degrees of freedom, the
same t as the Hartung-Knapp CI), ``se`` the CI's standard error (Hartung-Knapp-scaled for
``"hk"``) and ``tau2`` the model's between-study variance (0 for EE, so the PI equals the CI).
It is *not* the Higgins, Thompson & Spiegelhalter (2009) variant with t(k − 2) and the
unscaled se; no other prediction interval is computed in ``analysis.stats``. With k < 3 the
interval is computed but carries no information about heterogeneity; callers decide whether to
show it.  The estimators and their
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
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import special, stats

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
def _pft(p, n):
    """metafor ``transf.pft``: the double-arcsine value of proportion p at sample size n (arrays broadcast)."""
    x = p * n
    return 0.5 * (np.arcsin(np.sqrt(x / (n + 1.0))) + np.arcsin(np.sqrt((x + 1.0) / (n + 1.0))))


def back_transform(values: np.ndarray, transform: str, ni: np.ndarray | None = None, *,
                   harmonic_n=None, strict: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Back to the proportion scale as metafor's back-transforms do it.

    logit: ``transf.ilogit``; raw: identity (never clipped); asin: ``transf.iarcsin``
    (sin² with values below 0 set to 0 and above pi/2 set to 1); ftda: ``transf.ipft.hm``, the
    Miller (1978) inversion with n = harmonic mean of the study sizes (``ni``, or ``harmonic_n``
    given directly: one per row of a 2-D ``values`` in the vectorised path), values beyond the
    images of 0 and 1 set to 0 and 1. ``strict``: an undefined value raises instead of passing
    on a NaN. Returns (proportions, clipped mask).
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
    nhm = (1.0 / np.mean(1.0 / np.asarray(ni, dtype=float)) if harmonic_n is None
           else np.asarray(harmonic_n, dtype=float))
    if nhm.ndim == 1 and z.ndim == 2:
        nhm = nhm[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        s = np.sin(2.0 * z)
        inner = 1.0 - (s + (s - 1.0 / s) / nhm) ** 2
        out = 0.5 * (1.0 - np.sign(np.cos(2.0 * z)) * np.sqrt(inner))
    hi, lo = z > _pft(1.0, nhm), z < _pft(0.0, nhm)
    out[hi], out[lo] = 1.0, 0.0
    if strict and np.any(np.isnan(out)):   # cannot happen between the images of 0 and 1; never pass it on
        raise ValueError("double-arcsine back-transform undefined for value(s) "
                         f"{z[np.isnan(out)].tolist()} (harmonic mean n = {float(np.mean(nhm)):g})")
    return out, lo | hi


from analysis.stats.glmm import _glm_saturated_wald, _glmm_fit, _glmm_lrt  # noqa: E402
from analysis.stats.proportions import clopper_pearson_arrays  # noqa: E402
from analysis.stats.tau2 import _tau2_dl, _tau2_ml_reml, _tau2_pm, _wmoments  # noqa: E402


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
                flags.append("Hartung-Knapp: weighted residual sum of squares is 0, so the CI has zero width (as "
                             "metafor)")
            if method == "EE":
                flags.append("Hartung-Knapp adjustment applied to a common-effect model (metafor warns it is not meant "
                             "for EE)")
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
    for nm, val, clp in zip(names, back, clipped, strict=True):
        if clp:
            flags.append(f"{nm} back-transform clipped to {val:g} (metafor's {transform} back-transform)")
        if transform == "raw" and not (0.0 <= val <= 1.0):
            flags.append(f"{nm} = {val:.6g} lies outside [0, 1] on the raw scale (reported, not clipped)")
    if not np.all(np.isfinite(back)) or not (math.isfinite(se) and math.isfinite(tau2)):
        raise ValueError("non-finite pooled result; check the input counts")

    cp_lo, cp_hi = clopper_pearson_arrays(xi, ni, level)
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

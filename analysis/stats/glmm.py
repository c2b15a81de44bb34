"""The random-intercept logistic model (GLMM) for single proportions, as R metafor's
``rma.glmm(measure="PLO")`` fits it (lme4::glmer, adaptive Gauss-Hermite quadrature, nAGQ = 7;
Stijnen, Hamza & Ozdemir 2010). Exact gradients; agreement with metafor in tests/reference/."""

from __future__ import annotations

import math

import numpy as np
from scipy import special

_DBL_EPS = np.finfo(float).eps




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



"""analysis.stats.meta against R metafor 3.8-1 (fixtures in tests/reference/metafor.json).

The fixtures are made by tests/reference/make_metafor_reference.R on public data sets that ship
with metafor/metadat (dat.pritz1997, dat.debruin2009, dat.hannum2020, dat.pagliaro1992,
dat.hasselblad1998) and on constructed edge cases.  Tolerances and known differences:
tests/reference/README.md.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import math
import warnings
from pathlib import Path

import numpy as np
import pytest
from scipy.optimize import brentq
from statsmodels.stats.meta_analysis import combine_effects

from analysis.stats.meta import CIS, METHODS, TRANSFORMS, PooledProportion, pool_proportions

REF_PATH = Path(__file__).parents[1] / "reference" / "metafor.json"
REF = json.loads(REF_PATH.read_text())
SCALARS = ["estimate", "ci_low", "ci_high", "pi_low", "pi_high", "mu", "se",
           "tau2", "i2", "h2", "q", "q_pvalue"]

# Inverse-variance methods: 1e-6 absolute on every output (observed: < 1e-10).
TOL_IV = 1e-6
# GLMM: see tests/reference/README.md.  Against lme4's own objective minimised to convergence
# ("GLMM_exact") the agreement is ~1e-7; against metafor's default fit it is limited by lme4's
# default Nelder-Mead stopping rule (deviance changes of ~1e-9 move tau2 by ~1e-5).
TOL_GLMM_EXACT = {"estimate": 1e-6, "ci_low": 1e-6, "ci_high": 1e-6, "pi_low": 1e-6,
                  "pi_high": 1e-6, "mu": 2e-6, "se": 2e-6, "tau2": 2e-6, "i2": 2e-4,
                  "h2": 1e-4, "q": 1e-6, "q_pvalue": 1e-6, "q_lrt": 1e-6}
TOL_GLMM_DEFAULT = {"estimate": 2e-5, "ci_low": 2e-5, "ci_high": 2e-5, "pi_low": 2e-5,
                    "pi_high": 2e-5, "mu": 5e-5, "se": 5e-5, "tau2": 1e-4, "i2": 5e-3,
                    "h2": 5e-3, "q": 1e-6, "q_pvalue": 1e-6, "q_lrt": 1e-6}

EXPECTED_DATASETS = {
    "pritz1997", "debruin2009", "hannum2020", "pagliaro1992_control",
    "hasselblad1998_nocontact", "edge_zero_event", "edge_all_event", "edge_k2",
    "edge_homogeneous", "edge_rare", "edge_near_boundary",
}


def _case_id(c):
    return f"{c['dataset']}-{c['transform']}-{c['method']}-{c['ci']}"


def _fit(case):
    d = REF["datasets"][case["dataset"]]
    method = "GLMM" if case["method"].startswith("GLMM") else case["method"]
    return pool_proportions(d["xi"], d["ni"], transform=case["transform"], method=method,
                            ci=case["ci"])


# ------------------------------------------------------------------ the reference grid ----
def test_reference_versions_recorded():
    assert REF["metafor_version"] == "3.8.1"
    assert REF["lme4_version"] == "1.1.31"
    assert REF["r_version"].startswith("R version 4.2.2")


def test_reference_grid_is_complete():
    """Every data set x transform x method x ci is present exactly once (so the check cannot
    quietly shrink), plus GLMM and GLMM_exact on the logit scale for both ci choices."""
    assert set(REF["datasets"]) == EXPECTED_DATASETS
    got = [(c["dataset"], c["transform"], c["method"], c["ci"]) for c in REF["cases"]]
    assert len(got) == len(set(got))
    want = set()
    for ds in EXPECTED_DATASETS:
        for tr, me, ci in itertools.product(TRANSFORMS, [m for m in METHODS if m != "GLMM"], CIS):
            want.add((ds, tr, me, ci))
        for me, ci in itertools.product(["GLMM", "GLMM_exact"], CIS):
            want.add((ds, "logit", me, ci))
    assert set(got) == want
    assert len(got) == 11 * (4 * 5 * 2 + 4) == 484


IV_CASES = [c for c in REF["cases"] if not c["method"].startswith("GLMM")]
GLMM_CASES = [c for c in REF["cases"] if c["method"].startswith("GLMM")]


@pytest.mark.parametrize("case", IV_CASES, ids=_case_id)
def test_inverse_variance_matches_metafor(case):
    with warnings.catch_warnings():
        warnings.simplefilter("error")       # never a numpy warning
        res = _fit(case)
    ref = dict(case)
    if case["method"] == "EE":
        # metafor's predict() returns no prediction interval for an EE model; with tau2 = 0
        # the interval it would compute is the CI, which is what we report
        assert ref["pi_low"] is None and ref["pi_high"] is None
        ref["pi_low"], ref["pi_high"] = ref["ci_low"], ref["ci_high"]
    for name in SCALARS:
        assert getattr(res, name) == pytest.approx(ref[name], abs=TOL_IV, rel=0), name
    assert res.k == case["k"]
    np.testing.assert_allclose(res.studies["yi"], case["yi"], atol=TOL_IV, rtol=0)
    np.testing.assert_allclose(res.studies["vi"], case["vi"], atol=TOL_IV, rtol=0)
    np.testing.assert_allclose(res.studies["weight"], case["weights"], atol=TOL_IV, rtol=0)


@pytest.mark.parametrize("case", GLMM_CASES, ids=_case_id)
def test_glmm_matches_metafor(case):
    tol = TOL_GLMM_EXACT if case["method"] == "GLMM_exact" else TOL_GLMM_DEFAULT
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = _fit(case)
    for name in SCALARS:
        assert getattr(res, name) == pytest.approx(case[name], abs=tol[name], rel=0), name
    assert res.q_lrt == pytest.approx(case["q_lrt"], abs=tol["q_lrt"])
    assert res.q_lrt_pvalue == pytest.approx(case["q_lrt_pvalue"], abs=1e-6)
    np.testing.assert_allclose(res.studies["yi"], case["yi"], atol=TOL_IV, rtol=0)
    np.testing.assert_allclose(res.studies["vi"], case["vi"], atol=TOL_IV, rtol=0)


# ------------------------------------------------------- independent cross-checks -------
def _dataset(name):
    d = REF["datasets"][name]
    return d["xi"], d["ni"]


@pytest.mark.parametrize("name", ["debruin2009", "hannum2020", "pagliaro1992_control"])
def test_dl_and_pm_agree_with_statsmodels(name):
    """statsmodels combine_effects (DL: method_re='chi2'; PM: 'iterated') on the same yi/vi."""
    xi, ni = _dataset(name)
    # statsmodels' iterated PM stops at its own looser tolerance, hence rel 1e-3 for PM; the
    # PM estimating equation itself is checked to 1e-9 below
    for method, sm_method, rel in (("DL", "chi2", 1e-9), ("PM", "iterated", 1e-3)):
        res = pool_proportions(xi, ni, method=method)
        yi, vi = res.studies["yi"].to_numpy(), res.studies["vi"].to_numpy()
        sm = combine_effects(yi, vi, method_re=sm_method)
        assert sm.tau2 > 0           # interior case: statsmodels does not truncate at 0
        assert res.tau2 == pytest.approx(sm.tau2, rel=rel)
        assert res.mu == pytest.approx(sm.mean_effect_re, rel=rel)
        if method == "PM":
            # Paule-Mandel solves Q_gen(tau2) = k - 1.  Like metafor we stop R's uniroot at
            # tol = eps^0.25 (1.2e-4 on tau2), so the exact root is within that of ours.
            def qgen(t, yi=yi, vi=vi):
                w = 1 / (vi + t)
                return np.sum(w * (yi - np.sum(w * yi) / np.sum(w)) ** 2) - (len(xi) - 1)
            exact = brentq(qgen, 0, 100, xtol=1e-15)
            assert abs(res.tau2 - exact) < np.finfo(float).eps ** 0.25


def test_dl_truncates_tau2_where_statsmodels_does_not():
    xi, ni = _dataset("edge_homogeneous")
    res = pool_proportions(xi, ni, method="DL")
    sm = combine_effects(res.studies["yi"].to_numpy(), res.studies["vi"].to_numpy(),
                         method_re="chi2")
    assert res.tau2 == 0.0 and res.i2 == 0.0 and res.h2 == 1.0
    assert "tau2 estimate is at its boundary 0" in res.flags
    assert res.q < res.k - 1
    assert sm.tau2 <= 0.0 or np.isclose(sm.tau2, 0.0)


def test_clopper_pearson_per_study_interval():
    """Exact interval against the beta quantiles (Clopper & Pearson 1934), incl. 0 and n events."""
    from scipy.stats import beta
    res = pool_proportions([0, 3, 10], [10, 12, 10], method="EE")
    lo, hi = res.studies["ci_low"].to_numpy(), res.studies["ci_high"].to_numpy()
    assert lo[0] == 0.0 and hi[0] == pytest.approx(1 - 0.025 ** (1 / 10))
    assert lo[1] == pytest.approx(beta.ppf(0.025, 3, 10)) and hi[1] == pytest.approx(beta.ppf(0.975, 4, 9))
    assert hi[2] == 1.0 and lo[2] == pytest.approx(0.025 ** (1 / 10))


def test_ee_k1_is_the_study_itself():
    res = pool_proportions([7], [20], method="EE", transform="logit")
    assert res.estimate == pytest.approx(7 / 20)
    assert res.q == 0.0 and res.q_pvalue == 1.0 and res.i2 == 0.0 and res.h2 == 1.0


# ----------------------------------------------------------------- flags ----------------
def test_raw_bound_outside_unit_interval_is_reported_not_hidden():
    xi, ni = _dataset("edge_k2")             # metafor: CI -1.455 to 2.357 (reference fixture)
    res = pool_proportions(xi, ni, transform="raw", method="REML", ci="hk")
    assert res.ci_low < 0 and res.pi_low < 0 and res.ci_high > 1 and res.pi_high > 1
    for name in ("ci_low", "ci_high", "pi_low", "pi_high"):
        assert any(f.startswith(name + " = ") and "outside [0, 1]" in f for f in res.flags)
    xi, ni = _dataset("debruin2009")
    assert not any("outside" in f for f in pool_proportions(xi, ni, transform="raw").flags)


def test_continuity_correction_is_flagged_with_study_names():
    res = pool_proportions([0, 5, 8], [20, 40, 8], labels=["A", "B", "C"], method="DL")
    assert "continuity correction 1/2 added (zero cell) to: A, C" in res.flags
    assert res.studies["yi"].iloc[0] == pytest.approx(math.log(0.5 / 20.5))
    res = pool_proportions([0, 5, 8], [20, 40, 8], labels=["A", "B", "C"], transform="ftda")
    assert not any("continuity" in f for f in res.flags)


def test_clipped_back_transform_is_flagged():
    xi, ni = _dataset("edge_rare")
    res = pool_proportions(xi, ni, transform="asin", method="REML")
    assert res.pi_low == 0.0
    assert any(f.startswith("pi_low back-transform clipped") for f in res.flags)


def test_hk_zero_width_flagged():
    res = pool_proportions([10, 10, 10], [40, 40, 40], method="DL", ci="hk")
    assert res.ci_low == res.ci_high == pytest.approx(0.25)
    assert any("zero width" in f for f in res.flags)


def test_glmm_weights_not_defined_is_flagged():
    xi, ni = _dataset("debruin2009")
    res = pool_proportions(xi, ni, method="GLMM")
    assert res.studies["weight"].isna().all()
    assert any("weights are not defined" in f for f in res.flags)


# ------------------------------------------------------------- result object -------------
def test_summary_and_to_dict_are_plain_python_and_deterministic():
    xi, ni = _dataset("pritz1997")
    a = pool_proportions(xi, ni, transform="ftda", method="REML", ci="hk")
    b = pool_proportions(xi, ni, transform="ftda", method="REML", ci="hk")
    assert isinstance(a, PooledProportion)
    da, db = a.to_dict(), b.to_dict()
    assert json.dumps(da, sort_keys=True) == json.dumps(db, sort_keys=True)
    for key, val in a.summary().items():
        assert val is None or type(val) in (int, float, str, list), key
    assert type(da["studies"][0]["weight"]) is float
    assert type(da["studies"][0]["events"]) is int
    assert a.df == len(xi) - 1 and a.transform == "ftda" and a.level == 0.95
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.tau2 = 0.0            # frozen
    assert "REML (ftda, hk)" in str(a)


def test_level_changes_interval_width():
    xi, ni = _dataset("debruin2009")
    r95 = pool_proportions(xi, ni, level=0.95)
    r80 = pool_proportions(xi, ni, level=0.80)
    assert r80.mu == r95.mu
    assert (r80.ci_high - r80.ci_low) < (r95.ci_high - r95.ci_low)


# -------------------------------------------------------------- error paths --------------
@pytest.mark.parametrize("events, totals, kwargs, message", [
    ([5, 12], [10, 10], {"labels": ["Topp", "Kantarjian"]}, "study 'Kantarjian': events (12) > total (10)"),
    ([5, -1], [10, 10], {}, "study 'Study 2': events is negative"),
    ([5, 3], [10, -4], {}, "study 'Study 2': total is negative"),
    ([5, 2.5], [10, 10], {}, "study 'Study 2': events is not an integer count"),
    ([5, 3], [10, 10.2], {}, "study 'Study 2': total is not an integer count"),
    ([0, 3], [0, 10], {"labels": ["Empty", "B"]}, "study 'Empty': total is 0"),
    ([5, 3], [10], {}, "events has 2 studies but totals has 1"),
    ([5, 3], [10, 10], {"labels": ["A"]}, "labels has 1 entries but there are 2 studies"),
    ([5, 3], [10, 10], {"labels": ["A", "A"]}, "study labels must be unique"),
    ([5], [10], {"method": "REML", "labels": ["Solo"]}, "needs at least 2 studies to estimate tau2, got 1 (study "
                                                        "'Solo')"),
    ([5], [10], {"method": "GLMM"}, "needs at least 2 studies"),
    ([5], [10], {"method": "EE", "ci": "hk"}, "ci 'hk' needs at least 2 studies"),
    ([], [], {"method": "EE"}, "no studies given"),
    ([5, 3], [10, 10], {"transform": "probit"}, "unknown transform 'probit'"),
    ([5, 3], [10, 10], {"method": "SJ"}, "unknown method 'SJ'"),
    ([5, 3], [10, 10], {"ci": "t"}, "unknown ci 't'"),
    ([5, 3], [10, 10], {"level": 95}, "level must be a number strictly between 0 and 1"),
    ([5, 3], [10, 10], {"method": "GLMM", "transform": "ftda"}, "transform must be 'logit'"),
    ([5, float("nan")], [10, 10], {}, "study 'Study 2': events is not finite"),
    ([5, "3"], [10, 10], {}, "study 'Study 2': events must be a number"),
    ([True, 3], [10, 10], {}, "study 'Study 1': events must be a number"),
    ([0, 0, 0], [10, 12, 9], {"method": "GLMM"}, "GLMM: no study has an event"),
    ([10, 12], [10, 12], {"method": "GLMM"}, "every patient in every study had the event"),
])
def test_bad_input_raises_value_error_naming_the_problem(events, totals, kwargs, message):
    with pytest.raises(ValueError, match=None) as info:
        pool_proportions(events, totals, **kwargs)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_non_sequence_input():
    with pytest.raises(ValueError, match="sequences of counts"):
        pool_proportions(5, 10)


# ------------------------------------------------------------- GLMM optimiser -----------
# The GLMM fit uses the exact gradient of lme4's nAGQ = 7 deviance, a vectorised profile grid
# as global search and Newton; these tests pin what the fixtures cannot see directly.
def test_glmm_gradient_is_the_derivative_of_the_deviance():
    from analysis.stats.glmm import _agq_deviance, _agq_eval, _GlmmData
    for name in ("pritz1997", "hasselblad1998_nocontact", "edge_rare", "edge_all_event"):
        x, n = (np.asarray(v, float) for v in _dataset(name))
        d = _GlmmData(x, n)
        for beta, theta in ((-1.0, 0.3), (0.5, 1.5), (-2.5, 0.0), (0.2, -0.8), (1.0, 4.0)):
            D, g, _ = _agq_eval(d, np.array([[beta]]), np.array([[theta]]), np.zeros((1, x.size)))
            assert D[0] == pytest.approx(_agq_deviance(beta, theta, x, n), rel=1e-14, abs=1e-12)
            e = 1e-5
            fd = [(_agq_deviance(beta + e, theta, x, n) - _agq_deviance(beta - e, theta, x, n)) / (2 * e),
                  (_agq_deviance(beta, theta + e, x, n) - _agq_deviance(beta, theta - e, x, n)) / (2 * e)]
            np.testing.assert_allclose(g[0], fd, rtol=1e-6, atol=1e-6)
        # the deviance is even in theta
        assert _agq_deviance(0.3, -0.7, x, n) == pytest.approx(_agq_deviance(0.3, 0.7, x, n), rel=1e-13)


@pytest.mark.parametrize("name", ["pritz1997", "debruin2009", "edge_zero_event", "edge_k2",
                                  "edge_homogeneous"])
def test_glmm_fit_is_the_global_minimum_of_the_deviance(name):
    """Brute force: the profile deviance min_beta D(beta, theta) on a theta grid (scalar
    minimisation in beta, no shared code with the fit's optimiser) is nowhere below the fit."""
    from scipy.optimize import minimize_scalar

    from analysis.stats.glmm import _agq_deviance
    xi, ni = _dataset(name)
    x, n = np.asarray(xi, float), np.asarray(ni, float)
    res = pool_proportions(xi, ni, method="GLMM")
    theta = math.sqrt(res.tau2)
    d_fit = _agq_deviance(res.mu, theta, x, n)
    for th in np.linspace(0.0, 3.0, 25):
        prof = minimize_scalar(lambda b, th=th: _agq_deviance(b, th, x, n), bracket=(res.mu - 0.5, res.mu + 0.5),
                               tol=1e-10).fun
        assert d_fit <= prof + 1e-9, th
    for db, dt in itertools.product((-1e-4, 0.0, 1e-4), repeat=2):   # a local minimum, too
        assert d_fit <= _agq_deviance(res.mu + db, theta + dt, x, n) + 1e-11


def test_glmm_is_deterministic_and_independent_of_the_start():
    from analysis.stats.glmm import _glmm_fit
    xi, ni = _dataset("hannum2020")
    a = pool_proportions(xi, ni, method="GLMM").to_dict()
    b = pool_proportions(xi, ni, method="GLMM").to_dict()
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)
    x, n = np.asarray(xi, float), np.asarray(ni, float)
    fits = np.array([_glmm_fit(x, n, theta0, []) for theta0 in (0.05, 1.2, 5.0)])
    # (beta, se, tau2): se is a central difference of the exact gradient, so it does not carry
    # the ~1e-7 rounding noise of a second difference of deviance values
    np.testing.assert_allclose(fits, fits[[0, 0, 0]], rtol=0, atol=1e-9)


def test_glmm_boundary_and_flags():
    for name in ("edge_homogeneous", "edge_near_boundary", "edge_rare"):
        xi, ni = _dataset(name)
        res = pool_proportions(xi, ni, method="GLMM")
        assert res.tau2 < 1e-12
        assert "tau2 estimate is at its boundary 0" in res.flags
    for name in EXPECTED_DATASETS:             # every fixture fit converges cleanly
        xi, ni = _dataset(name)
        res = pool_proportions(xi, ni, method="GLMM")
        assert not any(f.startswith("GLMM:") or "optimiser" in f for f in res.flags), name
    # studies of one patient each: beta and theta are not separately identified (a ridge)
    res = pool_proportions([0, 1, 1], [1, 1, 1], method="GLMM")
    assert "GLMM: Hessian not positive definite; se from the fixed-theta information" in res.flags
    assert math.isfinite(res.se) and res.se > 0


def test_glmm_large_k_is_fast():
    """k = 1,000 took ~9 s with BFGS on numerical gradients; now ~0.1 s (generous bound)."""
    import time
    rng = np.random.default_rng(2023)
    ni = rng.integers(15, 400, size=1000)
    xi = rng.binomial(ni, 1 / (1 + np.exp(-rng.normal(0.0, 0.7, size=1000))))
    t0 = time.perf_counter()
    res = pool_proportions(xi.tolist(), ni.tolist(), method="GLMM")
    assert time.perf_counter() - t0 < 3.0
    assert res.tau2 == pytest.approx(0.5158594359, abs=1e-8)
    assert res.mu == pytest.approx(0.0017543820, abs=1e-9)



def test_glmm_complete_separation_is_flagged_not_hidden():
    """0/10 and 10/10: the quadrature deviance falls as tau2 grows; the fit must say so."""
    from analysis.stats.meta import pool_proportions

    res = pool_proportions([0, 10], [10, 10], method="GLMM")
    assert any("diverges" in f for f in res.flags), res.flags


def test_prediction_interval_is_metafors_predict_convention():
    """One PI convention (meta.py docstring): mu ± crit·sqrt(se² + tau²), crit the CI's own critical
    value (z for Wald, t(k-1) for Hartung-Knapp), back-transformed; not t(k-2)."""
    import math as _m

    from scipy import special as _sp
    from scipy import stats as _st

    x, n = [25, 81, 115, 16, 27], [36, 189, 271, 45, 70]
    for ci, crit in (("wald", _st.norm.ppf(0.975)), ("hk", _st.t.ppf(0.975, 4))):
        r = pool_proportions(x, n, "logit", "REML", ci)
        half = crit * _m.sqrt(r.se ** 2 + r.tau2)
        assert (r.pi_low, r.pi_high) == pytest.approx((_sp.expit(r.mu - half), _sp.expit(r.mu + half)), abs=1e-14)
        wrong = _st.t.ppf(0.975, 3) * _m.sqrt(r.se ** 2 + r.tau2)   # the t(k-2) variant differs
        assert abs(_sp.expit(r.mu + wrong) - r.pi_high) > 1e-3

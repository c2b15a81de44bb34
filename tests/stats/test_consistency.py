"""Tests for analysis.stats.consistency.

Each test names its reference in its docstring: a published worked example (Altman & Bland,
BMJ 2011; the scrutiny R package's documented GRIM output), a closed form, or an independent
computation with lifelines / scipy on data built for the test. E1910 figures are those read in
the NEJM 2024 abstract (PMID 39047240), the ASH 2022 LBA-1 reports and the FDA approval notice
(June 2024), as listed in /work/shared/sources/evidence-trials.md.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from lifelines import CoxPHFitter, ExponentialFitter, KaplanMeierFitter, PiecewiseExponentialFitter, WeibullFitter
from scipy import stats

from analysis.stats.attainability import grim_percent, km_attainable
from analysis.stats.pvalues import ci_from_p, p_from_ci, ratio_ci_symmetry
from analysis.stats.survival import (
    fit_exponential_from_landmark,
    fit_piecewise_exponential,
    fit_weibull_from_landmarks,
    implied_events_from_hr_ci,
    median_beyond_follow_up,
    median_consistent_with_landmarks,
)


def printed_round(x: float, decimals: int) -> float:
    return float(Decimal(repr(x)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP))


# =========================================================================== CI from P (d2090)

def test_ci_from_p_altman_bland_difference_example():
    """Altman & Bland, BMJ 2011;343:d2090, example (a): zinc trial, 49% v 32%, P = 0.032.
    Paper: z = 2.141, SE = 7.940, 1.96 SE = 15.56, 95% CI 1.4 to 32.6 percentage points."""
    r = ci_from_p(17.0, 0.032, ratio=False, z_method="altman-bland")
    assert r.z == pytest.approx(2.141, abs=5e-4)
    assert r.se == pytest.approx(7.940, abs=5e-4)
    assert printed_round(r.low, 1) == 1.4
    assert printed_round(r.high, 1) == 32.6


def test_ci_from_p_altman_bland_ratio_example():
    """Altman & Bland, BMJ 2011;343:d2090, example (b): cohort study, relative risk 0.30,
    P = 0.034. Paper: z = 2.117, Est = log 0.30 = -1.204, SE = 0.569, 95% CI 0.10 to 0.91."""
    r = ci_from_p(0.30, 0.034, ratio=True, z_method="altman-bland")
    assert r.z == pytest.approx(2.117, abs=5e-4)
    assert r.se == pytest.approx(0.569, abs=5e-4)
    assert printed_round(r.low, 2) == 0.10
    assert printed_round(r.high, 2) == 0.91


def test_ci_from_p_exact_z_differs_from_approximation_in_last_digit():
    """Exact normal quantile (scipy) vs the paper's approximation for the d2090 zinc example:
    z = Phi^-1(1 - 0.016) = 2.1444 (paper's formula 2.141), giving 1.5 to 32.5 instead of
    1.4 to 32.6; the difference is the approximation's, and is documented."""
    r = ci_from_p(17.0, 0.032, ratio=False)
    assert r.z == pytest.approx(stats.norm.isf(0.016), rel=1e-12)
    assert r.z == pytest.approx(2.1444, abs=1e-4)
    assert (printed_round(r.low, 1), printed_round(r.high, 1)) == (1.5, 32.5)


def test_ci_from_p_near_one_gives_unbounded_ratio_interval():
    """A ratio with P close to 1 has an enormous SE: the upper limit is infinite, not an
    overflow error (HR 2.0, P = 0.999 -> z = 0.00125, SE = 553)."""
    r = ci_from_p(2.0, 0.999)
    assert r.high == math.inf and 0.0 <= r.low < 1e-100


def test_ci_from_p_other_levels_use_normal_quantile():
    """d2090 box: for a 90% CI replace 1.96 by 1.65, for 99% by 2.57 (rounded quantiles)."""
    r90 = ci_from_p(17.0, 0.032, ratio=False, level=0.90)
    r99 = ci_from_p(17.0, 0.032, ratio=False, level=0.99)
    assert (17.0 - r90.low) / r90.se == pytest.approx(1.645, abs=1e-3)
    assert (17.0 - r99.low) / r99.se == pytest.approx(2.576, abs=1e-3)


# =========================================================================== P from CI (d2304)

def test_p_from_ci_recovers_the_published_p_of_the_d2090_ratio_example():
    """Altman & Bland d2090 publish the triple RR 0.30, P = 0.034, 95% CI 0.10 to 0.91.
    Going back from the printed CI (d2304 method) must give a P whose range over the rounding
    of the printed limits contains 0.034; the point value is 0.0326 (exact normal tail)."""
    r = p_from_ci(0.30, 0.10, 0.91, ratio=True, decimals=2)
    assert r.p == pytest.approx(0.0326, abs=1e-4)
    assert r.p_min <= 0.034 <= r.p_max


def test_p_from_ci_recovers_the_published_p_of_the_d2090_difference_example():
    """d2090 zinc trial: difference 17 (95% CI 1.4 to 32.6), P = 0.032."""
    r = p_from_ci(17.0, 1.4, 32.6, ratio=False, decimals=1)
    assert r.p_min <= 0.032 <= r.p_max
    assert r.p_altman_bland == pytest.approx(math.exp(-0.717 * abs(r.z) - 0.416 * r.z ** 2))


def test_p_from_ci_matches_lifelines_cox_wald_p():
    """Independent reference: lifelines' CoxPHFitter reports exp(coef), its 95% CI and the
    Wald P. The P recomputed from the printed-to-full-precision HR and CI must equal it."""
    rng = np.random.default_rng(20240614)
    n = 400
    arm = np.repeat([0, 1], n // 2)
    t = rng.exponential(np.where(arm == 1, 1 / 0.6, 1.0))
    c = rng.uniform(0.5, 3.0, n)
    df = pd.DataFrame({"T": np.minimum(t, c), "E": (t <= c).astype(int), "arm": arm})
    cph = CoxPHFitter().fit(df, "T", "E")
    row = cph.summary.loc["arm"]
    r = p_from_ci(row["exp(coef)"], row["exp(coef) lower 95%"], row["exp(coef) upper 95%"])
    assert r.p == pytest.approx(row["p"], rel=1e-6)
    assert r.se == pytest.approx(row["se(coef)"], rel=1e-6)


def test_p_from_ci_e1910_nejm_and_ash():
    """E1910: NEJM 2024 abstract HR 0.41 (0.23-0.73), P = 0.002; ASH 2022/FDA HR 0.42
    (0.24-0.75), P = .003. Hand arithmetic: SE = ln(0.73/0.23)/3.92 = 0.2946, z = -3.03,
    P = 0.0025; SE = ln(0.75/0.24)/3.92 = 0.2907, z = -2.98, P = 0.0028. Both printed P values
    lie inside the range allowed by the rounding of the printed HR and limits."""
    nejm = p_from_ci(0.41, 0.23, 0.73, decimals=2)
    assert nejm.se == pytest.approx(0.2946, abs=1e-4)
    assert nejm.z == pytest.approx(-3.026, abs=1e-3)
    assert nejm.p == pytest.approx(0.00248, abs=1e-5)
    assert nejm.p_min <= 0.002 <= nejm.p_max
    ash = p_from_ci(0.42, 0.24, 0.75, decimals=2)
    assert ash.se == pytest.approx(0.2907, abs=1e-4)
    assert ash.p == pytest.approx(0.00284, abs=1e-5)
    assert ash.p_min <= 0.003 <= ash.p_max


def test_p_from_ci_range_reaches_one_when_estimate_can_round_from_the_null():
    """Closed form: HR printed 1.0 (0.5-2.0) to 1 decimal: the estimate may be exactly 1, so
    the largest compatible P is 1."""
    r = p_from_ci(1.0, 0.5, 2.0, decimals=1)
    assert r.p == pytest.approx(1.0)
    assert r.p_max == 1.0


@settings(max_examples=200, deadline=None)
@given(est=st.floats(0.05, 20), p=st.floats(1e-8, 0.999), level=st.sampled_from([0.9, 0.95, 0.99]))
def test_p_from_ci_inverts_ci_from_p_for_ratios(est, p, level):
    """Property: p_from_ci(ci_from_p(est, p)) returns p (exact normal quantile both ways)."""
    if abs(math.log(est)) < 1e-6:
        return
    ci = ci_from_p(est, p, ratio=True, level=level)
    assume(0.0 < ci.low and math.isfinite(ci.high))
    back = p_from_ci(est, ci.low, ci.high, ratio=True, level=level)
    assert back.p == pytest.approx(p, rel=1e-6)
    assert back.se == pytest.approx(ci.se, rel=1e-9)


@settings(max_examples=200, deadline=None)
@given(est=st.floats(-50, 50), p=st.floats(1e-8, 0.999))
def test_p_from_ci_inverts_ci_from_p_for_differences(est, p):
    """Property: the same round trip on the natural scale."""
    if abs(est) < 1e-6:
        return
    ci = ci_from_p(est, p, ratio=False)
    assert p_from_ci(est, ci.low, ci.high, ratio=False).p == pytest.approx(p, rel=1e-6)


# =========================================================================== CI symmetry

def test_ratio_ci_symmetry_closed_form():
    """Closed form: HR 0.5 with limits 0.25 and 1.0 is exactly log-symmetric
    (ln 2 either side, geometric midpoint sqrt(0.25 * 1.0) = 0.5)."""
    r = ratio_ci_symmetry("0.50", "0.25", "1.00")
    assert r.lower_half_width == pytest.approx(math.log(2))
    assert r.upper_half_width == pytest.approx(math.log(2))
    assert r.relative_difference == pytest.approx(0.0, abs=1e-12)
    assert r.geometric_midpoint == pytest.approx(0.5)
    assert r.consistent


def test_ratio_ci_symmetry_e1910_reports():
    """E1910 hazard ratios as printed (NEJM 2024, ASH 2022, FDA 2024, EHA 2025 subgroup):
    sqrt(0.23*0.73) = 0.4098 (0.41), sqrt(0.24*0.75) = 0.4243 (0.42),
    sqrt(0.32*0.87) = 0.5276 (0.53), sqrt(0.25*0.76) = 0.4359 (0.44),
    sqrt(0.08*0.54) = 0.2078 (printed 0.20: consistent only through the rounding of 0.08)."""
    cases = {("0.41", "0.23", "0.73"): 0.40976, ("0.42", "0.24", "0.75"): 0.42426,
             ("0.53", "0.32", "0.87"): 0.52764, ("0.44", "0.25", "0.76"): 0.43589,
             ("0.20", "0.08", "0.54"): 0.20785}
    for (e, lo, hi), mid in cases.items():
        r = ratio_ci_symmetry(e, lo, hi)
        assert r.geometric_midpoint == pytest.approx(mid, abs=1e-5)
        assert r.consistent, (e, lo, hi)
    eha = ratio_ci_symmetry("0.20", "0.08", "0.54")
    assert eha.midpoint_range[0] == pytest.approx(math.sqrt(0.075 * 0.535))
    assert eha.midpoint_range[0] < 0.205  # overlap with [0.195, 0.205] exists but is narrow


def test_ratio_ci_symmetry_flags_an_off_centre_estimate():
    """Constructed: HR 0.60 printed with 0.23-0.73 has midpoint 0.4098, far outside
    [0.595, 0.605]; an estimate outside its interval is reported, not raised."""
    assert not ratio_ci_symmetry("0.60", "0.23", "0.73").consistent
    outside = ratio_ci_symmetry("0.80", "0.23", "0.73")
    assert outside.upper_half_width < 0 and not outside.consistent


def test_ratio_ci_symmetry_floats_with_decimals():
    """Floats need the printed decimals; the result equals the string form."""
    a = ratio_ci_symmetry(0.41, 0.23, 0.73, decimals=2)
    b = ratio_ci_symmetry("0.41", "0.23", "0.73")
    assert a == b


# =========================================================================== GRIM

def test_grim_percent_scrutiny_readme_pigs2():
    """scrutiny (R) README, grim_map(pigs2, percent = TRUE), n = 150: 67.4, 54.2, 69.8, 68.1,
    55.4 are inconsistent and 54.0 is consistent (81/150 = 54.0%)."""
    expected = {"67.4%": False, "54.2%": False, "54.0%": True, "69.8%": False,
                "68.1%": False, "55.4%": False}
    for text, ok in expected.items():
        assert grim_percent(text, 150).consistent is ok, text
    assert grim_percent("54.0%", 150).k == (81,)


def test_grim_percent_trailing_zero_matters():
    """Brown & Heathers 2017 (GRIM): precision is in the printed digits. 54% with n = 150
    admits 80/150 = 53.33% (no), 81/150 = 54.0% (yes), 82/150 = 54.67% (no) -> k = 81 only,
    but "54%" admits any k with 100k/150 in [53.5, 54.5]: still 81 only; n = 13 and "54%"
    -> 7/13 = 53.85% -> k = 7."""
    assert grim_percent("54%", 150).k == (81,)
    assert grim_percent("54%", 13).k == (7,)


def test_grim_percent_reports_tie_rules_separately():
    """Closed form: 1/8 = 12.5% printed to 0 decimals. Half-up gives 13%, half-even 12%;
    so "13%" with n = 8 is consistent only half-up and "12%" only half-even."""
    r13 = grim_percent("13%", 8)
    r12 = grim_percent("12%", 8)
    assert r13.k_half_up == (1,) and r13.k_half_even == ()
    assert r12.k_half_up == () and r12.k_half_even == (1,)
    assert r13.consistent and r12.consistent


def test_grim_percent_e1910_arm_percentages():
    """E1910, 112 per arm: 85% (NEJM) -> 95/112 = 84.82%; 84.8% (FDA) -> 95/112;
    68% -> 76/112 = 67.86%; 69% (FDA) -> 77/112 = 68.75%; 62.5% (FDA) -> 70/112 exactly;
    82.4% (FDA 5-year) -> none (92/112 = 82.14%, 93/112 = 83.04%)."""
    assert grim_percent("85%", 112).k == (95,)
    assert grim_percent("84.8%", 112).k == (95,)
    assert grim_percent("68%", 112).k == (76,)
    assert grim_percent("69%", 112).k == (77,)
    assert grim_percent("62.5%", 112).k == (70,)
    r = grim_percent("82.4%", 112)
    assert not r.consistent and r.nearest_k == (92,)


def test_grim_percent_enrolment_ratio():
    """E1910 NEJM abstract: CR/CRi in 395 of 488 patients (81%): 395/488 = 80.94%."""
    assert 395 in grim_percent("81%", 488).k


@settings(max_examples=300, deadline=None)
@given(n=st.integers(1, 400), data=st.data(), decimals=st.integers(0, 2),
       even=st.booleans())
def test_grim_percent_finds_every_printed_k(n, data, decimals, even):
    """Property: printing 100k/n (half-up or half-even) and testing the string returns k,
    and every k returned rounds back to the printed string under the rule it is listed for."""
    k = data.draw(st.integers(0, n))
    mode = ROUND_HALF_EVEN if even else ROUND_HALF_UP
    value = (Decimal(100 * k) / Decimal(n)).quantize(Decimal(1).scaleb(-decimals), rounding=mode)
    text = f"{value}%"
    r = grim_percent(text, n)
    assert k in (r.k_half_even if even else r.k_half_up)
    for kk in r.k_half_up:
        exact = Decimal(100 * kk) / Decimal(n)
        assert exact.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP) == value
    for kk in r.k_half_even:
        exact = Decimal(100 * kk) / Decimal(n)
        assert exact.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_EVEN) == value


# =========================================================================== Kaplan-Meier

def _km_from_at_risk(n: int, at_risk_at_deaths: tuple[int, ...]) -> float:
    """Build patient data realising the at-risk sequence (censor before each death), fit
    lifelines' KaplanMeierFitter and return S just after the last death."""
    times, events = [], []
    current, clock = n, 0.0
    for m in at_risk_at_deaths:
        for _ in range(current - m):          # censor down to m at risk
            clock += 1.0
            times.append(clock)
            events.append(0)
        clock += 1.0
        times.append(clock)
        events.append(1)
        current = m - 1
    t_last = clock
    times += [t_last + 10.0] * current      # survivors beyond t
    events += [0] * current
    kmf = KaplanMeierFitter().fit(times, events)
    return float(kmf.survival_function_at_times(t_last + 0.5).iloc[0])


def test_km_attainable_without_censoring_is_grim_on_survivors():
    """E1910 blinatumomab arm, n = 112, 3-year OS 85% (NEJM 2024): without censoring
    (112 - d)/112 rounds to 85% only for d = 17 (84.82%); FDA 84.8% gives the same d."""
    assert km_attainable("85%", 112).events_without_censoring == (17,)
    assert km_attainable("84.8%", 112).events_without_censoring == (17,)
    assert km_attainable("68%", 112).events_without_censoring == (36,)
    assert km_attainable("62.5%", 112).events_without_censoring == (42,)


def test_km_attainable_5_year_blinatumomab_needs_censoring():
    """FDA 2024: 5-year OS 82.4% in the blinatumomab arm (n = 112) at a 4.5-year median
    follow-up. No (112 - d)/112 rounds to 82.4%, so the estimate requires censoring before
    5 years — expected, since follow-up was incomplete; it is attainable with censoring and
    the example at-risk sequence reproduces it in lifelines' Kaplan-Meier fit."""
    r = km_attainable("82.4%", 112)
    assert not r.attainable_without_censoring
    assert r.attainable_with_censoring
    assert r.max_events == 19  # S <= (112 - D)/112 needs D <= 19 (93/112 = 83.0%)
    s = _km_from_at_risk(112, r.example_at_risk)
    assert 0.8235 <= s < 0.8245
    assert len(r.example_at_risk) == r.min_events


def test_km_attainable_minimum_events_checked_with_lifelines():
    """For each E1910 landmark the reported minimum-event at-risk sequence, rebuilt as patient
    data and fitted with lifelines' KaplanMeierFitter, rounds to the printed value; and one
    event fewer is infeasible (it is the minimum)."""
    for text in ["85%", "68%", "69%", "62.5%", "83%", "65%"]:
        r = km_attainable(text, 112)
        assert r.undetermined_events == ()
        s = _km_from_at_risk(112, r.example_at_risk)
        value = float(text.rstrip("%")) / 100
        dec = len(text.rstrip("%").split(".")[1]) if "." in text else 0
        half = 0.5 * 10 ** (-dec - 2)
        assert value - half - 1e-12 <= s <= value + half + 1e-12, text
        assert r.min_events - 1 not in r.feasible_events


def test_km_attainable_minimum_events_closed_form():
    """Closed form: one death among m at risk gives (m-1)/m; 83% <- 5/6 = 83.3% (D = 1).
    85%: no single (m-1)/m lies in [84.5%, 85.5%] (6/7 = 85.7%, 5/6 = 83.3%), so D >= 2."""
    assert km_attainable("83%", 112).min_events == 1
    assert km_attainable("85%", 112).min_events == 2


def test_km_attainable_at_risk_constrains_events():
    """With 80 patients still at risk at t out of 112, deaths <= 32; 85% then needs
    S >= 80/(80+D) ... the first D reaching [84.5%, 85.5%] is D = 14 (80/94 = 85.1%), and
    without censoring only d = 17 with 95 at risk is possible, so none with 80 at risk."""
    r = km_attainable("85%", 112, at_risk=80)
    assert r.min_events == 14
    assert r.max_events == 17
    assert r.events_without_censoring == ()
    assert km_attainable("85%", 112, at_risk=95).events_without_censoring == (17,)


def test_km_attainable_impossible_value():
    """Closed form: n = 1 allows only 100% or 0%; 50% is impossible."""
    r = km_attainable("50%", 1)
    assert not r.attainable_with_censoring and r.min_events is None
    assert "cannot be produced" in r.note
    assert km_attainable("100%", 5).feasible_events == (0,)


def test_km_attainable_reports_search_cap():
    """A tiny node cap makes the exact search give up: the D values are reported as
    undetermined, never silently as infeasible."""
    r = km_attainable("62.5%", 112, node_cap=1)
    assert r.undetermined_events


@settings(max_examples=60, deadline=None)
@given(n=st.integers(2, 60), data=st.data())
def test_km_attainable_contains_the_uncensored_count(n, data):
    """Property: for d deaths and no censoring, the printed (n-d)/n (1 decimal) is attainable
    with d among the no-censoring counts and within [min_events, max_events]. Survival of at
    least a quarter (every landmark the report checks is above one half): the exact search grows
    steeply as survival falls (about 10 s at 5% of 38), which would make this one test a minute."""
    d = data.draw(st.integers(0, (3 * n) // 4))
    value = (Decimal(100 * (n - d)) / Decimal(n)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    r = km_attainable(f"{value}%", n)
    assert d in r.events_without_censoring
    assert r.min_events <= d <= r.max_events


# =========================================================================== Schoenfeld

def test_implied_events_e1910():
    """E1910 (approximation, hand arithmetic with z = 1.96): HR 0.41 (0.23-0.73):
    4/(ln(0.73/0.23)/3.92)^2 = 46.1; HR 0.42 (0.24-0.75): 47.3; RFS HR 0.53 (0.32-0.87): 61.4;
    5-year OS HR 0.44 (0.25-0.76): 49.7."""
    cases = {(0.23, 0.73): 46.1, (0.24, 0.75): 47.3, (0.32, 0.87): 61.4, (0.25, 0.76): 49.7}
    for (lo, hi), expected in cases.items():
        r = implied_events_from_hr_ci(lo, hi)
        hand = 4.0 / ((math.log(hi) - math.log(lo)) / 3.92) ** 2
        assert r.events == pytest.approx(hand, rel=1e-3)
        assert round(r.events, 1) == expected
        assert r.approximate is True
        assert "APPROXIMATION" in r.method


def test_implied_events_rounding_range():
    """The printed 0.23-0.73 stands for limits in [0.225, 0.235] and [0.725, 0.735]:
    widest (0.225, 0.735) gives 43.9 events, narrowest (0.235, 0.725) gives 48.4."""
    r = implied_events_from_hr_ci(0.23, 0.73, decimals=2)
    assert r.events_min == pytest.approx(4 / (math.log(0.735 / 0.225) / (2 * 1.959964)) ** 2, rel=1e-6)
    assert round(r.events_min, 1) == 43.9 and round(r.events_max, 1) == 48.4


@pytest.mark.parametrize("allocation", [0.5, 1 / 3])
def test_implied_events_against_simulated_cox_fit(allocation):
    """Independent check: simulate a trial with known event count D, fit lifelines' Cox model,
    feed its printed-precision 95% CI back: the Schoenfeld estimate is within 10% of D."""
    rng = np.random.default_rng(7)
    n = 3000
    arm = (rng.uniform(size=n) < allocation).astype(int)
    t = rng.exponential(np.where(arm == 1, 1 / 0.7, 1.0))
    c = rng.uniform(0.1, 1.5, n)
    df = pd.DataFrame({"T": np.minimum(t, c), "E": (t <= c).astype(int), "arm": arm})
    cph = CoxPHFitter().fit(df, "T", "E")
    row = cph.summary.loc["arm"]
    r = implied_events_from_hr_ci(row["exp(coef) lower 95%"], row["exp(coef) upper 95%"],
                                  allocation=arm.mean())
    assert r.events == pytest.approx(df["E"].sum(), rel=0.10)


# =========================================================================== survival models

def test_exponential_closed_form():
    """Closed form: S(3) = 0.68 gives rate = -ln 0.68 / 3 = 0.12856/yr, median
    3 ln2 / (-ln 0.68) = 5.392 years; S and median agree with scipy.stats.expon."""
    f = fit_exponential_from_landmark(3.0, 0.68)
    assert f.rate == pytest.approx(-math.log(0.68) / 3)
    assert f.median == pytest.approx(5.392, abs=1e-3)
    assert f.survival(3.0) == pytest.approx(0.68)
    dist = stats.expon(scale=1 / f.rate)
    assert f.survival(7.0) == pytest.approx(dist.sf(7.0))
    assert f.median == pytest.approx(dist.median())
    assert f.hazard(2.0) == pytest.approx(f.rate)
    assert fit_exponential_from_landmark(5.0, 1.0).median == math.inf


def test_exponential_matches_lifelines_parametrisation():
    """lifelines' ExponentialFitter uses S(t) = exp(-t / lambda_): fitting through one point of
    its curve returns rate = 1 / lambda_ and its median."""
    rng = np.random.default_rng(3)
    t = rng.exponential(40.0, 300)
    ef = ExponentialFitter().fit(t, np.ones_like(t))
    s = float(ef.survival_function_at_times(36.0).iloc[0])
    f = fit_exponential_from_landmark(36.0, s)
    assert f.rate == pytest.approx(1 / ef.params_["lambda_"], rel=1e-9)
    assert f.median == pytest.approx(ef.median_survival_time_, rel=1e-9)


def test_weibull_two_points_closed_form():
    """Closed form: through (1, exp(-1)) and (2, exp(-4)): ln(-ln S) = 2 ln t, so shape 2,
    scale 1, median (ln 2)^(1/2) = 0.8326; scipy weibull_min(c=2) agrees."""
    f = fit_weibull_from_landmarks([(1.0, math.exp(-1.0)), (2.0, math.exp(-4.0))])
    assert f.shape == pytest.approx(2.0) and f.scale == pytest.approx(1.0)
    assert f.median == pytest.approx(math.sqrt(math.log(2)))
    dist = stats.weibull_min(c=2.0, scale=1.0)
    assert f.survival(1.5) == pytest.approx(dist.sf(1.5))
    assert f.hazard(1.5) == pytest.approx(dist.pdf(1.5) / dist.sf(1.5))
    assert f.exact


def test_weibull_recovers_lifelines_parameters():
    """lifelines' WeibullFitter (S = exp(-(t/lambda_)^rho_)) fitted to simulated data; two
    points of its fitted curve must return exactly its lambda_, rho_ and median."""
    rng = np.random.default_rng(11)
    t = stats.weibull_min(c=0.8, scale=90.0).rvs(size=400, random_state=rng)
    wf = WeibullFitter().fit(t, np.ones_like(t))
    s = wf.survival_function_at_times([36.0, 60.0]).to_numpy()
    f = fit_weibull_from_landmarks([(36.0, s[0]), (60.0, s[1])])
    assert f.scale == pytest.approx(wf.params_["lambda_"], rel=1e-8)
    assert f.shape == pytest.approx(wf.params_["rho_"], rel=1e-8)
    assert f.median == pytest.approx(wf.median_survival_time_, rel=1e-8)


@settings(max_examples=100, deadline=None)
@given(shape=st.floats(0.2, 5.0), scale=st.floats(1.0, 500.0),
       t1=st.floats(0.5, 50.0), gap=st.floats(0.5, 50.0))
def test_weibull_two_points_recover_scipy_parameters(shape, scale, t1, gap):
    """Property: two points of scipy's weibull_min(c=shape, scale=scale) give back shape,
    scale and scipy's median."""
    dist = stats.weibull_min(c=shape, scale=scale)
    s1, s2 = float(dist.sf(t1)), float(dist.sf(t1 + gap))
    assume(1e-12 < s2 < s1 < 1.0 - 1e-9 and math.log(-math.log(s2)) - math.log(-math.log(s1)) > 1e-6)
    f = fit_weibull_from_landmarks([(t1, s1), (t1 + gap, s2)])
    assert f.shape == pytest.approx(shape, rel=1e-6)
    assert f.scale == pytest.approx(scale, rel=1e-6)
    assert f.median == pytest.approx(float(dist.median()), rel=1e-6)


def test_weibull_least_squares_with_three_points():
    """Three points on an exact Weibull curve: least squares is exact; ``exact`` is False
    because it is not guaranteed in general."""
    dist = stats.weibull_min(c=1.3, scale=50.0)
    marks = [(t, float(dist.sf(t))) for t in (12.0, 36.0, 60.0)]
    f = fit_weibull_from_landmarks(marks)
    assert f.shape == pytest.approx(1.3) and f.scale == pytest.approx(50.0)
    assert not f.exact


def test_piecewise_exponential_matches_lifelines():
    """lifelines' PiecewiseExponentialFitter (breakpoints 20, 40; lambda_i = 1 / hazard_i)
    fitted to simulated data: the curve through its S(20), S(40), S(60) has hazards
    1/lambda_0, 1/lambda_1, 1/lambda_2 and the same survival at other times."""
    rng = np.random.default_rng(1)
    t = rng.exponential(50, 500)
    e = t < 60
    t = np.minimum(t, 60)
    pf = PiecewiseExponentialFitter(breakpoints=[20, 40]).fit(t, e)
    s = pf.survival_function_at_times([20, 40, 60]).to_numpy()
    f = fit_piecewise_exponential([(20, s[0]), (40, s[1]), (60, s[2])])
    lam = pf.params_.to_numpy()
    assert f.rates == pytest.approx(tuple(1 / lam), rel=1e-9)
    for x in (5.0, 33.0, 59.0):
        assert f.survival(x) == pytest.approx(float(pf.survival_function_at_times(x).iloc[0]), rel=1e-9)
    assert f.hazard(30.0) == pytest.approx(1 / lam[1])


def test_piecewise_median_inside_and_beyond_landmarks():
    """Closed form: landmarks (1, 0.8), (2, 0.4): hazard on (1, 2] is ln 2, S reaches 0.5 at
    1 + ln(0.8/0.5)/ln 2 = 1.678 (inside). With (1, 0.8) alone the median is
    ln 2 / (-ln 0.8) = 3.106, beyond the last landmark (extrapolated)."""
    f = fit_piecewise_exponential([(1.0, 0.8), (2.0, 0.4)])
    assert f.median == pytest.approx(1 + math.log(1.6) / math.log(2))
    assert not f.median_extrapolated
    g = fit_piecewise_exponential([(1.0, 0.8)])
    assert g.median == pytest.approx(math.log(2) / -math.log(0.8)) and g.median_extrapolated
    assert fit_piecewise_exponential([(1.0, 1.0)]).median == math.inf
    assert f.survival(np.array([0.0, 1.0, 2.0])) == pytest.approx([1.0, 0.8, 0.4])


def test_landmarks_may_include_a_median():
    """A median enters as (median, 0.5): exponential median through it is the median itself."""
    f = fit_piecewise_exponential([(36.0, 0.68), (71.4, 0.5)])
    assert f.median == pytest.approx(71.4)
    w = fit_weibull_from_landmarks([(36.0, 0.68), (71.4, 0.5)])
    assert w.median == pytest.approx(71.4)


# =========================================================================== median vs landmarks

def test_e1910_control_median_against_3_year_os():
    """E1910 control arm: median OS 71.4 months (ASH 2022) vs 3-year OS 68% (NEJM 2024).
    Exponential through (36, 0.68): median = 36 ln 2 / -ln 0.68 = 64.7 months (63.5-66.0 over
    67.5%-68.5%), so 71.4 is not reproduced by a constant hazard; reaching 0.5 at 71.4 needs a
    hazard after 3 years of ln(0.68/0.5)/35.4 = 0.00869/month, 0.81 times the earlier hazard
    (a declining hazard, which is plausible). Weibull needs two landmarks and is skipped."""
    r = median_consistent_with_landmarks(71.4, [(36.0, 0.68)], survival_half_width=0.005,
                                         median_half_width=0.05)
    assert r.order_consistent
    exp_check = next(c for c in r.checks if c.model == "exponential")
    assert exp_check.implied_median == pytest.approx(36 * math.log(2) / -math.log(0.68))
    assert exp_check.implied_median_range == pytest.approx(
        (36 * math.log(2) / -math.log(0.675), 36 * math.log(2) / -math.log(0.685)))
    assert not exp_check.consistent and exp_check.extrapolated
    assert exp_check.relative_difference == pytest.approx(71.4 / 64.70 - 1, abs=1e-3)
    assert r.required_hazard == pytest.approx(math.log(0.68 / 0.5) / 35.4)
    assert r.hazard_ratio_needed == pytest.approx(0.811, abs=1e-3)
    assert [c.model for c in r.checks] == ["exponential", "piecewise-exponential"]


def test_e1910_control_median_against_same_cut_ash_landmark():
    """Same data cut (ASH 2022 LBA-1 as reported by news): control median 71.4 months and OS
    65% "at a median 3.5 years", read here as a landmark at 42 months (an interpretation of
    the news wording). Exponential: 42 ln 2 / -ln 0.65 = 67.6 months (66.4-68.8 over
    64.5%-65.5%), 5.6% below 71.4. Reaching 0.5 at 71.4 needs ln(0.65/0.5)/29.4 =
    0.00892/month after 42 months, 0.87 times the hazard before: a mildly declining hazard."""
    r = median_consistent_with_landmarks(71.4, [(42.0, 0.65)], survival_half_width=0.005,
                                         median_half_width=0.05)
    c = r.checks[0]
    assert c.implied_median == pytest.approx(42 * math.log(2) / -math.log(0.65))
    assert round(c.implied_median, 1) == 67.6
    assert (round(c.implied_median_range[0], 1), round(c.implied_median_range[1], 1)) == (66.4, 68.8)
    assert not c.consistent
    assert r.required_hazard == pytest.approx(math.log(0.65 / 0.5) / 29.4)
    assert r.hazard_ratio_needed == pytest.approx(0.870, abs=1e-3)


def test_e1910_control_median_against_5_year_os_later_cut():
    """E1910 control arm, mixing data cuts on purpose to show the size of the tension:
    3-year OS 69% and 5-year OS 62.5% (FDA 2024, 4.5-year median follow-up) against the
    71.4-month median (ASH 2022, 43-month follow-up). Piecewise: hazard 36-60 months
    ln(0.69/0.625)/24 = 0.00412/month; falling from 62.5% to 50% by 71.4 months needs
    ln(1.25)/11.4 = 0.0196/month, 4.75 times more. Every model puts the median well beyond
    71.4 months (exponential 81.7, piecewise 114.1, Weibull 138.9), while the model-free order
    check passes (71.4 > 60)."""
    r = median_consistent_with_landmarks(71.4, [(36.0, 0.69), (60.0, 0.625)],
                                         survival_half_width=0.0005, median_half_width=0.05)
    assert r.order_consistent
    assert r.required_hazard == pytest.approx(math.log(1.25) / 11.4)
    assert r.hazard_before == pytest.approx(math.log(0.69 / 0.625) / 24)
    assert r.hazard_ratio_needed == pytest.approx(4.748, abs=1e-3)
    medians = {c.model: c.implied_median for c in r.checks}
    assert medians["piecewise-exponential"] == pytest.approx(60 + math.log(1.25) / (math.log(0.69 / 0.625) / 24))
    w = fit_weibull_from_landmarks([(36.0, 0.69), (60.0, 0.625)])
    assert medians["weibull"] == pytest.approx(w.median)
    assert round(medians["exponential"], 1) == 81.7
    assert round(medians["piecewise-exponential"], 1) == 114.1
    assert round(medians["weibull"], 1) == 138.9
    assert not any(c.consistent for c in r.checks)


def test_blinatumomab_arm_median_not_reached_is_consistent_with_landmarks():
    """Blinatumomab arm: 85% at 3 years (NEJM) and 82.4% at 5 years (FDA): order check says
    any median must be > 60 months (S(60) > 0.5), consistent with 'not reached'; a finite
    median of 40 months would violate it."""
    r = median_consistent_with_landmarks(40.0, [(36.0, 0.85), (60.0, 0.824)])
    assert not r.order_consistent
    assert r.order_violations == ("S(60) = 0.824 > 0.5 requires median >= 60",)


def test_median_check_exact_agreement():
    """Closed form: landmarks from an exponential with median 10 (S(5) = 2^-0.5): every model
    returns median 10 and survival 0.5 at it."""
    s5 = 2 ** -0.5
    s8 = 2 ** -0.8
    r = median_consistent_with_landmarks(10.0, [(5.0, s5), (8.0, s8)])
    for c in r.checks:
        assert c.implied_median == pytest.approx(10.0)
        assert c.survival_at_median == pytest.approx(0.5)
        assert c.consistent
    assert r.hazard_ratio_needed == pytest.approx(1.0)


def test_median_check_order_violation_below():
    """A landmark already below 50% forces the median before it."""
    r = median_consistent_with_landmarks(30.0, [(12.0, 0.4)])
    assert r.order_violations == ("S(12) = 0.4 < 0.5 requires median <= 12",)
    assert r.required_hazard is None


def test_median_beyond_follow_up_e1910():
    """E1910 ASH 2022: control median 71.4 months at a 43-month median follow-up:
    ratio 1.66, beyond follow-up."""
    r = median_beyond_follow_up(71.4, 43.0)
    assert r.beyond and r.ratio == pytest.approx(71.4 / 43)
    assert "sparse right tail" in r.explanation
    inside = median_beyond_follow_up(20.0, 43.0)
    assert not inside.beyond and "within" in inside.explanation


# =========================================================================== errors

@pytest.mark.parametrize("call, message", [
    (lambda: p_from_ci(0.5, 0.7, 0.3), "low must be < high"),
    (lambda: p_from_ci(0.5, 0.5, 0.5), "low must be < high"),
    (lambda: p_from_ci(0.5, -0.1, 0.9), "low must be > 0 for a ratio"),
    (lambda: p_from_ci(0.0, -0.1, 0.9), "estimate must be > 0 for a ratio"),
    (lambda: p_from_ci(0.5, 0.6, 0.9), "lies outside its interval"),
    (lambda: p_from_ci(0.5, 0.3, 0.9, level=1.2), "level must lie strictly between 0 and 1"),
    (lambda: p_from_ci(0.5, 0.3, 0.9, level=0), "level must lie strictly between 0 and 1"),
    (lambda: p_from_ci(float("nan"), 0.3, 0.9), "estimate must be finite"),
    (lambda: p_from_ci("0.5", 0.3, 0.9), "estimate must be a number"),
    (lambda: p_from_ci(True, 0.3, 0.9), "estimate must be a number"),
    (lambda: p_from_ci(0.5, 0.3, 0.9, decimals=-1), "decimals must be >= 0"),
    (lambda: p_from_ci(0.5, 0.3, 0.9, decimals=1.5), "decimals must be an integer"),
    (lambda: ci_from_p(0.5, 0.0), "p must lie strictly between 0 and 1"),
    (lambda: ci_from_p(0.5, 1.0), "p must lie strictly between 0 and 1"),
    (lambda: ci_from_p(1.0, 0.2), "at the null value"),
    (lambda: ci_from_p(0.0, 0.2, ratio=False), "at the null value"),
    (lambda: ci_from_p(-1.0, 0.2), "estimate must be > 0 for a ratio"),
    (lambda: ci_from_p(0.5, 0.2, z_method="t"), "z_method must be"),
    (lambda: ratio_ci_symmetry(0.41, 0.23, 0.73), "give decimals"),
    (lambda: ratio_ci_symmetry("abc", "0.23", "0.73"), "estimate 'abc' is not a printed number"),
    (lambda: ratio_ci_symmetry("<0.41", "0.23", "0.73"), "is a bound"),
    (lambda: ratio_ci_symmetry("0.41", "0.73", "0.23"), "low must be < high"),
    (lambda: ratio_ci_symmetry("0.41", "0", "0.73"), "low must be > 0 for a ratio"),
    (lambda: grim_percent(85.0, 112), "percent_text must be the printed string"),
    (lambda: grim_percent("101%", 112), "outside 0-100%"),
    (lambda: grim_percent("eighty%", 112), "is not a printed percentage"),
    (lambda: grim_percent("<5%", 112), "is a bound"),
    (lambda: grim_percent("5 months", 112), "expected a percentage"),
    (lambda: grim_percent("85%", 0), "n must be >= 1"),
    (lambda: grim_percent("85%", 11.5), "n must be an integer"),
    (lambda: km_attainable("85%", 0), "n must be >= 1"),
    (lambda: km_attainable("-5%", 10), "is not a printed percentage"),
    (lambda: km_attainable("85%", 112, at_risk=113), "at_risk must be <= n"),
    (lambda: km_attainable("85%", 112, at_risk=-1), "at_risk must be >= 0"),
    (lambda: km_attainable("85%", 112, node_cap=0), "node_cap must be >= 1"),
    (lambda: implied_events_from_hr_ci(0.0, 0.73), "low must be > 0"),
    (lambda: implied_events_from_hr_ci(0.73, 0.23), "low must be < high"),
    (lambda: implied_events_from_hr_ci(0.23, 0.73, allocation=1.0), "allocation must lie strictly"),
    (lambda: implied_events_from_hr_ci(0.23, 0.73, level=95), "level must lie strictly"),
    (lambda: implied_events_from_hr_ci(0.4, 0.73, decimals=0), "may round from 0"),
    (lambda: fit_exponential_from_landmark(0.0, 0.5), "t must be > 0"),
    (lambda: fit_exponential_from_landmark(3.0, 0.0), "s must lie in (0, 1]"),
    (lambda: fit_exponential_from_landmark(3.0, 1.2), "s must lie in (0, 1]"),
    (lambda: fit_piecewise_exponential([]), "needs at least 1"),
    (lambda: fit_piecewise_exponential(5), "must be a sequence of (time, survival) pairs"),
    (lambda: fit_piecewise_exponential([(1, 0.9, 3)]), "must be a (time, survival) pair"),
    (lambda: fit_piecewise_exponential([(-1, 0.9)]), "landmarks[0] time must be > 0"),
    (lambda: fit_piecewise_exponential([(1, 0.0)]), "survival must lie in (0, 1]"),
    (lambda: fit_piecewise_exponential([(1, 1.5)]), "survival must lie in (0, 1]"),
    (lambda: fit_piecewise_exponential([(5, 0.6), (3, 0.7)]), "strictly increasing time"),
    (lambda: fit_piecewise_exponential([(3, 0.6), (3, 0.5)]), "strictly increasing time"),
    (lambda: fit_piecewise_exponential([(3, 0.6), (5, 0.7)]), "cannot increase"),
    (lambda: fit_weibull_from_landmarks([(3, 0.6)]), "needs at least 2"),
    (lambda: fit_weibull_from_landmarks([(3, 1.0), (5, 0.7)]), "no Weibull"),
    (lambda: fit_weibull_from_landmarks([(3, 0.7), (5, 0.7)]), "survival is constant"),
    (lambda: fit_exponential_from_landmark(3.0, 0.5).survival(-1.0), "t must be finite and >= 0"),
    (lambda: median_consistent_with_landmarks(0.0, [(3, 0.6)]), "median must be > 0"),
    (lambda: median_consistent_with_landmarks(5.0, [(3, 0.6)], survival_half_width=0.6),
     "survival_half_width must lie in [0, 0.5)"),
    (lambda: median_consistent_with_landmarks(5.0, [(3, 0.6)], median_half_width=-1),
     "median_half_width must be >= 0"),
    (lambda: median_consistent_with_landmarks(5.0, [(3, 0.6)], models=()), "models must be a non-empty"),
    (lambda: median_consistent_with_landmarks(5.0, [(3, 0.6)], models="weibull"), "models must be a non-empty"),
    (lambda: median_consistent_with_landmarks(5.0, [(3, 0.6)], models=("cox",)), "models entries must be"),
    (lambda: median_beyond_follow_up(-1.0, 43.0), "median must be > 0"),
    (lambda: median_beyond_follow_up(71.4, 0.0), "median_follow_up must be > 0"),
])
def test_errors_name_the_argument(call, message):
    """Every validation path raises ValueError with a one-line message naming the item."""
    with pytest.raises(ValueError) as info:
        call()
    assert message in str(info.value)
    assert "\n" not in str(info.value)

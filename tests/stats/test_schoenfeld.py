"""Deaths from a hazard-ratio CI with Schoenfeld's bias corrected (analysis.stats.schoenfeld).

Both sides of the correction: at HR = 1 it gives back Schoenfeld's 4 / SE^2; at HR = 0.41
(E1910) it moves the count up (Schoenfeld recovers about 87% of the deaths). The Cox
information is checked against lifelines' CoxPHFitter, the closed form against the simulation.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from analysis.stats.schoenfeld import (  # noqa: E402
    TrialDesign,
    calibrate_hazard_scale,
    cox_information,
    deaths_from_hazard_ratio_ci,
    expected_information,
    simulate_trials,
    simulated_factor,
)

# E1910 as printed (NEJM 2024 abstract; data/trials/e1910.yaml): 112 vs 112, 3-year OS 68% in
# the control arm, median follow-up 43 months, HR for death 0.41 (0.23-0.73).
E1910 = dict(n_experimental=112, n_control=112, control_landmarks=[(36.0, 0.68)], median_follow_up=43.0)


def design(accrual=43.0, landmarks=((36.0, 0.68),), n1=112, n0=112):
    return TrialDesign(n1, n0, tuple(landmarks), 43.0, accrual)


# --------------------------------------------------------------------------- closed form

def test_closed_form_is_schoenfeld_at_hr_one():
    """pi = 1/2 at every death when theta = 1 and the arms are equal: exactly D / 4."""
    for accrual in (0.0, 43.0, 86.0):
        assert expected_information(design(accrual), 1.0).factor == pytest.approx(1.0, abs=1e-9)


def test_closed_form_tends_to_freedman_without_depletion():
    """With almost no deaths the risk sets stay equal: factor (1 + theta)^2 / (4 theta)."""
    for theta in (0.41, 0.7, 2.0):
        rare = design(landmarks=((36.0, 0.9999),))
        assert expected_information(rare, theta).factor == pytest.approx((1 + theta) ** 2 / (4 * theta), rel=1e-3)


def test_depletion_brings_the_factor_back_towards_one():
    """More deaths in the control arm -> its risk set shrinks -> pi nearer 1/2 -> smaller factor."""
    light = expected_information(design(landmarks=((36.0, 0.9),)), 0.41).factor
    heavy = expected_information(design(landmarks=((36.0, 0.3),)), 0.41).factor
    assert 1.0 < heavy < light < (1.41 ** 2) / (4 * 0.41)


def test_unequal_allocation_at_hr_one():
    """2:1 at theta = 1: the Cox information is D p (1 - p), the factor is 1 again."""
    assert expected_information(design(n1=150, n0=75), 1.0).factor == pytest.approx(1.0, abs=1e-9)


# --------------------------------------------------------------------------- simulation

def test_cox_information_matches_lifelines():
    """The risk-set information at the Cox estimate equals 1 / SE^2 of lifelines' fit."""
    lifelines = pytest.importorskip("lifelines")
    sims = simulate_trials(design(), 0.41, n_simulations=3, seed=7)
    for row in range(3):
        frame = pd.DataFrame({"time": sims.time[row], "event": sims.event[row].astype(int), "arm": sims.arm[row]})
        fit = lifelines.CoxPHFitter().fit(frame, "time", "event")
        beta, se = float(fit.params_["arm"]), float(fit.standard_errors_["arm"])
        mine = cox_information(sims.time[row], sims.event[row], sims.arm[row], math.exp(beta))
        assert mine == pytest.approx(1.0 / se ** 2, rel=1e-6)


def test_cox_information_is_not_d_over_four_away_from_one():
    sims = simulate_trials(design(), 0.41, n_simulations=1, seed=3)
    info = cox_information(sims.time[0], sims.event[0], sims.arm[0], 0.41)
    assert info < sims.event[0].sum() / 4 * 0.95


def test_simulation_agrees_with_closed_form():
    for theta in (1.0, 0.41):
        sim = simulated_factor(design(), theta, n_simulations=2000, seed=11)
        assert sim.mean == pytest.approx(sim.closed_form, rel=0.01)
        assert sim.low < sim.mean < sim.high


def test_simulation_is_deterministic():
    a = simulated_factor(design(), 0.41, n_simulations=200, seed=5)
    b = simulated_factor(design(), 0.41, n_simulations=200, seed=5)
    c = simulated_factor(design(), 0.41, n_simulations=200, seed=6)
    assert a == b and a != c


def test_simulated_deaths_follow_the_landmark():
    """Without censoring before 36 months, about 32% of the control arm dies by then."""
    d = TrialDesign(112, 112, ((36.0, 0.68),), 80.0, 0.0)   # everyone followed 80 months
    sims = simulate_trials(d, 1.0, n_simulations=2000, seed=1)
    control = sims.arm == 0
    died_by_36 = ((sims.time <= 36.0) & sims.event & control).sum() / control.sum()
    assert died_by_36 == pytest.approx(0.32, abs=0.01)


# --------------------------------------------------------------------------- calibration

def test_calibration_reaches_the_printed_information():
    d = design()
    target = 1.0 / ((math.log(0.73) - math.log(0.23)) / (2 * 1.959964)) ** 2
    c = calibrate_hazard_scale(d, 0.41, target)
    moved = TrialDesign(112, 112, ((36.0, 0.68 ** c),), 43.0, 43.0)
    assert expected_information(moved, 0.41).information == pytest.approx(target, rel=1e-8)


def test_calibration_refuses_a_ci_too_narrow_for_the_patients():
    """0.40-0.42 with 224 patients would need far more information than 224 deaths give."""
    with pytest.raises(ValueError, match="exceeds what"):
        deaths_from_hazard_ratio_ci(0.41, 0.40, 0.42, **E1910)


# --------------------------------------------------------------------------- the whole function

def test_hr_one_recovers_schoenfeld():
    res = deaths_from_hazard_ratio_ci(1.0, 0.70, 1.43, decimals=2, **E1910)
    assert res.factor == pytest.approx(1.0, abs=1e-6)
    assert res.deaths == pytest.approx(res.schoenfeld, rel=1e-6)
    # the simulation spread is one-sided: a trial's risk sets are never more balanced than equal
    assert res.factor_range[0] >= 1.0 - 1e-9 and res.factor_range[1] < 1.05


def test_e1910_correction_is_upward():
    res = deaths_from_hazard_ratio_ci(0.41, 0.23, 0.73, decimals=2, **E1910)
    assert res.schoenfeld == pytest.approx(46.1, abs=0.1)
    assert 1.10 < res.factor < 1.20          # the simulation: Schoenfeld recovers ~87%
    assert 0.84 < res.recovery < 0.90
    assert res.deaths > res.schoenfeld_range[1]   # beyond the rounding spread alone
    lo, hi = res.interval
    assert lo < res.deaths < hi
    assert lo <= res.schoenfeld_range[0] * res.factor and hi >= res.schoenfeld_range[1] * res.factor
    assert lo > res.schoenfeld                 # the whole interval lies above Schoenfeld's value
    assert res.text.startswith("about 53 deaths (")


def test_interval_widens_with_rounding():
    exact = deaths_from_hazard_ratio_ci(0.41, 0.23, 0.73, **E1910)
    rounded = deaths_from_hazard_ratio_ci(0.41, 0.23, 0.73, decimals=2, **E1910)
    assert exact.deaths == pytest.approx(rounded.deaths)
    assert rounded.interval[0] < exact.interval[0] and exact.interval[1] < rounded.interval[1]


def test_deterministic_and_cached():
    a = deaths_from_hazard_ratio_ci(0.41, 0.23, 0.73, decimals=2, **E1910)
    b = deaths_from_hazard_ratio_ci(0.41, 0.23, 0.73, decimals=2, **E1910)
    assert a is b


@pytest.mark.parametrize("kwargs, message", [
    (dict(hazard_ratio=0.8), "inside its interval"),
    (dict(hazard_ratio=-1.0), "must be > 0"),
    (dict(n_control=0), "n_control"),
    (dict(control_landmarks=[(36.0, 1.2)]), "survival"),
    (dict(median_follow_up=0.0), "median_follow_up"),
])
def test_invalid_inputs(kwargs, message):
    args = dict(hazard_ratio=0.41, low=0.23, high=0.73, **E1910)
    args.update(kwargs)
    with pytest.raises(ValueError, match=message):
        deaths_from_hazard_ratio_ci(**args)


def test_accrual_beyond_twice_the_follow_up_is_refused():
    with pytest.raises(ValueError, match="accrual"):
        TrialDesign(112, 112, ((36.0, 0.68),), 43.0, 90.0)


def test_runs_fast():
    import time

    start = time.perf_counter()
    deaths_from_hazard_ratio_ci(0.42, 0.24, 0.75, decimals=2, n_simulations=2000, seed=99, **E1910)
    assert time.perf_counter() - start < 2.0

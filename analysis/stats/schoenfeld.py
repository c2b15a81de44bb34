"""Deaths behind a hazard ratio's confidence interval, with Schoenfeld's bias away from HR = 1
handled by the design's Cox information (closed form, checked by a seeded simulation).

Why a correction is needed
--------------------------
A printed HR with its 95% CI gives SE(log HR) = (ln high - ln low) / (2 z). Schoenfeld's
approximation (Biometrika 1981; Biometrics 1983) reads the number of events off it as
D = 1 / (p (1 - p) SE^2) (4 / SE^2 for 1:1 allocation). It assumes every event carries the
information p (1 - p) = 1/4, which holds only near HR = 1.

The SE printed with a Cox model is the inverse square root of the partial-likelihood
information at the estimate (Cox 1972):

    I(theta) = sum over deaths i of  pi_i (1 - pi_i),   pi_i = theta n1_i / (theta n1_i + n0_i),

with n1_i, n0_i the patients at risk in the experimental and control arm just before death i
and theta the hazard ratio. pi_i is the chance that death i falls in the experimental arm.
For theta = 1 and equal risk sets, pi_i = 1/2 and I = D / 4, which is Schoenfeld's formula. At
theta = 0.41 and equal risk sets pi = theta / (1 + theta) = 0.29, so each death carries
theta / (1 + theta)^2 = 0.21 instead of 0.25 (the per-event log-rank variance Freedman 1982
used for his event counts). Fewer deaths then give a wider CI, and D = 4 / SE^2 undercounts
them. As the control arm is depleted faster, its risk set shrinks, pi_i moves back towards
1/2 and the correction becomes smaller. The size of this effect depends on the design.

What this module does
---------------------
1. It describes the trial: n per arm, a control survival curve through printed landmarks
   (piecewise exponential, :func:`analysis.stats.survival.fit_piecewise_exponential`),
   proportional hazards theta for the experimental arm, uniform accrual over ``accrual``
   months and administrative censoring at the data cut. The median potential follow-up is
   the printed median follow-up, so the minimum follow-up is F - A / 2.
2. It computes, in closed form, the expected deaths D and the expected information I of that
   design (integrals of the risk sets N_j S_j(t) G(t) against the hazard). The ratio
   ``kappa = D / I`` turns the printed SE into deaths: D = kappa / SE^2. The correction
   factor over Schoenfeld is ``kappa p (1 - p)``; it is 1 at theta = 1.
3. It simulates the same design (fixed seed) and evaluates each simulated trial's Cox
   information at theta from its own risk sets. This checks the closed form and gives the
   trial-to-trial spread of D / I: a trial with the printed SE could have had that many
   deaths.
4. It calibrates the design to the printed CI: the control cumulative hazard is scaled (every
   landmark survival s becomes s^c) until the design's expected information equals
   1 / SE^2, so that its expected deaths are the deaths the CI implies. That calibrated
   design gives the central value. The design through the printed landmarks themselves
   (c = 1) is kept as an alternative; the two differ when the landmarks and the CI imply
   different numbers of deaths, and the interval covers both.
5. Accrual length is not assumed. Every accrual length compatible with the median follow-up
   (0 to 2F, :data:`ACCRUAL_FRACTIONS` of 2F) is run; the central value uses accrual = F,
   the middle of that range, and the interval is the envelope over all of them.
6. The interval combines (a) the rounding of the printed CI limits (the limits that round
   to the printed digits: widest and narrowest SE), (b) the 2.5th-97.5th percentiles of the
   simulated D / I and (c) the envelope over accrual lengths and over the calibrated and
   landmark designs. Low end = fewest deaths under all three, high end = most.

The result is still an approximation of a count that was not published, not data. The
Cox information used here is Breslow's, with no ties (event times are continuous).

References
----------
- Schoenfeld D. The asymptotic properties of nonparametric tests for comparing survival
  distributions. Biometrika 1981;68:316-319.
- Schoenfeld DA. Sample-size formula for the proportional-hazards regression model.
  Biometrics 1983;39:499-503.
- Cox DR. Regression models and life-tables. J R Stat Soc B 1972;34:187-220 (the partial
  likelihood and its information).
- Freedman LS. Tables of the number of patients required in clinical trials using the
  logrank test. Stat Med 1982;1:121-129 (events counted with the per-event variance
  theta / (1 + theta)^2 instead of 1/4).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from analysis.stats._checked import _count, _finite, _positive
from analysis.stats.survival import ImpliedEvents, fit_piecewise_exponential, implied_events_from_hr_ci

#: Seed of the simulation (fixed: the same inputs always give the same interval).
SEED = 19810316
#: Simulated trials per accrual length; the Monte Carlo error of the mean factor is about
#: 0.001 at E1910's size, far below the trial-to-trial spread that is reported.
N_SIMULATIONS = 2000
#: Accrual lengths tried, as fractions of the largest accrual compatible with the median
#: follow-up (2F: the last patient entered at the data cut). The central value uses 1/2 (A = F).
#: The factor is monotone in the accrual length, so the two ends and the middle suffice.
ACCRUAL_FRACTIONS = (0.0, 0.5, 1.0)
CENTRAL_ACCRUAL_FRACTION = 0.5
#: The percentiles of the simulated D / I that make the simulation part of the interval.
SIMULATION_PERCENTILES = (2.5, 97.5)
#: Points of the time grid of the closed-form integrals (trapezoid rule; error < 1e-6 relative).
GRID_POINTS = 4001


# --------------------------------------------------------------------------- design

@dataclass(frozen=True)
class TrialDesign:
    """A two-arm trial with a survival end point, as far as its printed figures describe it.

    ``control_landmarks``: (months, survival) pairs of the control arm (piecewise-exponential
    curve through them, last hazard carried forward). ``median_follow_up`` and ``accrual`` in
    months; accrual is uniform and every patient is censored at the data cut (no losses to
    follow-up). ``accrual`` must not exceed ``2 * median_follow_up``.
    """

    n_experimental: int
    n_control: int
    control_landmarks: tuple[tuple[float, float], ...]
    median_follow_up: float
    accrual: float

    def __post_init__(self) -> None:
        _count("n_experimental", self.n_experimental, 1)
        _count("n_control", self.n_control, 1)
        _positive("median_follow_up", self.median_follow_up)
        acc = _finite("accrual", self.accrual)
        if not 0.0 <= acc <= 2.0 * self.median_follow_up:
            raise ValueError(f"accrual must lie in [0, 2 x median_follow_up] = [0, {2 * self.median_follow_up:g}], "
                             f"got {self.accrual!r}")
        fit_piecewise_exponential(self.control_landmarks)  # validates the landmarks

    @property
    def minimum_follow_up(self) -> float:
        return self.median_follow_up - self.accrual / 2.0

    @property
    def maximum_follow_up(self) -> float:
        return self.median_follow_up + self.accrual / 2.0

    @property
    def allocation(self) -> float:
        return self.n_experimental / (self.n_experimental + self.n_control)


def _cumulative_hazard_at_breaks(breaks: np.ndarray, rates: np.ndarray) -> np.ndarray:
    return np.concatenate([[0.0], np.cumsum(np.diff(breaks) * rates[:-1])])


def _control_cumhaz(design: TrialDesign, t: np.ndarray) -> np.ndarray:
    fit = fit_piecewise_exponential(design.control_landmarks)
    breaks, rates = np.array(fit.breaks), np.array(fit.rates)
    idx = np.clip(np.searchsorted(breaks, t, side="right") - 1, 0, len(rates) - 1)
    return _cumulative_hazard_at_breaks(breaks, rates)[idx] + rates[idx] * (t - breaks[idx])


def _control_hazard(design: TrialDesign, t: np.ndarray) -> np.ndarray:
    fit = fit_piecewise_exponential(design.control_landmarks)
    breaks, rates = np.array(fit.breaks), np.array(fit.rates)
    return rates[np.clip(np.searchsorted(breaks, t, side="right") - 1, 0, len(rates) - 1)]


def _inverse_control_cumhaz(design: TrialDesign, h: np.ndarray) -> np.ndarray:
    """Time at which the control cumulative hazard reaches ``h`` (inf if it never does)."""
    fit = fit_piecewise_exponential(design.control_landmarks)
    breaks, rates = np.array(fit.breaks), np.array(fit.rates)
    at_breaks = _cumulative_hazard_at_breaks(breaks, rates)
    idx = np.clip(np.searchsorted(at_breaks, h, side="right") - 1, 0, len(rates) - 1)
    rate = rates[idx]
    with np.errstate(divide="ignore", invalid="ignore"):
        t = breaks[idx] + np.where(rate > 0, (h - at_breaks[idx]) / np.where(rate > 0, rate, 1.0), np.inf)
    return t


# --------------------------------------------------------------------------- closed form

@dataclass(frozen=True)
class ExpectedInformation:
    """Expected deaths and Cox information of a design at a hazard ratio; ``kappa = D / I``."""

    deaths: float
    information: float
    kappa: float
    factor: float  # kappa p (1 - p): deaths per Schoenfeld death


def expected_information(design: TrialDesign, hazard_ratio: float) -> ExpectedInformation:
    """Closed-form expected deaths D and Cox information I of ``design`` at ``hazard_ratio``.

    With n_j(t) = N_j S_j(t) G(t) the expected numbers at risk (G the censoring survival:
    1 up to the minimum follow-up, then falling linearly to 0 at the maximum), h0 the control
    hazard and theta the hazard ratio:

        D = int (theta n1 + n0) h0 dt,    I = int theta n1 n0 / (theta n1 + n0) h0 dt

    (the death rate at t, times the expected pi (1 - pi) of a death at t). Both integrals are
    taken by the trapezoid rule over :data:`GRID_POINTS` points, with the breaks of the
    piecewise curves added to the grid.
    """
    theta = _positive("hazard_ratio", hazard_ratio)
    f_min, f_max = design.minimum_follow_up, design.maximum_follow_up
    fit = fit_piecewise_exponential(design.control_landmarks)
    grid = np.unique(np.concatenate([np.linspace(0.0, f_max, GRID_POINTS),
                                     [b for b in fit.breaks if b < f_max], [f_min]]))
    if design.accrual > 0:
        censoring = np.clip((f_max - grid) / design.accrual, 0.0, 1.0)
    else:
        censoring = (grid <= f_max).astype(float)
    s0 = np.exp(-_control_cumhaz(design, grid))
    n0 = design.n_control * s0 * censoring
    n1 = design.n_experimental * s0 ** theta * censoring
    h0 = _control_hazard(design, grid)
    deaths = float(np.trapezoid((theta * n1 + n0) * h0, grid))
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(theta * n1 + n0 > 0, theta * n1 * n0 / (theta * n1 + n0), 0.0)
    information = float(np.trapezoid(share * h0, grid))
    kappa = deaths / information
    p = design.allocation
    return ExpectedInformation(deaths=deaths, information=information, kappa=kappa, factor=kappa * p * (1 - p))


def scaled_landmarks(landmarks: Sequence[tuple[float, float]], scale: float) -> tuple[tuple[float, float], ...]:
    """Landmarks with the cumulative hazard multiplied by ``scale``: (t, s) -> (t, s ** scale)."""
    return tuple((float(t), float(s) ** scale) for t, s in landmarks)


def calibrate_hazard_scale(design: TrialDesign, hazard_ratio: float, information: float) -> float:
    """The factor c on the control cumulative hazard at which the design's expected Cox
    information equals ``information`` (= 1 / SE^2 of the printed CI). The information rises
    with c; ValueError when even c = 1000 (almost everyone dies) falls short, i.e. the printed
    CI is too narrow for the patients randomised."""
    from scipy.optimize import brentq

    target = _positive("information", information)

    def gap(log_c: float) -> float:
        moved = TrialDesign(design.n_experimental, design.n_control,
                            scaled_landmarks(design.control_landmarks, math.exp(log_c)),
                            design.median_follow_up, design.accrual)
        return expected_information(moved, hazard_ratio).information - target

    lo, hi = math.log(1e-4), math.log(1e3)
    if gap(hi) < 0:
        raise ValueError(f"an information of {target:.3g} (the printed CI) exceeds what "
                         f"{design.n_experimental} + {design.n_control} patients can give under this design")
    if gap(lo) > 0:
        raise ValueError(f"an information of {target:.3g} is below what the design gives at 1/10,000 of its hazard")
    return math.exp(brentq(gap, lo, hi, xtol=1e-10))


# --------------------------------------------------------------------------- simulation

@dataclass(frozen=True)
class SimulatedTrials:
    """``n_simulations`` trials of a design: follow-up time (months), death indicator and arm
    (1 experimental, 0 control), each of shape (n_simulations, n_patients)."""

    time: np.ndarray
    event: np.ndarray
    arm: np.ndarray


def simulate_trials(design: TrialDesign, hazard_ratio: float, n_simulations: int = N_SIMULATIONS,
                    seed: int = SEED) -> SimulatedTrials:
    """Seeded simulation of ``design``: uniform entry over the accrual, survival times by
    inversion of the control cumulative hazard (divided by theta in the experimental arm),
    censoring at the data cut."""
    theta = _positive("hazard_ratio", hazard_ratio)
    sims = _count("n_simulations", n_simulations, 1)
    rng = np.random.default_rng(seed)
    n = design.n_experimental + design.n_control
    arm = np.broadcast_to(np.r_[np.ones(design.n_experimental), np.zeros(design.n_control)], (sims, n))
    unit = rng.exponential(1.0, size=(sims, n))
    death = _inverse_control_cumhaz(design, unit / np.where(arm == 1, theta, 1.0))
    censor = design.minimum_follow_up + design.accrual * rng.random((sims, n))
    return SimulatedTrials(time=np.minimum(death, censor), event=death <= censor, arm=np.array(arm))


def cox_information(time: np.ndarray, event: np.ndarray, arm: np.ndarray, hazard_ratio: float) -> np.ndarray | float:
    """Cox partial-likelihood information for a binary covariate at ``hazard_ratio``:
    sum over deaths of pi (1 - pi), pi = theta n1 / (theta n1 + n0) from the risk set just
    before the death (Breslow; continuous times have no ties). Works row by row on 2-D arrays
    (one trial per row) or on one trial (1-D)."""
    theta = _positive("hazard_ratio", hazard_ratio)
    t, d, a = (np.atleast_2d(np.asarray(x, dtype=float)) for x in (time, event, arm))
    order = np.argsort(-t, axis=1, kind="stable")          # longest first: running sums are risk sets
    a_sorted = np.take_along_axis(a, order, axis=1)
    d_sorted = np.take_along_axis(d, order, axis=1) > 0
    n1 = np.cumsum(a_sorted, axis=1)
    n0 = np.cumsum(1.0 - a_sorted, axis=1)
    share = theta * n1 * n0 / (theta * n1 + n0) ** 2
    out = np.where(d_sorted, share, 0.0).sum(axis=1)
    return out if np.ndim(time) > 1 else float(out[0])


@dataclass(frozen=True)
class SimulatedFactor:
    """The simulated deaths-per-Schoenfeld-death factor kappa p (1 - p) of one design."""

    accrual: float
    mean: float
    low: float
    high: float
    mean_deaths: float
    closed_form: float


def simulated_factor(design: TrialDesign, hazard_ratio: float, n_simulations: int = N_SIMULATIONS,
                     seed: int = SEED) -> SimulatedFactor:
    """Mean and :data:`SIMULATION_PERCENTILES` of D p (1 - p) I^-1 over simulated trials."""
    sims = simulate_trials(design, hazard_ratio, n_simulations, seed)
    deaths = sims.event.sum(axis=1)
    info = cox_information(sims.time, sims.event, sims.arm, hazard_ratio)
    keep = info > 0
    p = design.allocation
    factor = deaths[keep] / info[keep] * p * (1 - p)
    lo, hi = np.percentile(factor, SIMULATION_PERCENTILES)
    return SimulatedFactor(accrual=design.accrual, mean=float(factor.mean()), low=float(lo), high=float(hi),
                           mean_deaths=float(deaths.mean()),
                           closed_form=expected_information(design, hazard_ratio).factor)


# --------------------------------------------------------------------------- deaths from an HR CI

@dataclass(frozen=True)
class DeathsFromHazardRatio:
    """Deaths implied by a hazard ratio's CI, Schoenfeld's and corrected for the design.

    ``schoenfeld``: D = 1 / (p (1 - p) SE^2), ``schoenfeld_range`` over the rounding of the
    limits. ``factor``: deaths per Schoenfeld death under the calibrated design (closed form,
    central accrual); ``recovery`` = 1 / factor, the share of the deaths that Schoenfeld's formula
    recovers. ``deaths`` = schoenfeld x factor; ``interval`` combines rounding, simulation
    spread and the design envelope (see the module docstring). ``by_accrual``: the simulated
    factor of every design tried (calibrated first, then through the printed landmarks; each
    over the accrual lengths). ``hazard_scale``: the calibration factor c, and
    ``calibrated_landmarks`` the control survival of the calibrated design. ``approximate``
    is always True.
    """

    hazard_ratio: float
    low: float
    high: float
    level: float
    n_experimental: int
    n_control: int
    se_log_hr: float
    schoenfeld: float
    schoenfeld_range: tuple[float, float]
    factor: float
    factor_range: tuple[float, float]
    recovery: float
    deaths: float
    interval: tuple[float, float]
    by_accrual: tuple[SimulatedFactor, ...]
    median_follow_up: float
    control_landmarks: tuple[tuple[float, float], ...]
    hazard_scale: float
    calibrated_landmarks: tuple[tuple[float, float], ...]
    n_simulations: int
    seed: int
    implied: ImpliedEvents
    approximate: bool = True
    method: str = ("APPROXIMATION: D = kappa / SE^2 with kappa = deaths / Cox information of the trial's design "
                   "(closed form; seeded simulation for the spread); Schoenfeld's 4 / SE^2 is kappa = 4, exact only at "
                   "HR = 1")

    @property
    def text(self) -> str:
        """'about 53 deaths (48-60)' (whole deaths; the interval rounded outwards)."""
        return (f"about {self.deaths:.0f} deaths ({math.floor(self.interval[0]):.0f}-"
                f"{math.ceil(self.interval[1]):.0f})")


def deaths_from_hazard_ratio_ci(hazard_ratio: float, low: float, high: float, *,
                                n_experimental: int, n_control: int,
                                control_landmarks: Sequence[tuple[float, float]],
                                median_follow_up: float, level: float = 0.95,
                                decimals: int | None = None, n_simulations: int = N_SIMULATIONS,
                                seed: int = SEED) -> DeathsFromHazardRatio:
    """Deaths behind a printed hazard ratio and CI, with the bias of D = 4 / SE^2 at HR != 1
    corrected for the trial's design (module docstring: method, interval, references).

    ``hazard_ratio``, ``low``, ``high``: as printed (experimental vs control); ``decimals``: the
    printed digits of the limits (the rounding part of the interval; None = limits exact).
    ``control_landmarks``: (months, survival) of the control arm; ``median_follow_up``: months.
    Deterministic (``seed``) and cached: the same arguments cost one simulation per process.
    """
    marks = tuple((float(t), float(s)) for t, s in control_landmarks)
    return _deaths(float(_positive("hazard_ratio", hazard_ratio)), float(low), float(high),
                   int(_count("n_experimental", n_experimental, 1)), int(_count("n_control", n_control, 1)),
                   marks, float(_positive("median_follow_up", median_follow_up)), float(level),
                   decimals, int(_count("n_simulations", n_simulations, 10)), int(seed))


@lru_cache(maxsize=64)
def _deaths(hr, low, high, n1, n0, marks, follow_up, level, decimals, n_simulations, seed) -> DeathsFromHazardRatio:
    p = n1 / (n1 + n0)
    implied = implied_events_from_hr_ci(low, high, allocation=p, level=level, decimals=decimals)
    if not low < hr < high:
        raise ValueError(f"hazard_ratio {hr!r} must lie inside its interval ({low!r}, {high!r})")
    schoenfeld_range = ((implied.events_min, implied.events_max) if decimals is not None
                        else (implied.events, implied.events))
    central_accrual = CENTRAL_ACCRUAL_FRACTION * 2.0 * follow_up
    scale = calibrate_hazard_scale(TrialDesign(n1, n0, marks, follow_up, central_accrual), hr, implied.information)
    calibrated = scaled_landmarks(marks, scale)
    by_accrual = []
    for landmarks in (calibrated, marks):
        for fraction in ACCRUAL_FRACTIONS:
            design = TrialDesign(n1, n0, landmarks, follow_up, accrual=fraction * 2.0 * follow_up)
            by_accrual.append(simulated_factor(design, hr, n_simulations, seed))
    factor = expected_information(TrialDesign(n1, n0, calibrated, follow_up, central_accrual), hr).factor
    factor_range = (min(s.low for s in by_accrual), max(s.high for s in by_accrual))
    interval = (schoenfeld_range[0] * factor_range[0], schoenfeld_range[1] * factor_range[1])
    return DeathsFromHazardRatio(
        hazard_ratio=hr, low=low, high=high, level=level, n_experimental=n1, n_control=n0,
        se_log_hr=implied.se_log_hr, schoenfeld=implied.events, schoenfeld_range=schoenfeld_range,
        factor=factor, factor_range=factor_range, recovery=1.0 / factor, deaths=implied.events * factor,
        interval=interval, by_accrual=tuple(by_accrual), median_follow_up=follow_up,
        control_landmarks=marks, hazard_scale=scale, calibrated_landmarks=calibrated,
        n_simulations=n_simulations, seed=seed, implied=implied)

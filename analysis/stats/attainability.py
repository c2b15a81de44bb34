"""Can a printed percentage come from n patients? GRIM for proportions (Brown & Heathers 2017)
and Kaplan-Meier attainability of a printed landmark (Kaplan & Meier 1958).

References
----------
- Brown NJL, Heathers JAJ. The GRIM test: a simple technique detects numerous anomalies in
  the reporting of results in psychology. Soc Psychol Personal Sci 2017;8:363-369.
  doi:10.1177/1948550616673876
- Kaplan EL, Meier P. Nonparametric estimation from incomplete observations.
  J Am Stat Assoc 1958;53:457-481.
- Nuijten MB et al. The prevalence of statistical reporting errors in psychology (statcheck).
  Behav Res Methods 2016;48:1205-1226 (rounding intervals of printed values).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from analysis.stats._checked import _count, _half_unit, _printed_percent, _round_fraction, _rounds_to  # noqa: F401

LN2 = math.log(2.0)


# --------------------------------------------------------------------------- GRIM

@dataclass(frozen=True)
class GrimPercent:
    """Which k of n round to a printed percentage (GRIM for percentages).

    ``k_half_up`` / ``k_half_even`` list the k for which 100 k / n rounds to the printed value
    under each tie rule; ``k`` is their union and ``consistent`` says whether it is non-empty.
    ``nearest_k`` gives the k closest to the printed value (useful when inconsistent).
    """

    printed: str
    n: int
    value: Decimal
    decimals: int
    k: tuple[int, ...]
    k_half_up: tuple[int, ...]
    k_half_even: tuple[int, ...]
    consistent: bool
    nearest_k: tuple[int, ...]
    rule: str = ("100 k / n (exact) rounded to the printed decimals; ties rounded half-up and "
                 "half-to-even are both accepted; k lists the union")


def _grim_fraction(value: Decimal, decimals: int, n: int, per: int) -> tuple[list[int], list[int], list[int]]:
    """k in 0..n with round(per * k / n) == value: (union, half-up, half-even)."""
    printed = Fraction(value)
    h = _half_unit(decimals)
    lo_k = max(0, math.floor((printed - h) * n / per) - 1)
    hi_k = min(n, math.ceil((printed + h) * n / per) + 1)
    up, even = [], []
    for k in range(lo_k, hi_k + 1):
        a, b = _rounds_to(Fraction(per * k, n), printed, decimals)
        if a:
            up.append(k)
        if b:
            even.append(k)
    return sorted(set(up) | set(even)), up, even


def grim_percent(percent_text: str, n: int) -> GrimPercent:
    """GRIM test for a printed percentage: which k/n (k = 0..n) round to it?

    Reference: Brown NJL, Heathers JAJ, Soc Psychol Personal Sci 2017;8:363 (GRIM); applied to
    percentages as in the scrutiny R package (``grim(..., percent = TRUE)``). The value is kept
    as printed (a string) because trailing zeros carry the precision: "54.0%" with n = 150 is
    81/150 exactly, while "54.2%" is attainable by no k. 100 k / n is computed exactly
    (fractions) and rounded to the printed decimals with ties half-up and half-to-even; both
    conventions are accepted and reported separately.
    """
    num = _printed_percent("percent_text", percent_text)
    nn = _count("n", n, 1)
    union, up, even = _grim_fraction(num.value, num.decimals, nn, 100)
    target = Fraction(num.value)
    window = range(max(0, math.floor(target * nn / 100) - 1), min(nn, math.ceil(target * nn / 100) + 1) + 1)
    distance = {k: abs(Fraction(100 * k, nn) - target) for k in window}
    nearest = tuple(k for k in window if distance[k] == min(distance.values()))
    return GrimPercent(printed=percent_text, n=nn, value=num.value, decimals=num.decimals,
                       k=tuple(union), k_half_up=tuple(up), k_half_even=tuple(even),
                       consistent=bool(union), nearest_k=nearest)


# --------------------------------------------------------------------------- Kaplan-Meier

@dataclass(frozen=True)
class KMAttainability:
    """Whether a printed Kaplan–Meier landmark can be produced by n patients.

    (a) ``events_without_censoring``: the d for which (n - d) / n rounds to the printed value
        (the KM estimate when nobody is censored before t), filtered by ``at_risk`` when given.
    (b) With censoring before t the KM estimate is prod (1 - 1/m_j) over deaths j, with at-risk
        counts n >= m_1 > m_2 > ... (ties are the same product). ``feasible_events`` lists every
        number of deaths D for which some such sequence rounds to the printed value;
        ``min_events``/``max_events`` are its ends and ``example_at_risk`` is an at-risk
        sequence reaching the printed value with ``min_events`` deaths. ``undetermined_events``
        lists D whose search hit the node cap (normally empty).
    """

    printed: str
    n: int
    at_risk: int | None
    decimals: int
    events_without_censoring: tuple[int, ...]
    attainable_without_censoring: bool
    feasible_events: tuple[int, ...]
    undetermined_events: tuple[int, ...]
    attainable_with_censoring: bool
    min_events: int | None
    max_events: int | None
    example_at_risk: tuple[int, ...]
    note: str


class _SearchCap(Exception):
    pass


def _km_sequence(deaths: int, n: int, floor_m: int, accept: Callable[[Fraction], bool],
                 lo: float, hi: float, cap: int) -> tuple[int, ...] | None:
    """Depth-first search for at-risk counts n >= m_1 > ... > m_D >= floor_m with
    prod (m_j - 1) / m_j accepted. Returns the sequence, or None; raises _SearchCap.

    Branch and bound: after choosing m with k deaths left (including this one) the product
    can end anywhere in [p (m-1)/m * (floor_m - 1)/(floor_m + k - 2), p (m - k)/m] (telescoping
    products of consecutive at-risk counts), so m runs over a contiguous range.
    """
    eps = 1e-12
    nodes = 0
    seq: list[int] = []

    # the exact product is carried as an unreduced numerator and denominator (integers), and
    # reduced to a Fraction once, where it is judged: the same value, without a gcd per node
    def rec(p: float, num: int, den: int, m_max: int, k: int) -> bool:
        nonlocal nodes
        if k == 0:
            return accept(Fraction(num, den))
        for m in range(m_max, floor_m + k - 2, -1):
            nodes += 1
            if nodes > cap:
                raise _SearchCap
            if p * (m - k) / m < lo - eps:
                break  # the largest reachable product only shrinks as m decreases
            p1 = p * (m - 1) / m
            smallest = p1 if k == 1 else p1 * (floor_m - 1) / (floor_m + k - 2)
            if smallest > hi + eps:
                continue
            seq.append(m)
            if rec(p1, num * (m - 1), den * m, m - 1, k - 1):
                return True
            seq.pop()
        return False

    return tuple(seq) if rec(1.0, 1, 1, n, deaths) else None


def km_attainable(percent_text: str, n: int, at_risk: int | None = None, *,
                  node_cap: int = 200_000) -> KMAttainability:
    """Is a printed Kaplan–Meier survival at time t attainable with n patients?

    What is computed (Kaplan & Meier 1958): S(t) = prod over death times t_j <= t of
    (1 - d_j / m_j), m_j the number at risk just before t_j.

    (a) No censoring before t: S(t) = (n - d) / n, so the printed value fixes d up to rounding
        (a GRIM test on n - d survivors): ``events_without_censoring``.
    (b) Censoring before t allowed: any strictly decreasing at-risk sequence
        n >= m_1 > ... > m_D can be produced by censoring patients between deaths, and ties
        give the same product, so S(t) ranges over products of D factors (m - 1)/m. This
        function finds, exactly, every D for which such a product rounds to the printed value
        (ties half-up or half-even). The most deaths come with no censoring (S <= (n - D)/n);
        the fewest come when most patients are censored early and deaths hit a small risk set.
        With ``at_risk`` (number still at risk at t) the final risk set after the last death
        must hold at least ``at_risk`` patients, so m_D >= at_risk + 1 and D <= n - at_risk.

    Implication: with unknown censoring a printed percentage fixes the number of events only to
    [min_events, max_events]; a value that is *not* attainable without censoring is not an
    error when follow-up is incomplete, it only shows that censoring occurred before t.
    """
    num = _printed_percent("percent_text", percent_text)
    nn = _count("n", n, 1)
    r = None if at_risk is None else _count("at_risk", at_risk, 0)
    if r is not None and r > nn:
        raise ValueError(f"at_risk must be <= n ({nn}), got {at_risk!r}")
    cap = _count("node_cap", node_cap, 1)
    d = num.decimals
    printed = Fraction(num.value) / 100
    h = _half_unit(d) / 100

    def accept(x: Fraction) -> bool:
        a, b = _rounds_to(x * 100, Fraction(num.value), d)
        return a or b

    survivors, _, _ = _grim_fraction(num.value, d, nn, 100)
    # without censoring everybody alive at t is still at risk at t, so at_risk = n - d
    no_cens = sorted(nn - k for k in survivors if r is None or k == r)

    lo_f, hi_f = float(printed - h), float(printed + h)
    floor_m = 1 if r is None else r + 1
    d_upper = nn - floor_m + 1          # D distinct at-risk counts in [floor_m, n]
    # S <= (n - D) / n, so D cannot exceed n (1 - lower edge)
    d_upper = min(d_upper, math.floor(nn * (1 - (printed - h))))
    feasible: list[int] = []
    undetermined: list[int] = []
    example: tuple[int, ...] = ()
    for deaths in range(0, d_upper + 1):
        if deaths == 0:
            if accept(Fraction(1)):
                feasible.append(0)
            continue
        try:
            seq = _km_sequence(deaths, nn, floor_m, accept, lo_f, hi_f, cap)
        except _SearchCap:
            undetermined.append(deaths)
            continue
        if seq is not None:
            if not feasible:
                example = seq
            feasible.append(deaths)
    lo_ev = feasible[0] if feasible else None
    hi_ev = feasible[-1] if feasible else None
    if feasible:
        note = (f"{percent_text} with n = {nn}: "
                + (f"without censoring before t it means {', '.join(map(str, no_cens))} event(s); "
                   if no_cens else "not attainable without censoring before t (so censoring occurred); ")
                + f"with censoring, {lo_ev} to {hi_ev} events can produce it, so the printed value "
                  "alone does not fix the number of events.")
    else:
        note = f"{percent_text} cannot be produced by any Kaplan-Meier estimate with n = {nn}" + (
            f" and {r} at risk at t" if r is not None else "") + "."
    return KMAttainability(printed=percent_text, n=nn, at_risk=r, decimals=d,
                           events_without_censoring=tuple(no_cens),
                           attainable_without_censoring=bool(no_cens),
                           feasible_events=tuple(feasible), undetermined_events=tuple(undetermined),
                           attainable_with_censoring=bool(feasible), min_events=lo_ev,
                           max_events=hi_ev, example_at_risk=example, note=note)



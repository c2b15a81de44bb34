"""The reproduction search reported as a specification curve, and a best-subset search.

A *specification* is one study set x one definition scenario (``specifications.yaml``); within
it the search pools the same counts under every *model* (transform x tau² estimator x CI) and
every combination of tied counts. Counting rows of the search ("0 of 2,074 combinations") mixes
the two: 30 specifications, each repeated over ~70 models and ties. This module reports them
apart, after Simonsohn, Simmons & Nelson (2020), "Specification curve analysis", *Nat Hum Behav*
4:1208-1214, and Steegen et al. (2016), "Increasing transparency through a multiverse analysis",
*Perspect Psychol Sci* 11:702-712:

- :func:`specification_summary`: per specification, whether *any* model lands on each printed
  number (estimate, lower, upper bound) and on all three, how far the models move the estimate
  (the spread due to models), how far the tied counts move it; and the fraction of
  specifications landing on each number and on all three.
- :func:`best_subsets`: over the candidate studies of the primary analysis, every subset of at
  least ``min_size`` studies (exhaustively up to ``max_exhaustive`` studies, else a seeded random
  sample, stated) pooled under one model at every combination of its tied counts: how many
  reach the printed estimate, how many the estimate and both bounds, and which studies those
  subsets must leave out. A subset that reaches the printed figures is a compatibility, not a
  reconstruction of Liu's study list: with 2^k subsets to choose from, some reach almost any
  figure.

"Lands on" is the statcheck rule of ``analysis.stats.reproduction.matches`` (each value in the
rounding interval of its printed number). Combinations whose CI leaves [0, 1] are left out and
counted.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analysis.stats.meta_vectorised import pool_batch
from analysis.stats.reproduction import _specs_of, matches, valid_ci
from analysis.stats.rounding import PrintedNumber, parse_number, within_rounding_array
from analysis.stats.specifications import Specifications, select_counts

__all__ = ["SpecificationSummary", "specification_summary", "SubsetSearch", "best_subsets", "MODEL_NAMES"]

#: How a model is named in words.
MODEL_NAMES = {"logit": "logit", "ftda": "Freeman-Tukey double arcsine", "asin": "arcsine", "raw": "untransformed",
               "EE": "common effect", "DL": "DerSimonian-Laird", "PM": "Paule-Mandel", "REML": "REML", "ML": "ML",
               "GLMM": "random-intercept logistic (GLMM)", "wald": "Wald (z) CI", "hk": "Hartung-Knapp CI"}


def _printed(x) -> PrintedNumber:
    return parse_number(x) if isinstance(x, str) else x


@dataclass(frozen=True)
class SpecificationSummary:
    """:func:`specification_summary`'s result.

    ``table``: one row per specification (set, set_label, scenario, scenario_label, k, patients,
    models (rows pooled, CIs inside [0, 1]), excluded (rows with a CI outside [0, 1]), est_any,
    low_any, high_any, all_any (some model lands on that number / on all three), est_min, est_max,
    est_range_points (the estimate's spread over every model and tied count, percentage points),
    model_range_points (the largest spread due to models at fixed counts), tie_range_points (the
    largest spread due to tied counts at a fixed model), distance_min (the smallest largest gap to
    the printed numbers, proportion units)). ``overall``: specifications, rows, rows landing on all
    three, the fraction of specifications landing on each number and on all three, and the median
    and range of model_range_points.
    """

    table: pd.DataFrame
    overall: dict = field(default_factory=dict)


def specification_summary(table: pd.DataFrame, est, lo, hi) -> SpecificationSummary:
    """Summarise a ``search`` table per specification against the printed "est (lo-hi)"."""
    est, lo, hi = (_printed(x) for x in (est, lo, hi))
    ok = valid_ci(table)
    m = matches(table[ok], est, lo, hi)
    rows = []
    for (set_key, scen), g in table.groupby(["set", "scenario"], sort=False):
        gm = m[(m["set"] == set_key) & (m["scenario"] == scen)]
        model_cols = ["transform", "method", "ci"]
        tie_key = "tied_counts" if "tied_counts" in gm else "bracket"
        by_counts = gm.groupby(tie_key)["estimate"]
        by_model = gm.groupby(model_cols)["estimate"]
        rows.append({
            "set": set_key, "set_label": g["set_label"].iloc[0], "scenario": scen,
            "scenario_label": g["scenario_label"].iloc[0], "k": int(g["k"].iloc[0]),
            "patients": int(g["patients"].iloc[0]), "models": int(len(gm)), "excluded": int((~ok[g.index]).sum()),
            "est_any": bool(gm["est_match"].any()), "low_any": bool(gm["low_match"].any()),
            "high_any": bool(gm["high_match"].any()), "all_any": bool(gm["all_match"].any()),
            "est_min": float(gm["estimate"].min()), "est_max": float(gm["estimate"].max()),
            "est_range_points": 100 * float(gm["estimate"].max() - gm["estimate"].min()),
            "model_range_points": 100 * float((by_counts.max() - by_counts.min()).max()),
            "tie_range_points": 100 * float((by_model.max() - by_model.min()).max()),
            "distance_min": float(gm["distance"].min()),
        })
    out = pd.DataFrame(rows)
    n = len(out)
    overall = {
        "specifications": n, "rows": int(len(table)), "rows_valid": int(ok.sum()),
        "rows_all_match": int(m["all_match"].sum()),
        **{f"fraction_{c}": (float(out[f"{c}_any"].mean()) if n else float("nan"))
           for c in ("est", "low", "high", "all")},
        **{f"specifications_{c}": int(out[f"{c}_any"].sum()) for c in ("est", "low", "high", "all")},
        "model_range_median_points": float(out["model_range_points"].median()) if n else float("nan"),
        "model_range_min_points": float(out["model_range_points"].min()) if n else float("nan"),
        "model_range_max_points": float(out["model_range_points"].max()) if n else float("nan"),
    }
    return SpecificationSummary(out, overall)


# --------------------------------------------------------------------------------------------
# best subsets
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SubsetSearch:
    """:func:`best_subsets`'s result (labels are study labels of ``select_counts``).

    ``studies``: the candidate studies searched; ``model``: (transform, method, ci) and ``model_name``
    in words; ``exhaustive`` (every subset of >= ``min_size`` studies) or a seeded sample of
    ``sampled`` subsets (``seed``); ``subsets``: subsets tried; ``fits``: pooled analyses (a
    subset times each combination of its tied counts); ``reach_estimate`` / ``reach_all``:
    subsets with some tie combination whose estimate / estimate and both bounds land on the
    printed numbers (CI inside [0, 1]); for those reaching all three: ``always_left_out`` (studies
    every one of them leaves out), ``smallest_leave_out`` (the fewest studies left out, every set
    of that size), ``example`` (a dict: left out, estimate, ci_low, ci_high, events); the same for
    the estimate alone (``estimate_*``); ``closest``: the fit closest to the printed numbers.
    """

    studies: tuple[str, ...]
    model: tuple[str, str, str]
    model_name: str
    printed: tuple[str, str, str]
    min_size: int
    exhaustive: bool
    seed: int | None
    subsets: int
    fits: int
    reach_estimate: int
    reach_all: int
    always_left_out: tuple[str, ...]
    smallest_leave_out: tuple[tuple[str, ...], ...]
    example: dict | None
    estimate_always_left_out: tuple[str, ...]
    estimate_smallest_leave_out: tuple[tuple[str, ...], ...]
    estimate_example: dict | None
    closest: dict


def _subsets(k: int, min_size: int, max_exhaustive: int, samples: int, seed: int):
    if k <= max_exhaustive:
        return [c for r in range(min_size, k + 1) for c in itertools.combinations(range(k), r)], True
    rng = np.random.default_rng(seed)
    seen: set = set()
    sizes = np.arange(min_size, k + 1)
    weights = np.array([math.comb(k, int(r)) for r in sizes], dtype=float)
    while len(seen) < samples:   # sizes drawn in proportion to how many subsets have that size
        r = int(rng.choice(sizes, p=weights / weights.sum()))
        seen.add(tuple(sorted(rng.choice(k, size=r, replace=False).tolist())))
    return sorted(seen, key=lambda c: (len(c), c)), False


def _leave_out_report(hits: list[tuple[tuple[int, ...], dict]], labels: list[str]):
    if not hits:
        return (), (), None
    k = len(labels)
    outs = [tuple(sorted(set(range(k)) - set(s))) for s, _ in hits]
    always = set(outs[0]).intersection(*map(set, outs[1:]))
    fewest = min(len(o) for o in outs)
    smallest = sorted({o for o in outs if len(o) == fewest})
    ex_subset, ex_fit = min(zip(outs, (f for _, f in hits), strict=True),
                            key=lambda t: (len(t[0]), t[1]["distance"], t[0]))
    name = lambda idx: tuple(labels[i] for i in idx)  # noqa: E731
    example = {**ex_fit, "left_out": name(ex_subset)}
    return name(sorted(always)), tuple(name(o) for o in smallest), example


def best_subsets(studies: pd.DataFrame, variants: pd.DataFrame, outcome: str, printed, min_size: int = 5,
                 model: tuple[str, str, str] | None = None, set_key: str | None = None, scenario: str | None = None,
                 max_exhaustive: int = 20, samples: int = 200_000, seed: int = 2023,
                 specs: Specifications | None = None) -> SubsetSearch:
    """Subsets of >= ``min_size`` candidate studies whose pooled estimate and CI land on ``printed``.

    ``printed`` is (estimate, low, high), strings like ``("54%", "44%", "64%")`` or
    ``PrintedNumber``s. The candidates are the counts of the primary analysis (primary study set
    and scenario of ``specifications.yaml``, or ``set_key``/``scenario``); ``model`` defaults to
    the primary model (logit, REML, Hartung-Knapp). Up to ``max_exhaustive`` studies every subset
    is tried (2^20 is about a million fits, a few minutes); beyond that ``samples`` distinct
    subsets are drawn with numpy's default generator seeded with ``seed``, sizes in proportion
    to the number of subsets of each size.
    """
    specs = _specs_of(variants, specs)
    set_key = set_key or specs.primary.set
    scenario = scenario or specs.primary.scenario
    model = model or (specs.primary.transform, specs.primary.method, specs.primary.ci)
    counts, _ = select_counts(studies, variants, outcome, set_key, scenario, specs)
    labels = list(counts["label"])
    k = len(labels)
    if k < min_size:
        raise ValueError(f"best_subsets: {k} candidate studies, fewer than min_size = {min_size}")
    est, lo, hi = (_printed(x) for x in printed)
    cands = [tuple(c) for c in counts["candidates"]]
    totals = [int(t) for t in counts["total"]]
    subsets, exhaustive = _subsets(k, min_size, max_exhaustive, samples, seed)
    plan, sets = [], []
    for s in subsets:
        for events in itertools.product(*[cands[i] for i in s]):
            plan.append(s)
            sets.append((events, tuple(totals[i] for i in s)))
    batch = pool_batch(sets, *model)
    nums = np.column_stack([batch.estimate, batch.ci_low, batch.ci_high])
    valid = (batch.ci_low >= -1e-12) & (batch.ci_high <= 1 + 1e-12)
    est_ok = within_rounding_array(batch.estimate, est) & valid
    all_ok = est_ok & within_rounding_array(batch.ci_low, lo) & within_rounding_array(batch.ci_high, hi)
    target = np.array([est.fraction, lo.fraction, hi.fraction])
    distance = np.abs(nums - target).max(axis=1)
    best_est: dict = {}
    best_all: dict = {}
    for i in np.flatnonzero(est_ok):
        s = plan[i]
        fit = {"estimate": float(batch.estimate[i]), "ci_low": float(batch.ci_low[i]),
               "ci_high": float(batch.ci_high[i]), "distance": float(distance[i]), "events": sets[i][0],
               "studies": tuple(labels[j] for j in s)}
        for ok, best in ((est_ok[i], best_est), (all_ok[i], best_all)):
            if ok and (s not in best or fit["distance"] < best[s]["distance"]):
                best[s] = fit
    i_close = int(np.argmin(np.where(valid, distance, np.inf)))
    closest = {"estimate": float(batch.estimate[i_close]), "ci_low": float(batch.ci_low[i_close]),
               "ci_high": float(batch.ci_high[i_close]), "distance": float(distance[i_close]),
               "events": sets[i_close][0],
               "left_out": tuple(labels[j] for j in sorted(set(range(k)) - set(plan[i_close])))}
    always, smallest, example = _leave_out_report(list(best_all.items()), labels)
    e_always, e_smallest, e_example = _leave_out_report(list(best_est.items()), labels)
    t, meth, ci = model
    return SubsetSearch(
        studies=tuple(labels), model=tuple(model),
        model_name=f"{MODEL_NAMES[t]}, {MODEL_NAMES[meth]}, {MODEL_NAMES[ci]}",
        printed=(est.text, lo.text, hi.text), min_size=min_size, exhaustive=exhaustive,
        seed=None if exhaustive else seed, subsets=len(subsets), fits=len(sets), reach_estimate=len(best_est),
        reach_all=len(best_all), always_left_out=always, smallest_leave_out=smallest, example=example,
        estimate_always_left_out=e_always, estimate_smallest_leave_out=e_smallest, estimate_example=e_example,
        closest=closest)

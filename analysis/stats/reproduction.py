"""Re-deriving a pooled proportion whose study list is not public: the reproduction search.

The commentary quotes a meta-analysis (Liu 2023) whose 18 studies, per-study counts, response
definition, model and transform are not public. What *can* be done is to pool the candidate
primary studies in ``data/meta_analysis/`` under every reasonable analysis choice and see whether
any lands on the printed figures:

    study set  x  response definition  x  transform (4)  x  tau² estimator (6)  x  CI (2)

A *specification* is one study set x one definition scenario, both read from
``data/meta_analysis/specifications.yaml`` (``analysis.stats.specifications``); the models are
the transforms, estimators and CIs. ``analysis.stats.specification_curve`` summarises the search
per specification and searches subsets of the identified studies. Separately, what the printed
numbers themselves imply: a confidence interval has to be centred on its estimate on the scale
it was computed on, and its width says how much between-study variance the model allowed for (a
common-effect interval with 1,373 patients is far narrower). The patient total can be checked
against the identified studies by arithmetic (a subset-sum count).

Three rules on the counts, the same on every page of the report:

- *hypothetical counts are never pooled*: a variant whose denominator nobody printed
  (``hypothetical`` true in ``outcome_variants.csv``, e.g. MT103-206's 22/25 MRD) is shown on
  the page only;
- *ties are bracketed, never resolved by a pick*: when a printed percentage (and, where printed,
  its exact CI) fits several whole counts, the variants with the same definition and total are
  one count with several ``candidates``; the search and the primary analysis pool every
  combination of candidates (``bracket`` and ``tied_counts`` columns, ``bracket_fits``);
- *impossible intervals are flagged*: a raw-scale combination whose CI leaves [0, 1]
  (``ci_valid`` False) is kept in the table but left out of every range, count and verdict.

Matching rule (statcheck, Nuijten et al. 2016): a combination *lands on* "54% (44%-64%)" when the
recomputed estimate and both bounds each lie in the rounding interval of the printed value
(``analysis.stats.rounding.within_rounding``).

The inverse-variance models are pooled for all sets of counts at once
(``analysis.stats.meta_vectorised.pool_batch``, equal to ``pool_proportions`` to 1e-12). The GLMM
(about 10 ms per fit) is fitted only for the study sets in ``glmm_sets`` and once per set of
counts; its ``t`` interval is computed from the same fit as metafor's ``test = "t"`` does
(``_glmm_t``). Nothing is cached across calls.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
from scipy import special, stats

from analysis.inputs import paths
from analysis.stats.meta import CIS, METHODS, TRANSFORMS, PooledProportion, pool_proportions
from analysis.stats.rounding import PrintedNumber, parse_number, rounding_interval, within_rounding_array
from analysis.stats.specifications import (
    Scenario,
    Specifications,
    StudySet,
    _in_set,
    _records,
    load_candidates,
    load_specifications,
    select_counts,
    selection,
)

__all__ = [
    "StudySet", "Scenario", "load_candidates", "select_counts", "selection", "search", "matches",
    "primary_analysis", "leave_one_out", "ci_implications", "count_consistency", "hypothetical_counts",
    "bracket_combinations", "bracket_fits", "valid_ci", "MODELS",
]


def _specs_of(frame: pd.DataFrame, specs: Specifications | None = None) -> Specifications:
    """The specifications of the copy of data/ a table was read from (``attrs['data_dir']``)."""
    return specs or load_specifications(frame.attrs.get("data_dir", paths.DATA))


def __getattr__(name: str):
    """Transitional names for callers written before the specifications moved to data
    (``CR_SETS``, ``MRD_SETS``, ``CR_SCENARIOS``, ``MRD_SCENARIOS``, ``GLMM_SETS``, ``PRIMARY``,
    ``CUTOFF_YEAR``), read from ``data/`` (``REPORT_DATA_DIR``) on access; new code calls
    ``load_specifications(data_dir)``."""
    lookup = {"CR_SETS": lambda s: tuple(s.study_sets["cr"]), "MRD_SETS": lambda s: tuple(s.study_sets["mrd"]),
              "CR_SCENARIOS": lambda s: tuple(s.scenarios["cr"]), "MRD_SCENARIOS": lambda s: tuple(s.scenarios["mrd"]),
              "GLMM_SETS": lambda s: tuple(s.glmm_sets), "PRIMARY": lambda s: s.primary.model_dump(),
              "CUTOFF_YEAR": lambda s: s.cutoff_year}
    if name in lookup:
        return lookup[name](load_specifications(paths.DATA))
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def hypothetical_counts(variants: pd.DataFrame) -> pd.DataFrame:
    """The variants never pooled because their denominator is an assumption (shown on the page)."""
    return variants[variants["hypothetical"].astype(bool)].reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# Pooling
# --------------------------------------------------------------------------------------------
def _glmm_t(res: PooledProportion) -> tuple[float, float, float, float]:
    """CI and PI of a GLMM fit with metafor's ``test = "t"``: t with k-1 df, no scaling,
    from the same (mu, se, tau2) as the Wald fit (so the GLMM is fitted once)."""
    crit = float(stats.t.ppf(1 - (1 - res.level) / 2, res.k - 1))
    pi_se = math.sqrt(res.se ** 2 + res.tau2)
    lo, hi, plo, phi = special.expit([res.mu - crit * res.se, res.mu + crit * res.se,
                                      res.mu - crit * pi_se, res.mu + crit * pi_se])
    return float(lo), float(hi), float(plo), float(phi)


def _glmm_fits(events: tuple, totals: tuple, memo: dict) -> list[dict]:
    """The GLMM's two rows (Wald and t) for one set of counts: fitted once (scalar path)."""
    key = (events, totals)
    if key not in memo:
        res = pool_proportions(events, totals, transform="logit", method="GLMM", ci="wald")
        base = {"transform": "logit", "method": "GLMM", "estimate": res.estimate, "tau2": res.tau2,
                "i2": res.i2, "flags": "; ".join(res.flags)}
        lo, hi, plo, phi = _glmm_t(res)
        memo[key] = [{**base, "ci": "wald", "ci_low": res.ci_low, "ci_high": res.ci_high,
                      "pi_low": res.pi_low, "pi_high": res.pi_high},
                     {**base, "ci": "hk", "ci_low": lo, "ci_high": hi, "pi_low": plo, "pi_high": phi}]
    return memo[key]


#: the order of the models in every search table: transform, then method (GLMM after ML, logit
#: only), then CI -- the order the scalar loops used.
MODELS = tuple((t, m, c) for t in TRANSFORMS for m in METHODS for c in CIS if m != "GLMM" or t == "logit")


def _all_fits(count_sets: list[tuple[tuple, tuple]], glmm: set) -> list[list[dict]]:
    """For each (events, totals) of ``count_sets``: one dict per model of :data:`MODELS` (GLMM
    rows only for the sets in ``glmm``). Inverse-variance models are pooled all sets at once
    (``analysis.stats.meta_vectorised.pool_batch``); the GLMM one fit per set."""
    from analysis.stats.meta_vectorised import pool_batch

    batches = {}
    for transform, method, ci in MODELS:
        if method != "GLMM":
            batches[(transform, method, ci)] = pool_batch(count_sets, transform, method, ci)
    memo: dict = {}
    out = []
    for i, (events, totals) in enumerate(count_sets):
        fits = []
        for transform, method, ci in MODELS:
            if method == "GLMM":
                if ci == "wald" and (events, totals) in glmm:
                    fits.extend(_glmm_fits(events, totals, memo))
                continue
            b = batches[(transform, method, ci)]
            fits.append({"transform": transform, "method": method, "ci": ci, "estimate": float(b.estimate[i]),
                         "ci_low": float(b.ci_low[i]), "ci_high": float(b.ci_high[i]),
                         "pi_low": float(b.pi_low[i]), "pi_high": float(b.pi_high[i]),
                         "tau2": float(b.tau2[i]), "i2": float(b.i2[i]), "flags": "; ".join(b.flags[i])})
        out.append(fits)
    return out


def _bracket_label(events: tuple, cands: list[tuple]) -> str:
    tied = [i for i, c in enumerate(cands) if len(c) > 1]
    if not tied:
        return "none"
    if all(events[i] == min(cands[i]) for i in tied):
        return "lowest"
    if all(events[i] == max(cands[i]) for i in tied):
        return "highest"
    return "intermediate"


def search(studies: pd.DataFrame, variants: pd.DataFrame, outcome: str, sets=None, scenarios=None,
           glmm_sets=None, brackets: str = "all", specs: Specifications | None = None) -> pd.DataFrame:
    """Pool every (study set x scenario x transform x method x CI) combination of one outcome.

    One row per combination: set, scenario, k, patients (sum of denominators), events and totals
    (the counts pooled, as tuples in the order of ``select_counts``), transform, method, ci, estimate,
    ci_low, ci_high, pi_low, pi_high, tau2, i2, flags.
    Study sets with fewer than 2 studies with a count are skipped (nothing to pool). Tied counts
    are bracketed: with ``brackets="all"`` every combination of the counts a tie allows is
    pooled (``tied_counts`` names the counts used), with ``"ends"`` only every tied count at its
    lowest and at its highest; ``bracket`` is "none" (no tied count), "lowest", "highest" or
    "intermediate". ``ci_valid`` is False where the CI leaves [0, 1]. Every set of counts is
    pooled once per model, all sets at once (``analysis.stats.meta_vectorised``).
    """
    if brackets not in ("all", "ends"):
        raise ValueError(f"brackets must be 'all' or 'ends', got {brackets!r}")
    specs = _specs_of(variants, specs)
    if outcome not in specs.study_sets:
        raise ValueError(f"unknown outcome {outcome!r}; choose 'cr' or 'mrd'")
    sets = sets or specs.study_sets[outcome]
    scenarios = scenarios or specs.scenarios[outcome]
    glmm_sets = specs.glmm_sets if glmm_sets is None else glmm_sets
    plan = []
    rows_once = (_records(studies), _records(variants))
    for study_set in sets:
        for scenario in scenarios:
            counts, _ = select_counts(studies, variants, outcome, study_set.key, scenario.key, specs, rows_once)
            if len(counts) < 2:
                continue
            totals = tuple(int(x) for x in counts["total"])
            cands = [tuple(c) for c in counts["candidates"]]
            if brackets == "all":
                combos = list(itertools.product(*cands))
            elif any(len(c) > 1 for c in cands):
                combos = [tuple(min(c) for c in cands), tuple(max(c) for c in cands)]
            else:
                combos = [tuple(c[0] for c in cands)]
            ids = list(counts["study_id"])
            for events in combos:
                tied = ", ".join(f"{ids[i]} {events[i]}" for i, c in enumerate(cands) if len(c) > 1)
                plan.append((study_set, scenario, _bracket_label(events, cands), tied, (tuple(events), totals)))
    unique = list(dict.fromkeys(p[-1] for p in plan))
    glmm = {p[-1] for p in plan if p[0].key in glmm_sets}
    fits = dict(zip(unique, _all_fits(unique, glmm), strict=True))
    rows = []
    for study_set, scenario, bracket, tied, key in plan:
        head = {"outcome": outcome, "set": study_set.key, "set_label": study_set.label, "scenario": scenario.key,
                "scenario_label": scenario.label, "bracket": bracket, "tied_counts": tied, "k": len(key[1]),
                "patients": int(sum(key[1])), "events": key[0], "totals": key[1]}
        rows.extend({**head, **fit} for fit in fits[key])
    out = pd.DataFrame(rows)
    out["ci_valid"] = valid_ci(out)
    return out


def valid_ci(table: pd.DataFrame) -> pd.Series:
    """True where the CI lies inside [0, 1] (a raw-scale interval can leave it: impossible bounds)."""
    return (table["ci_low"] >= -1e-12) & (table["ci_high"] <= 1 + 1e-12)


def bracket_combinations(counts: pd.DataFrame) -> list[tuple[int, ...]]:
    """Every combination of the allowed counts (one per study), in a fixed order."""
    return [tuple(int(x) for x in combo) for combo in itertools.product(*[tuple(c) for c in counts["candidates"]])]


def matches(table: pd.DataFrame, estimate: str | PrintedNumber, low: str | PrintedNumber,
            high: str | PrintedNumber) -> pd.DataFrame:
    """Add statcheck-style agreement columns for a printed "estimate (low-high)".

    ``est_match``, ``low_match``, ``high_match`` (each recomputed value inside the rounding
    interval of its printed number), ``all_match`` (all three) and ``distance`` (the largest
    absolute gap, in proportion units, between a recomputed value and its printed number).
    """
    nums = [parse_number(x) if isinstance(x, str) else x for x in (estimate, low, high)]
    out = table.copy()
    for col, num, name in zip(("estimate", "ci_low", "ci_high"), nums, ("est_match", "low_match", "high_match"),
                              strict=True):
        out[name] = within_rounding_array(out[col].to_numpy(float), num)
    out["all_match"] = out["est_match"] & out["low_match"] & out["high_match"]
    out["distance"] = np.max(np.abs(np.column_stack([out[c].to_numpy(float) - n.fraction for c, n in
                                                     zip(("estimate", "ci_low", "ci_high"),
                                                         nums, strict=True)])), axis=1)
    return out


def _model(counts: pd.DataFrame, transform, method, ci) -> tuple[str, str, str]:
    """The model asked for, each part defaulting to the primary model of ``specifications.yaml``."""
    if transform is None or method is None or ci is None:
        primary = _specs_of(counts).primary
        transform, method, ci = transform or primary.transform, method or primary.method, ci or primary.ci
    return transform, method, ci


def primary_analysis(counts: pd.DataFrame, transform: str | None = None, method: str | None = None,
                     ci: str | None = None) -> PooledProportion:
    """The page's primary model (``primary`` in ``specifications.yaml``: logit, REML,
    Hartung-Knapp) on a table from ``select_counts``."""
    transform, method, ci = _model(counts, transform, method, ci)
    return pool_proportions(counts["events"].tolist(), counts["total"].tolist(), transform=transform,
                            method=method, ci=ci, labels=counts["label"].tolist())


def bracket_fits(counts: pd.DataFrame, transform: str | None = None, method: str | None = None,
                 ci: str | None = None) -> list[PooledProportion]:
    """The primary model at every combination of the counts the printed figures allow."""
    transform, method, ci = _model(counts, transform, method, ci)
    totals = counts["total"].tolist()
    return [pool_proportions(list(events), totals, transform=transform, method=method, ci=ci,
                             labels=counts["label"].tolist()) for events in bracket_combinations(counts)]


def leave_one_out(counts: pd.DataFrame, transform: str | None = None, method: str | None = None,
                  ci: str | None = None) -> pd.DataFrame:
    """Influence: the pooled proportion with each study left out in turn (one row per study)."""
    if len(counts) < 3:
        raise ValueError(f"leave-one-out needs at least 3 studies, got {len(counts)}")
    transform, method, ci = _model(counts, transform, method, ci)
    rows = []
    for i, label in enumerate(counts["label"]):
        rest = counts.drop(index=counts.index[i])
        res = primary_analysis(rest, transform, method, ci)
        rows.append({"left out": label, "k": res.k, "estimate": res.estimate, "ci_low": res.ci_low,
                     "ci_high": res.ci_high, "tau2": res.tau2, "i2": res.i2})
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------
# What the printed numbers imply
# --------------------------------------------------------------------------------------------
_SCALES = {
    "logit": (special.logit, special.expit),
    "raw": (lambda p: p, lambda z: z),
    "asin": (lambda p: np.arcsin(np.sqrt(p)), lambda z: np.sin(z) ** 2),
}


def ci_implications(estimate: str | PrintedNumber, low: str | PrintedNumber, high: str | PrintedNumber,
                    k: int | None, patients: int | None, level: float = 0.95) -> dict:
    """What a printed "estimate (low-high)" implies, for each scale a CI may be symmetric on.

    - ``centre``: per scale (logit, raw, arcsine; the double arcsine behaves as the arcsine
      for these sizes), the range of back-transformed midpoints of any pair of bounds that
      print as ``low`` and ``high``, and whether it meets the estimate's rounding interval
      (a Wald-type CI is symmetric on the scale it was computed on);
    - ``se``: the standard error the printed width implies on each scale (z quantile);
    - ``effective_n``: the binomial sample size whose CI would be as wide, p(1-p)/se²;
    - with ``patients``: the half-width of a common-effect CI pooling that many patients and
      the ratio of the printed width to it;
    - with ``k`` and ``patients``: the between-study variance tau² (logit scale) and I² the width
      implies if the k studies were of equal size n = patients/k: se² = (v + tau²)/k with
      v = 1/(n p (1-p)), I² = tau²/(tau² + v) (Higgins & Thompson 2002, typical within-study
      variance), for a z (Wald) and a t(k-1) (Hartung-Knapp-like) interval.
    """
    est, lo, hi = (parse_number(x) if isinstance(x, str) else x for x in (estimate, low, high))
    p, plo, phi = est.fraction, lo.fraction, hi.fraction
    if not 0 < plo <= p <= phi < 1:
        raise ValueError(f"printed interval {lo.text}-{hi.text} does not contain the estimate {est.text} inside (0, 1)")
    z = float(stats.norm.ppf(1 - (1 - level) / 2))
    e_lo, e_hi = rounding_interval(est)
    lo_lo, lo_hi = rounding_interval(lo)
    hi_lo, hi_hi = rounding_interval(hi)
    centre, se = {}, {}
    for name, (g, ginv) in _SCALES.items():
        mid_min = float(ginv((g(lo_lo) + g(hi_lo)) / 2))
        mid_max = float(ginv((g(lo_hi) + g(hi_hi)) / 2))
        centre[name] = {"midpoint_low": mid_min, "midpoint_high": mid_max,
                        "midpoint": float(ginv((g(plo) + g(phi)) / 2)),
                        "compatible": bool(mid_max >= e_lo and mid_min <= e_hi)}
        se[name] = float((g(phi) - g(plo)) / (2 * z))
    out = {"estimate": p, "low": plo, "high": phi, "level": level, "centre": centre, "se": se,
           "effective_n": p * (1 - p) / se["raw"] ** 2, "k": k, "patients": patients}
    if patients:
        ce_half = z * math.sqrt(p * (1 - p) / patients)
        out["common_effect_half_width"] = ce_half
        out["width_ratio"] = (phi - plo) / (2 * ce_half)
    if k and patients:
        n = patients / k
        v = 1.0 / (n * p * (1 - p))
        for name, crit in (("wald", z), ("t", float(stats.t.ppf(1 - (1 - level) / 2, k - 1)))):
            se_logit = (special.logit(phi) - special.logit(plo)) / (2 * crit)
            tau2 = max(0.0, k * se_logit ** 2 - v)
            out[f"tau2_{name}"] = float(tau2)
            out[f"i2_{name}"] = float(100 * tau2 / (tau2 + v))
        out["typical_within_variance"] = v
        out["mean_study_size"] = n
    return out


def count_consistency(studies: pd.DataFrame, k: int, patients: int, cutoff_year: int | None = None,
                      specs: Specifications | None = None) -> dict:
    """Are "k studies, N patients" consistent with the identified candidate studies?

    - ``identified``: the studies of the primary study set (``specifications.yaml``: setting
      rr-active or mixed, published by ``cutoff_year``); how many, how many have N, and their
      patient total;
    - ``remaining_studies`` / ``remaining_patients`` / ``remaining_mean``: what the
      unidentified studies would have to hold if all identified ones were included;
    - ``size_range``: smallest and largest identified study (a plausibility range for the mean);
    - ``subsets``: number of subsets of *all* candidates with an N (any setting, any year) of
      at most k studies whose N add up to exactly ``patients`` (dynamic programming over
      (size, total)), and the number among identified relapsed/refractory ones.
    """
    specs = _specs_of(studies, specs)
    cutoff = specs.cutoff_year if cutoff_year is None else cutoff_year
    identified = specs.study_set("cr", specs.primary.set)
    rr = studies[[_in_set(r, identified, cutoff) for r in studies.to_dict(orient="records")]]
    with_n = rr[rr["n_patients"].notna()]
    sizes = [int(x) for x in with_n["n_patients"]]
    total = int(sum(sizes))
    remaining_k = k - len(rr)
    remaining_n = patients - total
    out = {"identified": int(len(rr)), "identified_with_n": int(len(with_n)), "identified_patients": total,
           "identified_labels": list(rr["label"]), "without_n": list(rr.loc[rr["n_patients"].isna(), "label"]),
           "remaining_studies": int(remaining_k), "remaining_patients": int(remaining_n),
           "remaining_mean": (remaining_n / remaining_k) if remaining_k > 0 else float("nan"),
           "size_range": (min(sizes), max(sizes)) if sizes else (0, 0)}
    every = [int(x) for x in studies["n_patients"].dropna()]
    out["subsets_all"] = _subset_count(every, k, patients)
    out["subsets_identified"] = _subset_count(sizes, k, patients)
    out["candidates_with_n"] = len(every)
    return out


def _subset_count(sizes: list[int], max_k: int, target: int) -> int:
    """Number of subsets of ``sizes`` with at most ``max_k`` elements summing to ``target``."""
    ways = np.zeros((max_k + 1, target + 1), dtype=np.int64)
    ways[0, 0] = 1
    for s in sizes:
        if s > target:
            continue
        ways[1:, s:] += ways[:-1, :target + 1 - s].copy()
    return int(ways[:, target].sum())

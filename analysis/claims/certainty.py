"""Certainty of the evidence behind a pooled rate, GRADE-style: one summary-of-findings row per
pooled proportion (CR, MRD response, treatment-related mortality, re-induction CR by setting).

The row is computed from the data by five documented rules, one per GRADE domain. Each rule
has its thresholds as named constants below. Each rule that rates the evidence down writes
one footnote, with the numbers that triggered it. The lead calls
:func:`summary_of_findings` from the evaluators with plain inputs: the fit, and per study its
design, population and setting, plus the claim's interval. The pages render the result.

What is rated, and where it starts
----------------------------------
These are single-group rates (the proportion of treated patients with an outcome), not
comparative effects. GRADE rates confidence in event rates in broad groups of patients the
way it rates prognosis: a body of evidence from cohorts that represent the population starts
at **high** certainty, whether or not the patients were in a randomised trial (Iorio et al.,
BMJ 2015;350:h870; GRADE guidelines 28, Foroutan et al., J Clin Epidemiol 2020;121:62-70).
For a rate, randomisation protects nothing; what protects it is prospective enrolment and
protocol-defined assessment. That is why the risk-of-bias rule separates prospective studies
(randomised arms and single-arm trials) from retrospective series. No rule rates up: large
effect, dose-response and residual confounding (handbook 5.3) concern comparisons.

The five rules (GRADE Handbook, Schünemann et al. 2013, section 5.2)
-------------------------------------------------------------------
1. **Risk of bias** (5.2.1; Guyatt et al., J Clin Epidemiol 2011;64:407-415). Study design
   decides a study's risk of bias for a rate: randomised arm or prospective single-arm trial
   = low, retrospective series = high (selected patients, response not assessed by
   protocol). The evidence is rated down one level unless most of the pooled weight
   (:data:`RISK_OF_BIAS_MOST`, the handbook's "most information is from studies at low risk of
   bias") comes from studies at low risk.
2. **Inconsistency** (5.2.2; Guyatt et al. 2011;64:1294-1302; Cochrane Handbook 10.10.2 for
   the I² bands). The rate goes down one level when I² >= :data:`I2_SUBSTANTIAL` and the 95%
   prediction interval (metafor's convention, ``PooledProportion.pi_low/pi_high``) reaches
   beyond the claim's interval on both sides. Then the settings behind the pool would lead
   to different conclusions about the claim. It goes down two levels when, in addition,
   I² >= :data:`I2_CONSIDERABLE` and the prediction interval is wider than
   :data:`PI_WIDTH_VERY_SERIOUS`. Fewer than 3 studies: no prediction interval. With one
   study, inconsistency cannot be judged and is not rated down (handbook: no evidence of
   inconsistency).
3. **Indirectness** (5.2.3; Guyatt et al. 2011;64:1303-1310). A study is direct when its
   population (adults / children) and its disease setting match the claim's. The rate goes
   down one level unless most of the pooled weight (:data:`INDIRECTNESS_MOST`) is direct. It
   goes down one level as well when no study is direct for part of the claim's population.
4. **Imprecision** (5.2.4; Guyatt et al. 2011;64:1283-1293). The claim's interval works as
   the decision thresholds. A 95% CI that crosses one of its limits (it holds values inside
   and outside the claim) rates down one level. One that crosses both limits, or is wider
   than :data:`CI_WIDTH_VERY_SERIOUS`, rates down two. A CI entirely inside or entirely
   outside the claim is precise enough to judge it, unless fewer than
   :data:`OPTIMAL_INFORMATION_SIZE` patients were pooled. Then it goes down one level, by
   GRADE's rule of thumb for the optimal information size.
5. **Publication bias** (5.2.5; Guyatt et al. 2011;64:1277-1282). This is assessed only when
   k >= :data:`PUBLICATION_BIAS_MIN_K` (Sterne et al., BMJ 2011;343:d4002: with fewer studies
   tests for funnel-plot asymmetry lack the power to tell chance from bias). Egger's
   regression (standardised effect on precision, on the pooled scale) then rates down one
   level when its intercept has P < :data:`EGGER_ALPHA`. For proportions the funnel plot is a
   weak guide (Hunter et al., J Clin Epidemiol 2014;67:897-903), and the footnote says so.

Levels: high, moderate, low, very low (:data:`CERTAINTY_LEVELS`). Downgrades add up and stop
at very low.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # annotations only: the rules page and the HTML module import this without the model code
    from analysis.stats.meta import PooledProportion

CERTAINTY_LEVELS = ("high", "moderate", "low", "very low")
#: GRADE's symbols for the four levels (summary-of-findings tables).
CERTAINTY_SYMBOLS = {"high": "⊕⊕⊕⊕", "moderate": "⊕⊕⊕◯", "low": "⊕⊕◯◯", "very low": "⊕◯◯◯"}
#: Where a body of evidence about a single-group rate starts (Iorio et al. BMJ 2015).
START = "high"

#: Risk of bias: the share of pooled weight that must come from low-risk studies ("most information").
RISK_OF_BIAS_MOST = 0.5
#: Inconsistency: Cochrane Handbook 10.10.2 bands ("may represent substantial" from 50%,
#: "considerable" from 75%), on the 0-1 scale.
I2_SUBSTANTIAL = 0.50
I2_CONSIDERABLE = 0.75
#: Inconsistency, very serious: a 95% prediction interval wider than this (50 percentage points,
#: the rulebook's limit beyond which an interval cannot inform a verdict).
PI_WIDTH_VERY_SERIOUS = 0.50
#: Indirectness: the share of pooled weight that must come from direct studies.
INDIRECTNESS_MOST = 0.5
#: Imprecision, very serious: a 95% CI wider than this (same 50-point limit).
CI_WIDTH_VERY_SERIOUS = 0.50
#: Imprecision: GRADE's rule-of-thumb optimal information size (patients pooled).
OPTIMAL_INFORMATION_SIZE = 400
#: Publication bias: assessed only with at least this many studies (Sterne et al. 2011).
PUBLICATION_BIAS_MIN_K = 10
#: Publication bias: significance level of Egger's test (Egger et al., BMJ 1997;315:629).
EGGER_ALPHA = 0.10

#: Study designs in the data files -> the three classes the risk-of-bias rule knows.
DESIGN_CLASSES = {
    "rct-arm": "randomised",
    "randomised-control-arm": "randomised",
    "randomised": "randomised",
    "phase1-2-single-arm": "prospective",
    "phase1b-single-arm": "prospective",
    "phase2-single-arm": "prospective",
    "phase3-single-arm": "prospective",
    "expanded-access": "prospective",
    "prospective": "prospective",
    "single-arm": "prospective",
    "retrospective-multicentre": "retrospective",
    "retrospective-single-centre": "retrospective",
    # analyses of relapsed patients from trial databases or registries: the outcome after
    # relapse was not assessed by a protocol, so they count as retrospective series
    "cohort-series": "retrospective",
    "retrospective": "retrospective",
}
LOW_RISK_CLASSES = ("randomised", "prospective")

DOMAINS = ("risk of bias", "inconsistency", "indirectness", "imprecision", "publication bias")
#: Rule ids, one per domain (for the rulebook and the ``rules`` field of a ClaimResult).
RULE_IDS = {d: "grade-" + d.replace(" ", "-") for d in DOMAINS}
#: Population words and the groups they cover.
POPULATIONS = {"adult": {"adult"}, "paediatric": {"paediatric"}, "mixed": {"adult", "paediatric"},
               "any": {"adult", "paediatric"}}


def design_class(design: str) -> str:
    """'randomised', 'prospective' or 'retrospective' for a design string of the data files."""
    try:
        return DESIGN_CLASSES[str(design).strip().lower()]
    except KeyError:
        raise ValueError(f"unknown study design {design!r}; known: {sorted(DESIGN_CLASSES)}") from None


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%" if abs(100 * x - round(100 * x)) < 0.05 or abs(x) >= 0.1 else f"{100 * x:.1f}%"


def _pct1(x: float) -> str:
    return f"{100 * x:.1f}%"


def _count_of(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def per_100(estimate: float, low: float, high: float) -> str:
    """A rate as a whole number of patients per 100 treated, with its 95% CI:
    '54 per 100 (44 to 64)'. Rates below 1 per 100 keep one decimal."""
    def n(x: float) -> str:
        v = 100 * x
        return f"{v:.1f}" if v < 1 else f"{v:.0f}"
    return f"{n(estimate)} per 100 ({n(low)} to {n(high)})"


@dataclass(frozen=True)
class Judgement:
    """One GRADE domain: levels rated down (0, 1 or 2), whether it could be assessed, and the
    sentence that says why (a footnote when ``levels`` > 0)."""

    domain: str
    levels: int
    assessed: bool
    text: str
    rule: str

    @property
    def label(self) -> str:
        if not self.assessed:
            return "not assessed"
        return ("not serious", "serious", "very serious")[self.levels]


@dataclass(frozen=True)
class SummaryOfFindings:
    """One summary-of-findings row for a pooled rate."""

    outcome: str
    estimate: float
    ci: tuple[float, float]
    pi: tuple[float, float] | None
    k: int
    patients: int
    per_100: str
    start: str
    certainty: str
    judgements: tuple[Judgement, ...]
    claim_interval: tuple[float, float]
    context: tuple[str, ...] = field(default_factory=tuple)

    @property
    def symbols(self) -> str:
        return CERTAINTY_SYMBOLS[self.certainty]

    @property
    def footnotes(self) -> tuple[str, ...]:
        """One footnote per downgrade, in domain order."""
        return tuple(f"{j.domain.capitalize()}: {j.text}" for j in self.judgements if j.levels > 0)

    @property
    def rules(self) -> tuple[str, ...]:
        return tuple(j.rule for j in self.judgements)

    @property
    def downgrades(self) -> int:
        return sum(j.levels for j in self.judgements)

    def to_dict(self) -> dict:
        return {"outcome": self.outcome, "estimate": self.estimate, "ci": list(self.ci),
                "pi": None if self.pi is None else list(self.pi), "k": self.k, "patients": self.patients,
                "per_100": self.per_100, "start": self.start, "certainty": self.certainty,
                "symbols": self.symbols, "claim_interval": list(self.claim_interval),
                "judgements": [{"domain": j.domain, "levels": j.levels, "assessed": j.assessed,
                                "label": j.label, "text": j.text, "rule": j.rule} for j in self.judgements],
                "footnotes": list(self.footnotes), "context": list(self.context)}


# --------------------------------------------------------------------------- the five rules

def _weights(fit: PooledProportion) -> np.ndarray:
    w = np.asarray(fit.studies["weight"], dtype=float) if "weight" in fit.studies else np.full(fit.k, np.nan)
    if not np.all(np.isfinite(w)) or w.sum() <= 0:
        w = np.asarray(fit.studies["total"], dtype=float)
    return w / w.sum()


def risk_of_bias(designs: Sequence[str], weights: np.ndarray) -> Judgement:
    """Rule 1: rate down one level unless most of the pooled weight comes from prospective
    studies (randomised arms or single-arm trials)."""
    classes = [design_class(d) for d in designs]
    low = float(sum(w for c, w in zip(classes, weights, strict=False) if c in LOW_RISK_CLASSES))
    counts = {c: classes.count(c) for c in ("randomised", "prospective", "retrospective")}
    mix = ", ".join(_count_of(counts[c], one, many) for c, one, many in (
        ("randomised", "randomised arm", "randomised arms"),
        ("prospective", "prospective single-arm trial", "prospective single-arm trials"),
        ("retrospective", "retrospective series", "retrospective series")))
    if low > RISK_OF_BIAS_MOST:
        return Judgement("risk of bias", 0, True,
                         f"{mix}; {_pct(low)} of the pooled weight comes from prospective studies "
                         f"(more than {_pct(RISK_OF_BIAS_MOST)}).", RULE_IDS["risk of bias"])
    return Judgement("risk of bias", 1, True,
                     f"{mix}; only {_pct(low)} of the pooled weight comes from prospective studies (most, "
                     f"more than {_pct(RISK_OF_BIAS_MOST)}, would be needed): retrospective series select "
                     "their patients and assess response outside a protocol.", RULE_IDS["risk of bias"])


def inconsistency(fit: PooledProportion, claim: tuple[float, float]) -> Judgement:
    """Rule 2: rate down one level when I² is substantial and the 95% prediction interval
    reaches beyond the claim's interval on both sides; two when I² is considerable and the
    prediction interval very wide."""
    rule = RULE_IDS["inconsistency"]
    if fit.k < 2:
        return Judgement("inconsistency", 0, False, "One study: inconsistency cannot be judged (not rated down).", rule)
    i2 = float(fit.i2) / 100.0
    has_pi = fit.k >= 3 and math.isfinite(fit.pi_low) and math.isfinite(fit.pi_high)
    if not has_pi:
        text = (f"I² = {_pct1(i2)} over {fit.k} studies; with fewer than 3 studies no prediction interval is "
                "estimated, so inconsistency is judged on I² alone")
        levels = 1 if i2 >= I2_CONSIDERABLE else 0
        text += (f" (at least {_pct(I2_CONSIDERABLE)}: considerable)." if levels else " (not rated down).")
        return Judgement("inconsistency", levels, True, text, rule)
    lo, hi = float(fit.pi_low), float(fit.pi_high)
    both_sides = lo < claim[0] and hi > claim[1]
    width = hi - lo
    pi_text = f"95% prediction interval {_pct1(lo)}-{_pct1(hi)}"
    if i2 >= I2_CONSIDERABLE and both_sides and width > PI_WIDTH_VERY_SERIOUS:
        return Judgement("inconsistency", 2, True,
                         f"I² = {_pct1(i2)} (at least {_pct(I2_CONSIDERABLE)}: considerable) and the {pi_text} spans "
                         f"{100 * width:.0f} points (more than {100 * PI_WIDTH_VERY_SERIOUS:.0f}), reaching below and "
                         f"above the claim's {_pct1(claim[0])}-{_pct1(claim[1])}.", rule)
    if i2 >= I2_SUBSTANTIAL and both_sides:
        return Judgement("inconsistency", 1, True,
                         f"I² = {_pct1(i2)} (at least {_pct(I2_SUBSTANTIAL)}: substantial) and the {pi_text} reaches "
                         f"below and above the claim's {_pct1(claim[0])}-{_pct1(claim[1])}: the settings pooled "
                         "would lead to different conclusions.", rule)
    why = (f"I² = {_pct1(i2)} (below {_pct(I2_SUBSTANTIAL)})" if i2 < I2_SUBSTANTIAL
           else f"I² = {_pct1(i2)}, but the {pi_text} does not reach beyond the claim on both sides")
    return Judgement("inconsistency", 0, True, f"{why}; {pi_text}.", rule)


def indirectness(populations: Sequence[str], settings: Sequence[str], weights: np.ndarray,
                 target_population: str, target_setting: str | None) -> Judgement:
    """Rule 3: rate down one level unless most of the pooled weight comes from studies whose
    population and setting match the claim's; one level as well when part of the claim's
    population has no direct study."""
    rule = RULE_IDS["indirectness"]
    for p in list(populations) + [target_population]:
        if p not in POPULATIONS:
            raise ValueError(f"unknown population {p!r}; known: {sorted(POPULATIONS)}")
    wanted = POPULATIONS[target_population]

    def direct_population(p: str) -> bool:
        return POPULATIONS[p] <= wanted if target_population in ("mixed", "any") else POPULATIONS[p] == wanted

    direct = [direct_population(p) and (target_setting is None or s == target_setting)
              for p, s in zip(populations, settings, strict=False)]
    share = float(sum(w for d, w in zip(direct, weights, strict=False) if d))
    covered = (set().union(*[POPULATIONS[p] for p, d in zip(populations, direct, strict=False) if d])
               if any(direct) else set())
    missing = sorted(wanted - covered)
    setting_text = f" and setting ({target_setting})" if target_setting else ""
    what = f"{sum(direct)} of {len(direct)} studies match the claim's population ({target_population}){setting_text}"
    if share <= INDIRECTNESS_MOST:
        return Judgement("indirectness", 1, True,
                         f"{what}; they carry {_pct(share)} of the pooled weight (most, more than "
                         f"{_pct(INDIRECTNESS_MOST)}, would be needed).", rule)
    if missing:
        return Judgement("indirectness", 1, True,
                         f"{what} ({_pct(share)} of the weight), but no direct study covers "
                         f"{' or '.join('children' if m == 'paediatric' else 'adults' for m in missing)}.", rule)
    return Judgement("indirectness", 0, True, f"{what}; they carry {_pct(share)} of the pooled weight.", rule)


def imprecision(fit: PooledProportion, claim: tuple[float, float], patients: int) -> Judgement:
    """Rule 4: rate down one level when the 95% CI crosses one limit of the claim's interval
    (or, inside or outside it, fewer patients than the optimal information size were pooled);
    two when it crosses both limits or is very wide."""
    rule = RULE_IDS["imprecision"]
    lo, hi = float(fit.ci_low), float(fit.ci_high)
    a, b = claim
    ci_text = f"95% CI {_pct1(lo)}-{_pct1(hi)}"
    crosses = [limit for limit in (a, b) if lo < limit < hi]
    width = hi - lo
    if (len(crosses) == 2 and a < b) or width > CI_WIDTH_VERY_SERIOUS:
        why = (f"spans {100 * width:.0f} points (more than {100 * CI_WIDTH_VERY_SERIOUS:.0f})"
               if width > CI_WIDTH_VERY_SERIOUS else
               f"crosses both limits of the claim's {_pct1(a)}-{_pct1(b)}")
        return Judgement("imprecision", 2, True, f"The {ci_text} {why}: it cannot tell whether the claim holds.", rule)
    if crosses:
        return Judgement("imprecision", 1, True,
                         f"The {ci_text} crosses the claim's limit at {_pct1(crosses[0])}: values on both sides "
                         "of it remain plausible.", rule)
    where = "inside" if a <= lo and hi <= b else "outside"
    if patients < OPTIMAL_INFORMATION_SIZE:
        return Judgement("imprecision", 1, True,
                         f"The {ci_text} lies {where} the claim's {_pct1(a)}-{_pct1(b)}, but only {patients} patients "
                         f"were pooled (fewer than the {OPTIMAL_INFORMATION_SIZE} of GRADE's optimal-information-size "
                         "rule of thumb).", rule)
    return Judgement("imprecision", 0, True,
                     f"The {ci_text} lies {where} the claim's {_pct1(a)}-{_pct1(b)}; {patients} patients pooled.", rule)


def egger_test(fit: PooledProportion) -> tuple[float, float]:
    """Egger's regression test: standardised effect yi / se on precision 1 / se (OLS); returns
    (intercept, two-sided P of the intercept). On the pooled (transformed) scale."""
    import statsmodels.api as sm

    yi = np.asarray(fit.studies["yi"], dtype=float)
    se = np.sqrt(np.asarray(fit.studies["vi"], dtype=float))
    model = sm.OLS(yi / se, sm.add_constant(1.0 / se)).fit()
    return float(model.params[0]), float(model.pvalues[0])


def publication_bias(fit: PooledProportion) -> Judgement:
    """Rule 5: with enough studies to test, rate down one level when Egger's regression test
    finds funnel-plot asymmetry."""
    rule = RULE_IDS["publication bias"]
    if fit.k < PUBLICATION_BIAS_MIN_K:
        return Judgement("publication bias", 0, False,
                         f"Not assessed: {fit.k} studies, fewer than the {PUBLICATION_BIAS_MIN_K} a funnel-plot "
                         "test needs (not rated down; undetected is not absent).", rule)
    intercept, p = egger_test(fit)
    caveat = "funnel plots mislead for proportions (Hunter et al. 2014), so this is a weak signal either way"
    if p < EGGER_ALPHA:
        return Judgement("publication bias", 1, True,
                         f"Egger's test over {fit.k} studies: intercept {intercept:.2f}, P = {p:.3f} (below "
                         f"{EGGER_ALPHA:g}); small studies report different rates than large ones; {caveat}.", rule)
    return Judgement("publication bias", 0, True,
                     f"Egger's test over {fit.k} studies: intercept {intercept:.2f}, P = {p:.3f} (not below "
                     f"{EGGER_ALPHA:g}); {caveat}.", rule)


# --------------------------------------------------------------------------- the row

def certainty_after(start: str, downgrades: int) -> str:
    """The level ``downgrades`` steps below ``start``, stopping at 'very low'."""
    if start not in CERTAINTY_LEVELS:
        raise ValueError(f"unknown certainty level {start!r}")
    if downgrades < 0:
        raise ValueError("downgrades must be >= 0")
    return CERTAINTY_LEVELS[min(CERTAINTY_LEVELS.index(start) + downgrades, len(CERTAINTY_LEVELS) - 1)]


def summary_of_findings(outcome: str, fit: PooledProportion, designs: Sequence[str],
                        populations: Sequence[str], settings: Sequence[str],
                        claim_interval: tuple[float, float], *, target_population: str,
                        target_setting: str | None = None, context: Sequence[str] = ()) -> SummaryOfFindings:
    """The summary-of-findings row of one pooled rate (module docstring: the five rules).

    ``designs``, ``populations`` (adult | paediatric | mixed) and ``settings`` are given per
    study, in the order of ``fit.studies``. ``claim_interval``: the values the claim stands
    for, on the 0-1 scale (for "54%", its rounding interval; for "20%-30%", the range). The
    interval serves as the decision thresholds of the imprecision and inconsistency rules.
    ``target_population``: the claim's (adult | paediatric | mixed = any: both must be covered);
    ``target_setting``: the claim's setting, compared with ``settings`` (None = any setting).
    ``context``: sentences shown with the row, never rated (e.g. a printed subgroup).
    """
    k = int(fit.k)
    for name, seq in (("designs", designs), ("populations", populations), ("settings", settings)):
        if len(seq) != k:
            raise ValueError(f"{name} has {len(seq)} entries for a fit of {k} studies")
    a, b = (float(claim_interval[0]), float(claim_interval[1]))
    if not 0.0 <= a <= b <= 1.0:
        raise ValueError(f"claim_interval must satisfy 0 <= low <= high <= 1, got {claim_interval!r}")
    weights = _weights(fit)
    patients = int(np.asarray(fit.studies["total"], dtype=float).sum())
    judgements = (
        risk_of_bias(designs, weights),
        inconsistency(fit, (a, b)),
        indirectness(populations, settings, weights, target_population, target_setting),
        imprecision(fit, (a, b), patients),
        publication_bias(fit),
    )
    pi = (float(fit.pi_low), float(fit.pi_high)) if k >= 3 and math.isfinite(fit.pi_low) else None
    return SummaryOfFindings(
        outcome=outcome, estimate=float(fit.estimate), ci=(float(fit.ci_low), float(fit.ci_high)), pi=pi,
        k=k, patients=patients, per_100=per_100(fit.estimate, fit.ci_low, fit.ci_high), start=START,
        certainty=certainty_after(START, sum(j.levels for j in judgements)), judgements=judgements,
        claim_interval=(a, b), context=tuple(context))


# --------------------------------------------------------------------------- printed context

def blast_subgroup_context(published=None) -> tuple[str, ...]:
    """The CR split by bone-marrow blasts as printed by Liu 2023 (the cited meta-analysis) and
    Yu 2019, from ``data/meta_analysis/published.yaml``: context for the CR row, never rated
    (the per-study blast counts behind it are not public)."""
    from analysis.inputs import paths
    from analysis.inputs.trials import load_trial

    pub = published or load_trial("published", paths.DATA / "meta_analysis")
    out = []
    for who, low_id, high_id in (("Liu 2023", "liu-cr-blasts-low", "liu-cr-blasts-high"),
                                 ("Yu 2019", "yu-cr-blasts-low", "yu-cr-blasts-high")):
        low, high = pub.figure(low_id), pub.figure(high_id)
        out.append(f"{who} prints a pooled CR rate of {low.printed} with bone-marrow blasts below 50% and "
                   f"{high.printed} with 50% or more ({pub.reports[low.report].label}, {low.location}); "
                   "the per-study counts behind this split are not public, so it is not re-derived.")
    return tuple(out)


def certainty_rows(result) -> list:
    """The summary-of-findings rows a result carries (``extra["certainty"]``: one row, or a
    mapping of rows by setting), in order."""
    found = (getattr(result, "extra", None) or {}).get("certainty")
    if found is None:
        return []
    return list(found.values()) if isinstance(found, dict) else [found]


# --------------------------------------------------------------------------- the rules, as data

@dataclass(frozen=True)
class CertaintyRule:
    """One GRADE domain's rule, as the rules page shows it (rendered from this module)."""

    id: str
    domain: str
    function: object
    handbook: str
    thresholds: tuple[tuple[str, str], ...]

    @property
    def anchor(self) -> str:
        return f"rule-{self.id}"

    @property
    def summary(self) -> str:
        """The rule in one sentence: the first paragraph of its function's docstring."""
        text = " ".join((self.function.__doc__ or "").strip().split("\n\n")[0].split())
        text = text.split(": ", 1)[1] if text.startswith("Rule ") and ": " in text else text
        return text[:1].upper() + text[1:]


CERTAINTY_RULES = (
    CertaintyRule(RULE_IDS["risk of bias"], "risk of bias", risk_of_bias,
                  "GRADE Handbook 5.2.1; Guyatt et al., J Clin Epidemiol 2011;64:407-415",
                  (("share of pooled weight from prospective studies needed",
                    f"more than {_pct(RISK_OF_BIAS_MOST)}"),)),
    CertaintyRule(RULE_IDS["inconsistency"], "inconsistency", inconsistency,
                  "GRADE Handbook 5.2.2; Guyatt et al., J Clin Epidemiol 2011;64:1294-1302; "
                  "Cochrane Handbook 10.10.2",
                  (("I² rated serious (with a prediction interval beyond the claim on both sides)",
                    f"{_pct(I2_SUBSTANTIAL)} or more"),
                   ("I² rated very serious", f"{_pct(I2_CONSIDERABLE)} or more"),
                   ("prediction interval width rated very serious",
                    f"more than {100 * PI_WIDTH_VERY_SERIOUS:.0f} points"))),
    CertaintyRule(RULE_IDS["indirectness"], "indirectness", indirectness,
                  "GRADE Handbook 5.2.3; Guyatt et al., J Clin Epidemiol 2011;64:1303-1310",
                  (("share of pooled weight from direct studies needed", f"more than {_pct(INDIRECTNESS_MOST)}"),)),
    CertaintyRule(RULE_IDS["imprecision"], "imprecision", imprecision,
                  "GRADE Handbook 5.2.4; Guyatt et al., J Clin Epidemiol 2011;64:1283-1293",
                  (("95% CI width rated very serious", f"more than {100 * CI_WIDTH_VERY_SERIOUS:.0f} points"),
                   ("optimal information size (patients pooled)", f"{OPTIMAL_INFORMATION_SIZE}"))),
    CertaintyRule(RULE_IDS["publication bias"], "publication bias", publication_bias,
                  "GRADE Handbook 5.2.5; Guyatt et al., J Clin Epidemiol 2011;64:1277-1282; "
                  "Sterne et al., BMJ 2011;343:d4002",
                  (("studies needed to assess it", f"{PUBLICATION_BIAS_MIN_K}"),
                   ("Egger's test significance level", f"{EGGER_ALPHA:g}"))),
)

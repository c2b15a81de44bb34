"""The verdict rulebook: every rule that turns a computed number into a check's outcome, a claim's
verdict or a citation verdict, stated once, here.

Each rule is a named function registered with :func:`rule`: its title, what it decides, its
thresholds (named constants of this module) and its reference. Evaluators call these functions
and never re-implement one; the page ``book/methods/verdict-rules.md`` renders :data:`RULES`
from this module, with the claims each rule decided (computed from the results).

The scale (design README):

- a **check** compares one reported figure with what the sources or the data give; its outcome is
  ``agrees``, ``departs`` (the substance holds but a detail — wording, population, timing,
  precision — departs) or ``disagrees`` (the number or fact disagrees in substance), or ``None``
  when no comparison could be made. A check that could not have failed is *uninformative*: it is
  shown, with the reason, and never counted.
- a claim's **verdict** comes from the checks its rule counts (:func:`verdict_from_checks`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from analysis.stats.rounding import format_percent, parse_printed, rounding_interval, within_rounding

# =====================================================================================
# Thresholds
# =====================================================================================

#: A 95% CI wider than this (on the proportion scale: 50 percentage points) overlaps almost any
#: claimed figure, so a comparison that uses it cannot fail (issue 10; two-series Hartung–Knapp
#: pools give 0.2%–97.8%).
WIDE_CI = 0.50
#: A published range agrees with a claimed range when the two share at least this fraction of the
#: narrower one; touching at one end is not agreement ("30% to 60%" against "50%-65%").
MIN_SHARED = 0.5
_EPS = 1e-12


# =====================================================================================
# The registry
# =====================================================================================


@dataclass(frozen=True)
class Rule:
    """One rule of the rulebook, as the rules page shows it."""

    id: str
    title: str
    decides: str
    reference: str
    thresholds: tuple[tuple[str, str], ...]
    function: Callable

    @property
    def anchor(self) -> str:
        """The rule's anchor on the rules page (``rule-<id>``)."""
        return f"rule-{self.id}"


#: Every rule, in the order the rules page lists them.
RULES: dict[str, Rule] = {}


def rule(rule_id: str, *, title: str, decides: str, reference: str,
         thresholds: Iterable[tuple[str, str]] = ()):
    """Register ``function`` as the rule ``rule_id`` (its id is set on it as ``rule_id``)."""

    def decorator(function):
        if rule_id in RULES:
            raise ValueError(f"rule {rule_id!r} is registered twice")
        RULES[rule_id] = Rule(rule_id, title, decides, reference, tuple(thresholds), function)
        function.rule_id = rule_id
        return function

    return decorator


def _pct(value: float, decimals: int = 1) -> str:
    return format_percent(value, decimals)


@dataclass(frozen=True)
class Judgement:
    """What a rule found for one comparison: the outcome (``agrees`` | ``departs`` | ``disagrees``
    | None), whether the comparison could have failed, and where an estimate fell."""

    outcome: str | None
    rule: str
    informative: bool = True
    uninformative_reason: str | None = None
    position: str = ""          # "inside" | "above" | "below" an interval, for estimate rules
    ci: tuple[float, float] | None = None   # the 95% CI an estimate rule judged

    def check(self, label: str, reported: str, found: str, source: str = "", note: str = "",
              role: str = "decides"):
        """The ``Check`` row this judgement gives (one place builds it from a rule's finding)."""
        from analysis.claims.result import Check

        return Check(label=label, reported=reported, found=found, agrees=None, source=source, note=note,
                     informative=self.informative, uninformative_reason=self.uninformative_reason,
                     outcome=self.outcome, rule=self.rule, role=role, ci=self.ci)


# =====================================================================================
# When a comparison cannot fail
# =====================================================================================


@rule("informative-ci", title="A confidence interval wider than 50 points is not evidence",
      decides="whether a comparison that rests on a 95% CI could have failed",
      reference="Issue 10 of this report; Bender R et al. Methods for evidence synthesis in the case of very few "
                "studies. Res Synth Methods 2018;9:382-392 (with two studies the Hartung-Knapp interval uses t "
                "with 1 degree of freedom and spans almost the whole scale)",
      thresholds=[("WIDE_CI", f"{100 * WIDE_CI:.0f} percentage points")])
def ci_informative(low: float, high: float) -> tuple[bool, str | None]:
    """(informative, reason): False when the CI spans more than :data:`WIDE_CI`."""
    width = float(high) - float(low)
    if width > WIDE_CI + _EPS:
        return False, (f"95% CI spans {100 * width:.1f} points (wider than {100 * WIDE_CI:.0f}): it overlaps "
                       "almost any claimed figure, so the comparison cannot fail")
    return True, None


@rule("informative-granularity", title="GRIM and Kaplan-Meier attainability need a coarse denominator",
      decides="whether 'can n patients produce this printed percentage?' could have failed",
      reference="Brown NJL, Heathers JAJ. The GRIM test. Soc Psychol Personal Sci 2017;8:363-369 (the test has "
                "power only while 1/n is coarser than the printed precision)",
      thresholds=[("n", "at least 10^(decimals + 2): every printed value is some k/n")])
def granularity_informative(decimals: int, n: int) -> tuple[bool, str | None]:
    """(informative, reason): False when steps of 1/n are finer than the printed precision."""
    if int(n) >= 10 ** (int(decimals) + 2):
        return False, (f"with n = {int(n)}, every percentage printed to {int(decimals)} decimal(s) is some k/n: "
                       "the check cannot fail")
    return True, None


# =====================================================================================
# Numbers against numbers
# =====================================================================================


@rule("rounding", title="A recomputed value against a printed number (statcheck)",
      decides="whether a value recomputed from printed counts equals a printed number within its rounding",
      reference="Nuijten MB et al. The prevalence of statistical reporting errors in psychology (statcheck). "
                "Behav Res Methods 2016;48:1205-1226: '54%' stands for [53.5%, 54.5%)",
      thresholds=[("rounding interval", "half a unit of the last printed digit either side")])
def rounding(value: float, printed) -> Judgement:
    """``agrees`` when ``value`` rounds to the printed number, else ``disagrees``."""
    return Judgement("agrees" if within_rounding(float(value), printed) else "disagrees", "rounding")


@rule("exact-value", title="A number the commentary prints against the number the source prints",
      decides="whether the commentary repeats the source's figure (a count, an age limit, a threshold)",
      reference="statcheck's rule (Nuijten et al. 2016) applied to two printed figures: the source's value must "
                "round to the commentary's printed number",
      thresholds=[("rounding interval", "of the commentary's printed number")])
def exact_value(source_value: float, printed) -> Judgement:
    """``agrees`` when the source's value rounds to the commentary's printed number."""
    return Judgement("agrees" if within_rounding(float(source_value), printed) else "disagrees", "exact-value")


def _against_interval(rule_id: str, estimate: float, ci: tuple[float, float],
                      interval: tuple[float, float]) -> Judgement:
    low, high = interval
    position = "below" if estimate < low - _EPS else "above" if estimate >= high - _EPS else "inside"
    excluded = ci[1] < low - _EPS or ci[0] >= high - _EPS
    informative, why = ci_informative(*ci)
    outcome = "disagrees" if excluded else "agrees" if position == "inside" else "departs"
    return Judgement(outcome, rule_id, informative, why, position, (float(ci[0]), float(ci[1])))


@rule("range", title="An estimate against a printed range ('20%-30%')",
      decides="whether a pooled or single-study estimate supports a range the commentary prints",
      reference="statcheck rounding intervals (Nuijten et al. 2016) for the range's ends; the estimate-and-CI "
                "reading of a claim follows the GRADE guidance on imprecision (Guyatt GH et al. J Clin Epidemiol "
                "2011;64:1283-1293): a claim is contradicted only when the CI excludes it",
      thresholds=[("claim interval", "low end's lower rounding edge to high end's upper edge ('20%-30%' = "
                   "[19.5%, 30.5%))"),
                  ("agrees", "point estimate inside the interval"),
                  ("departs", "point estimate outside, 95% CI reaches the interval"),
                  ("disagrees", "whole 95% CI outside the interval"),
                  ("WIDE_CI", f"a CI wider than {100 * WIDE_CI:.0f} points makes the comparison uninformative")])
def estimate_in_range(estimate: float, ci: tuple[float, float], printed_range: str) -> Judgement:
    """The range rule (thresholds above); ``position`` says where the point estimate fell."""
    return _against_interval("range", float(estimate), (float(ci[0]), float(ci[1])), claimed_interval(printed_range))


@rule("around", title="An estimate against 'around x%'",
      decides="how far from x an estimate may lie and still be 'around x%'",
      reference="Williams S, Power R. Hedging and rounding in numerical expressions. Pragmatics & Cognition "
                "2013;21:193-223 (doi:10.1075/pc.21.1.09wil): readers already take a round number as an "
                "approximation, and a hedge before it does not widen that reading — so 'around 1%' is read as "
                "'1%', i.e. its rounding interval [0.5%, 1.5%)",
      thresholds=[("'around x'", "the rounding interval of x (not widened by the hedge)"),
                  ("agrees", "point estimate inside it"),
                  ("departs", "point estimate outside, 95% CI reaches it"),
                  ("disagrees", "whole 95% CI outside it"),
                  ("WIDE_CI", f"a CI wider than {100 * WIDE_CI:.0f} points makes the comparison uninformative")])
def estimate_around(estimate: float, ci: tuple[float, float], printed: str) -> Judgement:
    """The 'around' rule (thresholds above)."""
    return _against_interval("around", float(estimate), (float(ci[0]), float(ci[1])), rounding_interval(printed))


def claimed_interval(printed_range: str) -> tuple[float, float]:
    """The values a printed range stands for: "50%-65%" -> [0.495, 0.655)."""
    parsed = parse_printed(printed_range)
    if parsed.kind != "range":
        raise ValueError(f"{printed_range!r} is not a printed range")
    lo, hi = parsed.interval
    return rounding_interval(lo)[0], rounding_interval(hi)[1]


def shared_length(low: float, high: float, interval: tuple[float, float]) -> float:
    """Length of the part of [low, high] inside ``interval`` (0 when they do not meet)."""
    return max(0.0, min(high, interval[1]) - max(low, interval[0]))


@rule("published-range", title="A published figure against a claimed range",
      decides="whether an independent published point or range supports a range the commentary prints",
      reference="statcheck rounding intervals (Nuijten et al. 2016); the half-overlap threshold is this report's "
                "(a range that only touches the claimed one at an end does not support it)",
      thresholds=[("point", "inside the claimed interval"),
                  ("MIN_SHARED", f"a range shares at least {MIN_SHARED:.0%} of the narrower of the two ranges")])
def published_in_range(low: float, high: float, interval: tuple[float, float]) -> Judgement:
    """A published point (low == high) or range [low, high] against the claimed interval."""
    a, b = interval
    if abs(high - low) < _EPS:
        inside = a - _EPS <= low <= b + _EPS
    else:
        inside = shared_length(low, high, interval) >= MIN_SHARED * min(high - low, b - a) - _EPS
    return Judgement("agrees" if inside else "disagrees", "published-range")


# =====================================================================================
# Statements
# =====================================================================================


@rule("statement", title="A stated fact against the source's words",
      decides="whether a statement without a number holds, holds with a departing detail, or does not hold",
      reference="Graded like health-claim fact checks: substance first, then precision of wording (design README); "
                "a departing detail must be named and the source's wording quoted in the reason",
      thresholds=[("agrees", "the source says it"),
                  ("departs", "the substance holds; a named detail (wording, population, timing) differs"),
                  ("disagrees", "the source says otherwise in substance")])
def statement(holds: bool, departing_detail: str | None = None) -> Judgement:
    """``disagrees`` when the statement does not hold; ``departs`` when it holds but
    ``departing_detail`` (a phrase naming the detail) differs; else ``agrees``."""
    if not holds:
        return Judgement("disagrees", "statement")
    return Judgement("departs" if departing_detail else "agrees", "statement")


# =====================================================================================
# Internal consistency of published summaries
# =====================================================================================


@rule("p-from-ci", title="A P value against its hazard-ratio interval",
      decides="whether a printed P value fits the printed estimate and 95% CI",
      reference="Altman DG, Bland JM. How to obtain the P value from a confidence interval. BMJ 2011;343:d2304",
      thresholds=[("agrees", "the P values reachable by any HR/CI that rounds to the printed digits overlap the "
                   "rounding interval of the printed P")])
def p_value_fits(p_min: float, p_max: float, printed_p) -> Judgement:
    lo, hi = rounding_interval(printed_p)
    return Judgement("agrees" if p_min <= hi and lo <= p_max else "disagrees", "p-from-ci")


@rule("ci-symmetry", title="A ratio estimate at the centre of its interval (log scale)",
      decides="whether a printed HR is the geometric centre of its printed CI",
      reference="Altman DG, Bland JM. How to obtain the confidence interval from a P value. BMJ 2011;343:d2090 "
                "(Wald intervals of ratios are symmetric on the log scale)",
      thresholds=[("agrees", "some values within the printed rounding make the estimate the geometric centre")])
def centred(consistent: bool) -> Judgement:
    return Judgement("agrees" if consistent else "disagrees", "ci-symmetry")


@rule("attainable", title="Can n patients produce the printed percentage?",
      decides="GRIM for a printed proportion, Kaplan-Meier attainability for a landmark survival estimate",
      reference="Brown & Heathers 2017 (GRIM); Kaplan EL, Meier P. J Am Stat Assoc 1958;53:457-481",
      thresholds=[("informative", "only while n < 10^(decimals + 2) (rule informative-granularity)")])
def attainable(possible: bool, decimals: int, n: int) -> Judgement:
    informative, why = granularity_informative(decimals, n)
    return Judgement("agrees" if possible else "disagrees", "attainable", informative, why)


@rule("median-landmarks", title="A printed median against landmark survival of the same analysis",
      decides="whether a median fits the same arm's landmark survival without the hazard having to rise",
      reference="After remission in adult ALL the risk of death falls with time; a median that needs the hazard "
                "after the landmark to exceed the hazard before it is suspect (this report; models are "
                "assumptions, so this flags, it does not prove)",
      thresholds=[("agrees", "ordering consistent and a needed hazard ratio (after / before) of at most 1 within "
                   "the printed rounding")])
def median_fits_landmark(order_consistent: bool, lowest_hazard_ratio_needed: float) -> Judgement:
    ok = order_consistent and lowest_hazard_ratio_needed <= 1.0 + _EPS
    return Judgement("agrees" if ok else "disagrees", "median-landmarks")


# =====================================================================================
# From checks to a verdict
# =====================================================================================


@rule("combine-checks", title="From checks to a claim's verdict",
      decides="a claim's verdict from the checks its rule counts",
      reference="Design README of this report (the verdict scale)",
      thresholds=[("counted", "made, informative and deciding; context and uninformative checks are shown only"),
                  ("not-reproducible", "no counted check (nothing could test the claim)"),
                  ("discrepant", "any counted check disagrees"),
                  ("imprecise", "none disagrees, one or more depart"),
                  ("consistent", "every counted check agrees; 'reproduced' when the value was recomputed from "
                   "primary data")])
def verdict_from_checks(checks, recomputed_from_primary: bool = False) -> str:
    """The claim's verdict from the checks (thresholds above)."""
    counted = [c for c in checks if c.counted]
    if not counted:
        return "not-reproducible"
    outcomes = {c.outcome for c in counted}
    if "disagrees" in outcomes:
        return "discrepant"
    if "departs" in outcomes:
        return "imprecise"
    return "reproduced" if recomputed_from_primary else "consistent"


@rule("combine-settings", title="A claim that names no setting, judged in each setting",
      decides="the verdict of a figure the commentary gives without a setting, from the settings it could refer to",
      reference="This report: the reason must name the setting the figure fits (issue 10)",
      thresholds=[("consistent", "agrees in every setting with an informative check"),
                  ("imprecise", "holds in substance somewhere, but departs from, or disagrees with, another setting"),
                  ("discrepant", "disagrees in every setting with an informative check"),
                  ("not-reproducible", "no setting has an informative check")])
def verdict_across_settings(judgements: dict[str, Judgement]) -> str:
    """``judgements``: setting name -> its judgement (uninformative ones are left aside)."""
    made = [j.outcome for j in judgements.values() if j.informative and j.outcome is not None]
    if not made:
        return "not-reproducible"
    if all(o == "agrees" for o in made):
        return "consistent"
    if all(o == "disagrees" for o in made):
        return "discrepant"
    return "imprecise"


@rule("meta-reproduction", title="A pooled figure of a meta-analysis whose studies are not public",
      decides="the verdict of a pooled rate that cannot be recomputed because the study list and counts are not public",
      reference="This report (design README: 'not-reproducible' always says which data are missing); a search over "
                "other study sets is compatibility, not reproduction",
      thresholds=[("discrepant", "the printed numbers contradict themselves (CI not centred on any scale, or "
                   "narrower than a common-effect CI over all patients)"),
                  ("not-reproducible", "otherwise")])
def pooled_meta_verdict(internal_checks) -> str:
    return "discrepant" if any(c.outcome == "disagrees" for c in internal_checks if c.informative) \
        else "not-reproducible"


# =====================================================================================
# The citation axis: does the cited source say it?
# =====================================================================================


@rule("citation-reports", title="Citation of a trial or meta-analysis report",
      decides="whether the report(s) the claim cites carry the figures it rests on, as printed",
      reference="This report (design README, citation axis); secondary reports (meeting news) never make a "
                "citation 'supported'",
      thresholds=[("supported", "a cited report whose text was read carries every figure"),
                  ("partly-supported", "a cited, read report carries some of them"),
                  ("not-supported", "the cited reports were read and carry none, or print other numbers"),
                  ("unverifiable", "no cited report could be read; the reason names where the figures are printed")])
def citation_from_reports(claim, trial, figure_ids: list[str], differing=()) -> tuple[str, str]:
    """(citation, reason) for ``claim`` against the reports of ``trial`` (``analysis.inputs.trials``).

    ``differing``: comparison checks of the commentary's figures against the cited report; when the
    cited report carries the figures but prints other numbers, the citation is ``not-supported``.
    """
    cited = [r for r in trial.reports.values() if r.bibkey in claim.references and not r.secondary]
    figures = [trial.figure(f) for f in figure_ids]
    elsewhere = sorted({trial.reports[f.report].label for f in figures
                        if trial.reports[f.report].bibkey not in claim.references})
    read = [r for r in cited if r.read]
    if not cited:
        return "unverifiable", f"The trial file lists no report under the cited key(s) {', '.join(claim.references)}."
    if not read:
        names = "; ".join(r.label for r in cited)
        where = f" The figures are printed in: {'; '.join(elsewhere)}." if elsewhere else ""
        return "unverifiable", f"The cited source ({names}) could not be read.{where}"
    keys = {r.key for r in read}
    carried = [f for f in figures if f.report in keys]
    differ = [c for c in differing if c.outcome == "disagrees"]
    if carried and differ:
        return "not-supported", ("The cited report prints "
                                 + "; ".join(f"{c.found} where the commentary has {c.reported} ({c.label})"
                                             for c in differ) + ".")
    if len(carried) == len(figures):
        return "supported", "The cited report, as read, states everything the claim rests on."
    if carried:
        return "partly-supported", (f"The cited report prints {len(carried)} of the {len(figures)} figures; "
                                    f"the others are printed in: {'; '.join(elsewhere) or 'no report read'}.")
    return "not-supported", (f"The cited report was read and prints none of these figures; they are printed in: "
                             f"{'; '.join(elsewhere) or 'no report read'}.")


@rule("citation-works", title="Citation of works cited for a background figure",
      decides="whether the works a sentence cites print its figure, as read in cited_works.yaml",
      reference="This report: a source that does not contain the figure never makes a citation 'supported'; a "
                "work that could not be read might print it, so 'not-supported' would claim more than was seen",
      thresholds=[("supported", "every cited work prints the figure"),
                  ("partly-supported", "one prints it, another does not or was not read"),
                  ("not-supported", "every cited work was read and none prints it"),
                  ("unverifiable", "none read prints it and one could not be read or found")])
def citation_from_works(claim_id: str, references, works) -> tuple[str, str]:
    """(citation, reason); the reason opens with one clause per cited work ("[1] read, does not
    print it; [2] not found"), then what each work that was read says."""
    prints, lacks, unread, summary = [], [], [], []
    for key in references:
        work = works.get(key)
        if work is None:
            raise ValueError(f"claim {claim_id}: cited work {key!r} is not listed in background/cited_works.yaml")
        label = f"[{work.number}]"
        if not work.text_read:
            unread.append(label)
            summary.append(f"[{work.number}] {'not found' if not work.found else 'found, text not read'}")
            continue
        verdict = work.carries.get(claim_id)
        if verdict is None:
            raise ValueError(f"claim {claim_id}: cited_works.yaml does not say whether {key} prints its figure")
        (prints if verdict["prints"] else lacks).append(f"{label}: {verdict['why']}")
        summary.append(f"[{work.number}] read, {'prints it' if verdict['prints'] else 'does not print it'}")
    parts = ["; ".join(summary) + "."]
    if prints:
        parts.append("Prints it: " + " ".join(prints))
    if lacks:
        parts.append("Read, does not print it: " + " ".join(lacks))
    if unread:
        parts.append("Could not be checked: " + "; ".join(unread) + " (it might print the figure).")
    reason = " ".join(parts)
    if prints and not lacks and not unread:
        return "supported", reason
    if prints:
        return "partly-supported", reason
    if unread:
        return "unverifiable", reason
    return "not-supported", reason


@rule("citation-reference", title="What one reference contributes to the claims citing it",
      decides="the finding shown per reference on the citation audit page (never a second verdict: each claim's "
              "citation verdict stays the one its own rule gives)",
      reference="This report (issue 12: one truth per verdict)",
      thresholds=[("not read", "unverifiable"),
                  ("background claims", "whether the part read prints the claim's figure"),
                  ("other claims", "the claim's citation verdict")])
def reference_finding(work, claim_id: str, claim_citation: str) -> str:
    """What ``work`` contributes to one claim's citation verdict, on the citation scale."""
    if not work.text_read:
        return "unverifiable"
    if claim_citation == "pending":
        return "pending"
    verdict = work.carries.get(claim_id)
    if verdict is not None:
        return "supported" if verdict["prints"] else "not-supported"
    return claim_citation


@rule("stage-coverage", title="'Feasible at all stages': evidence for every stage, adults and children",
      decides="the headline's verdict from the strongest design that supported feasibility in each stage x population "
              "by the commentary's publication date",
      reference="A prospective single-arm trial is built to test feasibility (delivery as planned, acceptable "
                "toxicity); a retrospective series shows only that selected patients received the drug (GRADE: "
                "observational evidence starts lower, Guyatt GH et al. J Clin Epidemiol 2011;64:401-406)",
      thresholds=[("consistent", "every stage x population cell has prospective evidence by the date"),
                  ("imprecise", "every stage has prospective evidence somewhere, but a cell rests on retrospective "
                   "series only or on nothing"),
                  ("discrepant", "a whole stage has no evidence, or a prospective study found it not feasible")])
def stage_coverage(cells) -> tuple[str, tuple, tuple, tuple, tuple]:
    """(verdict, uncovered stages, contrary cells, weak cells, empty cells); ``cells`` have
    ``stage``, ``status`` (prospective | retrospective | none | contrary) and ``label``."""
    stages = list(dict.fromkeys(c.stage for c in cells))
    uncovered = tuple(s for s in stages if all(c.status == "none" for c in cells if c.stage == s))
    contrary = tuple(c.label for c in cells if c.status == "contrary")
    no_prospective = tuple(s for s in stages if not any(c.status == "prospective" for c in cells if c.stage == s))
    weak = tuple(c.label for c in cells if c.status == "retrospective")
    empty = tuple(c.label for c in cells if c.status == "none" and c.stage not in uncovered)
    if uncovered or contrary:
        verdict = "discrepant"
    elif no_prospective or weak or empty:
        verdict = "imprecise"
    else:
        verdict = "consistent"
    return verdict, uncovered, contrary, weak, empty


@rule("stage-citation-coverage", title="Citation of a synthesis claim, stage by stage",
      decides="whether the commentary cites a work for every stage its headline spans",
      reference="This report (citation axis of the design README)",
      thresholds=[("supported", "a cited work for every stage"), ("partly-supported", "for some stages"),
                  ("not-supported", "for none")])
def stage_citation(n_cited: int, n_stages: int) -> str:
    if n_cited == n_stages:
        return "supported"
    return "partly-supported" if n_cited else "not-supported"


def rules_used(checks, *extra: str) -> tuple[str, ...]:
    """The rule ids behind a result: its checks' rules (in order of first use) and ``extra``."""
    out: list[str] = []
    for rid in [c.rule for c in checks] + list(extra):
        if rid and rid not in out:
            if rid not in RULES:
                raise ValueError(f"unknown rule id {rid!r}")
            out.append(rid)
    return tuple(out)


__all__ = ["RULES", "Rule", "rule", "Judgement", "WIDE_CI", "MIN_SHARED", "ci_informative",
           "granularity_informative", "rounding", "exact_value", "estimate_in_range", "estimate_around",
           "claimed_interval", "shared_length", "published_in_range", "statement", "p_value_fits", "centred",
           "attainable", "median_fits_landmark", "verdict_from_checks", "verdict_across_settings",
           "pooled_meta_verdict", "citation_from_reports", "citation_from_works",
           "reference_finding", "rules_used", "stage_coverage", "stage_citation"]

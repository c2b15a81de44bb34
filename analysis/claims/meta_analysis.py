"""Claim group ``meta-analysis``: the commentary's summary of Liu 2023 (its reference [4]).

Two questions per claim (issue 4):

1. *Citation*: does the cited meta-analysis say it? Only its abstract is public
   (``data/meta_analysis/published.yaml``); it is compared with the commentary figure by figure.
2. *Re-derivation*: what do the primary studies give? Liu 2023's list of 18 studies and its
   per-study counts are not public, so the candidate studies of ``data/meta_analysis/`` are pooled
   under every study set, response definition, transform, estimator and CI
   (``analysis.stats.reproduction.search``), and the printed numbers are checked against themselves
   (CI centred on the estimate; CI width against 18 studies and 1,373 patients).

Verdict rule (stated once, applied to both pooled rates): the verdict is ``discrepant`` when
the printed numbers contradict themselves (no scale on which the CI is centred on the estimate,
or a CI narrower than a common-effect interval over all the patients); otherwise it is
``not-reproducible``, because the study list and counts needed to recompute Liu's figure are not
public. A combination of the search that happens to land on the printed figures does not make
the claim ``reproduced``: it is one of many analyses of a study set that is not known to be
Liu's, and the page reports it as a compatibility, not a reproduction. Ranges and counts quoted
in a verdict leave out the combinations whose CI leaves [0, 1] (their number is given), never
use a hypothetical count, and span every count a tie allows (``analysis.stats.reproduction``).
The study and patient counts have nothing primary to recompute from either; they are
``consistent`` when the commentary prints what the abstract prints. The arithmetic against the
identified studies (no more studies and patients than printed, a plausible size for the rest)
assumes those studies are a subset of Liu's, which is unknown: it is reported as context
(``agrees = None``), never counted as agreement.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from analysis.claims import rules
from analysis.claims.certainty import blast_subgroup_context, summary_of_findings
from analysis.claims.citing import departures
from analysis.claims.registry import claim_group
from analysis.claims.result import Check, ClaimResult, Reproduced
from analysis.inputs import paths
from analysis.inputs.files import ClaimsRegistry
from analysis.inputs.trials import Trial, load_trial
from analysis.stats.mrd_pools import mrd_pools
from analysis.stats.reproduction import (
    CR_SETS,
    MRD_SETS,
    PRIMARY,
    bracket_fits,
    ci_implications,
    count_consistency,
    hypothetical_counts,
    leave_one_out,
    load_candidates,
    matches,
    primary_analysis,
    search,
    select_counts,
)
from analysis.stats.rounding import format_percent, parse_printed, rounding_interval, within_rounding
from analysis.stats.specification_curve import best_subsets, specification_summary

CLAIM_IDS = ["meta-scope", "meta-studies-patients", "meta-cr-rate", "meta-mrd-rate"]
GROUP = "meta-analysis"


def pct_ci(est: float, lo: float, hi: float, decimals: int = 1) -> str:
    """'47.3% (40.1%-54.6%)'."""
    return f"{format_percent(est, decimals)} ({format_percent(lo, decimals)}-{format_percent(hi, decimals)})"


def _citation(claim, pub: Trial, figure_ids: list[str], checks: list[Check]) -> tuple[str, str]:
    """The citation axis (``citation-reports``): the cited abstract must carry the figures *and*
    print what the commentary says; a cited source that prints other numbers does not support it."""
    return rules.citation_from_reports(claim, pub, figure_ids, differing=checks)


@dataclass
class Evidence:
    """Everything the page and the four verdicts rest on, computed once from ``data/``."""

    studies: pd.DataFrame
    variants: pd.DataFrame
    published: Trial
    cr_search: pd.DataFrame
    mrd_search: pd.DataFrame
    cr_counts: pd.DataFrame
    mrd_counts: pd.DataFrame
    cr_missing: list
    mrd_missing: list
    cr_primary: object
    mrd_primary: object
    cr_loo: pd.DataFrame
    mrd_loo: pd.DataFrame
    cr_implied: dict
    mrd_implied: dict
    counts: dict
    yu_cr: pd.DataFrame
    yu_mrd: pd.DataFrame
    cr_bracket: list = field(default_factory=list)
    mrd_bracket: list = field(default_factory=list)
    hypothetical: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: the search as a specification curve (``analysis.stats.specification_curve``)
    cr_spec: object = None
    mrd_spec: object = None
    #: best-subset searches over the identified studies (None where fewer studies than the minimum)
    cr_subsets: object = None
    mrd_subsets: object = None
    #: MRD like with like: {"reported": among CR/CRh assessed, "itt": over every patient treated}
    mrd_definitions: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict)


def _printed_ci(trial: Trial, est_id: str, ci_id: str) -> tuple:
    """The printed estimate and bounds as ``PrintedNumber``s (units and decimals kept)."""
    est = trial.figure(est_id).parsed.estimate
    lo, hi = trial.figure(ci_id).parsed.interval
    return est, lo, hi


def gather(data_dir: Path | str = paths.DATA, bibliography: Path | str = paths.BIBLIOGRAPHY) -> Evidence:
    """Load the candidate studies and Liu/Yu's printed figures and run every analysis."""
    data_dir = Path(data_dir)
    studies, variants = load_candidates(data_dir)
    published = load_trial("published", data_dir / "meta_analysis", bibliography)
    cr_est, cr_lo, cr_hi = _printed_ci(published, "liu-cr", "liu-cr-ci")
    mrd_est, mrd_lo, mrd_hi = _printed_ci(published, "liu-mrd", "liu-mrd-ci")
    cr_search = matches(search(studies, variants, "cr"), cr_est, cr_lo, cr_hi)
    mrd_search = matches(search(studies, variants, "mrd"), mrd_est, mrd_lo, mrd_hi)
    cr_counts, cr_missing = select_counts(studies, variants, "cr", PRIMARY["set"], PRIMARY["scenario"])
    mrd_counts, mrd_missing = select_counts(studies, variants, "mrd", PRIMARY["set"], PRIMARY["scenario"])
    k = int(published.figure("liu-studies").value)
    n = int(published.figure("liu-patients").value)
    yu_cr = parse_printed(published.figure("yu-cr").printed).numbers
    yu_mrd = parse_printed(published.figure("yu-mrd").printed).numbers
    pivotal = [s.key for s in CR_SETS if s.key.startswith("pivotal")]
    cr_valid, mrd_valid = cr_search[cr_search["ci_valid"]], mrd_search[mrd_search["ci_valid"]]
    return Evidence(
        studies=studies, variants=variants, published=published,
        cr_search=cr_search, mrd_search=mrd_search,
        cr_counts=cr_counts, mrd_counts=mrd_counts, cr_missing=cr_missing, mrd_missing=mrd_missing,
        cr_primary=primary_analysis(cr_counts), mrd_primary=primary_analysis(mrd_counts),
        cr_loo=leave_one_out(cr_counts), mrd_loo=leave_one_out(mrd_counts),
        cr_implied=ci_implications(cr_est, cr_lo, cr_hi, k, n),
        mrd_implied=ci_implications(mrd_est, mrd_lo, mrd_hi, k, None),
        counts=count_consistency(studies, k, n),
        yu_cr=matches(cr_valid[cr_valid["set"].isin(pivotal)], *yu_cr),
        yu_mrd=matches(mrd_valid[mrd_valid["set"] == MRD_SETS[0].key], *yu_mrd),
        cr_bracket=bracket_fits(cr_counts), mrd_bracket=bracket_fits(mrd_counts),
        hypothetical=hypothetical_counts(variants),
        cr_spec=specification_summary(cr_search, cr_est, cr_lo, cr_hi),
        mrd_spec=specification_summary(mrd_search, mrd_est, mrd_lo, mrd_hi),
        cr_subsets=_subsets(studies, variants, "cr", (cr_est, cr_lo, cr_hi)),
        mrd_subsets=_subsets(studies, variants, "mrd", (mrd_est, mrd_lo, mrd_hi)),
        mrd_definitions=mrd_pools(studies, variants),
    )


#: Subsets of the identified studies searched have at least this many studies.
MIN_SUBSET = 5


def _subsets(studies, variants, outcome, printed):
    try:
        return best_subsets(studies, variants, outcome, printed, min_size=MIN_SUBSET)
    except ValueError:     # fewer candidate studies than MIN_SUBSET: no subset search
        return None


def spread_text(fits: list) -> str:
    """'' when no count is tied, else ' (estimate a%-b% over the N bracketed count combinations)'."""
    if len(fits) < 2:
        return ""
    est = [f.estimate for f in fits]
    return (f" (estimate {format_percent(min(est), 1)}-{format_percent(max(est), 1)} over the "
            f"{len(fits)} combinations of tied counts)")


# --------------------------------------------------------------------------------------------
# The four claims
# --------------------------------------------------------------------------------------------
def scope(claims: ClaimsRegistry, ev: Evidence) -> ClaimResult:
    """'We have evaluated ... blinatumomab monotherapy for ... r/r B-ALL' vs Liu 2023's aim and authors."""
    claim = claims.get("meta-scope")
    pub = ev.published
    aim, authors = pub.figure("liu-aim"), pub.figure("liu-authors")
    aim_text = aim.printed.lower()
    aim_ok = "blinatumomab monotherapy" in aim_text and "relapsed/refractory" in aim_text
    commentary_authors = [a.strip() for a in claims.source.get("citation", "").split(".")[0].split(",")]
    listed = [a.strip() for a in authors.printed.split(",")]
    overlap = [a for a in commentary_authors if a in listed]
    authors_ok = bool(commentary_authors) and len(overlap) == len(commentary_authors)
    combined = ev.studies[ev.studies["notes"].str.contains("with a TKI|chemotherapy schedules", regex=True)]
    checks = [
        rules.statement(aim_ok).check("aim of the cited meta-analysis", "blinatumomab monotherapy for r/r B-ALL",
                                      aim.printed, pub.cites(aim.id)),
        rules.statement(authors_ok).check("'we': the commentary's authors are authors of the cited meta-analysis",
                                          ", ".join(commentary_authors), authors.printed, pub.cites(authors.id)),
    ]
    citation, citation_reason = _citation(claim, pub, ["liu-aim", "liu-authors"], checks)
    if citation == "supported":   # no number here: say what the source does carry
        citation_reason = "The cited abstract states this aim and lists both commentary authors among its authors."
    verdict = rules.verdict_from_checks(checks)
    if verdict == "consistent":
        reason = (f"The cited meta-analysis states this aim in its abstract, and the commentary's authors "
                  f"({', '.join(overlap)}) are among its authors, so 'we' is accurate. There is no number to "
                  f"recompute. Caveat: {len(combined)} candidate studies ({', '.join(combined['label'])}) gave "
                  "blinatumomab with a TKI or within chemotherapy to some patients; whether Liu 2023 included them "
                  "cannot be checked. " + citation_reason)
    else:
        reason = departures(checks) + citation_reason
    return ClaimResult(id=claim.id, citation=citation, verdict=verdict, reason=reason, checks=tuple(checks),
                       citation_reason=citation_reason, extra={"evidence": ev, "combined": list(combined["label"])},
                       takeaway="The cited meta-analysis has this aim, and 'we' is accurate: both commentary authors "
                                "wrote it.",
                       deciding=Reproduced("aim of the cited meta-analysis (abstract)", None, aim.printed),
                       rules=rules.rules_used(checks, "combine-checks", "citation-reports"))


CONTEXT_NOTE = ("context, not a check: it assumes the identified studies are a subset of Liu 2023's, which is "
                "unknown, so it can neither confirm nor contradict the printed number")


def studies_patients(claims: ClaimsRegistry, ev: Evidence) -> ClaimResult:
    """'18 studies involving 1,373 patients' vs Liu's abstract and the identified candidates."""
    claim = claims.get("meta-studies-patients")
    pub, c = ev.published, ev.counts
    k_text, n_text = claim.reported
    k_fig, n_fig = pub.figure("liu-studies"), pub.figure("liu-patients")
    k, n = parse_printed(k_text).estimate.fraction, parse_printed(n_text).estimate.fraction
    lo, hi = c["size_range"]
    remaining_ok = (c["remaining_studies"] > 0 and lo <= c["remaining_mean"] <= hi) or \
                   (c["remaining_studies"] == 0 and c["remaining_patients"] == 0)
    checks = [
        rules.exact_value(k_fig.value, k_text).check("studies included (cited abstract)", k_text, k_fig.printed,
                                                     pub.cites(k_fig.id)),
        rules.exact_value(n_fig.value, n_text).check("patients included (cited abstract)", n_text, n_fig.printed,
                                                     pub.cites(n_fig.id)),
        Check("context: identified candidate studies (R/R, published before Liu 2023) against the count",
              k_text, f"{c['identified']} studies ({'no more' if c['identified'] <= k else 'more'} than printed)", None,
              "data/meta_analysis/studies.csv", uninformative_reason=CONTEXT_NOTE, role="context",
              rule="meta-reproduction"),
        Check("context: their patients against the total", n_text,
              (f"{c['identified_patients']:,} patients in {c['identified_with_n']} studies with a known N "
               f"({'no more' if c['identified_patients'] <= n else 'more'} than printed)"), None,
              "data/meta_analysis/studies.csv (n_patients, with locations)", uninformative_reason=CONTEXT_NOTE,
              role="context", rule="meta-reproduction"),
        Check("context: size of the studies not identified, if all identified ones were included",
              f"{k_text} studies, {n_text} patients",
              (f"{c['remaining_studies']} studies left holding {c['remaining_patients']} patients "
               f"(mean {c['remaining_mean']:.0f}; identified studies have {lo}-{hi}; "
               f"{'inside' if remaining_ok else 'outside'} that range)"),
              None, "arithmetic on the two rows above", uninformative_reason=CONTEXT_NOTE, role="context",
              rule="meta-reproduction"),
    ]
    citation, citation_reason = _citation(claim, pub, ["liu-studies", "liu-patients"], checks[:2])
    verdict = rules.verdict_from_checks(checks)
    reproduced = (Reproduced("identified candidate studies (R/R, before Liu 2023)",
                             float(c["identified"]), f"{c['identified']}"),
                  Reproduced("patients in them (known N)", float(c["identified_patients"]),
                             f"{c['identified_patients']:,}"))
    if verdict == "consistent":
        reason = (f"Liu 2023's abstract prints {k_fig.printed} studies and {n_fig.printed} patients, as the commentary "
                  "says. Its list of studies is not public, so neither number can be recomputed, and no check against "
                  "the identified studies can fail: whether they are a subset of Liu's is unknown. As context only: "
                  f"the {c['identified']} candidate studies we identified in relapsed/refractory disease before its "
                  f"e-publication hold {c['identified_patients']:,} patients (where N is known), which would leave "
                  f"{c['remaining_studies']} studies with {c['remaining_patients']} patients (mean "
                  f"{c['remaining_mean']:.0f}) if all were included; {c['subsets_all']} subsets of the "
                  f"{c['candidates_with_n']} candidates with a known N add up to exactly {n_fig.printed}, so the total "
                  "is attainable but does not identify the studies. " + citation_reason)
    else:
        reason = departures(checks) + citation_reason
    return ClaimResult(id=claim.id, citation=citation, verdict=verdict, reason=reason, checks=tuple(checks),
                       reproduced=reproduced, citation_reason=citation_reason, extra={"evidence": ev},
                       takeaway=(f"The cited abstract prints {k_fig.printed} studies and {n_fig.printed} patients; "
                                 "its study list is not public."),
                       deciding=Reproduced("studies and patients (cited abstract)", None,
                                           f"{k_fig.printed} studies, {n_fig.printed} patients"),
                       rules=rules.rules_used(checks, "combine-checks", "citation-reports"))


def _names(labels) -> str:
    """'TOWER, ALCANTARA and MT103-205' from study labels ('Kantarjian 2017 (TOWER)' -> 'TOWER')."""
    short = [lab.split("(")[-1].rstrip(")") if "(" in lab else lab for lab in labels]
    return ", ".join(short[:-1]) + (" and " if len(short) > 1 else "") + short[-1] if short else ""


def search_sentences(spec, subsets, outcome: str) -> str:
    """What the search found, in words that claim no more than the computed values show: the
    specification curve (study set x definition, models within each) and the best-subset search."""
    o, table = spec.overall, spec.table
    n_sets, n_defs = table["set"].nunique(), table["scenario"].nunique()
    lands = [f"{o['specifications_' + k]} on the {w}" for k, w in (("est", "estimate"), ("low", "lower bound"),
                                                                    ("high", "upper bound"))]
    text = (f"Of the {o['specifications']} specifications of the search ({n_sets} study sets x {n_defs} definitions of "
            f"response, each pooled under every model and every combination of tied counts), "
            f"{o['specifications_all']} land on all three printed numbers ({'; '.join(lands)}); the choice of model "
            f"within a specification moves the estimate by a median of {o['model_range_median_points']:.1f} points "
            f"({o['model_range_min_points']:.1f}-{o['model_range_max_points']:.1f}). ")
    if subsets is None or subsets.subsets <= 1:
        text += "Too few identified studies have a count for a subset search. "
        if o["specifications_all"]:
            text += (f"{o['specifications_all']} specification(s) land on all three printed numbers: that is "
                     "compatibility found by search, not a reproduction. ")
        return text
    c = subsets.closest
    text += (f"Subsets chosen after the fact come closer: of the {subsets.subsets:,} subsets of at least "
             f"{subsets.min_size} of the {len(subsets.studies)} identified studies ({subsets.model_name}), "
             f"{subsets.reach_estimate} reach the printed estimate and {subsets.reach_all} reach the estimate and both "
             f"bounds; the closest, leaving out {_names(c['left_out'])}, gives "
             f"{pct_ci(c['estimate'], c['ci_low'], c['ci_high'])}. ")
    if subsets.reach_estimate and not subsets.estimate_always_left_out:
        text += "No study is left out by every subset that reaches the estimate. "
    if o["specifications_all"]:
        return text + (f"{o['specifications_all']} specification(s) land on all three printed numbers: that is "
                       "compatibility found by search, not a reproduction, since the study sets are not known to be "
                       "Liu's. ")
    if subsets.reach_all:
        return text + ("No rule-based study set reaches the printed figures; hand-picked subsets do, which is "
                       "compatibility, not reproduction. ")
    return text + ("So no rule-based study set reaches the printed figure; only hand-picked subsets of the identified "
                   "studies come near it, which is compatibility, not reproduction. ")


def position_in_ci(fit, value: float) -> str:
    """Where a printed proportion lies against a pool's 95% CI: 'inside', 'below' or 'above'."""
    return "inside" if fit.ci_low <= value <= fit.ci_high else "below" if value < fit.ci_low else "above"


def definitions_fitting(definitions: dict, value: float) -> list[str]:
    """The MRD definitions (their words) whose pooled 95% CI holds the printed proportion."""
    return [d.words for d in definitions.values() if position_in_ci(d.fit, value) == "inside"]


def mrd_sentences(definitions: dict, est_p, lo_p, hi_p) -> str:
    """The two MRD definitions pooled like with like, and which one the printed figure fits."""
    parts = []
    fits = definitions_fitting(definitions, est_p.fraction)
    for d in definitions.values():
        f = d.fit
        where = position_in_ci(f, est_p.fraction)
        parts.append(f"{d.words}: {pct_ci(f.estimate, f.ci_low, f.ci_high)} (k = {f.k}; the printed "
                     f"{est_p.text} lies {where} this CI)")
    verdict = (f"the printed figure fits {' and '.join(fits)}" if fits else
               "the printed figure fits neither definition as pooled from the identified studies")
    return ("Pooled like with like, the two definitions of MRD response give " + "; ".join(parts) + f"; {verdict}. ")


def _pooled_claim(claims: ClaimsRegistry, ev: Evidence, claim_id: str, outcome: str) -> ClaimResult:
    claim = claims.get(claim_id)
    pub = ev.published
    est_id, ci_id = ("liu-cr", "liu-cr-ci") if outcome == "cr" else ("liu-mrd", "liu-mrd-ci")
    name = "CR rate" if outcome == "cr" else "MRD response rate"
    table = ev.cr_search if outcome == "cr" else ev.mrd_search
    implied = ev.cr_implied if outcome == "cr" else ev.mrd_implied
    res = ev.cr_primary if outcome == "cr" else ev.mrd_primary
    counts = ev.cr_counts if outcome == "cr" else ev.mrd_counts
    est_text, range_text = claim.reported
    printed = parse_printed(range_text)
    lo_p, hi_p = printed.interval
    est_p = parse_printed(est_text).estimate
    fig_est, fig_ci = pub.figure(est_id), pub.figure(ci_id)
    abstract_lo, abstract_hi = fig_ci.parsed.interval
    scale_names = {"logit": "logit", "raw": "raw", "asin": "arcsine"}
    centred = [scale_names[s] for s, v in implied["centre"].items() if v["compatible"]]
    checks = [
        rules.exact_value(fig_est.value, est_p).check(f"pooled {name} (cited abstract)", est_text, fig_est.printed,
                                                      pub.cites(fig_est.id)),
        Check("its 95% CI (cited abstract)", range_text, fig_ci.printed, None, pub.cites(fig_ci.id), rule="exact-value",
              outcome="agrees"
              if within_rounding(abstract_lo.fraction, lo_p) and within_rounding(abstract_hi.fraction, hi_p)
              else "disagrees"),
        rules.centred(bool(centred)).check(
            "CI centred on the estimate on some scale", f"{est_text} ({range_text})",
            ("centred on the " + ", ".join(centred) + " scale" + ("s" if len(centred) > 1 else "")) if centred
            else "centred on no scale tried (logit, raw, arcsine)", "arithmetic on the printed numbers"),
    ]
    if implied.get("width_ratio") is not None:
        checks.append(Check(
            "CI at least as wide as a common-effect CI over all patients", range_text,
            (f"{implied['width_ratio']:.1f} x the common-effect width for {implied['patients']:,} patients; "
             f"implies I² ≈ {implied['i2_wald']:.0f}% over {implied['k']} equal-sized studies"),
            implied["width_ratio"] >= 1.0, "arithmetic on the printed numbers and the abstract's counts",
            rule="meta-reproduction"))
    spec = ev.cr_spec if outcome == "cr" else ev.mrd_spec
    subsets = ev.cr_subsets if outcome == "cr" else ev.mrd_subsets
    n_invalid = int((~table["ci_valid"]).sum())
    table = table[table["ci_valid"]]
    hits = table[table["all_match"]]
    n_combos = len(table)
    fits = ev.cr_bracket if outcome == "cr" else ev.mrd_bracket
    flagged = (f" ({n_invalid} further raw-scale combinations with CI bounds outside [0, 1] are flagged and left out)"
               if n_invalid else "")
    not_liu = "the identified studies are not known to be Liu's: compatibility, not evidence"
    checks += [
        Check(f"pooled {name}, identified studies, primary model (not Liu's study set)", f"{est_text} ({range_text})",
              pct_ci(res.estimate, res.ci_low, res.ci_high),
              bool(within_rounding(res.estimate, est_p) and within_rounding(res.ci_low, lo_p)
                   and within_rounding(res.ci_high, hi_p)),
              "data/meta_analysis/studies.csv (per-study locations on the page)", role="context",
              rule="meta-reproduction", note=not_liu),
        Check("reproduction search: specifications (study set x definition) landing on all three printed numbers",
              f"{est_text} ({range_text})",
              f"{spec.overall['specifications_all']} of {spec.overall['specifications']} specifications "
              f"({n_combos} pooled analyses with a valid CI{flagged}); estimates range "
              f"{format_percent(table['estimate'].min(), 1)}-{format_percent(table['estimate'].max(), 1)}",
              bool(spec.overall["specifications_all"]),
              "analysis.stats.reproduction.search over data/meta_analysis/", role="context", rule="meta-reproduction",
              note=not_liu),
    ]
    internal = checks[:3] + (checks[3:4] if implied.get("width_ratio") is not None else [])
    citation, citation_reason = _citation(claim, pub, [est_id, ci_id], checks[:2])
    missing = ("the list of Liu 2023's 18 studies, the count it took from each, its response definition, model and "
               "transform (only the abstract is public)")
    verdict = rules.pooled_meta_verdict(internal)
    if verdict == "discrepant":
        reason = ("The printed figures contradict themselves: " + "; ".join(c.label for c in internal if not c.agrees)
                  + ". " + citation_reason)
    else:
        reason = (f"The cited abstract prints {fig_est.printed} ({fig_ci.printed}), as the commentary says, and the "
                  f"interval is coherent with its estimate. It cannot be recomputed: missing are {missing}. "
                  f"The {res.k} identified studies with a count give {pct_ci(res.estimate, res.ci_low, res.ci_high)} "
                  f"(random effects, logit, REML, Hartung-Knapp){spread_text(fits)}. "
                  f"Across every specification and model, pooled estimates with a valid CI range from "
                  f"{format_percent(table['estimate'].min(), 1)} to "
                  f"{format_percent(table['estimate'].max(), 1)}{flagged}. "
                  + search_sentences(spec, subsets, outcome)
                  + (mrd_sentences(ev.mrd_definitions, est_p, lo_p, hi_p) if outcome == "mrd" else "")
                  + citation_reason)
    reproduced = (Reproduced(f"pooled {name}, {res.k} identified studies (random effects, logit, REML, Hartung-Knapp)",
                             float(res.estimate), pct_ci(res.estimate, res.ci_low, res.ci_high) + spread_text(fits),
                             (float(res.ci_low), float(res.ci_high))),)
    if outcome == "mrd":
        reproduced += tuple(Reproduced(f"pooled MRD response, {d.words}", float(d.fit.estimate),
                                       pct_ci(d.fit.estimate, d.fit.ci_low, d.fit.ci_high) + f" (k = {d.fit.k})",
                                       (float(d.fit.ci_low), float(d.fit.ci_high)))
                            for d in ev.mrd_definitions.values())
    by_id = ev.studies.set_index("study_id")
    rows = by_id.loc[list(counts["study_id"])]
    certainty = summary_of_findings(f"pooled {name}, identified studies", res, list(rows["design"]),
                                    list(rows["population"]), list(rows["setting"]), rounding_interval(est_p),
                                    target_population="mixed",
                                    context=blast_subgroup_context(pub) if outcome == "cr" else ())
    if outcome == "mrd" and ev.mrd_definitions:
        r_, i_ = ev.mrd_definitions["reported"].fit, ev.mrd_definitions["itt"].fit
        takeaway = (f"Not recomputable; among assessed responders {format_percent(r_.estimate)}, over all treated "
                    f"{format_percent(i_.estimate)}: the printed {est_text} fits neither.")
    else:
        takeaway = (f"Printed as the abstract says; cannot be recomputed (study list not public). The {res.k} "
                    f"identified studies give {pct_ci(res.estimate, res.ci_low, res.ci_high, 0)}.")
    return ClaimResult(id=claim.id, citation=citation, verdict=verdict, reason=reason, checks=tuple(checks),
                       reproduced=reproduced, citation_reason=citation_reason,
                       takeaway=takeaway, deciding=reproduced[0],
                       rules=rules.rules_used(checks, "meta-reproduction", "citation-reports"),
                       extra={"evidence": ev, "hits": hits, "counts": counts,
                              "n_invalid": n_invalid, "certainty": certainty, "valid": table})


def evaluate_meta(claims: ClaimsRegistry, data_dir: Path | str = paths.DATA,
                  bibliography: Path | str = paths.BIBLIOGRAPHY) -> list[ClaimResult]:
    """The four claims of the group, from the files under ``data_dir``."""
    ev = gather(data_dir, bibliography)
    return [scope(claims, ev), studies_patients(claims, ev),
            _pooled_claim(claims, ev, "meta-cr-rate", "cr"), _pooled_claim(claims, ev, "meta-mrd-rate", "mrd")]


@claim_group(GROUP, ids=CLAIM_IDS)
def evaluate_meta_analysis(claims: ClaimsRegistry) -> list[ClaimResult]:
    return evaluate_meta(claims)

"""Values and tables of ``book/claims/meta-analysis.md``: the cited meta-analysis's printed
figures, the candidate primary studies, the primary analyses and the reproduction search.

Every number the page shows is computed here (the page only glues ``page_values``), from the
evidence the meta-analysis evaluator assembles (``results["meta-cr-rate"].extra["evidence"]``).
"""

from __future__ import annotations

import pandas as pd

from analysis.claims.meta_analysis import definitions_fitting
from analysis.report.labels import CI_LABELS, METHOD_LABELS, TRANSFORM_LABELS
from analysis.stats.meta import TRANSFORMS
from analysis.stats.reproduction import (
    CR_SCENARIOS,
    CR_SETS,
    CUTOFF_YEAR,
    GLMM_SETS,
    MRD_SCENARIOS,
    MRD_SETS,
    select_counts,
)

PAGE = "meta-analysis"


def pct(v: float, decimals: int = 1) -> str:
    return f"{100 * float(v):.{decimals}f}%"


def pci(est, lo, hi) -> str:
    return f"{pct(est)} ({pct(lo)}-{pct(hi)})"


def page_values(results: dict, ev) -> dict:
    """Every number the meta-analysis page shows (keys without the page prefix)."""
    v: dict = {}
    pub = ev.published
    fig_ = pub.figure
    # what Liu 2023 prints
    for fid in ("liu-studies", "liu-patients", "liu-cr", "liu-cr-ci", "liu-mrd", "liu-mrd-ci",
                "liu-cr-blasts-low", "liu-cr-blasts-high", "yu-cr", "yu-mrd", "yu-trials", "yu-patients-all",
                "yu-cr-blasts-low", "yu-cr-blasts-high"):
        v[fid] = fig_(fid).printed

    # the candidate studies
    studies = ev.studies
    v["n-candidates"] = int(len(studies))
    v["cutoff-year"] = int(CUTOFF_YEAR)
    c = ev.counts
    v["identified"] = int(c["identified"])
    v["identified-with-n"] = int(c["identified_with_n"])
    v["identified-patients"] = f"{c['identified_patients']:,}"
    v["remaining-studies"] = int(c["remaining_studies"])
    v["remaining-patients"] = int(c["remaining_patients"])
    v["remaining-mean"] = f"{c['remaining_mean']:.0f}"
    v["size-min"] = int(c["size_range"][0])
    v["size-max"] = int(c["size_range"][1])
    v["subsets-all"] = int(c["subsets_all"])
    v["subsets-identified"] = int(c["subsets_identified"])
    v["candidates-with-n"] = int(c["candidates_with_n"])
    v["without-n"] = ", ".join(c["without_n"]) or "none"
    v["n-cr-derived"] = int(studies["cr_derived"].fillna(False).sum())
    v["n-mrd-derived"] = int(studies["mrd_derived"].fillna(False).sum())
    v["combined"] = ", ".join(results["meta-scope"].extra["combined"]) or "none"

    # counts never pooled (hypothetical), tied counts (bracketed), counts derived from a printed CI
    hyp = ev.hypothetical
    v["n-hypothetical"] = int(len(hyp))
    v["hypothetical"] = "; ".join(f"{studies.set_index('study_id').loc[r.study_id, 'label']}: "
                                  f"{int(r.events)}/{int(r.total)}"
                                for r in hyp.itertuples()) or "none"
    ties = {sid: tuple(c) for sid, c in zip(ev.cr_counts["study_id"], ev.cr_counts["candidates"],
                                            strict=True) if len(c) > 1}
    v["ties"] = "; ".join(f"{studies.set_index('study_id').loc[sid, 'label']}: {c[0]}–{c[-1]} of "
                        f"{int(ev.cr_counts.set_index('study_id').loc[sid, 'total'])}"
                        for sid, c in ties.items()) or "none"
    v["n-ties"] = int(len(ties))
    v["n-bracket-combos"] = int(len(ev.cr_bracket))
    spread = [f.estimate for f in ev.cr_bracket]
    v["cr-bracket-spread"] = f"{pct(min(spread))} to {pct(max(spread))}"
    ci_rows = ev.variants[(ev.variants["outcome"] == "mrd") & ev.variants["derived"].fillna(False)
                          & ev.variants["notes"].str.contains("primary") & ev.variants["notes"].str.contains("CP CI")]
    v["mrd-from-ci"] = "; ".join(f"{studies.set_index('study_id').loc[r.study_id, 'label']}: "
                                 f"{int(r.events)}/{int(r.total)}"
                               for r in ci_rows.itertuples()) or "none"
    cohorts, _ = select_counts(studies, ev.variants, "mrd", "with-mrd-cohorts", "reported")
    v["mrd-cohorts"] = ", ".join(lab for lab in cohorts["label"] if "MRD-positive cohort" in lab) or "none"

    # primary analyses
    for key, res, counts, missing in (("cr", ev.cr_primary, ev.cr_counts, ev.cr_missing),
                                      ("mrd", ev.mrd_primary, ev.mrd_counts, ev.mrd_missing)):
        v[f"{key}-k"] = int(res.k)
        v[f"{key}-patients"] = f"{int(counts['total'].sum()):,}"
        v[f"{key}-pooled"] = pci(res.estimate, res.ci_low, res.ci_high)
        v[f"{key}-pi"] = f"{pct(res.pi_low)} to {pct(res.pi_high)}"
        v[f"{key}-tau2"] = f"{res.tau2:.2f}"
        v[f"{key}-i2"] = f"{res.i2:.0f}%"
        v[f"{key}-q"] = f"{res.q:.1f}"
        v[f"{key}-q-df"] = int(res.q_df)
        v[f"{key}-q-p"] = "< 0.001" if res.q_pvalue < 0.001 else f"{res.q_pvalue:.3f}"
        v[f"{key}-missing"] = ", ".join(missing) or "none"
        v[f"{key}-n-missing"] = int(len(missing))
        loo = ev.cr_loo if key == "cr" else ev.mrd_loo
        lo_row, hi_row = loo.loc[loo["estimate"].idxmin()], loo.loc[loo["estimate"].idxmax()]
        v[f"{key}-loo-min"] = f"{pct(lo_row['estimate'])} (without {lo_row['left out']})"
        v[f"{key}-loo-max"] = f"{pct(hi_row['estimate'])} (without {hi_row['left out']})"
        full = ev.cr_search if key == "cr" else ev.mrd_search
        table = full[full["ci_valid"]]
        v[f"{key}-invalid"] = int((~full["ci_valid"]).sum())
        bad = full[~full["ci_valid"]]
        v[f"{key}-invalid-how"] = (
            ("all " + "/".join(sorted(set(bad["ci"].str.replace("hk", "Hartung-Knapp").str.replace("wald", "Wald"))))
             + " intervals with k = " + "/".join(str(k) for k in sorted(set(bad["k"]))))
            if len(bad) else "none")
        v[f"{key}-all-combos"] = int(len(full))
        v[f"{key}-combos"] = int(len(table))
        v[f"{key}-hits"] = int(table["all_match"].sum())
        v[f"{key}-est-hits"] = int(table["est_match"].sum())
        v[f"{key}-est-min"] = pct(table["estimate"].min())
        v[f"{key}-est-max"] = pct(table["estimate"].max())
        v[f"{key}-groups"] = int(table.groupby(["set", "scenario"]).ngroups)
        best = table.sort_values(["distance", "set", "scenario", "transform", "method", "ci"]).iloc[0]
        v[f"{key}-best"] = f"{pci(best['estimate'], best['ci_low'], best['ci_high'])}"
        v[f"{key}-best-how"] = (f"{best['set_label']}, {best['scenario_label']}; "
                                 f"{TRANSFORM_LABELS[best['transform']]} scale, {METHOD_LABELS[best['method']]}, "
                                 f"{CI_LABELS[best['ci']]} interval")
        v[f"{key}-best-gap"] = f"{100 * best['distance']:.1f}"

    # what the printed CIs imply
    imp = ev.cr_implied
    v["cr-ce-half"] = f"{100 * imp['common_effect_half_width']:.1f}"
    v["cr-width-ratio"] = f"{imp['width_ratio']:.1f}"
    v["cr-eff-n"] = f"{imp['effective_n']:.0f}"
    v["cr-implied-tau2"] = f"{imp['tau2_wald']:.2f}"
    v["cr-implied-i2"] = f"{imp['i2_wald']:.0f}%"
    v["cr-implied-i2-t"] = f"{imp['i2_t']:.0f}%"
    ratio = imp["tau2_wald"] / ev.cr_primary.tau2 if ev.cr_primary.tau2 > 0 else float("inf")
    v["cr-implied-vs-found"] = (f"about {ratio:.0f} times the between-study variance of the identified studies"
                              if ratio >= 1.5 else "close to the between-study variance of the identified studies"
                              if ratio > 1 / 1.5 else f"about {1 / ratio:.0f} times smaller than that of the "
                                                      "identified studies")
    v["mean-size"] = f"{imp['mean_study_size']:.0f}"
    v["cr-logit-mid"] = pct(imp["centre"]["logit"]["midpoint"])
    v["cr-raw-mid"] = pct(imp["centre"]["raw"]["midpoint"])
    mimp = ev.mrd_implied
    v["mrd-eff-n"] = f"{mimp['effective_n']:.0f}"
    v["mrd-logit-mid"] = pct(mimp["centre"]["logit"]["midpoint"])
    v["mrd-logit-mid-range"] = (f"{pct(mimp['centre']['logit']['midpoint_low'])}-"
                                f"{pct(mimp['centre']['logit']['midpoint_high'])}")
    v["mrd-raw-mid"] = pct(mimp["centre"]["raw"]["midpoint"])

    # search design
    v["n-transforms"] = int(len(TRANSFORMS))
    v["n-cr-sets"] = int(len(CR_SETS))
    v["n-cr-scenarios"] = int(len(CR_SCENARIOS))
    v["n-mrd-sets"] = int(len(MRD_SETS))
    v["n-mrd-scenarios"] = int(len(MRD_SCENARIOS))
    v["glmm-sets"] = " and ".join(f"'{s.label}'" for s in CR_SETS if s.key in GLMM_SETS)

    # Yu 2019 check
    yu = ev.yu_cr
    v["yu-combos"] = int(len(yu))
    v["yu-hits"] = int(yu["all_match"].sum())
    v["yu-shown"] = f"all {int(yu['all_match'].sum())}" if yu["all_match"].sum() else "none; the nearest six are"
    v["pivotal-patients"] = f"{int(ev.cr_search.loc[ev.cr_search['set'] == 'pivotal', 'patients'].iloc[0]):,}"
    v["pivotal-k"] = int(ev.cr_search.loc[ev.cr_search["set"] == "pivotal", "k"].iloc[0])
    yhits = yu[yu["all_match"]]
    v["yu-hit-sets"] = ", ".join(sorted(set(yhits["set_label"] + " / " + yhits["scenario_label"]))) or "none"
    v["yu-mrd-combos"] = int(len(ev.yu_mrd))
    v["yu-mrd-hits"] = int(ev.yu_mrd["all_match"].sum())
    v["yu-mrd-est-min"] = pct(ev.yu_mrd["estimate"].min())
    v["yu-mrd-est-max"] = pct(ev.yu_mrd["estimate"].max())
    # where the primary estimate and the leave-one-out estimates fall against the printed figure
    from analysis.stats.rounding import rounding_interval
    for key, res, loo in (("cr", ev.cr_primary, ev.cr_loo), ("mrd", ev.mrd_primary, ev.mrd_loo)):
        low, high = rounding_interval(fig_(f"liu-{key}").parsed.estimate)
        v[f"{key}-vs-printed"] = "below" if res.estimate < low else "above" if res.estimate >= high else "equal to"
        reaches = ((loo["estimate"] >= low) & (loo["estimate"] < high)).any()
        v[f"{key}-loo-reaches"] = ("leaving out one study can bring it to" if reaches
                                   else "no single study left out brings it to")
    v.update(short_sentences(ev))
    return v


def short_sentences(ev) -> dict[str, str]:
    """The "in short" sentences of the CR and MRD sections, from the search and the pools (never
    typed on the page): what the rule-based study sets reach, what hand-picked subsets reach, and
    which MRD definition, pooled like with like, the printed figure fits."""
    out = {}
    fig_ = ev.published.figure
    printed = float(fig_("liu-cr").parsed.estimate.fraction)
    sub = ev.cr_subsets
    if sub is not None and sub.subsets > 1 and sub.reach_estimate:
        c = sub.closest
        out["cr-subsets"] = (f"hand-picked subsets of them do come near it ({sub.reach_estimate:,} of "
                             f"{sub.subsets:,} subsets of at least {sub.min_size} studies reach the printed estimate; "
                             f"the closest gives {pci(c['estimate'], c['ci_low'], c['ci_high'])}), which shows "
                             "compatibility found by search, not a reproduction")
    else:
        out["cr-subsets"] = "no subset of them reaches the printed estimate either"
    res = ev.cr_primary
    out["cr-direction"] = (("higher" if printed > res.estimate else "lower")
                           + f" than the identified studies' {pct(res.estimate)}")
    defs = ev.mrd_definitions
    if {"reported", "itt"} <= set(defs):
        r_, i_ = defs["reported"].fit, defs["itt"].fit
        est = float(fig_("liu-mrd").parsed.estimate.fraction)
        inside = definitions_fitting(defs, est)
        out["mrd-reported"] = pci(r_.estimate, r_.ci_low, r_.ci_high)
        out["mrd-itt"] = pci(i_.estimate, i_.ci_low, i_.ci_high)
        out["mrd-fits"] = (f"the printed {fig_('liu-mrd').printed} fits {' and '.join(inside)}" if inside else
                           f"the printed {fig_('liu-mrd').printed} lies between the two and inside neither interval")
        out["mrd-gap"] = f"{100 * abs(r_.estimate - i_.estimate):.0f}"
    return out


def tied_counts(ev) -> dict:
    """{study id: candidate CR counts} for the CR counts a printed percentage leaves tied."""
    return {sid: tuple(c) for sid, c in zip(ev.cr_counts["study_id"], ev.cr_counts["candidates"],
                                            strict=True) if len(c) > 1}


def printed_table(ev) -> pd.DataFrame:
    """What the cited meta-analysis prints, with where each figure was read (readable columns)."""
    pub = ev.published
    return pub.table([f for f in pub.figures if f.startswith("liu-")]).drop(columns=["figure", "arm", "derived"])


def hypothetical_table(ev) -> pd.DataFrame:
    """Counts whose denominator nobody printed: shown, never pooled."""
    labels = ev.studies.set_index("study_id")["label"]
    hyp = ev.hypothetical
    return pd.DataFrame({"study": [labels[s] for s in hyp["study_id"]], "definition": hyp["definition"],
                         "events": hyp["events"].astype(int), "total": hyp["total"].astype(int),
                         "where read": hyp["location"], "notes": hyp["notes"]})


def sets_table(sets, scenarios, kind: str) -> pd.DataFrame:
    """The study sets and definitions of the search, as rules on the data."""
    return pd.DataFrame([{"study set or " + kind: s.label, "rule": s.description} for s in sets]
                        + [{"study set or " + kind: f"{kind}: " + s.label, "rule": s.description} for s in scenarios])

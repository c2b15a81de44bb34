"""Values, tables and figure inputs of ``book/claims/treatment-related-mortality.md``."""

from __future__ import annotations

import pandas as pd

from analysis.claims import rules
from analysis.claims.pooling import pi_text, prediction_interval
from analysis.stats.rounding import format_percent, rounding_interval

PAGE = "treatment-related-mortality"


def _pct(x, d=1) -> str:
    return format_percent(x, d)


def _ci(fit) -> str:
    return f"{_pct(fit.ci_low)} to {_pct(fit.ci_high)}"


def page_values(claim, result, ev, works) -> dict:
    """Every number the page shows, from the evaluator's result and evidence (``fatal_evidence``)."""
    tr, anyc = ev.treatment_related, ev.any_cause
    fit = tr.shown
    guideline = {r["row_id"]: r for _, r in ev.guideline.iterrows()}
    series = {s.row_id: s for s in list(tr.series) + list(anyc.series)}
    chemo = ev.chemotherapy.set_index("row_id")
    band = result.extra["interval"]
    events_all, patients_all, crude = result.extra["crude"]
    values = {
        "claim": claim.reported[0],
        "ref": works["Hoelzer2024"].number,
        "esmo": guideline["esmo-immunotherapy-trm"]["reported"],
        "esmo-hsct": guideline["esmo-hsct-trm"]["reported"],
        "esmo-chemo": guideline["esmo-chemo-induction-deaths-adult"]["reported"],
        "k": tr.k,
        "events": int(sum(s.candidates[0] for s in tr.series)),
        "patients": int(sum(s.total for s in tr.series)),
        "est": _pct(fit.estimate),
        "ci": _ci(fit),
        "pi": pi_text(fit),
        "band": f"{_pct(band[0])} to {_pct(band[1])}",
        "crude": f"{events_all}/{patients_all}",
        "crude-ci": f"{_pct(crude[0])} to {_pct(crude[1])}",
        "about": _pct(fit.estimate, 0),
        "level": f"{100 * fit.level:g}%",
        "i2": f"{fit.i2:.0f}%",
        "any-est": _pct(anyc.shown.estimate),
        "any-ci": _ci(anyc.shown),
        "n-checks": len(result.checks),
        "n-agree": sum(1 for c in result.checks if c.counted and c.outcome == "agrees"),
        "max-trial-ci": _pct(float(fit.studies["ci_high"].max())),
    }
    for key, row_id in (("tower", "tower-blin-tr-fatal"), ("tower-any", "tower-blin-any-fatal"),
                        ("paed", "mt103-205-tr-fatal-all")):
        s = series[row_id]
        values[key] = f"{s.candidates[0]}/{s.total}"
        values[f"{key}-rate"] = _pct(s.candidates[0] / s.total)
    for key, row_id in (("tower-soc", "tower-soc-tr-fatal"), ("tower-soc-any", "tower-soc-any-fatal")):
        values[key] = chemo.loc[row_id, "fatal events"]
        values[f"{key}-rate"] = chemo.loc[row_id, "rate"]
    for label, q in ev.sensitivity.items():
        key = "glmm" if "GLMM" in label else "wald"
        values[f"{key}-ci"] = _ci(q.shown)
        values[f"{key}-est"] = _pct(q.shown.estimate)
        judged = rules.estimate_around(float(q.shown.estimate), (float(q.shown.ci_low), float(q.shown.ci_high)),
                                       claim.reported[0])
        values[f"{key}-note"] = ("whose interval also reaches the stated range" if judged.outcome != "disagrees"
                                 else f"whose interval lies wholly {judged.position} the stated range")
    values.update(judgement_sentences(fit, anyc.shown, claim.reported[0], tr.series))
    return values


def judgement_sentences(fit, any_cause, printed: str, series) -> dict[str, str]:
    """The page's judgement sentences, computed from the fits (never typed on the page): where the
    pooled rate lies against the printed figure's band and whether its CI and each trial's exact
    CI reach the band (the rulebook's "around" rule, ``rules.estimate_around``), how far the
    any-cause rate is from it, what the prediction interval adds and whether any study needed a
    continuity correction."""
    def judged(estimate, low, high):
        return rules.estimate_around(float(estimate), (float(low), float(high)), printed)

    pooled = judged(fit.estimate, fit.ci_low, fit.ci_high)
    where = {"above": "higher than", "below": "lower than", "inside": "inside the band of"}[pooled.position]
    ci_reaches = pooled.outcome != "disagrees"
    studies = fit.studies
    reach = int(sum(judged(e, low, high).outcome != "disagrees"
                    for e, low, high in zip(studies["proportion"], studies["ci_low"], studies["ci_high"], strict=True)))
    k = int(fit.k)
    trials = ("every single trial's exact interval" if reach == k else
              "no trial's exact interval" if reach == 0 else f"the exact intervals of {reach} of the {k} trials")
    forest = (f"The pooled rate is {where} the printed figure; its confidence interval "
              f"{'reaches' if ci_reaches else 'does not reach'} the band, and {trials} "
              f"{'reaches' if reach in (0, k) else 'reach'} it.")
    lo, hi = rounding_interval(printed)
    ratio = float(any_cause.estimate) / ((lo + hi) / 2)
    any_note = (f"about {ratio:.0f} times the printed figure" if ratio >= 1.5 else
                "close to the printed figure" if ratio > 0.67 else "below the printed figure")
    tau2 = float(fit.tau2)
    pi_note = ("the between-study variance is estimated as zero here, so it only repeats the confidence interval"
               if tau2 == 0 else f"the between-study variance is estimated as τ² = {tau2:.3g} here")
    zero = int(sum(1 for s in series if s.candidates[0] == 0))
    zero_note = ("No study has zero events, so no continuity correction is needed." if zero == 0 else
                 f"{zero} of the {k} studies have zero events; the logit model uses the continuity correction "
                 "described in the methods.")
    return {"forest-judgement": forest, "any-ratio": any_note, "pi-note": pi_note, "zero-note": zero_note}


def models_table(ev) -> pd.DataFrame:
    """The main model and the sensitivity analyses, one row each."""
    fit = ev.treatment_related.shown
    rows = [{"model": "logit, REML, Hartung–Knapp (main)", "pooled": _pct(fit.estimate),
             "95% confidence interval": _ci(fit), "prediction interval": pi_text(fit)}]
    rows += [{"model": label.replace("Hartung-Knapp", "Hartung–Knapp"), "pooled": _pct(q.shown.estimate),
              "95% confidence interval": _ci(q.shown), "prediction interval": "not used (see the verdict rule)"}
             for label, q in ev.sensitivity.items()]
    return pd.DataFrame(rows)


def events_table(ev) -> pd.DataFrame:
    """The fatal-event counts per study population, as printed and recomputed (readable columns)."""
    return ev.table.rename(columns={"arm": "study population", "printed agrees": "printed = recomputed?"})


def plotted_pi(fit):
    """The prediction interval drawn on the plot: metafor's predict(), the report's one convention
    (``analysis.claims.pooling.prediction_interval``; none for fewer than three studies)."""
    return prediction_interval(fit)

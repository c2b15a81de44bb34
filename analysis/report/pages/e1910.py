"""Values of ``book/claims/e1910.md``: the E1910 phase 3 trial's printed figures and the checks
computed from them (P values from intervals, medians against landmarks, events, follow-up)."""

from __future__ import annotations

import re

from analysis.inputs import paths
from analysis.stats.rounding import format_percent

PAGE = "e1910"
#: The figures of data/trials/e1910.yaml the page quotes as printed.
QUOTED = ("eligible-age", "eligible-disease", "mrd-threshold", "mrd-timing", "blinatumomab-cycles",
          "blinatumomab-arm-chemotherapy-cycles", "control-chemotherapy-cycles", "ash-median-os-chemotherapy",
          "ash-os-hr", "ash-os-p", "nejm-os-hr", "nejm-os-p", "follow-up", "ash-follow-up", "fda-later-follow-up",
          "nejm-os-chemotherapy", "ash-os-chemotherapy", "fda-os-chemotherapy", "fda-os5-chemotherapy",
          "fda-os5-blinatumomab", "nejm-os-blinatumomab", "fda-approval-date", "fda-os5-hr")


def commentary_published(path=None) -> str:
    """The commentary's publication date as its own header prints it ("Published: 11-Jan-2024")."""
    text = (path or paths.COMMENTARY).read_text(encoding="utf-8")
    found = re.search(r"Published:\*{0,2}\s*([0-9]{2}-[A-Za-z]{3}-[0-9]{4})", text)
    if found is None:
        raise ValueError(f"{path or paths.COMMENTARY}: no 'Published:' date in the commentary's header")
    return found.group(1)


def page_values(trial, results) -> dict:
    """Every number the E1910 page shows, from the trial file and the seven claims' results."""
    v: dict = {}
    fig = trial.figure
    # randomisation (foundation section)
    v["enrolled"] = fig("enrolled").printed
    v["cr"] = fig("cr-after-induction").printed
    v["randomised"] = fig("randomised").printed
    v["arm-blin"] = fig("randomised-blinatumomab").printed
    v["arm-chemo"] = fig("randomised-chemotherapy").printed
    v["cr-rate"] = format_percent(fig("cr-after-induction").value / fig("enrolled").value, 1)
    v["cr-printed"] = fig("cr-after-induction-percent").printed
    v["randomised-share"] = format_percent(fig("randomised").value / fig("cr-after-induction").value, 1)
    v["n-checks"] = len(results["e1910-randomisation"].checks)

    # every printed figure used in the prose
    for fid in QUOTED:
        v[fid] = fig(fid).printed
    for fid in ("nejm-os-chemotherapy", "ash-os-chemotherapy", "fda-os5-chemotherapy"):
        v[fid + "-time"] = fig(fid).time
    v["commentary-published"] = commentary_published()
    for key in ("nejm2024", "fda2024"):
        v[f"label-{key}"] = trial.reports[key].label

    med = results["e1910-median-os"]
    ex = med.extra
    p_nejm, p_ash = ex["p_values"]["nejm-os-hr"], ex["p_values"]["ash-os-hr"]
    v["p-nejm"] = f"{p_nejm.p:.4f}"
    v["p-nejm-range"] = f"{p_nejm.p_min:.4f}–{p_nejm.p_max:.4f}"
    v["p-ash"] = f"{p_ash.p:.4f}"
    v["p-ash-range"] = f"{p_ash.p_min:.4f}–{p_ash.p_max:.4f}"
    v["p-rfs"] = f"{ex['p_values']['nejm-rfs-hr'].p:.3f}"
    v["p-later"] = f"{ex['p_values']['fda-os5-hr'].p:.4f}"
    same = ex["median_checks"]["nejm-os-chemotherapy"]
    exp_same = next(c for c in same.checks if c.model == "exponential")
    v["exp-median"] = f"{exp_same.implied_median:.1f}"
    v["exp-median-range"] = f"{exp_same.implied_median_range[0]:.1f}–{exp_same.implied_median_range[1]:.1f}"
    v["hr-needed"] = f"{same.hazard_ratio_needed:.2f}"
    ash_same = ex["median_checks"]["ash-os-chemotherapy"]
    v["exp-median-ash"] = f"{next(c for c in ash_same.checks if c.model == 'exponential').implied_median:.1f}"
    v["hr-needed-ash"] = f"{ash_same.hazard_ratio_needed:.2f}"
    later = ex["later"]
    later_medians = {c.model: c.implied_median for c in later.checks}
    v["later-exp"] = f"{later_medians['exponential']:.1f}"
    v["later-pw"] = f"{later_medians['piecewise-exponential']:.1f}"
    v["later-weibull"] = f"{later_medians['weibull']:.1f}"
    v["later-hr-needed"] = f"{later.hazard_ratio_needed:.2f}"
    v["fu-ratio"] = f"{ex['follow_up'].ratio:.2f}"
    ev = ex["events"]
    v["events"] = f"{ev.events:.0f}"
    v["events-range"] = f"{ev.events_min:.0f}–{ev.events_max:.0f}"
    km5 = ex["km"]["fda-os5-blinatumomab"]
    v["km5-min"] = int(km5.min_events)
    v["km5-max"] = int(km5.max_events)
    v["n-arm"] = fig("randomised-blinatumomab").printed
    v["median-made"] = sum(c.counted for c in med.checks)
    v["fu-years"] = f"{fig('follow-up').parsed.estimate.value / 12:.2f}"
    return v


def survival_fits(trial) -> list:
    """The model curves drawn on the survival figure: (label, fitted model, arm, line style).

    Each is a *model* through printed landmarks (:mod:`analysis.stats.survival`), never data."""
    from analysis.stats.survival import (
        fit_exponential_from_landmark,
        fit_piecewise_exponential,
        fit_weibull_from_landmarks,
    )

    fig = trial.figure
    nejm3, blin3, median = fig("nejm-os-chemotherapy"), fig("nejm-os-blinatumomab"), fig("ash-median-os-chemotherapy")
    fda3, fda5 = fig("fda-os-chemotherapy"), fig("fda-os5-chemotherapy")
    median_months = float(median.parsed.estimate.value)
    return [
        (f"model, chemotherapy: constant hazard through {nejm3.printed} at {nejm3.time}",
         fit_exponential_from_landmark(nejm3.time_months, nejm3.value), "chemotherapy", "--"),
        (f"model, chemotherapy: through {nejm3.printed} at {nejm3.time} and the printed median",
         fit_piecewise_exponential([(nejm3.time_months, nejm3.value), (median_months, 0.5)]), "chemotherapy", "--"),
        (f"model, chemotherapy: Weibull through the later analysis ({fda3.printed}, {fda5.printed})",
         fit_weibull_from_landmarks([(fda3.time_months, fda3.value), (fda5.time_months, fda5.value)]),
         "chemotherapy", "--"),
        (f"model, blinatumomab: constant hazard through {blin3.printed} at {blin3.time}",
         fit_exponential_from_landmark(blin3.time_months, blin3.value), "blinatumomab", "--"),
    ]


#: The landmarks, medians and follow-up times the survival figure draws.
LANDMARKS = ["nejm-os-blinatumomab", "nejm-os-chemotherapy", "ash-os-blinatumomab", "ash-os-chemotherapy",
             "fda-os-blinatumomab", "fda-os-chemotherapy", "fda-os5-blinatumomab", "fda-os5-chemotherapy"]


def figures_table(trial):
    """The trial's printed figures for display: readable columns, no internal figure ids."""
    return trial.table().drop(columns=["figure"], errors="ignore").rename(columns={"at": "time point",
                                                                                    "derived": "our arithmetic?"})

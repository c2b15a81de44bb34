"""Values and tables of ``book/claims/post-transplant-maintenance.md`` (Gaballa et al. 2022)."""

from __future__ import annotations

from analysis.stats.attainability import grim_percent
from analysis.stats.rounding import format_percent

PAGE = "post-transplant-maintenance"
#: The printed figures the page quotes (figure ids of data/trials/gaballa2022.yaml).
QUOTED = ("planned-cycles", "cycle-interval", "registry-courses", "registry-schedule", "days-to-first-cycle",
          "days-to-first-cycle-range", "registry-enrolment-window", "enrolled", "analysed", "completed-all-cycles",
          "completed-all-cycles-percent", "registry-started", "registry-withdrew", "follow-up", "os-1y", "pfs-1y",
          "nrm-1y", "agvhd-3-4", "agvhd-2-4", "registry-agvhd-limit", "registry-graft-failure-limit",
          "matched-controls", "grade4-neutropenia")
#: The percentages drawn against k/n in the attainability figure.
ATTAINABILITY = ["os-1y", "pfs-1y", "nrm-1y", "completed-all-cycles-percent", "grade4-neutropenia", "crs-grade1",
                 "neurotoxicity-grade2", "agvhd-2-4", "agvhd-3-4", "cgvhd-mild-percent", "cgvhd-moderate-percent"]


def page_values(trial, results) -> dict:
    """Every number the page shows, from the trial file and the four claims' results."""
    fig = trial.figure
    values = {fid: fig(fid).printed for fid in QUOTED}
    n = int(fig("analysed").value)
    out = results["posthct-outcomes"]
    km_os, km_pfs = out.extra["km"]["os-1y"], out.extra["km"]["pfs-1y"]
    plain = km_pfs.events_without_censoring[0]
    k_ci, lo_ci, hi_ci = out.extra["pfs_exact_ci"]
    feas = results["posthct-feasible"]
    values.update({
        "landmark": fig("os-1y").time,
        "agvhd-grades": fig("agvhd-3-4").quantity.split(", ")[-1],
        "n": n,
        "os-near": ", ".join(f"{k}/{n} = {format_percent(k / n, 1)}"
                             for k in grim_percent(fig("os-1y").printed, n).nearest_k),
        "os-min": int(km_os.min_events), "os-max": int(km_os.max_events),
        "pfs-min": int(km_pfs.min_events), "pfs-max": int(km_pfs.max_events),
        "pfs-plain": int(plain),
        "pfs-plain-share": f"{n - plain}/{n} = {format_percent((n - plain) / n, 1)}",
        "relapse": format_percent(out.extra["relapse"]),
        "pfs-ci": f"{format_percent(lo_ci)}–{format_percent(hi_ci)}",
        "pfs-ci-k": f"{k_ci}/{n}",
        "completed-share": format_percent(fig("completed-all-cycles").value / fig("analysed").value, 1),
        "treated-share": format_percent(fig("analysed").value / fig("enrolled").value, 1),
        "feasible-made": sum(c.counted for c in feas.checks),
        "feasible-agree": sum(c.agrees is True for c in feas.checks),
        "n-attainable": sum(bool(grim_percent(fig(f).printed, int(trial.figure(fig(f).denominator).value)).k)
                            for f in ATTAINABILITY),
        "n-percentages": len(ATTAINABILITY),
    })
    return values


def figures_table(trial):
    """The trial's printed figures for display: readable columns, no internal figure ids."""
    return trial.table().drop(columns=["figure"]).rename(columns={"at": "time point", "derived": "our arithmetic?"})

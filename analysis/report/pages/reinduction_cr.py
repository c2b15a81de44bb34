"""Values and tables of ``book/claims/reinduction-cr.md``: pooled CR after salvage chemotherapy."""

from __future__ import annotations

import pandas as pd

from analysis.claims.pooling import SENSITIVITY, pi_text
from analysis.claims.rules import claimed_interval
from analysis.stats.rounding import format_percent

PAGE = "reinduction-cr"
#: The pools in the order the page shows them.
POOLS = ("first", "second-or-later", "randomised", "cohort", "all")


def _pct(x, d=1) -> str:
    return format_percent(x, d)


def _ci(fit) -> str:
    return f"{_pct(fit.ci_low)} to {_pct(fit.ci_high)}"


def position(fit, interval) -> tuple[str, str]:
    """Where a pooled estimate and its CI fall against the printed band, in words:
    ("inside" | "above" | "below" the printed range, "reaches it" | "lies wholly above it" | ...)."""
    low, high = interval
    where = ("inside" if low <= fit.estimate < high
             else "above" if fit.estimate >= high else "below")
    reach = ("its 95% CI reaches the printed range" if fit.ci_low < high and fit.ci_high >= low
             else "its 95% CI lies wholly above the printed range" if fit.ci_low >= high
             else "its 95% CI lies wholly below the printed range")
    return where, reach


def page_values(claim, result, ev, works) -> dict:
    """Every number the page shows, from ``salvage_evidence()`` and the claim's result."""
    printed = claim.reported[0]
    interval = claimed_interval(printed)
    pools = ev.pools
    values = {
        "level": f"{100 * pools['all'].shown.level:g}%",
        "claim": printed,
        "interval": f"{_pct(interval[0])} to {_pct(interval[1])}",
        "ref1": works["Hunger2012"].number,
        "ref2": works["Qian2014"].number,
        "n-cross": len(ev.cross_checks),
        "n-series": len(ev.table),
    }
    for name, p in pools.items():
        values[f"{name}-est"] = _pct(p.shown.estimate)
        values[f"{name}-ci"] = _ci(p.shown)
        values[f"{name}-pi"] = pi_text(p.shown)
        values[f"{name}-k"] = p.k
        values[f"{name}-i2"] = f"{p.shown.i2:.0f}%"
        values[f"{name}-position"], values[f"{name}-reach"] = position(p.shown, interval)
    wald = {name: d[SENSITIVITY[0][0]] for name, d in ev.sensitivity.items()}
    values["second-or-later-wald"] = _ci(wald["second-or-later"].shown)
    values["randomised-wald"] = _ci(wald["randomised"].shown)
    for p in pools.values():
        for s in p.series:
            if s.bracketed and f"{s.row_id}-cands" not in values:
                values[f"{s.row_id}-cands"] = f"{s.candidates[0]} to {s.candidates[-1]} of {s.total}"
                values[f"{s.row_id}-printed"] = s.reported
    spread = max(max(p.estimate_range[1] - p.shown.estimate, p.shown.estimate - p.estimate_range[0])
                 for p in pools.values())
    values["bracket-spread"] = f"{100 * spread:.1f} percentage points"
    values["alt-randomised"] = _pct(ev.alternative["randomised"].shown.estimate)
    ds = ev.data_sensitivity["all"]
    values["all-nograall"] = f"{_pct(ds['without GRAALL'].shown.estimate)} ({_ci(ds['without GRAALL'].shown)})"
    values["all-cronly"] = f"{_pct(ds['CR only'].shown.estimate)} ({_ci(ds['CR only'].shown)})"
    return values


def pools_table(ev) -> pd.DataFrame:
    """One row per pool: series, pooled CR, CI, prediction interval, I²."""
    return pd.DataFrame([{"subgroup": ev.pools[n].name, "series": ev.pools[n].k,
                          "pooled CR": _pct(ev.pools[n].shown.estimate), "95% CI": _ci(ev.pools[n].shown),
                          "prediction interval": pi_text(ev.pools[n].shown), "I²": f"{ev.pools[n].shown.i2:.0f}%"}
                         for n in POOLS])


def sensitivity_table(ev) -> pd.DataFrame:
    """Every pool under the main model and each sensitivity analysis."""
    rows = []
    for name, p in ev.pools.items():
        row = {"subgroup": p.name, "REML, Hartung–Knapp (main)": f"{_pct(p.shown.estimate)} ({_ci(p.shown)})"}
        for label, q in ev.sensitivity[name].items():
            row[label.replace("Hartung-Knapp", "Hartung–Knapp")] = f"{_pct(q.shown.estimate)} ({_ci(q.shown)})"
        alt = ev.alternative.get(name)
        row["TOWER composite end point"] = f"{_pct(alt.shown.estimate)} ({_ci(alt.shown)})" if alt else "—"
        for label in ("without GRAALL", "CR only"):
            q = ev.data_sensitivity[name].get(label, "unchanged")
            row[label] = ("unchanged" if q == "unchanged" else "one series left" if q is None
                          else f"{_pct(q.shown.estimate)} ({_ci(q.shown)}, k = {q.k})")
        rows.append(row)
    return pd.DataFrame(rows)

"""Figures and display tables of the meta-analysis page (``book/claims/meta-analysis.md``).

- :func:`search_figure`: one row per (study set, definition scenario); the span of pooled
  estimates over every transform x estimator x CI as a thick bar, the span of the CI bounds as a
  thin line, the primary model's estimate as a dot, and the printed figure (its rounding band
  and CI limits) the rows are compared with;
- :func:`loo_figure`: leave-one-out estimates with their CIs against the full estimate;
- :func:`studies_table`, :func:`search_summary`, :func:`closest`: the tables the page shows.

Deterministic (no dates, no random state). Text is at least 10 pt in figures at most 7.5 in wide, so
it stays at or above 9 pt when a figure is shown at the page's content width. Tables are rendered by
:func:`analysis.report.tables.table_html`.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from analysis.plots import style
from analysis.report.labels import CI_LABELS, METHOD_LABELS, TRANSFORM_LABELS
from analysis.stats.reproduction import PRIMARY
from analysis.stats.rounding import rounding_interval

__all__ = ["search_figure", "loo_figure", "studies_table", "counts_table", "search_summary", "closest", "pct",
           "patients_figure"]

_BAR = "#2f5f8a"
_LINE = "#8fa9c4"
_DOT = "#1b1b1b"
_TARGET = "#b03a2e"


def pct(v: float, decimals: int = 1) -> str:
    return f"{100 * float(v):.{decimals}f}%"


def search_figure(table: pd.DataFrame, estimate, low, high, title: str, target_label: str):
    """The reproduction search of one outcome against a printed "estimate (low-high)".

    ``table`` is ``analysis.stats.reproduction.matches(search(...), ...)``; ``estimate``, ``low``,
    ``high`` are ``PrintedNumber``s. Returns the Figure.
    """
    groups = list(table.groupby(["set", "scenario"], sort=False))
    n = len(groups)
    fig, ax = plt.subplots(figsize=(style.FIG_WIDTH, 2.6 + 0.55 * n))
    e_lo, e_hi = rounding_interval(estimate)
    ax.axvspan(100 * e_lo, 100 * e_hi, color=_TARGET, alpha=0.35, lw=0,
               label=f"{target_label}: estimate (rounding band)")
    for b in (low, high):
        ax.axvline(100 * b.fraction, color=_TARGET, ls="--", lw=1.2)
    ax.plot([], [], color=_TARGET, ls="--", lw=1.2, label=f"{target_label}: 95% CI limits")
    labels = []
    for i, ((_set_key, _scen_key), g) in enumerate(groups):
        y = n - 1 - i
        v = g[g["ci_valid"]] if "ci_valid" in g else g
        if len(v):   # CIs leaving [0, 1] are impossible: not drawn
            ax.plot([100 * v["ci_low"].min(), 100 * v["ci_high"].max()], [y, y], color=_LINE,
                    lw=1.5, solid_capstyle="butt")
        ax.plot([100 * g["estimate"].min(), 100 * g["estimate"].max()], [y, y], color=_BAR, lw=7, solid_capstyle="butt")
        prim = g[(g["transform"] == PRIMARY["transform"]) & (g["method"] == PRIMARY["method"])
                 & (g["ci"] == PRIMARY["ci"])]
        if len(prim):
            ax.plot(100 * prim["estimate"].iloc[0], y, "o", color=_DOT, ms=5, zorder=3)
        hits = int(g["all_match"].sum()) if "all_match" in g else 0
        mark = f"  [{hits} match]" if hits else ""
        bad = int((~g["ci_valid"]).sum()) if "ci_valid" in g else 0
        mark += f"  [{bad} CI outside 0-100%]" if bad else ""
        labels.append(f"{g['set_label'].iloc[0]} (k={int(g['k'].iloc[0])}), {g['scenario_label'].iloc[0]}{mark}")
    ax.plot([], [], color=_BAR, lw=7, label="pooled estimates, all transforms × estimators × CIs")
    ax.plot([], [], color=_LINE, lw=1.5, label="lowest to highest CI bound (CIs inside 0-100%)")
    ax.plot([], [], "o", color=_DOT, ms=5, label="primary model (logit, REML, Hartung-Knapp)")
    # each row's label sits above its bar, across the full width: as y tick labels the long
    # study-set names squeezed the data into a sliver
    ax.set_yticks([])
    for i, label in enumerate(labels):
        ax.text(0.0, n - 1 - i + 0.22, label, transform=ax.get_yaxis_transform(), fontsize=style.MIN_FONT,
                va="bottom", ha="left", zorder=4,
                bbox={"facecolor": "white", "alpha": 0.8, "edgecolor": "none", "pad": 0.6})
    ax.tick_params(axis="x", labelsize=style.MIN_FONT)
    ax.set_ylim(-0.6, n - 0.1)
    ax.set_xlim(0, 100)
    ax.set_xlabel("Pooled proportion (%)", fontsize=style.FONT)
    ax.grid(axis="x", color="#d9d9d9", lw=0.6)
    ax.set_axisbelow(True)
    if title:
        fig.suptitle(title, x=0.01, ha="left", fontsize=style.TITLE_FONT)
    height = fig.get_figheight()
    fig.legend(*ax.get_legend_handles_labels(), loc="lower left", ncol=1, fontsize=style.MIN_FONT, frameon=False)
    fig.tight_layout(rect=(0, 1.5 / height, 1, 1))
    return fig


def loo_figure(loo: pd.DataFrame, full, title: str = "", printed=None):
    """Leave-one-out estimates (with CIs) against the full estimate and its CI, and the printed
    figure (``printed``: a :class:`analysis.plots.style.PrintedFigure`) when one judges it; the
    legend sits below the data."""
    n = len(loo)
    fig, ax = plt.subplots(figsize=(style.FIG_WIDTH, 1.9 + 0.34 * n))
    handles = []
    if printed is not None:
        handles += style.printed_band(ax, 100 * printed.low, 100 * printed.high,
                                      value=None if printed.value is None else 100 * printed.value,
                                      interval=(None if printed.interval is None
                                                else tuple(100 * b for b in printed.interval)),
                                      label=printed.label)
    ax.axvspan(100 * full.ci_low, 100 * full.ci_high, color=_LINE, alpha=0.3, lw=0, label="all studies: 95% CI")
    ax.axvline(100 * full.estimate, color=_BAR, lw=1.5, label="all studies: pooled estimate")
    for i, row in enumerate(loo.itertuples(index=False)):
        y = n - 1 - i
        ax.plot([100 * row.ci_low, 100 * row.ci_high], [y, y], color=_DOT, lw=1.2)
        ax.plot(100 * row.estimate, y, "s", color=_DOT, ms=4)
    ax.plot([], [], "s-", color=_DOT, ms=4, lw=1.2, label="pooled without the study named (95% CI)")
    ax.set_yticks(range(n))
    ax.set_yticklabels([f"without {x}" for x in loo["left out"]][::-1], fontsize=style.MIN_FONT)
    ax.tick_params(axis="x", labelsize=style.MIN_FONT)
    ax.set_xlabel("Pooled proportion (%)", fontsize=style.FONT)
    ax.set_xlim(0, 100)
    ax.grid(axis="x", color="#d9d9d9", lw=0.6)
    ax.set_axisbelow(True)
    if title:
        ax.set_title(title, fontsize=style.TITLE_FONT, loc="left")
    h, _ = ax.get_legend_handles_labels()
    ax.legend(handles=handles + h, fontsize=style.MIN_FONT, loc="upper left",
              bbox_to_anchor=(0.0, -0.75 / (0.34 * n + 0.4)), frameon=False)
    fig.tight_layout()
    return fig


def _frac(e, t) -> str:
    return "–" if pd.isna(e) or pd.isna(t) else f"{int(e)}/{int(t)}"


def _derived(flag) -> str:
    return "" if pd.isna(flag) else (" (derived)" if bool(flag) else "")


def studies_table(studies: pd.DataFrame) -> pd.DataFrame:
    """Who the candidate studies are: identifier, design, population, Ph, setting, N (HTML cells)."""
    rows = []
    for _, r in studies.iterrows():
        ident = (f"doi:{r['doi']}" if r["doi"] else f"PMID {r['pmid']}" if r["pmid"] else r["nct"]
                 or "identifier not verified")
        rows.append({
            "study": r["label"], "identifier": ident,
            "design": r["design"].replace("-", " "), "population": r["population"], "Ph": r["ph_status"],
            "setting": r["setting"].replace("-", " "),
            "N": "–" if pd.isna(r["n_patients"]) else int(r["n_patients"]),
        })
    return pd.DataFrame(rows)


def counts_table(studies: pd.DataFrame, ties: dict | None = None) -> pd.DataFrame:
    """The primary CR and MRD counts of each candidate study, with where each was read;
    ``ties`` ({study_id: candidate counts}) marks the CR counts a tie leaves open (bracketed)."""
    rows = []
    for _, r in studies.iterrows():
        cr = _frac(r["cr_events"], r["cr_total"])
        tied = ties.get(r["study_id"]) if ties else None
        if tied and cr != "–":
            cr = f"{tied[0]}–{tied[-1]}/{int(r['cr_total'])} (bracketed)"
        rows.append({
            "study": r["label"],
            "CR (definition)": (cr if cr == "–"
                                else f"{cr} {r['cr_definition']}{'' if tied else _derived(r['cr_derived'])}"),
            "CR read at": r["cr_location"] or "not found",
            "MRD": _frac(r["mrd_responders"], r["mrd_evaluable"]) + _derived(r["mrd_derived"]),
            "MRD read at": r["mrd_location"] or "not found",
        })
    return pd.DataFrame(rows)


def _span(lo: float, hi: float) -> str:
    return f"{100 * lo:.1f}-{100 * hi:.1f}%"


def search_summary(table: pd.DataFrame) -> pd.DataFrame:
    """One row per (study set, definition): k, patients, span of estimates and of the valid CI
    bounds, how many CIs leave [0, 1], the primary model's result (its range over the bracket
    ends where a count is tied), and how many valid combinations land on the printed figure."""
    rows = []
    for (_, _), g in table.groupby(["set", "scenario"], sort=False):
        prim = g[(g["transform"] == PRIMARY["transform"]) & (g["method"] == PRIMARY["method"])
                 & (g["ci"] == PRIMARY["ci"])]
        p = prim.iloc[0]
        v = g[g["ci_valid"]]
        bad = len(g) - len(v)
        rows.append({
            "study set": g["set_label"].iloc[0], "definition": g["scenario_label"].iloc[0],
            "k": int(g["k"].iloc[0]), "patients": f"{int(g['patients'].iloc[0]):,}",
            "estimates": _span(g["estimate"].min(), g["estimate"].max()),
            "CI bounds (valid CIs)": _span(v["ci_low"].min(), v["ci_high"].max()),
            "CI outside 0-100%": f"{bad} (flagged, left out)" if bad else "0",
            "primary model": (f"{pct(prim['estimate'].min())}-{pct(prim['estimate'].max())} (bracketed)"
                              if len(prim) > 1
                              else f"{pct(p['estimate'])} ({_span(p['ci_low'], p['ci_high'])})"),
            "matches (all three / estimate)": f"{int(v['all_match'].sum())} / {int(v['est_match'].sum())} of {len(v)}",
        })
    return pd.DataFrame(rows)


def closest(table: pd.DataFrame, n: int = 8) -> pd.DataFrame:
    """The ``n`` combinations with a valid CI nearest the printed figure (largest gap of the three numbers)."""
    if "ci_valid" in table:
        table = table[table["ci_valid"]]
    t = table.sort_values(["distance", "set", "scenario", "transform", "method", "ci"]).head(n)
    return pd.DataFrame({
        "study set": t["set_label"], "definition": t["scenario_label"], "k": t["k"],
        "transform": t["transform"].map(TRANSFORM_LABELS), "estimator": t["method"].map(METHOD_LABELS),
        "CI": t["ci"].map(CI_LABELS),
        "tied counts at": t["bracket"] if "bracket" in t else "",
        "pooled (95% CI)": [f"{pct(e)} ({_span(lo, hi)})" for e, lo, hi in zip(t["estimate"], t["ci_low"],
                                                                               t["ci_high"], strict=True)],
        "largest gap (points)": [f"{100 * d:.1f}" for d in t["distance"]],
        "lands on all three": ["yes" if m else "no" for m in t["all_match"]],
    }).reset_index(drop=True)


def patients_figure(counts: dict, k_printed: int, n_printed: int, title: str):
    """The identified studies' patients, stacked, against the printed total (what is left over)."""
    fig, ax = plt.subplots(figsize=(style.FIG_WIDTH, 2.6))
    known = counts["identified_patients"]
    rest = counts["remaining_patients"]
    ax.barh([1], [known], color=_BAR, height=0.5,
            label=f"{counts['identified_with_n']} identified studies with a known N")
    ax.barh([1], [max(rest, 0)], left=[known], color=_LINE, height=0.5,
            label=f"left for {counts['remaining_studies']} studies, if every identified one is Liu's")
    ax.axvline(n_printed, color=_TARGET, ls="--", lw=1.5, label=f"printed total ({k_printed} studies)")
    ax.set_yticks([])
    ax.set_xlabel("Patients", fontsize=style.FONT)
    ax.tick_params(axis="x", labelsize=style.MIN_FONT)
    ax.set_xlim(0, max(n_printed, known) * 1.08)
    if title:
        ax.set_title(title, fontsize=style.TITLE_FONT, loc="left")
    ax.legend(loc="upper left", bbox_to_anchor=(0.0, -0.45), ncol=1, fontsize=style.MIN_FONT, frameon=False)
    fig.tight_layout()
    return fig

"""Figures for the background pages: published relapse figures against the claimed ranges, and
pooled re-induction remission rates by subgroup against the claimed range.

Forest plots of single pools come from :func:`analysis.plots.forest.forest_plot`; this module draws the
two summary figures that put several sources or pools beside the commentary's range. No
random state, no timestamps: the same inputs give the same figure.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.patches import Patch

from analysis.claims.pooling import Pool, prediction_interval
from analysis.claims.relapse_burden import RelapseFigure
from analysis.plots import style

__all__ = ["relapse_range", "relapse_ranges", "pooled_by_subgroup"]

_INK = style.INK
_CHECK = style.STUDY
_CONTEXT = style.CONTEXT
_CLAIM = style.PRINTED_BAND
_POOLED = style.POOLED


def _wrap(text: str, width: int = 46) -> str:
    words, lines, line = text.split(), [], ""
    for w in words:
        if len(line) + len(w) + 1 > width and line:
            lines.append(line)
            line = w
        else:
            line = f"{line} {w}".strip()
    lines.append(line)
    return "\n".join(lines)


def _short_study(study: str) -> str:
    """"Hunger 2012 (COG 1990-2005) = commentary ref [1]" -> "Hunger 2012"."""
    return study.split(" = ")[0].split(" (")[0]


def _relapse_panel(ax, figures: list[RelapseFigure], interval: tuple[float, float], claimed: str, title: str,
                   fontsize: float) -> None:
    shown = [f for f in figures if f.span is not None]
    ax.axvspan(100 * interval[0], 100 * interval[1], color=_CLAIM, zorder=0, lw=0)
    n = len(shown)
    labels = []
    for i, f in enumerate(shown):
        y = n - i
        colour = _CHECK if f.use == "check" else _CONTEXT
        value = (f.recomputed, f.recomputed) if f.recomputed is not None else (f.span.low, f.span.high)
        lo, hi = 100 * value[0], 100 * value[1]
        if hi - lo > 1e-9:
            ax.plot([lo, hi], [y, y], color=colour, lw=5, solid_capstyle="butt", zorder=2)
        else:
            ax.plot([lo], [y], marker="o" if f.use == "check" else "o", ms=8, color=colour,
                    markerfacecolor=colour if f.use == "check" else "white", markeredgewidth=1.8, zorder=3)
        shown_as = f.span.text if f.recomputed is None else f.reported  # "1 - 83.7%" for a survival figure
        labels.append(_wrap(f"{_short_study(f.study)} [{shown_as}]", 34))
    ax.set_yticks(range(n, 0, -1))
    ax.set_yticklabels(labels, fontsize=fontsize)
    ax.set_ylim(0.3, n + 0.7)
    ax.set_xlim(0, 100)
    ax.set_xlabel("Percentage of patients", fontsize=fontsize)
    ax.set_title(f"{title}: claimed {claimed}", fontsize=fontsize * 1.1, loc="left", fontweight="bold")
    ax.grid(axis="x", color="#d9d9d9", lw=0.6)
    ax.tick_params(axis="x", labelsize=fontsize)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def relapse_ranges(adults: list[RelapseFigure], children: list[RelapseFigure],
                   adult_interval: tuple[float, float], child_interval: tuple[float, float],
                   adult_claim: str, child_claim: str, fontsize: float = style.MIN_FONT):
    """Two panels (adults, children): each published figure as a dot (one value) or a bar (a
    range), filled when it is compared with the claim, hollow/grey when shown as context; the
    claimed range shaded. Figures printed only in words are not drawn (the page lists them)."""
    n_a = sum(f.span is not None for f in adults)
    n_c = sum(f.span is not None for f in children)
    fig, (ax_a, ax_c) = plt.subplots(2, 1, figsize=(style.FIG_WIDTH, 1.6 + 0.55 * (n_a + n_c) + 1.4),
                                     gridspec_kw={"height_ratios": [max(n_a, 1), max(n_c, 1)]})
    _relapse_panel(ax_a, adults, adult_interval, adult_claim, "Adults", fontsize)
    _relapse_panel(ax_c, children, child_interval, child_claim, "Children", fontsize)
    handles = [Patch(color=_CLAIM, label="range the commentary prints (with rounding)"),
               plt.Line2D([], [], color=_CHECK, marker="o", lw=0, ms=8, label="compared with the claim"),
               plt.Line2D([], [], color=_CONTEXT, marker="o", markerfacecolor="white", lw=0, ms=8,
                          markeredgewidth=1.8, label="context only (subgroup, one component, cure or survival)")]
    fig.legend(handles=handles, loc="lower left", ncol=1, fontsize=fontsize, frameon=False)
    fig.tight_layout(rect=(0, 0.1, 1, 1))
    return fig


def relapse_range(figures: list[RelapseFigure], interval: tuple[float, float], claimed: str, title: str,
                  fontsize: float = style.MIN_FONT):
    """One age group's panel of :func:`relapse_ranges` as its own figure (the figure that
    decides that claim), with the legend below the data."""
    n = sum(f.span is not None for f in figures)
    fig, ax = plt.subplots(figsize=(style.FIG_WIDTH, 1.3 + 0.55 * max(n, 1) + 1.2))
    _relapse_panel(ax, figures, interval, claimed, title, fontsize)
    handles = [Patch(color=_CLAIM, label=f"the commentary prints {claimed} (band: its rounding)"),
               plt.Line2D([], [], color=_CHECK, marker="o", lw=0, ms=8, label="compared with the claim"),
               plt.Line2D([], [], color=_CONTEXT, marker="o", markerfacecolor="white", lw=0, ms=8,
                          markeredgewidth=1.8, label="context only (subgroup, one component, cure or survival)")]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(-0.45, -0.32), fontsize=fontsize, frameon=False)
    fig.tight_layout()
    return fig


def pooled_by_subgroup(pools: dict[str, Pool], interval: tuple[float, float], claimed: str,
                       fontsize: float = style.MIN_FONT):
    """Pooled estimate (dot), 95% CI (thick bar) and, for k >= 3 only, the prediction interval
    (thin bar; metafor's predict(), the report's one convention) of each subgroup, against the
    claimed range (shaded)."""
    items = list(pools.values())
    n = len(items)
    fig, ax = plt.subplots(figsize=(style.FIG_WIDTH, 1.6 + 0.62 * n))
    ax.axvspan(100 * interval[0], 100 * interval[1], color=_CLAIM, zorder=0, lw=0, label=f"commentary prints {claimed}")
    for i, p in enumerate(items):
        y = n - i
        s = p.shown
        pi = prediction_interval(s)
        if pi is not None:
            ax.plot([100 * pi[0], 100 * pi[1]], [y, y], color=_POOLED, lw=1.2, alpha=0.6, zorder=2)
        ax.plot([100 * s.ci_low, 100 * s.ci_high], [y, y], color=_POOLED, lw=5, solid_capstyle="butt", zorder=3)
        ax.plot([100 * s.estimate], [y], marker="D", ms=8, color="white", markeredgecolor=_INK, zorder=4)
        ax.text(101, y, f"{100 * s.estimate:.1f}% (k = {p.k})", va="center", fontsize=fontsize, clip_on=False)
    ax.set_yticks(range(n, 0, -1))
    ax.set_yticklabels([p.name for p in items], fontsize=fontsize)
    ax.set_xlim(0, 100)
    ax.set_ylim(0.3, n + 0.7)
    ax.set_xlabel("Complete remission after salvage chemotherapy (%)", fontsize=fontsize)
    ax.grid(axis="x", color="#d9d9d9", lw=0.6)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    handles = [Patch(color=_CLAIM, label=f"the commentary prints {claimed} (band: its rounding)"),
               plt.Line2D([], [], color=_POOLED, lw=5, label="pooled CR, 95% CI (Hartung–Knapp)"),
               plt.Line2D([], [], color=_POOLED, lw=1.2, alpha=0.6, label="95% prediction interval (k ≥ 3 only)")]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(-0.3, -0.25), ncol=1, fontsize=fontsize,
              frameon=False)
    fig.tight_layout()
    return fig

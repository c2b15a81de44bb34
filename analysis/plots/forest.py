"""Figures for the meta-analysis pages: a forest plot of a pooled proportion.

One public function, :func:`forest_plot`, draws a :class:`analysis.stats.meta.PooledProportion` the way
a reader of a clinical meta-analysis expects (as R ``meta::forest`` and ``metafor::forest`` do):
one row per study with events/total, the proportion with its exact (Clopper-Pearson) interval
and its weight; the pooled estimate as a diamond spanning its confidence interval; the
prediction interval as a bar; heterogeneity (tau², I², Q-test) in the footer.

The figure holds no timestamps and no random state, so the same result gives the same figure
(for byte-identical files also save with ``metadata={"Date": None}`` for SVG/PDF; PNG carries
no date).  Artists that tests look for carry a ``gid``: ``study-row-<i>``, ``pooled-diamond``,
``prediction-interval``.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Polygon
from matplotlib.transforms import blended_transform_factory

from analysis.plots import style
from analysis.plots.style import PrintedFigure

__all__ = ["forest_plot"]

_METHOD_NAMES = {
    "EE": "Common effect (inverse variance)",
    "DL": "Random effects, DerSimonian-Laird tau\u00b2",
    "PM": "Random effects, Paule-Mandel tau\u00b2",
    "REML": "Random effects, REML tau\u00b2",
    "ML": "Random effects, ML tau\u00b2",
    "GLMM": "Random-intercept logistic model (GLMM, ML)",
}
_TRANSFORM_NAMES = {"logit": "logit", "ftda": "Freeman-Tukey double arcsine",
                    "asin": "arcsine", "raw": "untransformed"}
_CI_NAMES = {"wald": "Wald (z)", "hk": "Hartung-Knapp (t)"}
_INK = style.INK
_STUDY = style.STUDY
_POOLED = style.POOLED
_GRID = style.GRID


def _pct(v: float) -> str:
    return f"{100 * v:.1f}"


def _p_text(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def _wrap_label(text: str, width: int = 26) -> str:
    """Long study labels on two lines (at a space), so the label column stays narrow."""
    if len(text) <= width or " " not in text:
        return text
    cut = text.rfind(" ", 0, width + 1)
    cut = cut if cut > 0 else text.find(" ")
    return text[:cut] + "\n" + text[cut + 1:]


def forest_plot(res, ax=None, title: str | None = None, *, xlabel: str = "Proportion (%)",
                show_weights: bool = True, fontsize: float = style.MIN_FONT,
                printed: PrintedFigure | None = None, reference: float | None = None,
                full_scale: bool = False, pi: tuple[float, float] | None | str = "fit"):
    """Draw the forest plot of ``res`` (a PooledProportion) and return the Figure.

    Parameters
    ----------
    res : analysis.stats.meta.PooledProportion
    ax : matplotlib Axes to draw the plot area in (columns of text are drawn beside it, so
        leave room); by default a new figure :data:`style.FIG_WIDTH` wide, sized to the studies.
    title : figure title (pages give a numbered caption instead and leave it out).
    xlabel : label of the proportion axis.
    show_weights : print the weight column (never shown for the GLMM, which has none).
    fontsize : base font size in points, at least :data:`style.MIN_FONT` (10 pt on the page).
    printed : the figure the commentary prints (its rounding band, value and interval are drawn,
        so the reader sees the claim against the data).
    reference : a proportion a rule compares with, drawn as a dotted line.
    full_scale : draw the axis from 0 to 100% instead of scaling it to the data.
    pi : the prediction interval to draw: ``"fit"`` (the fit's own, metafor's convention), a
        ``(low, high)`` pair computed elsewhere (the one the page states), or None (not drawn).
    """
    if fontsize < style.MIN_FONT:
        raise ValueError(f"forest_plot: fontsize {fontsize} is below the book's minimum {style.MIN_FONT}")
    studies = res.studies
    k = len(studies)
    level_pct = f"{100 * res.level:g}%"
    labels = [_wrap_label(str(lab)) for lab in studies["label"]]
    row_h = 0.42 if any("\n" in lab for lab in labels) else 0.3
    if ax is None:
        height = 1.9 + row_h * (k + 3.2) + (0.35 if printed else 0.0)
        fig = plt.figure(figsize=(style.FIG_WIDTH, height))
        # plot area in the middle; text columns left and right of it
        bottom = (1.45 + (0.35 if printed else 0.0)) / height
        top = 1.0 - (0.7 if title else 0.45) / height
        ax = fig.add_axes((0.44, bottom, 0.27, top - bottom))
    else:
        fig = ax.figure

    weights = studies["weight"].to_numpy(dtype=float)
    have_weights = show_weights and np.all(np.isfinite(weights))
    lows = studies["ci_low"].to_numpy(dtype=float)
    highs = studies["ci_high"].to_numpy(dtype=float)
    props = studies["proportion"].to_numpy(dtype=float)

    # rows: studies k..1 from the top, then a gap, the pooled estimate and the PI
    y_study = np.arange(k, 0, -1, dtype=float)
    y_pool, y_pi = -0.6, -1.6
    ax.set_ylim(y_pi - 0.9, k + 1.2)

    # x range: scaled to the data (never clipped), or 0-100% when asked
    pi_bounds = (res.pi_low, res.pi_high) if isinstance(pi, str) else pi
    xmin = min(0.0, res.ci_low, *(pi_bounds or ()))
    xmax = max(res.ci_high, *(pi_bounds or (res.ci_high,)), float(np.nanmax(highs)))
    outside = xmin < 0 or xmax > 1
    shown = [xmin, xmax] + ([printed.high] + list(printed.interval or ()) if printed else [])
    if reference is not None:
        shown.append(reference)
    if full_scale and not outside:
        shown += [0.0, 1.0]
    low, high = style.percent_axis(ax, shown, reference=reference)
    if outside:
        span = high - low
        # shade the impossible region: raw-scale bounds are reported, not clipped
        ax.axvspan(low - span, 0.0, color="#f2e6e4", zorder=0, lw=0)
        ax.axvspan(1.0, high + span, color="#f2e6e4", zorder=0, lw=0)
    ticks = list(ax.get_xticks())
    for tl in ax.get_xticklabels():
        tl.set_fontsize(fontsize)
    if printed is not None:
        printed_handles = style.printed_band(ax, printed.low, printed.high, value=printed.value,
                                             interval=printed.interval, label=printed.label)
    ax.set_xlabel(xlabel, fontsize=fontsize)
    ax.set_yticks([])
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    ax.tick_params(axis="x", length=3, color=_INK)
    for t in ticks:
        ax.axvline(t, color=_GRID, lw=0.6, zorder=0)
    ax.axvline(res.estimate, color=_POOLED, lw=0.9, ls=(0, (4, 3)), zorder=1)

    # study rows: square area proportional to weight, exact CI as a line
    if have_weights:
        sizes = 20.0 + 180.0 * weights / max(weights.max(), 1e-12)
    else:
        sizes = np.full(k, 45.0)
    for i in range(k):
        y = y_study[i]
        ax.plot([lows[i], highs[i]], [y, y], color=_STUDY, lw=1.2, solid_capstyle="butt", zorder=2)
        coll = ax.scatter([props[i]], [y], s=sizes[i], marker="s", color=_STUDY, zorder=3)
        coll.set_gid(f"study-row-{i}")

    # pooled estimate: diamond spanning the CI; prediction interval: a bar
    diamond = Polygon([(res.ci_low, y_pool), (res.estimate, y_pool + 0.38),
                       (res.ci_high, y_pool), (res.estimate, y_pool - 0.38)],
                      closed=True, facecolor=_POOLED, edgecolor=_POOLED, zorder=4)
    diamond.set_gid("pooled-diamond")
    ax.add_patch(diamond)
    # the report's one prediction-interval convention is metafor's predict() (the CI's critical
    # value, sqrt(se² + tau²)); with fewer than 3 studies the between-study spread cannot be
    # estimated with any precision, so no bar is drawn
    pi_shown = res.k >= 3 and pi_bounds is not None
    if pi_shown:
        pi_low, pi_high = pi_bounds
        (pi_line,) = ax.plot([pi_low, pi_high], [y_pi, y_pi], color=_POOLED, lw=2.2,
                             solid_capstyle="butt", zorder=4)
        pi_line.set_gid("prediction-interval")
        ax.plot([pi_low, pi_low], [y_pi - 0.18, y_pi + 0.18], color=_POOLED, lw=1.5)
        ax.plot([pi_high, pi_high], [y_pi - 0.18, y_pi + 0.18], color=_POOLED, lw=1.5)

    # text columns (x in axes fraction, y in data units)
    tr = blended_transform_factory(ax.transAxes, ax.transData)
    col_label, col_counts = -0.44 / 0.27, -0.015 / 0.27
    col_est, col_w = 1.0 + 0.015 / 0.27, 0.56 / 0.27
    head_y = k + 0.9
    txt = dict(transform=tr, fontsize=fontsize, va="center", color=_INK, clip_on=False)
    bold = dict(txt, fontweight="bold")
    ax.text(col_label, head_y, "Study", ha="left", **bold)
    ax.text(col_counts, head_y, "Events/N", ha="right", **bold)
    ax.text(col_est, head_y, f"% [{level_pct} CI]", ha="left", **bold)
    if have_weights:
        ax.text(col_w, head_y, "Weight", ha="right", **bold)
    for i, row in enumerate(studies.itertuples(index=False)):
        y = y_study[i]
        ax.text(col_label, y, labels[i], ha="left", linespacing=1.0, **txt)
        ax.text(col_counts, y, f"{row.events} / {row.total}", ha="right", **txt)
        ax.text(col_est, y, f"{_pct(row.proportion)} [{_pct(row.ci_low)}; {_pct(row.ci_high)}]",
                ha="left", **txt)
        if have_weights:
            ax.text(col_w, y, f"{row.weight:.1f}%", ha="right", **txt)

    total_events = int(studies["events"].sum())
    total_n = int(studies["total"].sum())
    pooled_label = "Common effect" if res.method == "EE" else "Random effects"
    ax.text(col_label, y_pool, pooled_label, ha="left", **bold)
    ax.text(col_counts, y_pool, f"{total_events} / {total_n}", ha="right", **bold)
    ax.text(col_est, y_pool,
            f"{_pct(res.estimate)} [{_pct(res.ci_low)}; {_pct(res.ci_high)}]", ha="left", **bold)
    if have_weights:
        ax.text(col_w, y_pool, "100%", ha="right", **bold)
    ax.text(col_label, y_pi, "Prediction interval", ha="left", **txt)
    ax.text(col_est, y_pi, f"[{_pct(pi_bounds[0])}; {_pct(pi_bounds[1])}]" if pi_shown
            else "not estimable (k < 3)" if res.k < 3 else "not shown", ha="left", **txt)

    # footer: heterogeneity and the model
    foot = dict(transform=ax.transAxes, fontsize=fontsize, ha="left", va="top",
                color=_INK, clip_on=False)
    het = (f"Heterogeneity: \u03c4\u00b2 = {res.tau2:.4f}, I\u00b2 = {res.i2:.1f}%, "
           f"H\u00b2 = {res.h2:.2f}; Q = {res.q:.2f} (df = {res.q_df}), {_p_text(res.q_pvalue)}")
    if res.method == "GLMM":
        het += f" [Wald-type]; LRT = {res.q_lrt:.2f}, {_p_text(res.q_lrt_pvalue)}"
    model = f"{_METHOD_NAMES[res.method]}; {_TRANSFORM_NAMES[res.transform]} scale"
    intervals = f"{level_pct} CI: {_CI_NAMES[res.ci]}; study CIs exact (Clopper-Pearson)"
    lines = [het, model, intervals]
    if outside:
        lines.append("Shaded: outside 0-100%; raw-scale bounds shown as computed, not clipped")
    fig_h_in = fig.get_size_inches()[1]
    ax_h_in = ax.get_position().height * fig_h_in
    gap = 0.5 / ax_h_in
    for j, line in enumerate(lines):
        ax.text(col_label, -gap - j * 0.21 / ax_h_in, line, **foot)
    if printed is not None:
        ax.legend(handles=printed_handles, loc="upper left", frameon=False, fontsize=fontsize, ncol=2,
                  bbox_to_anchor=(col_label, -gap - len(lines) * 0.21 / ax_h_in), borderaxespad=0.0)
    if title:
        ax.text(col_label, 1.0 + 0.35 / ax_h_in, title, transform=ax.transAxes,
                fontsize=style.TITLE_FONT, fontweight="bold", ha="left", va="bottom", clip_on=False)
    return fig

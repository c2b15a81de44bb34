"""One plotting style for every figure of the book: sizes, fonts, colours, and the few drawing
conventions every figure shares.

Sizes and fonts. Figures are drawn :data:`FIG_WIDTH` inches wide and shown at the width of the
page's text column (:data:`CONTENT_PX`, about 690 CSS px at a 1280 px window). A font of ``f``
points in the figure then appears at ``f * CONTENT_PX / (72 * FIG_WIDTH)`` CSS px, so
:data:`MIN_FONT` (the smallest font any figure uses) keeps every label at 10 pt or more on the
page (:func:`font_on_page`); ``tests/plots`` checks every figure against it.

Conventions (issue "findings first"):

- the figure the commentary prints is drawn on every plot that judges it: its rounding band
  shaded and its value as a labelled line (:func:`printed_band`);
- axes are scaled to the data, never to 0-100% by habit (:func:`percent_axis`), with reference
  lines labelled where a rule uses one;
- legends sit outside the data, below the axes (:func:`legend_below`);
- curves fitted by a model are dashed, grey-toned and labelled "model" (:data:`MODEL_LINE`),
  so they cannot be mistaken for trial data, which are drawn as markers.

No random state and no dates: the same inputs give byte-identical PNGs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import matplotlib as mpl
import numpy as np

#: Width of every figure, inches.
FIG_WIDTH = 7.0
#: Width of the page's text column at a 1280 px window, CSS px (sphinx-book-theme).
CONTENT_PX = 690
#: Resolution of the PNGs (sharp on high-density screens; the page scales them to the column).
DPI = 150
#: Font sizes, points in the figure (see :func:`font_on_page`).
MIN_FONT = 10.5
FONT = 11.0
TITLE_FONT = 12.0

INK = "#1b1b1b"
GRID = "#d9d9d9"
STUDY = "#2f5f8a"          # observed data: studies, trial landmarks
POOLED = "#b03a2e"         # pooled estimates computed by this report
CONTEXT = "#8c8c8c"        # shown, not compared
PRINTED = "#e6a817"        # what the commentary prints (its rounding band is a light tint)
PRINTED_BAND = "#f7dfa5"
MODEL = "#5c5c5c"
#: Line style of every fitted model curve: dashed and labelled "model" in the legend.
MODEL_LINE = {"linestyle": (0, (5, 3)), "linewidth": 1.5}


@dataclass(frozen=True)
class PrintedFigure:
    """What the commentary (or the work it cites) prints, for drawing on a plot that judges it.

    ``low``/``high``: the rounding band of the printed value (fractions); ``value``: the printed
    value; ``interval``: a printed interval (fractions), if any; ``label``: the legend text, e.g.
    "Liu 2023 prints 54% (44%-64%)"."""

    label: str
    low: float
    high: float
    value: float | None = None
    interval: tuple[float, float] | None = None


def printed_figure(label: str, printed: str, interval: str | None = None) -> PrintedFigure:
    """A :class:`PrintedFigure` from printed strings ("54%", "44%-64%"), read with the report's
    rounding rule (:mod:`analysis.stats.rounding`): "54%" stands for [53.5%, 54.5%)."""
    from analysis.stats.rounding import parse_printed, rounding_interval

    p = parse_printed(printed)
    if p.estimate is not None:
        low, high = rounding_interval(p.estimate)
        value = p.estimate.fraction
    else:                                   # a printed range ("20%-30%"): the band is its rounding span
        a, b = p.interval
        low, high = rounding_interval(a)[0], rounding_interval(b)[1]
        value = None
    ci = None
    if interval is not None:
        a, b = parse_printed(interval).interval
        ci = (a.fraction, b.fraction)
    return PrintedFigure(label=label, low=low, high=high, value=value, interval=ci)


def font_on_page(points: float, width_in: float = FIG_WIDTH, content_px: float = CONTENT_PX) -> float:
    """The size, in CSS points, at which a font of ``points`` in a figure ``width_in`` wide
    appears when the page scales the figure to ``content_px``."""
    return points * content_px / (72.0 * width_in) * 0.75


def apply() -> None:
    """Set matplotlib's defaults for the book's figures (called on import of every plot module)."""
    mpl.rcParams.update({
        "figure.dpi": DPI, "savefig.dpi": DPI, "figure.figsize": (FIG_WIDTH, 4.0),
        "font.size": FONT, "axes.titlesize": TITLE_FONT, "axes.labelsize": FONT,
        "xtick.labelsize": FONT, "ytick.labelsize": FONT, "legend.fontsize": MIN_FONT,
        "figure.titlesize": TITLE_FONT, "axes.titlelocation": "left", "axes.titleweight": "bold",
        "axes.spines.top": False, "axes.spines.right": False, "axes.edgecolor": INK,
        "axes.grid": False, "grid.color": GRID, "grid.linewidth": 0.6,
        "legend.frameon": False, "svg.hashsalt": "report", "path.simplify": False,
    })


def percent_axis(ax, values, *, reference: float | None = None, minimum_span: float = 0.05,
                 axis: str = "x", pad: float = 0.06, label: str | None = None) -> tuple[float, float]:
    """Scale a proportion axis (data in fractions, labels in %) to the data: from 0 (or a little
    below the smallest value when all are far from 0) to a round value above the largest.

    ``values``: every value the axis must show (estimates, interval bounds, printed figures).
    ``reference``: a fraction a rule compares against (e.g. the claimed 1%), drawn as a labelled
    line. Returns the limits (fractions)."""
    v = np.asarray([x for x in np.ravel(values) if x is not None and np.isfinite(x)], dtype=float)
    lo, hi = (float(v.min()), float(v.max())) if v.size else (0.0, 1.0)
    span = max(hi - lo, minimum_span)
    step = next((s for s in (0.01, 0.02, 0.05, 0.1, 0.2, 0.25, 0.5, 1.0, 2.0, 5.0) if span / s <= 8), 10.0)
    if lo < 0:
        low = math.floor(lo / step - 1e-9) * step
    else:
        low = 0.0 if lo < 2.5 * span else math.floor((lo - pad * span) / step) * step
    high = math.ceil(hi / step - 1e-9) * step
    if high - hi < pad * span * 0.25:        # leave a little room beyond the largest value
        high += step
    high = min(high, 1.0) if hi <= 1.0 else hi + pad * span
    if high <= low:
        high = low + step
    ticks = np.arange(low, high + 1e-9, step)
    fmt = (lambda t: f"{100 * t:.0f}") if step >= 0.01 else (lambda t: f"{100 * t:.1f}")
    if axis == "x":
        ax.set_xlim(low - 0.01 * (high - low), high + 0.01 * (high - low))
        ax.set_xticks(ticks, [fmt(t) for t in ticks])
        if label:
            ax.set_xlabel(label)
    else:
        ax.set_ylim(low, high)
        ax.set_yticks(ticks, [fmt(t) for t in ticks])
        if label:
            ax.set_ylabel(label)
    if reference is not None:
        line = ax.axvline if axis == "x" else ax.axhline
        line(reference, color=INK, lw=1.0, ls=(0, (1, 2)), zorder=1)
    return low, high


def printed_band(ax, low: float, high: float, *, label: str, value: float | None = None,
                 interval: tuple[float, float] | None = None, axis: str = "x", zorder: int = 0):
    """Draw what the commentary prints: its rounding band ``[low, high)`` shaded, the printed
    value as a solid line, a printed interval as dotted lines; returns the legend handles."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    span = ax.axvspan if axis == "x" else ax.axhspan
    line = ax.axvline if axis == "x" else ax.axhline
    span(low, high, color=PRINTED_BAND, lw=0, zorder=zorder)
    handles = [Patch(color=PRINTED_BAND, label=label)]
    if value is not None:
        line(value, color=PRINTED, lw=1.6, zorder=zorder + 1)
        handles = [Patch(facecolor=PRINTED_BAND, edgecolor=PRINTED, label=label)]
    if interval is not None:
        for b in interval:
            line(b, color=PRINTED, lw=1.3, ls=(0, (2, 2)), zorder=zorder + 1)
        handles.append(Line2D([], [], color=PRINTED, lw=1.3, ls=(0, (2, 2)), label="its printed 95% CI"))
    return handles


def legend_below(fig, ax, handles=None, *, ncol: int = 1, gap_in: float = 0.55):
    """Put the legend under the axes, outside the data (``gap_in`` below the x label)."""
    if handles is None:
        handles, _ = ax.get_legend_handles_labels()
    return ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.0, -gap_in / fig.get_figheight() * 2.2),
                     ncol=ncol, fontsize=MIN_FONT, frameon=False, borderaxespad=0.0, handlelength=2.2)


apply()

__all__ = ["PrintedFigure", "printed_figure", "FIG_WIDTH", "CONTENT_PX", "DPI", "MIN_FONT", "FONT", "TITLE_FONT", "INK",
           "GRID", "STUDY", "POOLED",
           "CONTEXT", "PRINTED", "PRINTED_BAND", "MODEL", "MODEL_LINE", "font_on_page", "apply", "percent_axis",
           "printed_band", "legend_below"]

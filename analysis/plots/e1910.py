"""Figures for the trial pages: patient flow, reported survival landmarks with the curves fitted
to them, and printed percentages against the k/n their denominator allows."""

from __future__ import annotations

import matplotlib.pyplot as plt

from analysis.inputs.trials import Trial
from analysis.plots import style
from analysis.stats.attainability import grim_percent
from analysis.stats.rounding import rounding_interval


def patient_flow(trial: Trial, steps: list[tuple[str, str]], arms: list[tuple[str, str]], title: str = ""):
    """A CONSORT-style flow: one box per step (figure id, label), then one box per arm.

    Box texts are the printed figures; the arrows carry the proportion moving on, computed here.
    Returns the matplotlib Figure.
    """
    fig, ax = plt.subplots(figsize=(style.FIG_WIDTH, 1.3 * (len(steps) + 1) + 0.4))
    ax.set_axis_off()
    n = len(steps) + 1
    ys = [1 - (i + 0.5) / n for i in range(n)]
    box = dict(boxstyle="round,pad=0.5", facecolor="#eef4f7", edgecolor="#34606f")
    previous = None
    for (fid, label), y in zip(steps, ys, strict=False):  # ys has one more slot, for the arms
        f = trial.figure(fid)
        ax.text(0.5, y, f"{label}\nn = {f.printed}", ha="center", va="center", fontsize=style.FONT, bbox=box,
                transform=ax.transAxes)
        if previous is not None:
            share = f.value / previous.value
            ax.annotate("", xy=(0.5, y + 0.5 / n * 0.55), xytext=(0.5, y + 1 / n - 0.5 / n * 0.55),
                        xycoords="axes fraction", arrowprops=dict(arrowstyle="->", color="#34606f"))
            ax.text(0.53, y + 0.5 / n, f"{100 * share:.1f}% of the step above",
                    fontsize=style.MIN_FONT, color="#34606f",
                    va="center", transform=ax.transAxes)
        previous = f
    y = ys[-1]
    for i, (fid, label) in enumerate(arms):
        x = (i + 0.5) / len(arms)
        f = trial.figure(fid)
        ax.text(x, y, f"{label}\nn = {f.printed}", ha="center", va="center", fontsize=style.FONT,
                bbox=dict(box, facecolor="#fdf6e3"), transform=ax.transAxes)
        ax.annotate("", xy=(x, y + 0.5 / n * 0.55), xytext=(0.5, y + 1 / n - 0.5 / n * 0.55),
                    xycoords="axes fraction", arrowprops=dict(arrowstyle="->", color="#34606f"))
    if title:
        ax.set_title(title, fontsize=style.TITLE_FONT)
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- survival landmarks

_REPORT_MARKERS = ["o", "s", "D", "^", "v", "P"]
_ARM_COLOURS = {"blinatumomab": "#1f5f8b", "chemotherapy": "#b5562a"}


def survival_landmarks(trial: Trial, landmark_ids: list[str], *, medians: list[str] = (),
                       fits: list[tuple[str, object, str, str]] = (), follow_ups: list[str] = (),
                       t_max: float = 90.0, y_min: float = 0.3, title: str = ""):
    """Reported survival landmarks with the curves fitted to them.

    ``landmark_ids``: figures with a ``time`` (plotted at time in months, survival as printed;
    a figure ``<id>-ci`` holding a printed interval becomes an error bar). Colour = arm, marker =
    report; figures of the trial's first data cut are filled, later cuts hollow.
    ``medians``: figures printing a median in months, drawn at (median, 50%).
    ``fits``: (label, fitted model with ``.survival(t)``, arm, linestyle) curves.
    ``follow_ups``: figures printing a median follow-up, drawn as vertical lines.
    Returns the matplotlib Figure (deterministic: no random state, no dates).
    """
    import numpy as np

    fig, ax = plt.subplots(figsize=(style.FIG_WIDTH, 5.6))
    reports = list(dict.fromkeys(trial.figure(i).report for i in list(landmark_ids) + list(medians)))
    marker = {r: _REPORT_MARKERS[k % len(_REPORT_MARKERS)] for k, r in enumerate(reports)}
    main_cut = next(iter(trial.cuts), "")
    t = np.linspace(0.0, t_max, 361)
    model_styles = [(0, (5, 3)), (0, (1, 2)), (0, (6, 2, 1, 2)), (0, (3, 3))]
    for j, (label, model, arm, _linestyle) in enumerate(fits):
        # model curves: dashed (never solid, so they cannot be read as trial data) and labelled "model"
        ax.plot(t, model.survival(t), linestyle=model_styles[j % len(model_styles)],
                color=_ARM_COLOURS.get(arm, "#555555"), linewidth=1.5, alpha=0.8,
                label=label if label.startswith("model") else f"model: {label}")
    # labels: blinatumomab above its point, chemotherapy below; each takes the first offset
    # (left, right, then further out) whose box is clear of the labels already placed, so two
    # reports printing the same landmark (85% and 84.8% at 3 years) never overlap
    to_label, marks = [], []
    for fid in landmark_ids:
        f = trial.figure(fid)
        colour = _ARM_COLOURS.get(f.arm, "#555555")
        filled = not f.cut or f.cut == main_cut
        kwargs = dict(marker=marker[f.report], markersize=8, color=colour, linestyle="none",
                      markerfacecolor=colour if filled else "white", markeredgewidth=1.6, zorder=5)
        ci_id = f"{fid}-ci"
        if ci_id in trial.figures:
            lo, hi = (p.fraction for p in trial.figure(ci_id).parsed.interval)
            marks.append((f.time_months, lo, hi))
            ax.errorbar([f.time_months], [f.value], yerr=[[f.value - lo], [hi - f.value]], capsize=3,
                        elinewidth=1.0, **kwargs)
        else:
            ax.plot([f.time_months], [f.value], **kwargs)
        marks.append((f.time_months, f.value, f.value))
        to_label.append((f.printed, f.time_months, f.value, colour, 1 if f.arm == "blinatumomab" else -1))
    for mid in medians:
        f = trial.figure(mid)
        if f.parsed.estimate is None:
            continue
        months = float(f.parsed.estimate.value) * (12.0 if f.parsed.estimate.unit.startswith("year") else 1.0)
        colour = _ARM_COLOURS.get(f.arm, "#555555")
        ax.plot([months], [0.5], marker="*", markersize=15, color=colour, linestyle="none", zorder=6)
        ax.annotate(f"median {f.printed}", (months, 0.5), textcoords="offset points", xytext=(-10, -16),
                    fontsize=style.MIN_FONT, color=colour, ha="right")
    for k, fid in enumerate(follow_ups):
        f = trial.figure(fid)
        months = float(f.parsed.estimate.value) * (12.0 if f.parsed.estimate.unit.startswith("year") else 1.0)
        # named in the legend, not on the plot, where the text crossed the landmark labels
        ax.axvline(months, color="#777777", linestyle=":" if k else "-.", linewidth=1.0,
                   label=f"median follow-up {f.printed}")
    ax.axhline(0.5, color="#bbbbbb", linewidth=0.8)
    ax.set_xlim(0, t_max)
    ax.set_ylim(y_min, 1.01)
    ax.set_xlabel("months since randomisation")
    ax.set_ylabel("overall survival")
    ax.yaxis.set_major_formatter(lambda v, _: f"{100 * v:.0f}%")
    from matplotlib.lines import Line2D
    handles, labels = ax.get_legend_handles_labels()
    handles += [Line2D([], [], marker=marker[r], color="#444444", linestyle="none", markersize=7) for r in reports]
    labels += [trial.reports[r].label for r in reports]
    if len(trial.cuts) > 1:
        handles.append(Line2D([], [], marker="o", color="#444444", markerfacecolor="white", linestyle="none"))
        labels.append("hollow: " + trial.cuts[list(trial.cuts)[1]].label)
    ax.legend(handles, labels, fontsize=style.MIN_FONT, loc="upper left", bbox_to_anchor=(-0.1, -0.17),
              frameon=False, ncol=1)
    if title:
        ax.set_title(title, fontsize=style.TITLE_FONT)
    ax.grid(alpha=0.25)
    fig.tight_layout()
    _place_labels(fig, ax, to_label, marks)
    return fig


def _place_labels(fig, ax, labels, marks=()) -> None:
    """Landmark labels, placed once the axes are final: each takes the first offset (left, right,
    then further out; above its point for ``sign`` 1, below for -1) whose box is clear of the
    labels already placed, the median annotations and every marker and error bar (``marks``:
    (time, low, high) in data units, drawn 6 px wide)."""
    from matplotlib.transforms import Bbox

    renderer = fig.canvas.get_renderer()
    placed = [t.get_window_extent(renderer) for t in ax.texts]
    for x, low, high in marks:
        (x0, y0), (_, y1) = ax.transData.transform([(x, low), (x, high)])
        placed.append(Bbox([[x0 - 6, y0 - 6], [x0 + 6, y1 + 6]]))
    for text, x, y, colour, sign in labels:
        offsets = [(dx, sign * dy) for dy in (10, 22, 34, 46) for dx in (-8, 8)]
        for n, (dx, dy) in enumerate(offsets):
            label = ax.annotate(text, (x, y), textcoords="offset points", xytext=(dx, dy),
                                ha="right" if dx < 0 else "left", va="center", fontsize=style.MIN_FONT, color=colour)
            box = label.get_window_extent(renderer)
            if n == len(offsets) - 1 or not any(box.overlaps(other) for other in placed):
                break
            label.remove()
        placed.append(box)


# --------------------------------------------------------------------------- attainable percentages

def attainable_percentages(trial: Trial, figure_ids: list[str], title: str = ""):
    """Each printed percentage against the values k/n its denominator n allows.

    One row per figure (which must name a ``denominator``): the printed value's rounding
    interval as a band and every k/n within a few points of it as a tick, filled when it rounds
    to the printed value (GRIM, ``analysis.stats.grim_percent``). A row with no filled
    tick is a value no whole number of the n patients gives: for a Kaplan-Meier estimate that
    means patients were censored before the landmark. Returns the matplotlib Figure.
    """

    rows = [trial.figure(i) for i in figure_ids]
    fig, ax = plt.subplots(figsize=(style.FIG_WIDTH, 0.62 * len(rows) + 1.6))
    for y, f in enumerate(reversed(rows)):
        n = int(trial.figure(f.denominator).value)
        lo, hi = rounding_interval(f.parsed.estimate)
        ax.add_patch(plt.Rectangle((100 * lo, y - 0.3), 100 * (hi - lo), 0.6, color="#f2d7a6", zorder=1))
        grim = grim_percent(f.printed, n)
        hits = set(grim.k)
        for k in range(n + 1):
            v = 100 * k / n
            if abs(v - 100 * f.value) <= 12:
                inside = k in hits
                ax.plot([v], [y], marker="o" if inside else "|", markersize=7 if inside else 12,
                        color="#1f5f8b" if inside else "#8a8a8a", linestyle="none", zorder=3)
        for k in (grim.k or grim.nearest_k):
            ax.annotate(f"{k}/{n} = {100 * k / n:.1f}%", (100 * k / n, y), textcoords="offset points", xytext=(0, 8),
                        ha="center", fontsize=style.MIN_FONT, color="#1f5f8b" if hits else "#b03a2e")
        if not hits:
            ax.annotate("no k/n prints so", (100 * f.value, y), textcoords="offset points", xytext=(0, -15),
                        ha="center", fontsize=style.MIN_FONT, color="#b03a2e")
        label = f"{f.quantity.split(' (')[0]}{' at ' + f.time if f.time else ''}: {f.printed}"
        ax.text(-3, y, label, ha="right", va="center", fontsize=style.MIN_FONT)
    ax.set_yticks([])
    ax.set_ylim(-0.8, len(rows) - 0.2)
    ax.set_xlim(-1, 101)
    ax.set_xlabel("percent (band: values that round to the printed figure;\nticks: k/n; dots: k/n inside the band)",
                  fontsize=style.MIN_FONT)
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    if title:
        ax.set_title(title, fontsize=style.TITLE_FONT)
    fig.subplots_adjust(left=0.45, right=0.97, bottom=0.22 if len(rows) < 6 else 0.13, top=0.92)
    return fig

"""Figures for the trial pages (patient flow; later: reported landmarks and fitted curves)."""

from __future__ import annotations

import matplotlib.pyplot as plt

from .trials import Trial


def patient_flow(trial: Trial, steps: list[tuple[str, str]], arms: list[tuple[str, str]], title: str = ""):
    """A CONSORT-style flow: one box per step (figure id, label), then one box per arm.

    Box texts are the printed figures; the arrows carry the proportion moving on, computed here.
    Returns the matplotlib Figure.
    """
    fig, ax = plt.subplots(figsize=(7.5, 1.3 * (len(steps) + 1) + 0.4))
    ax.set_axis_off()
    n = len(steps) + 1
    ys = [1 - (i + 0.5) / n for i in range(n)]
    box = dict(boxstyle="round,pad=0.5", facecolor="#eef4f7", edgecolor="#34606f")
    previous = None
    for (fid, label), y in zip(steps, ys):
        f = trial.figure(fid)
        ax.text(0.5, y, f"{label}\nn = {f.printed}", ha="center", va="center", fontsize=11, bbox=box,
                transform=ax.transAxes)
        if previous is not None:
            share = f.value / previous.value
            ax.annotate("", xy=(0.5, y + 0.5 / n * 0.55), xytext=(0.5, y + 1 / n - 0.5 / n * 0.55),
                        xycoords="axes fraction", arrowprops=dict(arrowstyle="->", color="#34606f"))
            ax.text(0.53, y + 0.5 / n, f"{100 * share:.1f}% of the step above", fontsize=9, color="#34606f",
                    va="center", transform=ax.transAxes)
        previous = f
    y = ys[-1]
    for i, (fid, label) in enumerate(arms):
        x = (i + 0.5) / len(arms)
        f = trial.figure(fid)
        ax.text(x, y, f"{label}\nn = {f.printed}", ha="center", va="center", fontsize=11,
                bbox=dict(box, facecolor="#fdf6e3"), transform=ax.transAxes)
        ax.annotate("", xy=(x, y + 0.5 / n * 0.55), xytext=(0.5, y + 1 / n - 0.5 / n * 0.55),
                    xycoords="axes fraction", arrowprops=dict(arrowstyle="->", color="#34606f"))
    if title:
        ax.set_title(title, fontsize=12)
    fig.tight_layout()
    return fig

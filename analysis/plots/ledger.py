"""The ledger's summary figure: claims by verdict and by citation support."""

from __future__ import annotations

import matplotlib.pyplot as plt

from analysis.inputs.files import CITATION_VALUES, VERDICT_VALUES
from analysis.plots import style

COLOURS = {"supported": "#5aae61", "reproduced": "#1b7837", "consistent": "#6baed6", "imprecise": "#fdae61",
           "partly-supported": "#fdd36a",
           "discrepant": "#d6604d", "not-supported": "#d6604d", "not-reproducible": "#bdbdbd",
           "unverifiable": "#969696", "pending": "#ffffff"}


def verdict_summary(ledger: dict):
    """Two horizontal bars (verdict axis, citation axis), segments counted from the ledger; each
    segment carries its count (and its value when wide enough), and a legend below the bars names
    every value with its count, so the figure reads without colour and no label overlaps."""
    from matplotlib.patches import Patch

    fig, ax = plt.subplots(figsize=(style.FIG_WIDTH, 2.6))
    rows = [("verdict:\nre-derives?", "verdict", VERDICT_VALUES),
            ("citation:\nsource says it?", "citation", CITATION_VALUES)]
    total = len(ledger["claims"])
    handles = []
    for y, (_label, axis, values) in enumerate(rows):
        left = 0
        for value in values:
            n = sum(1 for c in ledger["claims"] if c[axis] == value)
            if not n:
                continue
            hatch = "//" if value == "pending" else None
            ax.barh(y, n, left=left, color=COLOURS[value], edgecolor="#333333", hatch=hatch)
            wide = n / total >= 0.25
            ax.text(left + n / 2, y, f"{value}\n{n}" if wide else f"{n}", ha="center", va="center",
                    fontsize=style.MIN_FONT, bbox=dict(boxstyle="round,pad=0.15", facecolor="white", edgecolor="none",
                                                       alpha=0.8))
            handles.append(Patch(facecolor=COLOURS[value], edgecolor="#333333", hatch=hatch,
                                 label=f"{axis}: {value} ({n})"))
            left += n
    ax.set_yticks(range(len(rows)), [r[0] for r in rows], fontsize=style.MIN_FONT)
    ax.set_xlim(0, total)
    ax.xaxis.get_major_locator().set_params(integer=True)  # counts of claims: whole numbers only
    ax.tick_params(axis="x", labelsize=style.MIN_FONT)
    ax.set_xlabel(f"number of claims (of {total})", fontsize=style.MIN_FONT)
    ax.invert_yaxis()
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    # the legend starts just below the x-axis title, measured once the layout is final (a fixed
    # offset ran into the title); the saved figure's tight bounding box takes it in
    renderer = fig.canvas.get_renderer()
    title_bottom = ax.xaxis.get_label().get_window_extent(renderer).y0 / fig.bbox.height
    fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(ax.get_position().x0, title_bottom - 0.03),
               bbox_transform=fig.transFigure, ncol=2, fontsize=style.MIN_FONT, frameon=False, borderaxespad=0.0)
    return fig

"""The ledger's summary figure: claims by verdict and by citation support."""

from __future__ import annotations

import matplotlib.pyplot as plt

from analysis.plots import style

from analysis.inputs.files import CITATION_VALUES, VERDICT_VALUES

COLOURS = {"supported": "#5aae61", "reproduced": "#1b7837", "consistent": "#6baed6", "imprecise": "#fdae61", "partly-supported": "#fdd36a",
           "discrepant": "#d6604d", "not-supported": "#d6604d", "not-reproducible": "#bdbdbd",
           "unverifiable": "#969696", "pending": "#ffffff"}


def verdict_summary(ledger: dict):
    """Two horizontal bars (verdict axis, citation axis), segments counted from the ledger and
    labelled with value and count, so the figure reads without colour. Returns the Figure."""
    fig, ax = plt.subplots(figsize=(style.FIG_WIDTH, 2.8))
    rows = [("verdict:\nre-derives?", "verdict", VERDICT_VALUES),
            ("citation:\nsource says it?", "citation", CITATION_VALUES)]
    total = len(ledger["claims"])
    for y, (label, axis, values) in enumerate(rows):
        left = 0
        for value in values:
            n = sum(1 for c in ledger["claims"] if c[axis] == value)
            if not n:
                continue
            ax.barh(y, n, left=left, color=COLOURS[value], edgecolor="#333333",
                    hatch="//" if value == "pending" else None)
            wide = n / total >= 0.12
            ax.text(left + n / 2, y, f"{value}\n{n}" if wide else f"{n}", ha="center", va="center",
                    fontsize=style.MIN_FONT, bbox=dict(boxstyle="round,pad=0.15", facecolor="white", edgecolor="none", alpha=0.8))
            if not wide:
                ax.annotate(value, (left + n / 2, y - 0.42), ha="center", va="bottom", fontsize=style.MIN_FONT,
                            annotation_clip=False)
            left += n
    ax.set_yticks(range(len(rows)), [r[0] for r in rows], fontsize=style.MIN_FONT)
    ax.set_xlim(0, total)
    ax.xaxis.get_major_locator().set_params(integer=True)  # counts of claims: whole numbers only
    ax.set_xlabel(f"number of claims (of {total})")
    ax.invert_yaxis()
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    return fig

"""The headline page's deciding figure: the stage x population grid of the strongest design by the date."""

from __future__ import annotations

from analysis.claims.synthesis import POPULATIONS, Stages, coverage_cells, load_stages
from analysis.plots import style


def plot_stage_coverage(stages: Stages | None = None, ax=None):
    """The stage × population grid coloured by the strongest design by the date (the claim's
    deciding figure). Returns the matplotlib Figure."""
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    stages = stages or load_stages()
    cells = coverage_cells(stages)
    levels = ["randomised", "single-arm", "retrospective", "none"]
    colours = ["#1b7837", "#a6dba0", "#fdb863", "#d9d9d9"]
    grid = [[levels.index(next(c for c in cells if c.stage == s.id and c.population == p).best_design or "none")
             for p in POPULATIONS] for s in stages.stages]
    if ax is None:
        fig, ax = plt.subplots(figsize=(8.5, 5.2))
    else:
        fig = ax.figure
    ax.imshow(grid, cmap=ListedColormap(colours), vmin=0, vmax=len(levels) - 1, aspect="auto")
    for i, s in enumerate(stages.stages):
        for j, p in enumerate(POPULATIONS):
            cell = next(c for c in cells if c.stage == s.id and c.population == p)
            n = len([r for r in cell.by_date if r.finding == "supports"])
            ax.text(j, i, f"{n} stud{'y' if n == 1 else 'ies'}" if n else "none found", ha="center", va="center",
                    fontsize=style.MIN_FONT, color="white" if grid[i][j] == 0 else "black")
    ax.set_xticks(range(len(POPULATIONS)), [p.capitalize() for p in POPULATIONS], fontsize=style.MIN_FONT)
    ax.set_yticks(range(len(stages.stages)), [s.label for s in stages.stages], fontsize=style.MIN_FONT)
    ax.tick_params(length=0)
    ax.set_title(f"Strongest evidence by {stages.cut_off.published:%d %b %Y}", fontsize=style.MIN_FONT + 1)
    names = {"randomised": "randomised trial", "single-arm": "single-arm prospective trial",
             "retrospective": "retrospective series only", "none": "no study found"}
    ax.legend(handles=[Patch(color=c, label=names[lv]) for lv, c in zip(levels, colours, strict=True)],
              loc="upper center", bbox_to_anchor=(0.35, -0.08), ncol=2, frameon=False, fontsize=style.MIN_FONT)
    fig.tight_layout()
    return fig

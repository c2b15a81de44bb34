"""analysis.plots.style: fonts readable at page width, axes scaled to the data, the printed figure drawn."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402
from matplotlib.text import Text  # noqa: E402

from analysis.plots import style  # noqa: E402
from analysis.plots.forest import forest_plot  # noqa: E402
from analysis.stats.meta import pool_proportions  # noqa: E402

TRM = ([8, 4, 1, 1], [267, 225, 45, 93])     # the shape of the TRM pool: rare events, 0-12%


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def _fonts(fig):
    return [t.get_fontsize() for t in fig.findobj(Text) if t.get_text().strip() and t.get_visible()]


def test_the_minimum_font_is_ten_points_on_the_page():
    assert style.font_on_page(style.MIN_FONT) >= 10.0
    assert style.font_on_page(9.0) < 10.0          # the check can fail: 9 pt would be too small


def test_every_text_of_a_forest_plot_is_at_least_the_minimum():
    fig = forest_plot(pool_proportions(*TRM), printed=style.printed_figure("prints 1%", "1%"), reference=0.01)
    assert min(_fonts(fig)) >= style.MIN_FONT
    assert fig.get_figwidth() <= style.FIG_WIDTH + 1e-9
    with pytest.raises(ValueError, match="minimum"):
        forest_plot(pool_proportions(*TRM), fontsize=8)


def test_a_rare_event_axis_is_scaled_to_the_data_not_to_100_percent():
    fig = forest_plot(pool_proportions(*TRM))
    low, high = fig.axes[0].get_xlim()
    assert low <= 0.0 and 0.10 <= high <= 0.15     # TRM 0-12%, not 0-100%
    full = forest_plot(pool_proportions(*TRM), full_scale=True)
    assert full.axes[0].get_xlim()[1] >= 1.0


def test_the_printed_figure_is_drawn_with_its_band_and_interval():
    printed = style.printed_figure("Liu 2023 prints 54% (44%-64%)", "54%", "44%-64%")
    assert (printed.low, printed.high, printed.value) == pytest.approx((0.535, 0.545, 0.54))
    assert printed.interval == pytest.approx((0.44, 0.64))
    fig = forest_plot(pool_proportions([11, 24, 179, 82], [29, 33, 326, 240]), printed=printed)
    ax = fig.axes[0]
    bands = [p for p in ax.patches if to_hex(p.get_facecolor()) == style.PRINTED_BAND]
    assert bands, "the printed figure's rounding band is not drawn"
    lines = [ln for ln in ax.lines if to_hex(ln.get_color()) == style.PRINTED]
    assert {round(ln.get_xdata()[0], 3) for ln in lines} >= {0.54, 0.44, 0.64}
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "Liu 2023 prints 54% (44%-64%)" in legend


def test_percent_axis_keeps_the_reference_line():
    fig, ax = plt.subplots()
    low, high = style.percent_axis(ax, [0.003, 0.118], reference=0.01)
    assert (low, high) == pytest.approx((0.0, 0.12), abs=1e-9)
    assert any(ln.get_xdata()[0] == 0.01 for ln in ax.lines)

"""analysis.plots.forest.forest_plot: structure of the figure (rows, diamond, PI), k = 2 and k = 40."""

from __future__ import annotations

import hashlib
import io

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from analysis.plots.forest import forest_plot  # noqa: E402
from analysis.stats.meta import pool_proportions  # noqa: E402

# metadat::dat.debruin2009 (also in tests/reference/metafor.json)
XI = [11, 24, 179, 82, 60, 11, 99, 9, 88, 17, 26, 23, 40]
NI = [29, 33, 326, 240, 110, 29, 244, 17, 215, 26, 138, 55, 54]


def _artists(fig, prefix):
    return [a for a in fig.findobj() if (a.get_gid() or "").startswith(prefix)]


def _texts(fig):
    return [t.get_text() for t in fig.findobj(matplotlib.text.Text)]


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_returns_figure_with_one_row_per_study_and_diamond_at_estimate():
    res = pool_proportions(XI, NI, labels=[f"S{i}" for i in range(len(XI))])
    fig = forest_plot(res, title="CR")
    assert isinstance(fig, Figure)
    rows = _artists(fig, "study-row-")
    assert len(rows) == len(XI)
    # each square sits at the study's proportion, top row first
    xs = [r.get_offsets()[0][0] for r in sorted(rows, key=lambda a: int(a.get_gid().split("-")[-1]))]
    np.testing.assert_allclose(xs, np.array(XI) / np.array(NI))
    (diamond,) = _artists(fig, "pooled-diamond")
    xy = diamond.get_xy()
    assert xy[:, 0].min() == pytest.approx(res.ci_low)
    assert xy[:, 0].max() == pytest.approx(res.ci_high)
    assert xy[1, 0] == pytest.approx(res.estimate)
    (pi,) = _artists(fig, "prediction-interval")
    np.testing.assert_allclose(pi.get_xdata(), [res.pi_low, res.pi_high])
    texts = _texts(fig)
    assert "11 / 29" in texts and "S0" in texts and "CR" in texts
    assert any(t.startswith("Heterogeneity: τ² = 0.4014, I² = 90.9%") for t in texts)
    assert f"{100 * res.estimate:.1f} [{100 * res.ci_low:.1f}; {100 * res.ci_high:.1f}]" in texts


@pytest.mark.parametrize("k", [2, 40])
def test_survives_small_and_large_k(k):
    rng = np.random.default_rng(1)        # fixed data for the test only
    ni = rng.integers(10, 200, size=k)
    xi = rng.binomial(ni, 0.4)
    res = pool_proportions(xi.tolist(), ni.tolist(), method="DL", ci="hk")
    fig = forest_plot(res)
    assert len(_artists(fig, "study-row-")) == k
    if k < 3:   # no prediction interval is drawn for two studies, and the plot says why
        assert _artists(fig, "prediction-interval") == []
        assert "not estimable (k < 3)" in _texts(fig)
    else:
        assert len(_artists(fig, "prediction-interval")) == 1
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=60)
    assert buf.tell() > 1000


def test_glmm_without_weights_and_raw_bounds_outside_unit_interval():
    fig = forest_plot(pool_proportions(XI, NI, method="GLMM"))
    assert "Weight" not in _texts(fig)
    res = pool_proportions([12, 30], [40, 50], transform="raw", ci="hk")
    fig = forest_plot(res)
    lo, hi = fig.axes[0].get_xlim()
    assert lo < res.pi_low < 0 and hi > res.pi_high > 1      # widened, not clipped
    assert any("not clipped" in t for t in _texts(fig))


def test_output_is_byte_deterministic():
    def render():
        fig = forest_plot(pool_proportions(XI, NI))
        buf = io.BytesIO()
        fig.savefig(buf, format="svg", metadata={"Date": None})
        plt.close(fig)
        return hashlib.sha256(buf.getvalue()).hexdigest()
    with matplotlib.rc_context({"svg.hashsalt": "forest"}):
        assert render() == render()


def test_draws_into_given_axes():
    fig, ax = plt.subplots(figsize=(10, 6))
    fig.subplots_adjust(left=0.4, right=0.72, bottom=0.2)
    out = forest_plot(pool_proportions(XI, NI), ax=ax)
    assert out is fig

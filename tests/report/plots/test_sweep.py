import numpy as np

from sim.report.plots.sweep import sweep_plot
from sim.run.sweep import parse_setting


def _rows(settings, figure, values):
    keys = [s.key for s in settings]
    combos = (
        [(a,) for a in settings[0].texts]
        if len(settings) == 1
        else [(a, b) for b in settings[1].texts for a in settings[0].texts]
    )
    return [
        {
            **dict(zip(keys, combo, strict=True)),
            "deadline_h": 12.0,
            figure: v,
            f"{figure}_ci95_low": v - 0.2,
            f"{figure}_ci95_high": v + 0.3,
        }
        for combo, v in zip(combos, values, strict=True)
    ]


def test_a_sweep_plot_draws_the_figure_with_its_interval_against_the_first_key(drawn, tmp_path):
    s = parse_setting("transport.pickup_interval=30m,1h")
    rows = _rows([s], "results_complete_h", (9.0, 10.5))
    ax = sweep_plot([s], rows, "results_complete_h", tmp_path / "s.png").axes[0]
    (errorbar,) = ax.containers
    line, _caps, (bars,) = errorbar.lines
    assert list(line.get_xdata()) == [0, 1] and list(line.get_ydata()) == [9.0, 10.5]
    assert drawn.same([seg[:, 1] for seg in bars.get_segments()], [[8.8, 9.3], [10.3, 10.8]])  # low to high
    assert drawn.deadlines(ax, vertical=False) == {12.0: "deadline (12 h)"}
    assert [t.get_text() for t in ax.get_xticklabels()] == ["30m", "1h"]
    assert ax.get_xlabel() == "transport.pickup_interval"
    assert ax.get_ylabel() == "last pooled result (h since start)"
    assert ax.get_title().startswith("Sweep: last pooled result (h since start) against transport.pickup_interval")


def test_one_line_per_value_of_the_second_key_and_no_deadline_for_a_wait(drawn, tmp_path):
    a, b = parse_setting("transport.pickup_interval=30m,1h"), parse_setting("sampling.pool_size=10,20")
    rows = _rows([a, b], "wait_mean_min", (5.0, 6.0, 7.0, 8.0))
    ax = sweep_plot([a, b], rows, "wait_mean_min", tmp_path / "s.png").axes[0]
    assert drawn.legend(ax) == ["sampling.pool_size=10", "sampling.pool_size=20"]
    ys = {e.get_label(): list(e.lines[0].get_ydata()) for e in ax.containers}
    assert ys == {"sampling.pool_size=10": [5.0, 6.0], "sampling.pool_size=20": [7.0, 8.0]}
    xs = [e.lines[0].get_xdata() for e in ax.containers]
    assert np.all(xs[0] < xs[1]) and np.allclose(xs[1] - xs[0], 0.06)  # dodged, side by side
    assert drawn.deadlines(ax, vertical=False) == {}
    assert ax.get_ylabel() == "mean wait (min)"

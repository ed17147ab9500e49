"""forecast.png: the past as the status knows it (a log's steps; counts as points at their times, nothing drawn
before the first count), the plan, the forecast band after TIME, TIME and the deadline."""

import matplotlib.image as mpimg
import matplotlib.pyplot as plt
import numpy as np
import pytest

from sim.report.plots.forecast import forecast_figure, forecast_plot

T = np.arange(0, 14, 0.5)
PLAN = np.linspace(0, 100, T.size)


def _inputs(past: dict):
    future = {
        key: {"times_h": T, "plan": PLAN * (k + 1), "forecast": PLAN * (k + 1) + 10 * np.arange(5)[:, None]}
        for k, key in enumerate(("sampled", "tubes_reported"))
    }
    result = {
        "at_h": 5.0,
        "deadline_h": 12.0,
        "deadline_met_probability": 0.8,
        "last_result_h": {"mean": 11.0},
        "past_curves": past,
    }
    return result, future


LOG_PAST = {
    "drawn": "steps",
    "sampled": {"times_h": [0.0, 2.0, 5.0], "counts": [0, 10, 40]},
    "tubes_reported": {"times_h": [0.0, 2.0, 5.0], "counts": [0, 0, 3]},
}


def test_forecast_plot_draws_past_plan_and_band(tmp_path):
    result, future = _inputs(LOG_PAST)
    forecast_plot(result, future, "test", tmp_path / "f.png")
    assert mpimg.imread(tmp_path / "f.png").std() > 0.05


def test_counts_are_drawn_as_points_at_their_times_and_nothing_before(tmp_path):
    past = {
        "drawn": "points",
        "sampled": {"times_h": [4.0], "counts": [3000]},
        "tubes_reported": {"times_h": [3.0, 4.5], "counts": [10, 40]},
    }
    result, future = _inputs(past)
    fig = forecast_figure(result, future, "test")
    top, bottom = fig.axes
    (counted,) = [line for line in top.lines if line.get_label() == "counted (status)"]
    assert list(counted.get_xdata()) == [4.0] and list(counted.get_ydata()) == [3000]  # no zero before, no jump
    assert counted.get_marker() == "o"
    (reported,) = [line for line in bottom.lines if line.get_label() == "counted (status)"]
    assert list(reported.get_xdata()) == [3.0, 4.5]
    deadline = [line for line in top.lines if line.get_label().startswith("deadline")]
    assert deadline and deadline[0].get_xdata()[0] == pytest.approx(12.0)
    assert top.get_ylabel() == "residents sampled"
    plt.close(fig)


def test_the_forecast_draws_the_past_the_plan_and_the_band_after_now(drawn, tmp_path):
    result, future = _inputs(LOG_PAST)
    fig = forecast_plot(result, future, "test", tmp_path / "f.png")
    sampled, reported = fig.axes
    assert list(drawn.line(sampled, "so far (status)").get_ydata()) == [0, 10, 40]
    assert list(drawn.line(reported, "so far (status)").get_ydata()) == [0, 0, 3]
    for ax, k in ((sampled, 1), (reported, 2)):
        assert drawn.same(drawn.line(ax, "the plan (mean of its runs)").get_ydata(), PLAN * k)
        median = drawn.line(ax, "forecast, median")
        after = T >= 5.0
        assert drawn.same(median.get_xdata(), T[after]) and drawn.same(median.get_ydata(), PLAN[after] * k + 20)
        assert drawn.deadlines(ax) == {12.0: "deadline (12 h)"}
        assert drawn.line(ax, "now (5.0 h)").get_xdata()[0] == 5.0
        assert "forecast, 95% of replications" in drawn.legend(ax)
    assert sampled.get_ylabel() == "residents sampled" and reported.get_ylabel() == "tubes reported"
    assert reported.get_xlabel() == "hours since the round's start"
    assert fig.get_suptitle().startswith("test: forecast at 5.0 h, deadline met with probability 80%")
    assert reported.get_xlim() == pytest.approx((0.0, 13.2))  # the deadline and a margin stay in sight

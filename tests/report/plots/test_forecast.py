import numpy as np
import pytest

from sim.report.plots.forecast import forecast_plot

T = np.arange(0, 14, 0.5)
PLAN = np.linspace(0, 100, T.size)


def _plot(tmp_path):
    future = {
        key: {"times_h": T, "plan": PLAN * (k + 1), "forecast": PLAN * (k + 1) + 10 * np.arange(5)[:, None]}
        for k, key in enumerate(("sampled", "tubes_reported"))
    }
    result = {
        "at_h": 5.0,
        "deadline_h": 12.0,
        "deadline_met_probability": 0.8,
        "last_result_h": {"mean": 11.0},
        "past_curves": {"times_h": [0.0, 2.0, 5.0], "sampled": [0, 10, 40], "tubes_reported": [0, 0, 3]},
    }
    return forecast_plot(result, future, "test", tmp_path / "f.png")


def test_the_forecast_draws_the_past_the_plan_and_the_band_after_now(drawn, tmp_path):
    fig = _plot(tmp_path)
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

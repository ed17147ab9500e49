import matplotlib.image as mpimg
import numpy as np

from sim.report.plots.forecast import forecast_plot


def test_forecast_plot_draws_past_plan_and_band(tmp_path):
    t = np.arange(0, 14, 0.5)
    future = {
        key: {"times_h": t, "plan": np.linspace(0, 100, t.size), "forecast": np.linspace(0, 100, t.size) + np.arange(5)[:, None]}
        for key in ("sampled", "tubes_reported")
    }
    result = {
        "at_h": 5.0,
        "deadline_h": 12.0,
        "deadline_met_probability": 0.8,
        "last_result_h": {"mean": 11.0},
        "past_curves": {"times_h": [0.0, 2.0, 5.0], "sampled": [0, 10, 40], "tubes_reported": [0, 0, 3]},
    }
    forecast_plot(result, future, "test", tmp_path / "f.png")
    assert mpimg.imread(tmp_path / "f.png").std() > 0.05

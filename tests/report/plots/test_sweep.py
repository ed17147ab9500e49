import matplotlib.image as mpimg

from sim.report.plots.sweep import sweep_plot
from sim.run.sweep import parse_setting


def test_a_sweep_plot_with_intervals(tmp_path):
    s = parse_setting("transport.pickup_interval=30m,1h")
    rows = [
        {
            s.key: t,
            "deadline_h": 12.0,
            "results_complete_h": v,
            "results_complete_h_ci95_low": v - 0.2,
            "results_complete_h_ci95_high": v + 0.2,
        }
        for t, v in zip(s.texts, (9.0, 10.5), strict=True)
    ]
    sweep_plot([s], rows, "results_complete_h", tmp_path / "s.png")
    assert mpimg.imread(tmp_path / "s.png").std() > 0.05

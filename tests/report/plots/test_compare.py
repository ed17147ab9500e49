import matplotlib.image as mpimg

from sim.report.finished import RunData
from sim.report.plots.compare import compare_cumulative, compare_waits
from sim.run.runner import run


def test_overlay_plots_of_two_plans(small_round, tmp_path):
    runs = [RunData.from_result(run(small_round, 2), "a"), RunData.from_result(run(small_round.with_(seed=4), 2), "b")]
    compare_cumulative(runs, tmp_path / "c.png")
    compare_waits(runs, tmp_path / "w.png")
    for name in ("c.png", "w.png"):
        assert mpimg.imread(tmp_path / name).std() > 0.05

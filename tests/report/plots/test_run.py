import matplotlib.image as mpimg

from sim.report.plots.run import write_all
from sim.run.runner import run


def test_the_run_plots_are_written_as_readable_images(small_round, tmp_path):
    write_all(run(small_round, 2), tmp_path)
    names = sorted(p.name for p in tmp_path.glob("*.png"))
    assert names == ["cumulative.png", "queues.png", "utilisation.png", "waits.png"]
    img = mpimg.imread(tmp_path / "cumulative.png")
    assert img.shape[0] > 400 and img.shape[1] > 800 and img.std() > 0.05  # drawn, not blank

import matplotlib.image as mpimg
import numpy as np

from sim.core.fitting import fit_duration
from sim.report.plots.drill import fit_plot


def test_fit_plot_draws_every_candidate(tmp_path):
    x = np.random.default_rng(0).gamma(4.0, 10.0, 2000)
    fit_plot(x, fit_duration(x), "service time", tmp_path / "f.png")
    assert mpimg.imread(tmp_path / "f.png").std() > 0.05

import numpy as np
import pytest

from sim.core.fitting import fit_duration


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_gamma_data_is_fitted_as_gamma_with_its_mean(seed):
    x = np.random.default_rng(seed).gamma(4.0, 10.0, 4000)  # mean 40 s, sd 20 s
    fit = fit_duration(x)
    assert fit.kind == "gamma"
    assert fit.mean == pytest.approx(40.0, rel=3 * 20 / 40 / np.sqrt(4000) * 2)
    assert fit.spec()["dist"] == "gamma"


def test_too_few_observations_are_refused():
    with pytest.raises(ValueError, match="too few"):
        fit_duration(np.array([1.0, 2.0, 3.0]))

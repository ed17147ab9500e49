"""Each distribution's draws have the mean and sd it declares (several seeds, tolerance from the spread)."""

import math

import numpy as np
import pytest

from sim.core import distributions as d

CASES = [
    d.Fixed(30.0),
    d.Exponential(30.0),
    d.Lognormal(30.0, 12.0),
    d.Gamma(30.0, 12.0),
    d.Triangular(600.0, 1200.0, 2700.0),
    d.Uniform(600.0, 1200.0),
    d.Empirical((21.0, 25.0, 40.0, 33.0)),
]
N = 20_000


@pytest.mark.parametrize("dist", CASES, ids=lambda x: x.kind)
def test_sample_mean_and_sd_match_declared(dist):
    means, sds = [], []
    for seed in range(5):
        x = dist.sample(np.random.default_rng(seed), N)
        assert x.shape == (N,) and (x >= 0).all()
        means.append(x.mean())
        sds.append(x.std())
    # Standard error of a mean of N draws, widened 5x: a real parameter mix-up is far larger.
    tol = 5 * max(dist.sd, 1e-9) / math.sqrt(N)
    assert abs(np.mean(means) - dist.mean) < tol
    assert abs(np.mean(sds) - dist.sd) < 0.05 * dist.sd + 1e-9


def test_lognormal_is_parameterised_by_the_duration_not_its_log():
    x = d.Lognormal(30.0, 12.0).sample(np.random.default_rng(1), 100_000)
    assert 29.5 < x.mean() < 30.5  # mu=30 on the log scale would give astronomically large values


def test_empirical_only_returns_observed_values():
    x = d.Empirical((21.0, 25.0, 40.0)).sample(np.random.default_rng(2), 1000)
    assert set(np.unique(x)) == {21.0, 25.0, 40.0}

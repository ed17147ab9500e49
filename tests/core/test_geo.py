import math

import numpy as np
import pytest

from sim.core import geo


def test_haversine_on_the_spec_radius():
    # One degree of latitude along a meridian: R * pi / 180.
    d = geo.distance(np.array([108.9, 34.0]), np.array([108.9, 35.0]), lonlat=True)
    assert d == pytest.approx(6_371_008.8 * math.pi / 180, rel=1e-12)
    assert geo.distance(np.array([0.0, 0.0]), np.array([3.0, 4.0]), lonlat=False) == 5.0


def test_nearest_breaks_ties_to_the_site_listed_first():
    sites = np.array([[10.0, 0.0], [-10.0, 0.0], [0.0, 10.0]])
    assert geo.nearest(np.array([[0.0, 0.0]]), sites, lonlat=False).tolist() == [0]
    assert geo.nearest(np.array([[0.0, 0.0]]), sites[::-1], lonlat=False).tolist() == [0]


@pytest.mark.parametrize("seed", [1, 2])
def test_nearest_agrees_with_brute_force_on_the_sphere(seed):
    rng = np.random.default_rng(seed)
    points = np.column_stack((rng.uniform(108, 110, 500), rng.uniform(33, 35, 500)))
    sites = np.column_stack((rng.uniform(108, 110, 300), rng.uniform(33, 35, 300)))
    brute = [int(np.argmin(geo.distance(p[None, :], sites, True))) for p in points]
    assert geo.nearest(points, sites, lonlat=True).tolist() == brute


def test_within_finds_every_site_in_reach_on_the_sphere():
    rng = np.random.default_rng(4)
    points = np.column_stack((rng.uniform(108.9, 109.0, 50), rng.uniform(34.2, 34.3, 50)))
    sites = np.column_stack((rng.uniform(108.9, 109.0, 80), rng.uniform(34.2, 34.3, 80)))
    found = geo.within(points, sites, True, 1500.0)
    for p, idx in zip(points, found, strict=True):
        assert idx.tolist() == np.flatnonzero(geo.distance(p[None, :], sites, True) <= 1500.0).tolist()

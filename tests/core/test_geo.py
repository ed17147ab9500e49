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


@pytest.mark.parametrize("lonlat", [True, False])
@pytest.mark.parametrize("share_open", [0.0, 0.002, 0.05, 0.5, 1.0])
def test_neighbours_give_the_nearest_open_site_as_a_search_among_the_open_sites_does(lonlat, share_open):
    # Siting asks P3 of thousands of plans through each compound's precomputed nearest sites; the answer must
    # be `nearest`'s among the open sites, also when few sites are open (the rows hold none: a search then)
    # and at ties (sites on a grid, compounds at their midpoints, listed in shuffled order).
    rng = np.random.default_rng(7)
    grid = np.array([(x, y) for x in range(30) for y in range(30)], float)
    sites = grid[rng.permutation(len(grid))] * (0.001 if lonlat else 100.0) + ([108.9, 34.2] if lonlat else 0.0)
    points = np.concatenate((rng.uniform(0, 29, (400, 2)), rng.integers(0, 29, (200, 2)) + 0.5))
    points = points * (0.001 if lonlat else 100.0) + ([108.9, 34.2] if lonlat else 0.0)
    nb = geo.Neighbours.of(points, sites, lonlat, k=8)
    for _ in range(4):
        open_ = rng.random(len(sites)) < share_open
        some = np.flatnonzero(open_)
        expected = some[geo.nearest(points, sites[some], lonlat)] if some.size else np.full(len(points), -1)
        rows = rng.permutation(len(points))[:300]
        assert nb.nearest_open(rows, open_).tolist() == expected[rows].tolist()

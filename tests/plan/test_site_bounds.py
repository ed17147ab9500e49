"""The whole map's lower bounds: never above a brute-force optimum, and tight where they should be."""

import numpy as np
import pytest
from scipy.optimize import Bounds, LinearConstraint, milp

from sim.plan.site_bounds import _disjoint, lp_relaxation, tables_bound, walking_cover


@pytest.mark.parametrize("seed", [6, 7, 10])
def test_the_walking_cover_is_the_brute_force_minimum(seed, cover_town):
    town = cover_town(seed)
    near = [np.flatnonzero(row) for row in town.reach]
    sites, proven = walking_cover(near, town.reach.shape[1], np.zeros(town.reach.shape[1], bool), 10.0)
    assert sites == town.minimum and proven
    assert _disjoint(near) <= town.minimum  # compounds with disjoint candidates: a weaker bound, never above
    fixed = np.zeros(town.reach.shape[1], bool)
    fixed[:3] = True  # sites open whatever count too
    assert walking_cover(near, town.reach.shape[1], fixed, 10.0)[0] >= max(3, town.minimum)


def test_the_tables_bound_counts_the_sites_and_tables_the_peak_needs():
    capacity = np.array([0.0, 1.0, 2.5, 4.5])  # Lambda(k): pooling, more per table as k grows
    most = np.full(10, 3)
    # 10 per second at the peak: at least 3 sites (4.5 each), at least 10 / 1.5 tables
    assert tables_bound(10.0, capacity, most, (1.0, 0.0, 1e5)) == pytest.approx(3.0)
    assert tables_bound(10.0, capacity, most, (0.0, 1.0, 1e5)) == pytest.approx(10 / 1.5)
    assert tables_bound(10.0, capacity, most, (1.0, 0.0, 1e5), at_least=5) == pytest.approx(5.0)
    # brute force over every way to give n sites 1..3 tables: the bound is below each feasible plan
    for n in range(1, 5):
        for k in np.ndindex(*(3,) * n):
            t = np.array(k) + 1
            if capacity[t].sum() >= 10.0:
                assert tables_bound(10.0, capacity, most, (1.0, 0.01, 1e5)) <= n + 0.01 * t.sum() + 1e-9


def test_the_lp_relaxation_is_below_the_integer_optimum():
    rng = np.random.default_rng(3)
    a = rng.integers(0, 2, (12, 8)).astype(float)
    a[a.sum(axis=1) == 0, 0] = 1
    c = rng.uniform(1, 2, 8)
    cons = LinearConstraint(a, 1.0, np.inf)
    whole = milp(c, integrality=np.ones(8), bounds=Bounds(0, 1), constraints=cons)
    lp = lp_relaxation(c, Bounds(np.zeros(8), np.ones(8)), cons, 10.0)
    assert lp is not None and lp <= whole.fun + 1e-9


def test_disjoint_compounds_are_counted_greedily_fewest_candidates_first():
    def by_sets(near):  # the rule in plain Python
        taken, count = set(), 0
        for i in sorted(range(len(near)), key=lambda i: near[i].size):
            cands = set(near[i].tolist())
            if cands and not cands & taken:
                taken |= cands
                count += 1
        return count

    rng = np.random.default_rng(5)
    for _ in range(200):
        near = [np.unique(rng.integers(0, 30, rng.integers(0, 6))) for _ in range(rng.integers(1, 50))]
        assert _disjoint(near) == by_sets(near)
    assert _disjoint([np.array([0, 1]), np.array([1]), np.array([2])]) == 2  # {1} first, then {2}; {0, 1} meets {1}

"""The siting MILP against brute force on small towns: the same optimum, by the same rules."""

import itertools
import math

import numpy as np
import pytest

from sim.plan.site_model import EPS, Candidates, SitingProblem, capacities
from sim.plan.siting import solve
from sim.scenario.places.map import PlacesMap, assign_nearest, walking_times


@pytest.fixture
def small_town(metres_map):
    """small_town(seed, compounds=6, sites=5): compounds and candidate sites drawn on a 900 m square."""

    def make(seed: int, compounds: int = 6, sites: int = 5) -> PlacesMap:
        rng = np.random.default_rng(seed)
        c_xy = rng.uniform(0, 900, (compounds, 2))
        s_xy = rng.uniform(0, 900, (sites, 2))
        return metres_map(c_xy, rng.integers(200, 900, compounds), s_xy)

    return make


def _problem(m: PlacesMap, objective: str, most: int = 3) -> SitingProblem:
    n = len(m.site_names)
    cands = Candidates(np.arange(n), np.full(n, most), np.zeros(n, np.int64))
    rate = m.compound_residents * 0.12 / 3600  # 12% of residents an hour at the peak
    return SitingProblem(m, cands, rate, capacities(most, 40.0, 1800.0), 900.0, objective)


def _brute(p: SitingProblem) -> float:
    """Every open set and every table count: P3 assignment, walks within the standard, Erlang C capacity."""
    m, n, best = p.m, len(p.m.site_names), math.inf
    for tables in itertools.product(range(0, int(p.cands.max_tables[0]) + 1), repeat=n):
        t = np.array(tables)
        if not t.any():
            continue
        assigned = assign_nearest(m.compound_xy, m.site_xy, t > 0, False)
        walk = walking_times(m.compound_xy, m.site_xy[assigned], False, m.walk_speed, m.walk_detour)
        if np.any(walk > p.standard + 1e-9):
            continue
        load = np.bincount(assigned, weights=p.peak_rate, minlength=n)
        if np.any(load > np.array([p.capacity[k] for k in t]) + 1e-12):
            continue
        w_y, w_t = (1.0, EPS) if p.objective == "points" else (EPS, 1.0)
        best = min(best, w_y * (t > 0).sum() + w_t * t.sum())
    return best


@pytest.mark.parametrize(
    ("seed", "objective"), [(1, "points"), (2, "points"), (3, "tables"), (4, "tables"), (5, "points")]
)
def test_the_milp_finds_the_brute_force_optimum(seed, objective, small_town):
    p = _problem(small_town(seed), objective)
    want = _brute(p)
    sol = solve(p)
    assert math.isfinite(want), "the case should be feasible"
    assert sol.objective == pytest.approx(want, abs=1e-6) and not sol.overloaded


def test_a_compound_out_of_reach_is_named_and_the_rest_sited(small_town):
    m = small_town(6)
    far = m.compound_xy.copy()
    far[0] = (50_000.0, 50_000.0)
    p = _problem(PlacesMap(**{**m.__dict__, "compound_xy": far}), "points")
    sol = solve(p)
    assert sol.unreachable == [0] and (sol.tables > 0).any()


def test_a_city_is_cut_into_districts(small_town):
    p = _problem(small_town(7, compounds=60, sites=12), "points")
    sol = solve(p, cell_size=20, whole_map_pairs=0)  # as a city too large for one program
    assert sol.cells >= 3 and (sol.tables > 0).sum() >= 1 and not sol.whole_map
    assert sol.bound <= sol.objective + 1e-9 and sol.bounds["program"] is None  # the map's bound, not the districts'
    whole = solve(p, cell_size=20)
    assert whole.whole_map and whole.cells == 1 and whole.objective <= sol.objective + 1e-9


def test_districts_shared_among_workers_site_every_compound_within_reach_and_capacity(monkeypatch, small_town):
    import sim.plan.site_districts as siting

    monkeypatch.setattr(siting, "PARALLEL_FROM", 4)
    p = _problem(small_town(8, compounds=80, sites=30), "points")
    together = solve(p, cell_size=10, jobs=2, whole_map_pairs=0)
    assert together.cells == 8
    t = together.tables
    reach = [
        np.flatnonzero(
            walking_times(np.repeat(c[None], 30, 0), p.m.site_xy, False, p.m.walk_speed, p.m.walk_detour) <= 900
        )
        for c in p.m.compound_xy
    ]
    for c, near in enumerate(reach):
        if near.size and c not in together.unreachable:
            assert (t[near] > 0).any()  # every compound has an open site within the walking standard
    assigned = assign_nearest(p.m.compound_xy, p.m.site_xy, t > 0, False)
    load = np.bincount(assigned, weights=p.peak_rate, minlength=30)
    assert np.all(load <= p.capacity[t] + 1e-12) or together.overloaded  # each site's tables serve its compounds


@pytest.mark.parametrize("seed", [1, 2, 5])
def test_a_compound_limited_to_its_nearest_candidates_still_gets_a_valid_plan(seed, monkeypatch, small_town):
    import sim.plan.site_districts as siting

    p = _problem(small_town(seed), "points")
    best = _brute(p)
    monkeypatch.setattr(siting, "NEAREST", 2)
    sol = solve(p, whole_map_pairs=0)  # the cut applies to districts
    t = sol.tables
    assigned = assign_nearest(p.m.compound_xy, p.m.site_xy, t > 0, False)  # where P3 sends each compound
    walk = walking_times(p.m.compound_xy, p.m.site_xy[assigned], False, p.m.walk_speed, p.m.walk_detour)
    assert np.all(walk <= p.standard + 1e-9)
    load = np.bincount(assigned, weights=p.peak_rate, minlength=t.size)
    assert np.all(load <= p.capacity[t] + 1e-12)
    assert sol.objective >= best - 1e-6  # the cut can only lose plans, never find a better one


@pytest.mark.parametrize("seed", [6, 7, 10, 20, 24])
def test_the_whole_map_opens_the_brute_force_minimum_where_greedy_covering_does_not(seed, cover_town, cover_problem):
    town = cover_town(seed)
    assert town.greedy > town.minimum  # an instance greedy covering gets wrong
    sol = solve(cover_problem(town))
    assert sol.whole_map and sol.cells == 1
    assert (sol.tables > 0).sum() == town.minimum and sol.optimal and not sol.overloaded
    assert sol.bounds["walking_cover"] <= sol.objective + 1e-9 and sol.bound <= sol.objective + 1e-9
    # every compound goes (P3) to an open site within its walk
    assigned = assign_nearest(town.compound_xy, town.site_xy, sol.tables > 0, False)
    assert town.reach[np.arange(len(assigned)), assigned].all()


@pytest.mark.parametrize(("seed", "objective"), [(1, "points"), (3, "tables"), (5, "points")])
def test_every_whole_map_bound_is_below_the_brute_force_optimum(seed, objective, small_town):
    p = _problem(small_town(seed), objective)
    want = _brute(p)
    sol = solve(p)
    assert sol.bound <= want + 1e-6 and all(b <= want + 1e-6 for b in sol.bounds.values() if b is not None)
    assert sol.objective == pytest.approx(want, abs=1e-6) and sol.optimal

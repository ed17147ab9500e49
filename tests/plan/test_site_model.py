"""Step 1's model: Erlang C capacity at the peak, candidates in P3's order, a plan's objective."""

import numpy as np
import pytest

from sim.core.queueing import max_rate_for_wait
from sim.plan.site_model import (
    OVERLOAD_COST,
    Candidates,
    SitingProblem,
    capacities,
    plan_objective,
    reachable,
    right_sized,
    served,
)
from sim.scenario.places.map import walking_times


def test_capacity_is_erlang_c_at_the_peak():
    cap = capacities(4, 30.0, 1800.0)
    assert cap[0] == 0 and cap[2] == pytest.approx(max_rate_for_wait(2, 1 / 30, 1800.0))
    assert np.all(np.diff(cap) > 0)


@pytest.fixture
def line(metres_map):
    """line(sites, compounds): compounds and sites on a line (metres); 900 s of walking at 1 m/s without detour
    reaches 900 m."""

    def make(sites: list[float], compounds: list[float]) -> SitingProblem:
        n, k = len(compounds), len(sites)
        m = metres_map(
            np.c_[compounds, np.zeros(n)],
            np.full(n, 100),
            np.c_[sites, np.zeros(k)],
            walk_speed=1.0,
            walk_detour=1.0,
            drive_speed=10.0,
            drive_detour=1.0,
        )
        cands = Candidates(np.arange(k), np.full(k, 2), np.zeros(k, np.int64))
        return SitingProblem(m, cands, np.full(n, 0.01), np.array([0.0, 0.015, 0.04]), 900.0)

    return make


def test_candidates_come_in_p3_order_within_the_walk_ties_to_the_site_listed_first(line):
    p = line([500.0, -300.0, 300.0, 2000.0], [0.0, 1500.0])
    near = reachable(p, np.arange(2), np.arange(4))
    assert list(near[0]) == [1, 2, 0] and list(near[1]) == [3]  # -300 and 300 tie: site 1 is listed first
    walks = walking_times(np.zeros((3, 2)), p.m.site_xy[near[0]], False, 1.0, 1.0)
    assert np.all(np.diff(walks) >= 0)
    compounds, lists, unreachable = served(line([0.0], [0.0, 5000.0]))
    assert list(compounds) == [0] and unreachable == [1]


def test_a_plans_objective_counts_sites_tables_and_overloads(line):
    p = line([0.0, 100.0], [0.0, 10.0, 20.0])  # three compounds of 0.01 per second, all nearest site 0
    value, over = plan_objective(p, np.array([2, 0]), np.arange(3))
    assert over == [] and value == pytest.approx(1 + 0.001 * 2)
    value, over = plan_objective(p, np.array([1, 1]), np.arange(3))
    assert over == [0] and value == pytest.approx(2 + 0.002 + OVERLOAD_COST * (0.03 - 0.015))


def test_right_sizing_gives_each_open_site_the_fewest_tables_for_what_p3_sends_it(line):
    # Capacity 0.015 per second at 1 table, 0.04 at 2 (the most). Site 0 gets all three compounds (0.03 per
    # second: 2 tables), site 1 none (it stays open with 1); a district had sized them 1 and 2.
    p = line([0.0, 100.0], [0.0, 10.0, 20.0])
    assert right_sized(p, np.array([1, 2]), np.arange(3)).tolist() == [2, 1]
    p = line([0.0, 100.0], [0.0, 10.0, 20.0, 30.0, 40.0])  # 0.05 per second: over even at 2, kept at its most
    assert right_sized(p, np.array([1, 0]), np.arange(5)).tolist() == [2, 0]

"""Routes from the map: every site on exactly one loop, every loop within its limits, the solver never
worse than the sweep it starts from, the same answer twice; a site no loop can reach is named."""

from __future__ import annotations

import numpy as np
import pytest

from sim.core.routing import Network, peak_tubes, solve, sweep, too_far


def town(n: int = 40, seed: int = 3) -> Network:
    rng = np.random.default_rng(seed)
    xy = np.vstack([[0.0, 0.0], rng.uniform(-6000, 6000, (n, 2))])  # metres; the lab at the origin
    times = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1)) * 1.4 / (30 / 3.6)
    return Network(0, np.arange(10, 10 + n), times, rng.uniform(20, 120, n))


def check(net: Network, loops, max_loop, capacity, stops_max) -> None:
    visited = [s for loop in loops for s in loop.stops]
    assert sorted(visited) == sorted(net.sites.tolist())  # each site once
    where = {int(s): i + 1 for i, s in enumerate(net.sites)}
    for loop in loops:
        path = [0, *(where[s] for s in loop.stops), 0]
        driving = sum(net.times[a, b] for a, b in zip(path, path[1:], strict=False))
        assert driving == pytest.approx(loop.seconds) and driving <= max_loop + 1e-6
        assert len(loop.stops) <= stops_max
        assert sum(min(net.demand[where[s] - 1], capacity) for s in loop.stops) <= capacity + 1e-9


@pytest.mark.parametrize(
    ("max_loop", "capacity", "stops_max"), [(3600.0, 400, 6), (5400.0, 250, 4), (7200.0, 10_000, 12)]
)
def test_loops_keep_every_limit_and_the_solver_beats_or_ties_the_sweep(max_loop, capacity, stops_max):
    net = town()
    first = sweep(net, max_loop, capacity, stops_max)
    check(net, first, max_loop, capacity, stops_max)
    loops, how = solve(net, max_loop, capacity, stops_max, time_limit=20)
    check(net, loops, max_loop, capacity, stops_max)
    assert (len(loops), sum(x.seconds for x in loops)) <= (len(first), sum(x.seconds for x in first))
    assert how in ("solver", "sweep")
    again, _how = solve(net, max_loop, capacity, stops_max, time_limit=20)
    assert [x.stops for x in again] == [x.stops for x in loops]  # a solution count, not a clock, stops it


def test_a_site_no_loop_can_reach_is_named():
    net = town()
    out_back = net.times[0, 1:] + net.times[1:, 0]
    limit = float(np.sort(out_back)[-3])  # the two farthest cannot be reached
    far = too_far(net, limit - 1)
    assert sorted(far) == sorted(net.sites[out_back > limit - 1].tolist()) and len(far) >= 2


def test_peak_tubes_is_one_interval_of_the_busiest_arrivals():
    # 1,000 residents, all come, pools of 10; the profile's busiest hour carries 3/4 of them.
    tubes = peak_tubes(np.array([1000.0]), 1.0, 10, [[0.0, 3.0], [3600.0, 1.0], [7200.0, 0.0]], 1800.0)
    assert tubes[0] == pytest.approx(100 * 0.75 / 2)

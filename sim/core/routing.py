"""Courier loops by OR-Tools' vehicle-routing solver, over a lab's matrix of driving times (docs/routes.md).

A routing library's job, not the scenario format's: it knows nothing of maps or files (the map's matrix is
made by `sim.scenario.routes.auto_routes`, which calls this when `routes: auto` is loaded). For each lab, its
open sites are visited by loops that start and end at the lab; a loop's planned
driving (P5's mean times) is at most `max_loop`, it has at most `stops_max` stops, and the tubes its
stops hold at the arrival profile's peak (one pickup interval's worth) fit in `capacity`. The solver
opens as few loops as it can (a fixed cost per loop), then drives as little as it can. OR-Tools is
made for this; a sweep (sites taken in angle order around the lab, a loop closed when the next site
would break a limit) gives the first answer to beat and the fallback when the solver finds none.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.core.profile import peak_share

SOLUTIONS = 200  # improving solutions the local search may find: a deterministic stop, unlike a clock


@dataclass(frozen=True)
class Loop:
    lab: int
    stops: tuple[int, ...]  # site indices, in driving order
    seconds: float  # planned driving, lab to lab


@dataclass(frozen=True)
class Network:
    """What routing needs of one lab: its sites, the driving times among them (index 0: the lab)."""

    lab: int
    sites: np.ndarray
    times: np.ndarray  # seconds, (n + 1, n + 1)
    demand: np.ndarray  # tubes at each site per pickup interval at the peak


def too_far(net: Network, max_loop: float) -> list[int]:
    """Sites whose out-and-back alone takes longer than max_loop: no loop can take them."""
    out_back = net.times[0, 1:] + net.times[1:, 0]
    return [int(s) for s in net.sites[out_back > max_loop + 1e-9]]  # seconds: the time tolerance


def sweep(net: Network, max_loop: float, capacity: int, stops_max: int) -> list[Loop]:
    """Sites in angle order around the lab (by their times from it and to each other: the first two
    coordinates of a classical scaling), each loop closed when the next would break a limit."""
    n = net.sites.size
    if n == 0:
        return []
    order = _angles(net)
    loops, current, load, planned = [], [], 0.0, 0.0
    for k in order:
        i = k + 1
        demand = min(net.demand[k], capacity)
        if current:
            extra = net.times[current[-1], i] + net.times[i, 0] - net.times[current[-1], 0]
            if planned + extra > max_loop or load + demand > capacity or len(current) >= stops_max:
                loops.append(_loop(net, current))
                current, load, planned = [], 0.0, 0.0
        if not current:
            planned = net.times[0, i] + net.times[i, 0]
        else:
            planned += net.times[current[-1], i] + net.times[i, 0] - net.times[current[-1], 0]
        current.append(i)
        load += demand
    loops.append(_loop(net, current))
    return loops


def _angles(net: Network) -> np.ndarray:
    n = net.sites.size
    if n < 3:
        return np.arange(n)
    d = (net.times + net.times.T) / 2
    j = np.eye(n + 1) - 1 / (n + 1)
    b = -0.5 * j @ (d**2) @ j
    w, v = np.linalg.eigh(b)
    xy = v[:, -2:] * np.sqrt(np.maximum(w[-2:], 0))
    rel = xy[1:] - xy[0]
    return np.argsort(np.arctan2(rel[:, 1], rel[:, 0]), kind="stable")


def _loop(net: Network, nodes: list[int]) -> Loop:
    path = [0, *nodes, 0]
    seconds = float(sum(net.times[a, b] for a, b in zip(path, path[1:], strict=False)))
    return Loop(net.lab, tuple(int(net.sites[i - 1]) for i in nodes), seconds)


def solve(net: Network, max_loop: float, capacity: int, stops_max: int, time_limit: float) -> tuple[list[Loop], str]:
    """OR-Tools' routing with the sweep's loops as the count of vehicles to beat; returns the loops and
    how they were found ("solver" or "sweep" when the solver had no better answer in its limits)."""
    start = sweep(net, max_loop, capacity, stops_max)
    if net.sites.size <= 1:
        return start, "sweep"
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2  # only for routes: auto

    n, vehicles = net.sites.size + 1, len(start)
    times = np.floor(net.times).astype(np.int64)  # never above the true times: the sweep's loops stay within max_loop
    manager = pywrapcp.RoutingIndexManager(n, vehicles, 0)
    model = pywrapcp.RoutingModel(manager)
    transit = model.RegisterTransitMatrix(times.tolist())
    model.SetArcCostEvaluatorOfAllVehicles(transit)
    model.AddDimension(transit, 0, int(max_loop), True, "time")
    demand = [0, *np.minimum(np.ceil(net.demand), capacity).astype(int).tolist()]
    model.AddDimensionWithVehicleCapacity(
        model.RegisterUnaryTransitVector(demand), 0, [capacity] * vehicles, True, "load"
    )
    model.AddDimension(model.RegisterUnaryTransitVector([0] + [1] * (n - 1)), 0, stops_max, True, "stops")
    model.SetFixedCostOfAllVehicles(int(max_loop) * 10)  # one loop fewer is worth more than any driving saved
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION
    params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    params.solution_limit = SOLUTIONS
    params.time_limit.FromMilliseconds(max(int(time_limit * 1000), 1))
    initial = model.ReadAssignmentFromRoutes(
        [[manager.NodeToIndex(i) for i in _nodes(net, loop)] for loop in start], True
    )
    found = model.SolveFromAssignmentWithParameters(initial, params) if initial else model.SolveWithParameters(params)
    if found is None:
        return start, "sweep"
    loops = []
    for v in range(vehicles):
        index, nodes = model.Start(v), []
        while not model.IsEnd(index):
            node = manager.IndexToNode(index)
            if node:
                nodes.append(node)
            index = found.Value(model.NextVar(index))
        if nodes:
            loops.append(_loop(net, nodes))
    better = (len(loops), sum(x.seconds for x in loops)) < (len(start), sum(x.seconds for x in start))
    return (loops, "solver") if better else (start, "sweep")


def _nodes(net: Network, loop: Loop) -> list[int]:
    where = {int(s): i + 1 for i, s in enumerate(net.sites)}
    return [where[s] for s in loop.stops]


def peak_tubes(
    residents: np.ndarray, turnout: float, pool_size: np.ndarray, profile: list, interval: float
) -> np.ndarray:
    """Each site's tubes sealed in one pickup interval at the arrival profile's busiest (`pool_size`: each
    site's residents per tube, `rules.pool_size_rule`)."""
    share_per_s = peak_share([p[0] for p in profile], [p[1] for p in profile])
    return residents * turnout / np.maximum(pool_size, 1) * share_per_s * interval

"""Courier routes (rule R1, docs/routes.md): each route's vehicles leave its lab at every pickup tick (or
as soon as one is back, when all are out), drive to each stop in turn, take the sealed tubes waiting
there (up to the vehicle's capacity), and bring them back. Events per loop and stop, not per tube.

This is the SimPy model of the rule; the compiled loop (`engine/loop.py`, `_route_tick`, `_route_leg`) runs the
same events in the same order, and `tests/engine/test_loop.py` holds the two identical. A loop's legs are
drawn by `LegDraws`, in chunks, so that both drivers read the same numbers."""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial

import numpy as np

from sim.engine import rules
from sim.engine.kernels import current
from sim.engine.pickups import tick_after
from sim.engine.servers import ServerPool
from sim.scenario.routes import Route


class LegDraws:
    """A route's driving times, loop after loop: each loop's legs (one per leg of the route, `Route.legs`),
    drawn `CHUNK` loops at a time, leg by leg, from the route's own stream, so the k-th loop's legs are the
    same numbers whichever driver takes them (`ahead` gives the first loops' as one array)."""

    CHUNK = 32

    def __init__(self, legs: tuple, make_rng: Callable[[], np.random.Generator]):
        self.legs, self.make_rng, self.rng = legs, make_rng, None
        self.drawn, self.next = np.empty((0, len(legs))), 0

    def __call__(self) -> np.ndarray:
        if self.next == self.drawn.shape[0]:
            if self.rng is None:
                self.rng = self.make_rng()
            self.drawn, self.next = self._chunk(self.rng), 0
        self.next += 1
        return self.drawn[self.next - 1]

    def _chunk(self, rng: np.random.Generator) -> np.ndarray:
        return np.column_stack([leg.sample(rng, self.CHUNK) for leg in self.legs])

    def ahead(self, loops: int) -> np.ndarray:
        """The first `loops` loops' legs (rounded up to whole chunks), [loop, leg], from a generator of their
        own: what so many calls would return."""
        rng = self.make_rng()
        chunks = [self._chunk(rng) for _ in range(-(-loops // self.CHUNK))]
        return np.concatenate(chunks) if chunks else np.empty((0, len(self.legs)))


class Courier:
    """One route: its loops and what they carried (routes.csv)."""

    def __init__(self, logi, route: Route, copies: list[list[int]], make_rng: Callable[[], np.random.Generator]):
        self.logi, self.r, self.copies = logi, route, copies
        self.legs = LegDraws(route.legs, make_rng)
        self.stop_group = stop_groups(logi.point_group, copies)
        self.vehicles = ServerPool(route.vehicles)
        self.loops, self.driving, self.tubes = 0, 0.0, 0
        logi.env.process(self._departures())

    def done(self) -> bool:
        logi = self.logi
        return all(logi.done[p] >= logi.point_tubes[p].seal.size for stop in self.copies for p in stop)

    def _departures(self):
        env, rnd = self.logi.env, self.logi.rnd
        k = first_tick(self.logi)
        while not self.done():
            yield env.timeout(max(rnd.open + k * rnd.pickup_interval - env.now, 0.0))
            k += 1
            if self.done():  # the last loop out took what was left
                return
            legs = self.legs().copy()
            current(rules.loop_slowed)(legs, 0, legs.size, self.logi.slowdowns, env.now, self.r.lab, self.stop_group, 0)
            start, _back = self.vehicles.take(env.now, _length(legs))  # late back: it leaves at once on return
            env.process(self._loop(start, legs))

    def _loop(self, start: float, legs: np.ndarray):
        logi = self.logi
        env = logi.env
        yield env.timeout(start - env.now)
        room, cargo = float(self.r.capacity or math.inf), []
        for stop, leg in zip(self.copies, legs, strict=False):
            yield env.timeout(leg)
            for p in stop:
                ids = logi.collect(p, room)
                if ids.size:
                    room -= ids.size
                    logi.pickups += 1  # a box from each stop that had tubes
                    cargo.append((ids, logi.point_tubes[p].priority))
        yield env.timeout(legs[-1])
        self.loops += 1
        self.driving += _length(legs)
        for ids, priority in cargo:
            self.tubes += ids.size
            logi.unload(logi.labs[self.r.lab], ids, priority)


def first_tick(logi) -> int:
    """The number of a route's first departure tick: 1, or for a forecast the first tick after its start."""
    rnd = logi.rnd
    return 1 if logi.resumed_at is None else tick_after(rnd.pickup_interval, logi.resumed_at - rnd.open)


def stop_groups(point_group: list[int] | None, copies: list[list[int]]) -> np.ndarray:
    """Each stop's point group (-2: none known), for the slowdowns of the legs that drive to it."""
    return np.array([point_group[stop[0]] if point_group and stop else -2 for stop in copies], np.int64)


def _length(legs: np.ndarray) -> float:
    return current(rules.loop_length)(legs, 0, legs.size)


def couriers(logi, rnd, points, rng: Callable[[int], np.random.Generator]) -> list[Courier]:
    """A courier per route; each stop stands for that site in every round of a campaign."""
    if not rnd.routes:
        return []
    n = rnd.n_points
    known = {p.index for p in points}
    rounds = max(known) // n + 1 if known else 1
    return [
        Courier(logi, r, [[k * n + s for k in range(rounds) if k * n + s in known] for s in r.stops], partial(rng, i))
        for i, r in enumerate(rnd.routes)
    ]

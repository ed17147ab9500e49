"""Courier routes (rule R1, docs/routes.md): each route's vehicles leave its lab at every pickup tick (or
as soon as one is back, when all are out), drive to each stop in turn, take the sealed tubes waiting
there (up to the vehicle's capacity), and bring them back. Events per loop and stop, not per tube."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from sim.engine.pickups import tick_after
from sim.engine.servers import ServerPool
from sim.scenario.routes import Route


class Courier:
    """One route: its loops and what they carried (routes.csv)."""

    def __init__(self, logi, route: Route, copies: list[list[int]], rng: np.random.Generator):
        self.logi, self.r, self.copies, self.rng = logi, route, copies, rng
        self.vehicles = ServerPool(route.vehicles)
        self.loops, self.driving, self.tubes = 0, 0.0, 0
        logi.env.process(self._departures())

    def done(self) -> bool:
        logi = self.logi
        return all(logi.done[p] >= logi.point_tubes[p].seal.size for stop in self.copies for p in stop)

    def _departures(self):
        env, rnd = self.logi.env, self.logi.rnd
        k = 1
        if self.logi.resumed_at is not None:  # a forecast: loops leave from the first tick after its start
            k = tick_after(rnd.pickup_interval, self.logi.resumed_at - rnd.open)
        while not self.done():
            yield env.timeout(max(rnd.open + k * rnd.pickup_interval - env.now, 0.0))
            k += 1
            if self.done():  # the last loop out took what was left
                return
            legs = [float(leg.sample(self.rng, 1)[0]) for leg in self.r.legs]
            start, _back = self.vehicles.take(env.now, sum(legs))  # late back: it leaves at once on return
            env.process(self._loop(start, legs))

    def _loop(self, start: float, legs: list[float]):
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
        self.driving += sum(legs)
        for ids, priority in cargo:
            self.tubes += ids.size
            logi.unload(logi.labs[self.r.lab], ids, priority)


def couriers(logi, rnd, points, rng: Callable[[int], np.random.Generator]) -> list[Courier]:
    """A courier per route; each stop stands for that site in every round of a campaign."""
    if not rnd.routes:
        return []
    n = rnd.n_points
    known = {p.index for p in points}
    rounds = max(known) // n + 1 if known else 1
    return [
        Courier(logi, r, [[k * n + s for k in range(rounds) if k * n + s in known] for s in r.stops], rng(i))
        for i, r in enumerate(rnd.routes)
    ]

"""Trunk links between labs (rule L1, docs/labs.md): tubes one lab sends on wait for the next departure,
every `every` from the round's start or at once when a load fills, and reach the other lab after a
drawn travel time. Events per departure, not per tube."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import simpy

from sim.engine import rules
from sim.engine.draws import Draws
from sim.engine.kernels import current
from sim.scenario.lab_network import Overflow
from sim.scenario.rules import TIME_TOLERANCE


class Trunk:
    """One link, from one lab to one other."""

    def __init__(
        self,
        env: simpy.Environment,
        overflow: Overflow,
        rng: Callable[[], np.random.Generator],
        arrive: Callable[[np.ndarray, bool], None],
    ):
        self.env, self.o, self.arrive = env, overflow, arrive
        self.travel = Draws(overflow.travel, rng)  # in order, so the compiled loop can read them ahead
        self.queue: list[tuple[np.ndarray, bool]] = []  # (tube ids, priority) in the order they came
        self.load = 0
        self.tick_at = math.nan  # the departure already scheduled
        self.departures = 0

    def send(self, ids: np.ndarray, priority: bool) -> None:
        self.queue.append((ids, priority))
        self.load += ids.size
        while self.load >= self.o.capacity:  # a full load leaves at once
            self._depart()
        self._schedule()

    def _schedule(self) -> None:
        if not self.load or self.tick_at > self.env.now:
            return
        self.tick_at = current(rules.next_departure)(self.env.now, self.o.every, TIME_TOLERANCE)
        self.env.timeout(self.tick_at - self.env.now).callbacks.append(self._tick)

    def _tick(self, _event) -> None:
        if self.load:
            self._depart()
        self._schedule()

    def _depart(self) -> None:
        room, cargo = self.o.capacity, []
        while self.queue and room:
            ids, priority = self.queue[0]
            take = ids[:room]
            cargo.append((take, priority))
            room -= take.size
            if take.size == ids.size:
                self.queue.pop(0)
            else:
                self.queue[0] = (ids[take.size :], priority)
        self.load -= sum(ids.size for ids, _priority in cargo)
        self.departures += 1
        travel = self.travel()
        self.env.timeout(travel).callbacks.append(lambda _event, cargo=cargo: [self.arrive(i, p) for i, p in cargo])

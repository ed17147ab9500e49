"""Rule 5, a point's own pickups: a vehicle is requested at every pickup tick with sealed tubes waiting,
when a box fills and at the point's last seal; it takes what is sealed when it gets there.

One SimPy process drives the pickups of every point that ticks, from a heap of their next requests: a city's
points request together at each tick, so one wake-up serves them all, and a request is worked out in full
when it is made (the vehicle, its drive, what it will find), because nothing else collects from such a point.
Each pickup then costs one event, its box's arrival at the lab. A point on a courier route that calls a lab
vehicle when its box fills (`on_full: call`) keeps a process of its own: its route may come first.
The rules (`request_at`, `tick_after`) are `engine/rules.py`'s, which the compiled loop (`engine/loop.py`:
`_request_at`, `_ticking`) calls too; `tests/engine/test_loop.py` holds the two drivers' events identical.
"""

from __future__ import annotations

import heapq
import math

from sim.engine import rules
from sim.engine.kernels import current
from sim.engine.servers import ServerPool
from sim.scenario.rules import TIME_TOLERANCE


def routed_points(logi) -> set[int]:
    """The points a courier route collects from (every round's copy of each stop)."""
    return {p for r in logi.routes for stop in r.copies for p in stop}


def roles(logi, points: list) -> tuple[list, list]:
    """Rule 5 and R2: the points with tubes that tick (on no courier route), and the routed ones that call a
    lab vehicle when a box fills (`on_full: call`; none with `wait`), each in the order given."""
    routed = routed_points(logi)
    ticks = [p for p in points if p.seal.size and p.index not in routed]
    calls = [p for p in points if p.seal.size and p.index in routed] if logi.rnd.on_full == "call" else []
    return ticks, calls


def start(logi, points: list) -> None:
    """Pickups for every point with tubes: one process for those that tick, one each for routed points
    that call a vehicle when a box fills."""
    ticks, calls = roles(logi, points)
    logi.env.process(ticking(logi, ticks))
    for p in calls:
        logi.env.process(calling(logi, p))


def request_at(logi, p, ticks: bool = True) -> float:
    """When point `p` next asks for a vehicle, given what has been picked up (inf: never again)."""
    rnd = logi.rnd
    origin = rnd.open if p.open is None else p.open
    done = logi.done[p.index]
    cap, interval = rnd.box_capacity, rnd.pickup_interval
    return current(rules.request_at)(p.seal, 0, p.seal.size, done, cap, interval, origin, TIME_TOLERANCE, ticks)


def tick_after(interval: float, since_open: float) -> int:
    """`rules.tick_after` at the time tolerance: the pickup tick at or after `since_open` from the opening."""
    return current(rules.tick_after)(interval, since_open, TIME_TOLERANCE)


def pending_since(logi, p) -> float:
    """When a forecast's point asked for the vehicle it still waits for at the start (rule F3; inf: it did not)."""
    if logi.resumed_at is None:
        return math.inf
    t = request_at(logi, p)
    return t if t < logi.resumed_at else math.inf


def dispatch(logi, p, asked: float = math.inf) -> tuple[float, float, float]:
    """A request now (or `asked` before, a forecast's pending one, `rules.drive_out`): the lab's first free
    vehicle drives out. Returns (leaves, at the point, back at the lab)."""
    now = logi.env.now
    vehicles: ServerPool = logi.labs[p.lab].vehicles
    asked = min(asked, now)
    left = current(rules.left_at)(asked, vehicles.earliest(), now)
    there, back = logi.travel_time(p.index, left), logi.travel_time(p.index)
    for _draw in range(rules.REDRAWS):  # a forecast's vehicle under way: its drive ends after now
        if current(rules.under_way)(max(asked, vehicles.earliest()), there, now):
            break
        there = logi.travel_time(p.index, left)
    busy = current(rules.drive_out)(asked, vehicles.earliest(), there, back, now)
    depart, home = vehicles.take(asked, busy)
    return depart, max(depart + there, now), home


def pick(logi, p, depart: float, at: float, home: float) -> None:
    """The vehicle takes what is sealed at `at` and its box reaches the lab at `home`."""
    lab = logi.labs[p.lab]
    ids = logi.collect(p.index, at=at)
    logi.pickups += 1
    lab.busy["vehicles"].add(depart, home)
    logi.env.timeout(home - logi.env.now).callbacks.append(lambda _, ids=ids: logi.unload(lab, ids, p.priority))


def ticking(logi, points: list):
    """The pickups of every point that ticks (a SimPy process)."""
    env = logi.env
    # Requests at the same time (a tick) take vehicles in the order they were made ready: by when the
    # point's last vehicle got there, then first come first served, as a process per point would.
    # A forecast's requests from before its start go first, in the order they were made (rule F3).
    asked = {p.index: pending_since(logi, p) for p in points}
    heap = [(min(max(request_at(logi, p), env.now), asked[p.index]), env.now, k, p.index) for k, p in enumerate(points)]
    heap = [h for h in heap if h[0] < math.inf]
    heapq.heapify(heap)
    made = len(points)
    while heap:
        t, _, _, i = heapq.heappop(heap)
        if t > env.now:
            yield env.timeout(t - env.now)
        p = logi.point_tubes[i]
        depart, at, home = dispatch(logi, p, asked.pop(i, math.inf))
        pick(logi, p, depart, at, home)
        nxt = request_at(logi, p)
        if nxt < math.inf:
            heapq.heappush(heap, (max(nxt, at), at, made, i))
            made += 1


def calling(logi, p):
    """A routed point that calls a lab vehicle when a box fills (a SimPy process): its route may collect
    first, so it looks again when its vehicle gets there."""
    env = logi.env
    while True:
        done, t = logi.done[p.index], request_at(logi, p, ticks=False)
        if t == math.inf:
            return
        yield env.timeout(max(t - env.now, 0.0))
        if logi.done[p.index] > done:  # the route came first: look again
            continue
        depart, at, home = dispatch(logi, p)
        yield env.timeout(at - env.now)  # the request stays outstanding until the vehicle is here
        pick(logi, p, depart, at, home)

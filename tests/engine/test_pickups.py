"""Rule 5 driven from one heap of requests, against the rule written as one SimPy process per point (how
the engine ran it before): the same pickups, tube for tube, when vehicles are scarce and points tick together."""

import math
from functools import partial

import numpy as np

from sim.core.streams import stream
from sim.engine import pickups
from sim.engine.logistics import Logistics, PointTubes
from sim.scenario.build import round_from_text

BASE = """
name: pickups
deadline: 24h
arrivals: {profile: [[0h, 1], [1h, 0]]}
sampling: {service_time: 30s, pool_size: 10}
points:
  - {name: p, count: 1, residents: 100, tables: 1, lab: lab, travel_time: 10m}
transport: {pickup_interval: 30m, box_capacity: 5, vehicles: {lab: VEHICLES}}
labs:
  - {name: lab, extractors: 50, pcr_machines: 50, plate_size: 94, extraction_time: 1h, pcr_time: 2h,
     max_plate_wait: 30m, report_delay: 15m}
"""


def per_point_process(logi, p):
    """Rule 5 as a process of the point's own: request, wait for the vehicle, take what is sealed."""
    env = logi.env
    while logi.done[p.index] < p.seal.size:
        yield env.timeout(max(pickups.request_at(logi, p) - env.now, 0.0))
        depart, at, home = pickups.dispatch(logi, p)
        yield env.timeout(at - env.now)
        pickups.pick(logi, p, depart, at, home)


def run(seals, vehicles, one_process_per_point):
    rnd = round_from_text(BASE.replace("VEHICLES", str(vehicles)))
    points, first = [], 0
    for i, s in enumerate(seals):
        points.append(PointTubes(i, 0, np.sort(s), first))
        first += s.size
    draws = [np.random.default_rng(i) for i in range(len(seals))]
    travel = [lambda r=r: float(r.uniform(300, 1500)) for r in draws]
    start = pickups.start
    if one_process_per_point:
        pickups.start = lambda logi, pts: [logi.env.process(per_point_process(logi, p)) for p in pts]
    try:
        logi = Logistics(rnd, points, np.ones(first, np.int64), {}, lambda t: 0, partial(stream, 9, 0, 2), travel)
    finally:
        pickups.start = start
    logi.run()
    return logi


def test_one_heap_picks_up_what_a_process_per_point_would():
    rng = np.random.default_rng(4)
    for vehicles in (1, 3, 40):
        seals = [rng.uniform(0, 4 * 3600, int(rng.integers(1, 40))) for _ in range(25)]
        a, b = run(seals, vehicles, False), run(seals, vehicles, True)
        assert np.array_equal(a.picked, b.picked) and np.array_equal(a.at_lab, b.at_lab)
        assert a.pickups == b.pickups
        assert np.isfinite(a.picked).all()


def test_a_request_comes_at_the_tick_a_full_box_or_the_last_seal_whichever_first():
    logi = run([np.array([10.0, 20.0, 30.0]) * 60], 1, False)
    p = logi.point_tubes[0]
    logi.done[0] = 0
    assert pickups.request_at(logi, p) == 30 * 60  # the 30-minute tick, which is also the last seal
    logi.done[0] = 3
    assert pickups.request_at(logi, p) == math.inf  # nothing left
    seals = [np.arange(1, 8) * 60.0]  # a box of 5 fills at 5 min, before the first tick
    logi = run(seals, 1, False)
    logi.done[0] = 0
    assert pickups.request_at(logi, logi.point_tubes[0]) == 5 * 60
    assert pickups.request_at(logi, logi.point_tubes[0], ticks=False) == 5 * 60


def test_ticks_count_from_one_after_the_opening_and_a_time_on_a_tick_is_that_tick():
    assert pickups.tick_after(1800.0, 0.0) == 1 and pickups.tick_after(1800.0, -600.0) == 1
    assert pickups.tick_after(1800.0, 1800.0) == 1 and pickups.tick_after(1800.0, 1800.0 + 1e-12) == 1
    assert pickups.tick_after(1800.0, 1801.0) == 2

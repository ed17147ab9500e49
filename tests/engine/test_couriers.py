"""Rule R1 by hand: one route, fixed driving times and fixed seal times give exactly the pickup and
lab-arrival times a hand computation gives; a vehicle back late leaves at once; capacity leaves tubes."""

from __future__ import annotations

from functools import partial

import numpy as np
import pytest

from sim.core.distributions import Fixed
from sim.core.streams import stream
from sim.engine import compiled as engine_compiled
from sim.engine.draws import Draws
from sim.engine.logistics import Logistics, PointTubes
from sim.scenario.build import round_from_text
from sim.scenario.routes import Route

BASE = """
name: route
deadline: 24h
arrivals: {profile: [[0h, 1], [1h, 0]]}
sampling: {service_time: 30s}
points: [{name: p, count: 2, residents: 100, tables: 1, lab: lab, travel_time: 10m}]
transport: {pickup_interval: 1h, box_capacity: 100, vehicles: {lab: 1}}
labs: [{name: lab, extractors: 4, pcr_machines: 4, extraction_time: 1h, pcr_time: 1h}]
"""
MIN = 60.0


SLOWDOWN = "events: [{kind: travel_slowdown, lab: lab, factor: 2, from: 0h, to: 90m}]\n"


def run(legs_min, capacity=0, vehicles=1, on_full="wait", box=100, compiled=True, slowdown=False):
    rnd = round_from_text(BASE.replace("box_capacity: 100", f"box_capacity: {box}") + (SLOWDOWN if slowdown else ""))
    route = Route("r", 0, vehicles, (0, 1), tuple(Fixed(m * MIN) for m in legs_min), capacity)
    rnd = rnd.with_(routes=(route,), on_full=on_full)
    seals = [np.array([10, 20, 70]) * MIN, np.array([30, 80]) * MIN]
    points = [PointTubes(0, 0, seals[0], 0), PointTubes(1, 0, seals[1], 3)]
    travel = [Draws(Fixed(600.0), partial(np.random.default_rng, k)) for k in range(2)]
    logi = Logistics(rnd, points, np.ones(5, np.int64), {}, lambda t: 0, partial(stream, 0, 0, 2), travel)
    assert engine_compiled.applies(logi)
    logi.run(compiled=compiled)  # the compiled loop, or the SimPy model (both must give the hand's answers)
    return logi


@pytest.mark.parametrize("compiled", [True, False])
def test_one_route_by_hand(compiled):
    logi = run([10, 5, 10], compiled=compiled)
    # Ticks every hour from 0 h. 60 min: leave; stop 1 at 70 takes the tubes sealed by then (10, 20, 70);
    # stop 2 at 75 takes 30; back at 85. Point 2 still has a tube to seal, so the 120 min tick leaves
    # again: stop 1 at 130 (nothing), stop 2 at 135 takes 80; back at 145. Then nothing is left.
    assert (logi.picked / MIN).tolist() == [70, 70, 70, 75, 135]
    assert (logi.at_lab / MIN).tolist() == [85, 85, 85, 85, 145]
    courier = logi.routes[0]
    assert courier.loops == 2 and courier.tubes == 5 and courier.driving == 2 * 25 * MIN
    assert logi.pickups == 3  # a box from each stop that had tubes


@pytest.mark.parametrize("compiled", [True, False])
def test_a_vehicle_back_late_leaves_at_once_and_capacity_leaves_tubes_for_the_next_loop(compiled):
    late = run([40, 10, 40], compiled=compiled)  # a 90 min loop, ticks every 60 min, one vehicle
    # 60: leave, stop 1 at 100 (10, 20, 70), stop 2 at 110 (30, 80); back at 150. The 120 tick finds
    # the vehicle out: it would leave at 150, but nothing is left by then, so the route stops.
    assert (late.picked / MIN).tolist() == [100, 100, 100, 110, 110]
    assert late.routes[0].loops == 1
    full = run([10, 5, 10], capacity=3, compiled=compiled)
    # The first loop fills at stop 1 (3 tubes); stop 2's tube of 30 waits for the next loop (135 min).
    assert (full.picked / MIN).tolist() == [70, 70, 70, 135, 135]


@pytest.mark.parametrize("compiled", [True, False])
def test_on_full_call_sends_a_lab_vehicle_when_a_box_fills_before_the_route(compiled):
    logi = run([10, 5, 10], on_full="call", box=2, compiled=compiled)
    # Point 1's second tube (20 min) fills a box of 2: a lab vehicle is called (10 min there) and takes
    # 10 and 20 at 30 min; the route at 70 takes 70, at 75 takes 30. Point 2's tube of 80 is then alone
    # in its box, which never fills: it waits for the route's next loop (135 min).
    assert (logi.picked / MIN).tolist() == [30, 30, 70, 75, 135]
    assert logi.pickups == 1 + 2 + 1  # the called vehicle, the route's two stops, the route's last stop


@pytest.mark.parametrize("compiled", [True, False])
def test_a_travel_slowdown_stretches_the_legs_of_a_loop_that_leaves_while_it_holds(compiled):
    logi = run([10, 5, 10], slowdown=True, compiled=compiled)
    # The 60 min loop leaves under the lab's slowdown (x2 until 90 min): stop 1 at 80 takes 10, 20, 70;
    # stop 2 at 90 takes 30 and 80; back at 110. Nothing is left at the 120 min tick.
    assert (logi.picked / MIN).tolist() == [80, 80, 80, 90, 90]
    assert (logi.at_lab / MIN).tolist() == [110] * 5
    assert logi.routes[0].loops == 1 and logi.routes[0].driving == 50 * MIN

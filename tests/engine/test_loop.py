"""The compiled loop against the SimPy model: the same crowd, logistics run both ways, and every tube's every
time, every lab's figures and busy intervals, the retests and the clock must be identical, ties included."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import logistics_scenarios, scenarios

from sim.core.distributions import Fixed, Uniform
from sim.engine import compiled
from sim.engine.replication import prepare_logistics
from sim.engine.sampling import simulate_crowd
from sim.engine.timeline import Grid
from sim.scenario.build import build_round, round_from_text
from sim.scenario.load import load_scenario, parse_scenario
from sim.scenario.routes import Route

ROOT = Path(__file__).resolve().parents[2]
TUBES = ("picked", "at_lab", "plated", "result", "plate_of", "ran_at")


def both_ways(rnd, rep: int = 0):
    """The SimPy model's logistics and the compiled loop's, from one crowd."""
    crowd = simulate_crowd(rnd, rep, Grid.for_round(rnd))
    by_simpy, _ = prepare_logistics(rnd, rep, crowd)
    by_simpy.run(compiled=False)
    by_loop, _ = prepare_logistics(rnd, rep, crowd)
    assert compiled.applies(by_loop)
    by_loop.run()
    return by_simpy, by_loop


def assert_identical(a, b) -> None:
    for name in TUBES:
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    for step in a.handled:
        np.testing.assert_array_equal(a.handled[step], b.handled[step], err_msg=step)
    assert (a.pickups, a.plates, len(a.retests)) == (b.pickups, b.plates, len(b.retests))
    for name in ("point", "first_swab", "result"):
        np.testing.assert_array_equal(getattr(a.retests, name), getattr(b.retests, name), err_msg=name)
    for la, lb in zip(a.labs, b.labs, strict=True):
        assert la.stats == pytest.approx(lb.stats, nan_ok=True) and la.plates == lb.plates
        for kind in la.busy:
            assert (la.busy[kind].start, la.busy[kind].end) == (lb.busy[kind].start, lb.busy[kind].end), kind
    assert a.clock == b.clock


TIES = """
name: ties
deadline: 2d
seed: {seed}
arrivals: {{profile: [[0h, 3], [2h, 1], [4h, 0]]}}
sampling: {{service_time: 40s, pool_size: 10}}
points:
  - {{name: a, count: 3, residents: 300, tables: 2, lab: one, travel_time: 10m}}
  - {{name: key, count: 2, residents: 40, tables: 1, lab: two, travel_time: 10m, pool_size: 1, priority: true}}
  - {{name: b, count: 2, residents: 250, tables: 1, lab: two, travel_time: {{dist: uniform, low: 5m, high: 20m}}}}
transport: {{pickup_interval: 30m, box_capacity: {box}, vehicles: {{one: 1, two: 2}}}}
labs:
  - {{name: one, extractors: 1, pcr_machines: 1, plate_size: {plate}, extraction_time: 30m, pcr_time: 1h,
     max_plate_wait: {wait}, report_delay: 10m}}
  - {{name: two, extractors: 2, pcr_machines: 1, plate_size: {plate}, extraction_time: 30m, pcr_time: 40m,
     max_plate_wait: {wait}, report_delay: 0m}}
positives: {{prevalence: 0.02, recall_delay: 30m}}
events:
  - {{kind: travel_slowdown, lab: two, factor: 1.5, from: 1h, to: 3h}}
  - {{kind: lab_surge, lab: one, extractors: 1, pcr_machines: 2, from: 2h, to: 4h}}
  - {{kind: lab_outage, lab: two, extractors: 1, pcr_machines: 1, from: 3h, to: 3h30m}}
"""


@pytest.mark.parametrize(("box", "plate", "wait"), [(10, 8, "0m"), (5, 3, "30m"), (40, 94, "20m"), (1, 1, "10m")])
@pytest.mark.parametrize("seed", [1, 2])
def test_ties_break_as_in_simpy(box, plate, wait, seed):
    # Fixed travel and lab times: boxes, plates and timers meet at the same instants, so the order of
    # events at one time decides which plate takes an extractor and which retest goes first.
    assert_identical(*both_ways(round_from_text(TIES.format(seed=seed, box=box, plate=plate, wait=wait))))


EDGE = """
name: timer meets box
deadline: 2d
seed: 4
arrivals: {profile: [[0h, 1], [4h, 0]]}
sampling: {service_time: 40s, pool_size: 10}
points:
  - {name: a, count: 1, residents: 300, tables: 2, lab: lab, travel_time: 10m}
transport: {pickup_interval: 30m, box_capacity: 100, vehicles: {lab: 1}}
labs:
  - {name: lab, extractors: 4, pcr_machines: 4, plate_size: 96, extraction_time: 30m, pcr_time: 1h,
     max_plate_wait: 30m, report_delay: 10m}
"""


def test_a_plate_timer_and_a_box_at_the_same_instant():
    # Boxes arrive every 30 minutes and a plate waits at most 30: each timer fires as the next box
    # arrives. SimPy wakes the plate former one event after its timer, so the box's tubes join the plate.
    simpy_logi, loop_logi = both_ways(round_from_text(EDGE))
    assert_identical(simpy_logi, loop_logi)
    plates, tubes = np.unique(loop_logi.plate_of, return_counts=True)
    assert plates.size < loop_logi.pickups and tubes.max() > 4  # plates took two boxes' tubes


def test_a_campaign_s_later_rounds_tick_from_their_own_opening():
    assert_identical(*both_ways(build_round(load_scenario(ROOT / "scenarios" / "county-campaign-8-rounds.yaml"))))


@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_random_rounds_give_identical_logistics(sc):
    assert_identical(*both_ways(build_round(parse_scenario(yaml.safe_dump(sc)))))


def resumed_both_ways(rnd, at: float, rep: int = 0, require_plates: bool = True):
    """A forecast's replication from a plain run's own state at `at` (its drill log cut there), by the SimPy
    model and by the compiled loop."""
    from sim.engine.replication import run_replication
    from sim.engine.resume import plan_at, resumed
    from sim.feeds.log import log_from_trace
    from sim.feeds.status import cut_log
    from sim.forecast.outlook import state_of

    grid = Grid.for_round(rnd)
    status = cut_log(log_from_trace(run_replication(rnd, rep, grid, trace=True).trace), rnd, at)
    state, _ = state_of(rnd, status, [plan_at(rnd, rep, grid, at)])
    out = []
    with pytest.MonkeyPatch.context() as mp:
        for engine in ("reference", "compiled"):
            mp.setenv(compiled.ENGINE, engine)
            out.append(resumed(rnd, rep + 1, grid, state)[1])
        assert compiled.applies(out[1])  # the loop ran it
        assert out[1].restored.labs or not require_plates  # with plates or queues to put back
    return out


@pytest.mark.parametrize(("box", "plate", "wait"), [(10, 8, "0m"), (5, 3, "30m"), (40, 94, "20m")])
@pytest.mark.parametrize("at", [1.5, 2.75])
def test_a_round_resumed_at_a_time_gives_identical_logistics(box, plate, wait, at):
    # Key groups, a slowdown, a surge and an outage, boxes on the road, plates in each step and queues at
    # the status time: the loop starts from the same state the SimPy model does, and runs identically.
    rnd = round_from_text(TIES.format(seed=3, box=box, plate=plate, wait=wait))
    assert_identical(*resumed_both_ways(rnd, at * 3600))


@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(logistics_scenarios())
def test_random_rounds_with_key_groups_home_visits_call_slots_surges_and_staffed_labs_are_identical(sc):
    assert_identical(*both_ways(build_round(parse_scenario(yaml.safe_dump(sc)))))


@settings(max_examples=8, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(logistics_scenarios(), st.floats(0.2, 0.8))
def test_random_rounds_resumed_from_their_own_state_are_identical(sc, share):
    rnd = build_round(parse_scenario(yaml.safe_dump(sc)))
    at = rnd.open + share * 6 * 3600  # within the arrivals (up to 6 h after the opening)
    assert_identical(*resumed_both_ways(rnd, at, require_plates=False))


TRUNKS = """
name: trunks
deadline: 2d
seed: {seed}
arrivals: {{profile: [[0h, 3], [2h, 1], [4h, 0]]}}
sampling: {{service_time: 40s, pool_size: 5}}
points:
  - {{name: a, count: 3, residents: 400, tables: 2, lab: one, travel_time: 10m}}
  - {{name: key, count: 2, residents: 60, tables: 1, lab: one, travel_time: 10m, pool_size: 1, priority: true}}
  - {{name: b, count: 2, residents: 300, tables: 1, lab: two, travel_time: {{dist: uniform, low: 5m, high: 20m}}}}
transport: {{pickup_interval: 30m, box_capacity: {box}, vehicles: {{one: 2, two: 2}}}}
labs:
  - {{name: one, extractors: 1, pcr_machines: 1, plate_size: 8, extraction_time: 30m, pcr_time: 40m,
     max_plate_wait: 20m, report_delay: 10m,
     overflow: {{when: {when}, to: [two, ext], trunk: {{travel_time: 40m, every: 1h, capacity: {capacity}}}}}}}
  - {{name: two, extractors: 1, pcr_machines: 1, plate_size: 8, extraction_time: 30m, pcr_time: 40m,
     max_plate_wait: 20m, report_delay: 0m,
     overflow: {{when: 30m, to: [ext], trunk: {{travel_time: {{dist: uniform, low: 20m, high: 50m}}, every: 30m}}}}}}
  - {{name: ext, external: true, extractors: 2, pcr_machines: 2, plate_size: 8, extraction_time: 30m,
     pcr_time: 40m, max_plate_wait: 20m, report_delay: 0m}}
positives: {{prevalence: 0.02, recall_delay: 30m}}
events:
  - {{kind: travel_slowdown, lab: two, factor: 1.5, from: 1h, to: 3h}}
  - {{kind: lab_surge, lab: ext, extractors: 1, pcr_machines: 1, from: 2h, to: 4h}}
"""


@pytest.mark.parametrize(("box", "when", "capacity"), [(10, "16 tubes", 25), (4, "1h", 7), (40, "8 tubes", 1000)])
@pytest.mark.parametrize("seed", [1, 2])
def test_trunks_between_labs_give_identical_logistics(box, when, capacity, seed):
    rnd = round_from_text(TRUNKS.format(seed=seed, box=box, when=when, capacity=capacity))
    a, b = both_ways(rnd)
    assert_identical(a, b)
    assert sum(lab.stats["diverted_out"] for lab in b.labs) > 0  # tubes did go on by trunk
    assert [t.departures for t in a.trunks.values()] == [t.departures for t in b.trunks.values()]


@pytest.mark.parametrize("at", [1.5, 3.0])
def test_a_round_with_trunks_resumed_at_a_time_gives_identical_logistics(at):
    rnd = round_from_text(TRUNKS.format(seed=5, box=10, when="16 tubes", capacity=25))
    assert_identical(*resumed_both_ways(rnd, at * 3600))


def _with_routes(rnd, data, on_full: str):
    """The round with two or three courier routes over some of its points (rule R1), drawn by hypothesis:
    vehicles, a capacity or none, fixed or uniform legs, some points left to tick on their own."""
    n, routes, free = rnd.n_points, [], list(range(rnd.n_points))
    for k in range(data.draw(st.integers(1, 3))):
        if not free:
            break
        stops = data.draw(st.lists(st.sampled_from(free), min_size=1, max_size=min(4, len(free)), unique=True))
        free = [p for p in free if p not in stops]
        legs = tuple(
            Fixed(60.0 * data.draw(st.integers(1, 40)))
            if data.draw(st.booleans())
            else Uniform(60.0 * (lo := data.draw(st.integers(1, 20))), 60.0 * (lo + data.draw(st.integers(1, 30))))
            for _ in range(len(stops) + 1)
        )
        capacity = data.draw(st.sampled_from([0, 0, 3, 25, 200]))
        lab = data.draw(st.integers(0, len(rnd.labs) - 1))
        routes.append(Route(f"r{k}", lab, data.draw(st.integers(1, 3)), tuple(stops), legs, capacity))
    assert n == rnd.n_points
    return rnd.with_(routes=tuple(routes), on_full=on_full)


@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(logistics_scenarios(), st.data(), st.sampled_from(["wait", "call"]))
def test_random_rounds_with_courier_routes_are_identical(sc, data, on_full):
    # Routes (some points on loops, the rest ticking), capacities that leave tubes for the next loop,
    # vehicles back late, and routed points that call a lab vehicle when a box fills.
    rnd = _with_routes(build_round(parse_scenario(yaml.safe_dump(sc))), data, on_full)
    a, b = both_ways(rnd)
    assert_identical(a, b)
    assert [(c.loops, c.driving, c.tubes) for c in a.routes] == [(c.loops, c.driving, c.tubes) for c in b.routes]


@pytest.mark.parametrize("on_full", ["wait", "call"])
@pytest.mark.parametrize("at", [1.5, 2.75])
def test_a_round_with_courier_routes_resumed_at_a_time_gives_identical_logistics(on_full, at):
    rnd = round_from_text(TIES.format(seed=3, box=5, plate=8, wait="20m"))
    legs = (Fixed(600.0), Uniform(300.0, 900.0), Fixed(420.0), Uniform(600.0, 1500.0))
    routes = (Route("r", 0, 1, (0, 2, 5), legs, 40), Route("s", 1, 2, (3, 6), legs[:3], 0))
    a, b = resumed_both_ways(rnd.with_(routes=routes, on_full=on_full), at * 3600)
    assert_identical(a, b)
    assert sum(c.loops for c in b.routes) > 0

"""A replication from the round's state at a time: tubes under way are put back where they are, and
what is left runs by the same rules (closed forms on a one-point round), and a state at the start is a
plain run (the forecast's consistency)."""

from __future__ import annotations

import numpy as np
import pytest

from sim.engine.replication import run_replication
from sim.engine.resume import RoundState, plan_at, resume_replication
from sim.engine.timeline import Grid
from sim.scenario.build import round_from_text

ONE = """
name: one point
deadline: 12h
seed: 1
arrivals: {turnout: 1.0, profile: [[0h, 1], [1h, 0]]}
sampling: {service_time: 30s, pool_size: 10}
points: [{name: p, count: 1, residents: 20, tables: 1, lab: L, travel_time: 30m}]
transport: {pickup_interval: 1h, box_capacity: 100, vehicles: {L: 1}}
labs: [{name: L, extractors: 1, pcr_machines: 1, plate_size: 10, extraction_time: 1h, pcr_time: 1h,
        max_plate_wait: 0s, report_delay: 0s}]
"""
H = 3600.0


def _state(rnd, at, tubes, arrived=20, still=0.0, waiting=(), open_tube=(0,)):
    cols = {
        k: np.array([row[i] for row in tubes], float)
        for i, k in enumerate(("point", "size", "sealed", "picked", "at_lab"))
    }
    cols["point"] = cols["point"].astype(np.int64)
    return RoundState(
        at,
        np.array([arrived]),
        np.array([still]),
        [np.array(waiting, float)],
        [np.array(open_tube)],
        cols,
        np.array([2]),
    )


def test_a_plate_in_extraction_at_the_status_finishes_its_rest_then_pcr():
    rnd = round_from_text(ONE)
    # Ten tubes reached the lab at 5 h; a plate forms at once (no waiting), so at 5.5 h half its hour is left.
    state = _state(rnd, 5.5 * H, [(0, 1, 4 * H, 4.5 * H, 5 * H)] * 10)
    out = resume_replication(rnd, 0, Grid.for_round(rnd), state)
    assert out.last_result_h == pytest.approx(7.0)  # 5 h + 1 h extraction + 1 h PCR
    assert out.lab_last_h[0] == pytest.approx(7.0)


def test_a_box_on_the_road_arrives_after_its_drive():
    rnd = round_from_text(ONE)
    # Picked up at 5 h, a 30 min drive: at the lab at 5.5 h, then 2 h in the lab.
    state = _state(rnd, 5.25 * H, [(0, 1, 4.9 * H, 5 * H, np.nan)] * 10)
    out = resume_replication(rnd, 0, Grid.for_round(rnd), state)
    assert out.last_result_h == pytest.approx(7.5)


def test_an_open_tube_fills_on_from_the_residents_already_in_it():
    rnd = round_from_text(ONE)
    # Seven residents in the table's open tube; three still waiting at 0.5 h fill it (30 s each), and the
    # full tube seals at the third swab, the point's last: a vehicle is called then (30 min there, 30 back).
    state = _state(rnd, 0.5 * H, [], arrived=10, waiting=(0.4 * H,) * 3, open_tube=(7,))
    out = resume_replication(rnd, 0, Grid.for_round(rnd), state)
    assert out.sampling_end_h[0] == pytest.approx(0.5 + 90 / H)
    assert out.last_result_h == pytest.approx(0.5 + 90 / H + 1.0 + 2.0)  # one plate of one tube
    assert out.series["tubes_reported"].sum() == 1  # one tube of ten residents


def test_a_state_at_the_start_is_a_plain_run_within_noise(small_round):
    rnd = small_round
    grid = Grid.for_round(rnd)
    at = -2 * H
    n = rnd.n_points
    empty = {k: np.empty(0) for k in ("size", "sealed", "picked", "at_lab")}
    state = RoundState(
        at,
        np.zeros(n, np.int64),
        np.full(n, rnd.turnout),
        [np.empty(0)] * n,
        [np.zeros(g.tables, np.int64) for g in rnd.groups for _ in range(g.count)],
        {"point": np.empty(0, np.int64), **empty},
        np.zeros(len(rnd.labs), np.int64),
    )
    reps = range(60)
    plain = np.array([run_replication(rnd, r, grid).metrics["results_complete_h"] for r in reps])
    resumed = np.array([resume_replication(rnd, 1000 + r, grid, state).last_result_h for r in reps])
    # Independent streams: the means agree within four standard errors of their difference.
    se = np.sqrt(plain.var(ddof=1) / plain.size + resumed.var(ddof=1) / resumed.size)
    assert abs(plain.mean() - resumed.mean()) < 4 * se
    assert resumed.std(ddof=1) == pytest.approx(plain.std(ddof=1), rel=0.5)
    # The plan seen at a time counts what a run had done by then.
    p = plan_at(rnd, 0, grid, 1 * H)
    full = run_replication(rnd, 0, grid, trace=True).trace
    sampled = np.bincount(full.residents["point"][full.residents["end"] <= H], minlength=n)
    assert p.sampled.tolist() == sampled.tolist()


def _logistics_of(monkeypatch):
    """The logistics a resumed replication ran, kept when its outlook is made."""
    from sim.engine import resume

    kept = []
    real = resume._outlook

    def keep(rnd, grid, state, crowd, logi):
        kept.append(logi)
        return real(rnd, grid, state, crowd, logi)

    monkeypatch.setattr(resume, "_outlook", keep)
    return kept


TWO_PCR = ONE.replace(
    "pcr_machines: 1, plate_size: 10, extraction_time: 1h", "pcr_machines: 2, plate_size: 10, extraction_time: 30m"
)


def test_plates_at_the_status_form_only_on_a_free_extractor():
    rnd = round_from_text(TWO_PCR)
    # One extractor (30 min), two PCR machines (1 h). Ten tubes at 5 h make a plate at once; three at 5.1 h
    # and three at 5.2 h wait for the extractor, which frees at 5.5 h: one plate of six, extracted by 6 h,
    # its PCR on the second machine by 7 h. Forming each batch as if an extractor were free put two small
    # plates on the road to PCR, the second queued behind the first: 7.5 h.
    tubes = [(0, 1, 4 * H, 4.5 * H, 5 * H)] * 10 + [(0, 1, 4 * H, 4.5 * H, 5.1 * H)] * 3
    tubes += [(0, 1, 4 * H, 4.5 * H, 5.2 * H)] * 3
    state = _state(rnd, 5.75 * H, tubes)
    state.plates_running[:] = 3
    out = resume_replication(rnd, 0, Grid.for_round(rnd), state)
    assert out.last_result_h == pytest.approx(7.0)


KEY = """
name: key group in the lab
deadline: 12h
seed: 1
arrivals: {turnout: 1.0, profile: [[0h, 1], [1h, 0]]}
sampling: {service_time: 30s, pool_size: 10}
points:
  - {name: p, count: 1, residents: 100, tables: 1, lab: L, travel_time: 30m}
  - {name: key, count: 1, residents: 100, tables: 1, lab: L, travel_time: 30m, priority: true}
transport: {pickup_interval: 1h, box_capacity: 100, vehicles: {L: 1}}
labs: [{name: L, extractors: 1, pcr_machines: 1, plate_size: 10, extraction_time: 1h, pcr_time: 1h,
        max_plate_wait: 0s, report_delay: 0s}]
"""


def test_key_group_tubes_already_in_a_lab_keep_their_priority(monkeypatch):
    rnd = round_from_text(KEY)
    kept = _logistics_of(monkeypatch)
    # A plate of the ordinary point's tubes in extraction since 4.9 h; ten more of its tubes came at 5.0 h,
    # then ten of the key group's at 5.1 h. When the extractor frees at 5.9 h the key group goes first.
    tubes = [(0, 1, 4 * H, 4.5 * H, 4.9 * H)] * 10 + [(0, 1, 4 * H, 4.5 * H, 5.0 * H)] * 10
    tubes += [(1, 1, 4 * H, 4.5 * H, 5.1 * H)] * 10
    cols = {
        k: np.array([row[i] for row in tubes], float)
        for i, k in enumerate(("point", "size", "sealed", "picked", "at_lab"))
    }
    cols["point"] = cols["point"].astype(np.int64)
    state = RoundState(
        5.2 * H, np.array([100, 100]), np.zeros(2), [np.empty(0)] * 2, [np.zeros(1, np.int64)] * 2, cols, np.array([2])
    )
    resume_replication(rnd, 0, Grid.for_round(rnd), state)
    logi = kept[0]
    point = np.repeat([0, 1], [20, 10])
    result = logi.result[: point.size]
    assert result[point == 1].max() / H == pytest.approx(7.9)  # the key group's plate at 5.9 h, then PCR
    assert result[point == 0][10:].min() / H == pytest.approx(8.9)  # the ordinary tubes after it


def test_a_drive_under_way_at_the_status_is_slowed_as_a_run_s_would_be():
    slow = ONE + "events: [{kind: travel_slowdown, lab: L, factor: 3, from: 4h, to: 6h}]\n"
    rnd = round_from_text(slow)
    # Picked up at 5 h inside a threefold slowdown: the 30 min drive takes 1.5 h, so the box is at the lab at
    # 6.5 h, then 2 h in the lab (without the slowdown it came at 5.5 h: 7.5 h).
    state = _state(rnd, 5.25 * H, [(0, 1, 4.9 * H, 5 * H, np.nan)] * 10)
    out = resume_replication(rnd, 0, Grid.for_round(rnd), state)
    assert out.last_result_h == pytest.approx(8.5)


def test_positives_in_tubes_from_before_the_status_are_rule_7_s_draw_over_residents(monkeypatch):
    from sim.engine import resume

    rnd = round_from_text(ONE + "positives: {prevalence: 0.000001, recall_delay: 30m}\n")
    kept = _logistics_of(monkeypatch)
    drawn = []

    def everyone(rnd_, rng, n):  # rule 7's draw, told that every resident is positive
        drawn.append(n)
        return np.arange(n)

    monkeypatch.setattr(resume, "positives", everyone)
    # Four tubes of five residents each, sealed and waiting at the point at 2 h.
    state = _state(rnd, 2 * H, [(0, 5, 1.5 * H, np.nan, np.nan)] * 4, waiting=(), open_tube=(0,))
    resume_replication(rnd, 0, Grid.for_round(rnd), state)
    assert 20 in drawn  # one draw over the twenty residents in those tubes
    assert kept[0].is_positive[:4].all()


TWO = ONE.replace("count: 1, residents: 20", "count: 2, residents: 10").replace(
    "extractors: 1, pcr_machines: 1", "extractors: 2, pcr_machines: 2"
)


def _two(at, tubes, arrived=(10, 10)):
    """A state of TWO (two points, one vehicle, fixed 30 min drives): `tubes` rows (point, size, sealed,
    picked, at_lab); nobody left to come."""
    cols = {
        k: np.array([row[i] for row in tubes], float)
        for i, k in enumerate(("point", "size", "sealed", "picked", "at_lab"))
    }
    cols["point"] = cols["point"].astype(np.int64)
    n = len(arrived)
    return RoundState(
        at, np.array(arrived), np.zeros(n), [np.empty(0)] * n, [np.zeros(1, np.int64)] * n, cols, np.array([4])
    )


@pytest.mark.parametrize("engine", ["compiled", "reference"])
def test_the_vehicle_driving_a_box_back_is_busy_until_it_arrives(engine, monkeypatch):
    monkeypatch.setenv("NATSIM_ENGINE", engine)
    rnd = round_from_text(TWO)
    # The only vehicle picked up point 0's box at 5 h (at the lab 5.5 h); point 1's tube, sealed at 4.9 h, waits
    # for it: there at 6 h, at the lab 6.5 h, 2 h in the lab. Before, the vehicle was free at 5.25 h (8.25 h).
    state = _two(5.25 * H, [(0, 10, 4.8 * H, 5 * H, np.nan), (1, 10, 4.9 * H, np.nan, np.nan)])
    out = resume_replication(rnd, 0, Grid.for_round(rnd), state)
    assert out.lab_last_h[0] == pytest.approx(8.5)


@pytest.mark.parametrize("engine", ["compiled", "reference"])
def test_a_pickup_asked_before_time_left_when_the_vehicle_came_back(engine, monkeypatch):
    monkeypatch.setenv("NATSIM_ENGINE", engine)
    rnd = round_from_text(TWO)
    # The vehicle was back at 4.6 h with point 0's box; point 1's last tube sealed at 4.5 h asked for it then, so
    # it left at 4.6 h. Not there by 5.25 h (the log shows the tube waiting), it gets there at 5.25 h at the
    # earliest (a fixed drive cannot end later): at the lab 5.75 h, results 7.75 h. Before, it left at 5.25 h.
    state = _two(5.25 * H, [(0, 10, 4 * H, 4.1 * H, 4.6 * H), (1, 10, 4.5 * H, np.nan, np.nan)])
    out = resume_replication(rnd, 0, Grid.for_round(rnd), state)
    assert out.lab_last_h[0] == pytest.approx(7.75)


@pytest.mark.parametrize("engine", ["compiled", "reference"])
def test_a_pickup_asked_before_time_is_slowed_by_what_held_when_its_vehicle_left(engine, monkeypatch):
    monkeypatch.setenv("NATSIM_ENGINE", engine)
    rnd = round_from_text(TWO + "events: [{kind: travel_slowdown, lab: L, factor: 3, from: 4h, to: 5h}]\n")
    # As above, the vehicle left at 4.6 h, inside a threefold slowdown: 1.5 h out, at the point at 6.1 h, back
    # (no slowdown at 5.25 h) at 6.6 h, results at 8.6 h. Slowed by what held at TIME instead: 7.75 h.
    state = _two(5.25 * H, [(0, 10, 4 * H, 4.1 * H, 4.6 * H), (1, 10, 4.5 * H, np.nan, np.nan)])
    out = resume_replication(rnd, 0, Grid.for_round(rnd), state)
    assert out.lab_last_h[0] == pytest.approx(8.6)


# Everyone positive, recalled 1 h after their pool's report, 30 min drives, plates of ten, one extractor (1 h).
RECALLED = ONE.replace("residents: 20", "residents: 30") + "positives: {prevalence: 1.0, recall_delay: 1h}\n"


def _with_reported(rnd, at, tubes, reported: float):
    """A state of RECALLED: `tubes` rows as `_state`'s, and two pools of ten reported at `reported`."""
    state = _state(rnd, at, tubes, arrived=30)
    state.reported = {
        "point": np.zeros(2, np.int64),
        "size": np.full(2, 10),
        "sealed": np.full(2, reported - 3 * H),
        "reported": np.full(2, reported),
        "lab": np.full(2, -1),
    }
    return state


@pytest.mark.parametrize("engine", ["compiled", "reference"])
def test_retests_of_pools_reported_before_time_go_on_the_lab_s_plates_first(engine, monkeypatch):
    monkeypatch.setenv("NATSIM_ENGINE", engine)
    kept = _logistics_of(monkeypatch)
    rnd = round_from_text(RECALLED)
    # Two pools reported at 3 h: recalled at 4 h, their 20 retests at the lab at 4.5 h with a pooled tube. The
    # retests go first: plates of ten at 4.5 h (in extraction at TIME, 5 h) and 5.5 h, the pooled tube at 6.5 h,
    # on the one PCR machine after the others: its result at 8.5 h. Before (no retests): plated at 4.5 h, 6.5 h.
    state = _with_reported(rnd, 5 * H, [(0, 10, 3.5 * H, 4 * H, 4.5 * H)], reported=3 * H)
    out = resume_replication(rnd, 0, Grid.for_round(rnd), state)
    assert out.last_result_h == pytest.approx(8.5)
    retests = kept[0].retests
    assert len(retests) == 30  # the two pools reported before TIME, then the pooled tube's own ten
    assert (retests.result[:20] / H).tolist() == pytest.approx([6.5] * 10 + [7.5] * 10)


@pytest.mark.parametrize("engine", ["compiled", "reference"])
def test_retests_on_the_way_at_time_reach_the_lab_a_drive_after_their_recall(engine, monkeypatch):
    monkeypatch.setenv("NATSIM_ENGINE", engine)
    kept = _logistics_of(monkeypatch)
    rnd = round_from_text(RECALLED)
    # Reported at 4.8 h: recalled at 5.8 h, at the lab at 6.3 h (after TIME, 5 h). The pooled tube at the lab at
    # 4.95 h is plated at once (PCR 5.95-6.95 h); the retests' plates at 6.3 h and 7.3 h, PCR to 8.3 h and 9.3 h.
    state = _with_reported(rnd, 5 * H, [(0, 10, 4 * H, 4.5 * H, 4.95 * H)], reported=4.8 * H)
    out = resume_replication(rnd, 0, Grid.for_round(rnd), state)
    assert out.last_result_h == pytest.approx(6.95)
    assert (kept[0].retests.result[:20] / H).tolist() == pytest.approx([8.3] * 10 + [9.3] * 10)

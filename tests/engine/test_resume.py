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
    cols = {k: np.array([row[i] for row in tubes], float) for i, k in enumerate(("point", "size", "sealed", "picked", "at_lab"))}
    cols["point"] = cols["point"].astype(np.int64)
    return RoundState(
        at, np.array([arrived]), np.array([still]), [np.array(waiting, float)], [np.array(open_tube)], cols, np.array([2])
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

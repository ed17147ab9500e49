"""The logistics' rules as every driver calls them: pickup requests, what a pickup takes, when a plate is
ready, slowdowns."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.engine import rules
from sim.scenario.rules import TIME_TOLERANCE as TOL


def test_a_point_requests_at_its_tick_its_full_box_or_its_last_seal():
    seal = np.array([100.0, 200.0, 300.0, 4000.0, 4100.0])
    # Box of 3, ticks every 1800 s from 0: the first box fills at 300 s, before the first tick.
    assert rules.request_at(seal, 0, 5, 0, 3, 1800.0, 0.0, TOL, True) == 300.0
    # Three picked up: the next tick after 4000 s is 5400 s, but the last seal (4100 s) comes first.
    assert rules.request_at(seal, 0, 5, 3, 3, 1800.0, 0.0, TOL, True) == 4100.0
    assert rules.request_at(seal, 0, 5, 3, 3, 1800.0, 0.0, TOL, False) == math.inf  # no full box left
    assert rules.request_at(seal, 0, 5, 5, 3, 1800.0, 0.0, TOL, True) == math.inf
    # A point's seals in the middle of every point's array, its clock opening at 1000 s.
    both = np.concatenate([[1.0, 2.0], seal])
    assert rules.request_at(both, 2, 5, 0, 10, 1800.0, 1000.0, TOL, True) == 2800.0


def test_the_tick_clock_counts_from_one_and_absorbs_rounding():
    assert rules.tick_after(1800.0, -5.0, TOL) == 1
    assert rules.tick_after(1800.0, 1800.0 * (1 + 1e-15), TOL) == 1
    assert rules.tick_after(1800.0, 1801.0, TOL) == 2


def test_a_pickup_takes_what_is_sealed_up_to_its_room():
    rng = np.random.default_rng(5)
    seal = np.sort(rng.uniform(0, 100, 50))
    for at in rng.uniform(-10, 110, 200):
        assert rules.sealed_by(seal, 0, seal.size, at) == np.searchsorted(seal, at, side="right")
    assert rules.sealed_by(seal, 10, 20, 1e9) == 20
    assert rules.picked_upto(30, 10, math.inf) == 30
    assert rules.picked_upto(30, 10, 5) == 15  # a courier's vehicle with room for five more
    assert rules.picked_upto(8, 10, 5) == 10  # nothing new sealed: nothing taken


@pytest.mark.parametrize(
    ("waiting", "now", "take"),
    [(96, 0.0, 96), (120, 0.0, 96), (10, 100.0, 0), (10, 1800.0, 10), (10, 1800.0 - TOL / 2, 10), (0, 5000.0, 0)],
)
def test_a_plate_takes_a_full_plate_or_all_once_the_oldest_has_waited(waiting, now, take):
    assert rules.plate_take(waiting, 96, 0.0, 1800.0, now, TOL) == take


def test_the_plate_timer_is_what_is_left_of_the_oldest_tube_s_wait():
    assert rules.plate_timer(100.0, 1800.0, 400.0) == 1500.0
    assert rules.plate_timer(100.0, 1800.0, 4000.0) == 0.0


def test_slowdowns_in_force_stretch_a_drive_for_their_lab_or_group():
    slow = np.array([[0.0, 100.0, -1.0, -1.0, 2.0], [50.0, 150.0, 1.0, -1.0, 3.0], [0.0, 1e9, -1.0, 4.0, 5.0]])
    assert rules.slowed(10.0, slow, 60.0, 1, 0) == 60.0  # both the city's and lab 1's
    assert rules.slowed(10.0, slow, 60.0, 0, 0) == 20.0
    assert rules.slowed(10.0, slow, 100.0, 0, 0) == 10.0  # the window ends at 100 s
    assert rules.slowed(10.0, slow, 120.0, 0, 4) == 50.0  # group 4's
    assert rules.slowed(10.0, np.empty((0, 5)), 60.0, 1, 0) == 10.0

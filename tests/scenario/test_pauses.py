from dataclasses import replace

import numpy as np

from sim.scenario.pauses import merge, serving, shift_pauses, table_windows, working
from sim.scenario.round import Blocked, Shifts


def test_shift_pauses_follow_rule_3_with_stagger():
    start, end = shift_pauses(Shifts(100.0, 50.0, stagger=True), 0.0, 2, 400.0)
    assert start[0].tolist() == [100.0, 250.0] and end[0].tolist() == [150.0, 300.0]  # those starting before 400
    assert start[1, :2].tolist() == [175.0, 325.0]  # offset by (100 + 50) / 2


def test_disruptions_merge_with_pauses_and_count_against_tables_working(small_round):
    rnd = replace(small_round, shifts=Shifts(3600.0, 600.0), blocked=(Blocked(0, -1, 3000.0, 4000.0, tables=1),))
    start, end = table_windows(rnd, 0, 1, 2, 9000.0)
    assert start[0, :2].tolist() == [3600.0, 7800.0]  # table 1 (the first) only pauses
    assert start[1, 0] == 3000.0 and end[1, 0] == 4200.0  # table 2: down, then its pause, joined
    assert working(start, end, 3500.0) == 1 and working(start, end, 3700.0) == 0 and working(start, end, 4300.0) == 2
    assert serving(start, end, np.array([0, 1]), np.array([3500.0, 3500.0])).tolist() == [True, False]


def test_merge_joins_overlapping_and_touching_windows():
    w = merge(np.array([[5.0, 6.0], [1.0, 2.0], [2.0, 3.0], [2.5, 4.0]]))
    assert w.tolist() == [[1.0, 4.0], [5.0, 6.0]]


def test_a_table_on_shifts_serves_its_working_share():
    from sim.scenario.pauses import working_share

    assert working_share(Shifts(3 * 3600.0, 900.0)) == 3 * 3600 / (3 * 3600 + 900) and working_share(None) == 1.0

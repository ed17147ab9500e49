"""The compiled loop's heaps against Python's heapq and the SimPy model's ServerPool."""

from __future__ import annotations

import heapq

import numpy as np

from sim.engine import heaps


def test_events_come_out_by_time_then_priority_then_order_made():
    rng = np.random.default_rng(1)
    n = 400
    ev = (np.zeros(n), np.zeros(n, np.int64), np.zeros(n, np.int64), np.zeros((n, 5), np.int64), np.arange(n))
    s = np.zeros(16, np.int64)
    want, got, out = [], [], np.zeros(5, np.int64)
    for k in range(n):  # few distinct times: many ties
        t, prio = float(rng.integers(0, 20)), int(rng.integers(0, 2))
        heaps.ev_push(ev, s, t, prio, 7, k, 0, 0, 0)
        heapq.heappush(want, (t, prio, k))
        if rng.random() < 0.3:  # pops between pushes reuse the freed slots
            got.append((heaps.ev_pop(ev, s, out), int(out[1])))
            t0, _, k0 = heapq.heappop(want)
            assert got[-1] == (t0, k0)
    while s[heaps.N_EV]:
        t = heaps.ev_pop(ev, s, out)
        t0, _, k0 = heapq.heappop(want)
        assert (t, out[0], out[1]) == (t0, 7, k0)
    assert not want


def test_a_full_event_heap_says_so_instead_of_writing_past_its_end():
    ev = (np.zeros(2), np.zeros(2, np.int64), np.zeros(2, np.int64), np.zeros((2, 5), np.int64), np.arange(2))
    s = np.zeros(16, np.int64)
    for t in (1.0, 2.0, 3.0):
        heaps.ev_push(ev, s, t, 1, 0, 0, 0, 0, 0)
    assert s[heaps.STATUS] == heaps.OUT_OF_ROOM and s[heaps.N_EV] == 2


def test_pickup_requests_come_out_as_the_python_heap_orders_them():
    rng = np.random.default_rng(2)
    tk, s, want = np.zeros((300, 4)), np.zeros(16, np.int64), []
    for k in range(300):
        row = (float(rng.integers(0, 5)), float(rng.integers(0, 3)), k, k + 1000)
        heaps.tick_push(tk, s, *row)
        heapq.heappush(want, row)
    while want:
        t, _, _, point = heapq.heappop(want)
        assert heaps.tick_pop(tk, s) == (t, point)

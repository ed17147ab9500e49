"""Identical servers first come, first served; busy intervals recorded."""

from __future__ import annotations

import heapq
import math

import numpy as np

from sim.engine.servers import Busy, ServerPool


def test_a_request_gets_the_server_that_frees_first_and_waits_for_it():
    pool = ServerPool(2)
    assert pool.take(0.0, 10.0) == (0.0, 10.0)
    assert pool.take(1.0, 10.0) == (1.0, 11.0)
    assert pool.take(2.0, 5.0) == (10.0, 15.0)  # both busy: the one free at 10 takes it
    pool.out_of_service(3.0, 100.0)  # the server free at 11 stops after its job, until 100
    assert pool.take(4.0, 1.0) == (15.0, 16.0)
    pool.add(0.0)
    assert pool.take(20.0, 1.0) == (20.0, 21.0)


def test_busy_intervals_are_kept_in_order():
    b = Busy(2)
    b.add(0.0, 1.0)
    b.add(0.5, math.inf)
    assert b.start == [0.0, 0.5] and b.end == [1.0, math.inf]


def test_the_pool_keeps_the_free_times_a_heap_of_servers_would():
    # A list of free times, popped and pushed (what a SimPy Resource's queue amounts to), against the
    # compiled pool: the same starts and the same free times after every take, stop and added server.
    rng = np.random.default_rng(3)
    pool, ref, now = ServerPool(5), [-math.inf] * 5, 0.0
    for _ in range(500):
        now += float(rng.exponential(3.0))
        move = rng.integers(0, 10)
        if move == 0:
            pool.add(now)
            heapq.heappush(ref, now)
        elif move == 1:
            until = now + float(rng.exponential(20.0)) if rng.random() < 0.8 else math.inf
            pool.out_of_service(now, until)
            heapq.heappush(ref, max(max(now, heapq.heappop(ref)), until))
        else:
            d = float(rng.exponential(10.0))
            start = max(now, heapq.heappop(ref))
            heapq.heappush(ref, start + d)
            assert pool.take(now, d) == (start, start + d)
        assert sorted(pool.free[: pool.n].tolist()) == sorted(ref)

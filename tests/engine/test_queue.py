"""The array queue kernel gives exactly the event-by-event FCFS schedule of rules 2 and 3."""

import numpy as np
import simpy
from reference_model import TOL, in_pause

from sim.engine.queue import max_queue, queue_lengths_at, serve_queue
from sim.scenario.pauses import shift_pauses
from sim.scenario.round import Shifts


def event_queue(a, s, tables, open_, length, handover, stagger):
    """Resident by resident in SimPy: free, unpaused tables take the queue's head, lowest index first."""
    env = simpy.Environment(initial_time=min(a.min(), 0.0))
    queue, idle = [], [True] * tables
    start, table = np.zeros(a.size), np.zeros(a.size, int)
    base = [open_ + (j * (length + handover) / tables if stagger else 0.0) for j in range(tables)]

    def paused(j):
        return length > 0 and in_pause(env.now, base[j], length, handover)

    def dispatch():
        if env.now < open_ - TOL:
            return
        for j in range(tables):
            if queue and idle[j] and not paused(j):
                idle[j] = False
                env.process(serve(j, queue.pop(0)))

    def serve(j, i):
        start[i], table[i] = env.now, j
        yield env.timeout(s[i])
        idle[j] = True
        dispatch()

    def arrive(i):
        yield env.timeout(a[i] - env.now)
        queue.append(i)
        dispatch()

    def wake():
        yield env.timeout(open_ - env.now)
        dispatch()
        if length > 0:
            for t in sorted({b + (k + 1) * (length + handover) for b in base for k in range(100)}):
                yield env.timeout(t - env.now)
                dispatch()

    for i in range(a.size):
        env.process(arrive(i))
    env.process(wake())
    env.run()
    return start, table


def shifted_queue(a, s, tables, open_, length, handover, stagger):
    """The kernel with the shift pauses `sim.scenario.pauses` gives, far past the last possible start."""
    shifts = Shifts(length, handover, stagger) if length > 0 else None
    until = max(a.max(), open_) + s.sum() * (1 + handover / length if length else 1) + 2 * (length + handover) + 1
    return serve_queue(a, s, tables, open_, *shift_pauses(shifts, open_, tables, until))


def test_kernel_matches_event_model_exactly_on_random_inputs():
    rng = np.random.default_rng(5)
    for trial in range(150):
        n = int(rng.integers(1, 250))
        tables = int(rng.integers(1, 6))
        a = np.sort(rng.uniform(-1000, 20000, n))
        s = rng.exponential(rng.uniform(50, 500), n)
        if trial % 3 == 0:
            length, handover, stagger = 0.0, 0.0, False
        else:
            length, handover, stagger = float(rng.uniform(500, 5000)), float(rng.uniform(100, 1000)), bool(trial % 2)
        got = shifted_queue(a, s, tables, 100.0, length, handover, stagger)
        want = event_queue(a, s, tables, 100.0, length, handover, stagger)
        np.testing.assert_allclose(got[0], want[0], err_msg=f"trial {trial}")
        np.testing.assert_array_equal(got[1], want[1], err_msg=f"trial {trial}")


def test_lowest_free_table_serves_and_nobody_starts_early():
    a = np.array([0.0, 0.0, 0.0, 5.0])
    s = np.array([10.0, 10.0, 10.0, 1.0])
    start, table = shifted_queue(a, s, 2, 0.0, 0.0, 0.0, False)
    assert table.tolist() == [0, 1, 0, 1]
    assert start.tolist() == [0.0, 0.0, 10.0, 10.0]


def test_no_service_starts_inside_a_pause_window():
    # One table, 100 s work, 50 s pause: windows [100,150), [250,300), ...
    a = np.zeros(30)
    s = np.full(30, 30.0)
    start, _ = shifted_queue(a, s, 1, 0.0, 100.0, 50.0, False)
    phase = start % 150.0
    assert (phase < 100.0).all()
    assert start[3] == 90.0 and start[4] == 150.0  # the service under way at 100 s is finished


def test_staggered_tables_pause_at_different_times():
    a = np.zeros(200)
    s = np.full(200, 10.0)
    start, table = shifted_queue(a, s, 2, 0.0, 100.0, 50.0, True)
    # Table 1 is offset by 75 s, so it keeps working in table 0's first pause [100, 150).
    in_first_pause = (start >= 100) & (start < 150)
    assert in_first_pause.any() and (table[in_first_pause] == 1).all()


def test_queue_length_counts_only_residents_waiting():
    a = np.array([0.0, 1.0, 2.0, 3.0])
    start = np.array([0.0, 10.0, 20.0, 30.0])
    assert max_queue(a, start, np.empty(0, np.bool_)) == 3
    assert queue_lengths_at(a, start, np.array([0.5, 3.0, 15.0, 40.0])).tolist() == [0, 3, 2, 0]


def test_the_longest_queue_leaves_out_residents_swabbed_at_home():
    rng = np.random.default_rng(4)
    arrival = np.sort(rng.random(500) * 3600)
    start, _ = serve_queue(arrival, rng.exponential(60.0, 500), 2, 0.0)
    home = rng.random(500) < 0.3
    queued = max_queue(arrival[~home], start[~home], np.empty(0, np.bool_))
    assert max_queue(arrival, start, home) == queued < max_queue(arrival, start, np.empty(0, np.bool_))

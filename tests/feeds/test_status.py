"""A drill log read at a time counts exactly what the traced run had done by then; the checked reader refuses
every doubtful status with all its problems at file:line: column, and reads a log as it is."""

from __future__ import annotations

import numpy as np

from sim.engine.replication import run_replication
from sim.feeds.log import log_from_trace, read_log
from sim.feeds.read import read_status
from sim.feeds.status import cut_log

H = 3600.0


def test_a_log_cut_at_a_time_counts_what_the_trace_had_done_by_then(small_round):
    trace = run_replication(small_round, 0, trace=True).trace
    r, t = trace.residents, trace.tubes
    for at in (0.5 * H, 2 * H, 5 * H):
        s = cut_log(log_from_trace(trace), small_round, at)
        assert s.sampled.sum() == np.count_nonzero(r["end"] <= at)
        if (r["end"] > at).any():  # a replay: the rows after TIME show who was queuing then, and are left out
            assert sum(w.size for w in s.waiting) == np.count_nonzero((r["arrival"] <= at) & (r["end"] > at))
            assert s.left_out["swabs"] == np.count_nonzero(r["end"] > at)
        else:  # nothing after TIME: no evidence of a queue, the plan's stands in
            assert s.queue == "plan" and s.left_out["swabs"] == 0
        assert s.tubes_sealed.sum() == np.count_nonzero(t["sealed"] <= at)
        assert s.tubes_picked.sum() == np.count_nonzero(t["picked"] <= at)
        assert s.tubes_received.sum() == np.count_nonzero(t["at_lab"] <= at)
        assert s.tubes_reported.sum() == np.count_nonzero(t["result"] <= at)
        left = (t["sealed"] <= at) & ~(t["result"] <= at)
        assert s.tubes["point"].size == np.count_nonzero(left)
        assert s.tubes["size"].sum() == t["size"][left].sum()
        # Residents swabbed by then but in no tube sealed by then are in the tables' open tubes.
        in_sealed = t["size"][t["sealed"] <= at].sum()
        assert sum(o.sum() for o in s.open_tube) == s.sampled.sum() - in_sealed
        assert s.past["sampled"][1][-1] == s.sampled.sum()


def test_a_log_folder_and_its_trace_read_alike(drill):
    rnd, folder = drill
    a = read_status(folder, rnd, 2 * H)
    b = cut_log(read_log(folder, rnd, None), rnd, 2 * H)
    assert a.kind == "log" and a.totals() == b.totals()

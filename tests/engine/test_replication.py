import numpy as np

from sim.engine.replication import WAIT_BIN_S, run_replication, wait_histogram


def test_conservation_and_the_deadline_flag(small_round):
    r = run_replication(small_round, 0, trace=True)
    t = r.trace.tubes
    assert r.metrics["residents_arrived"] == t["size"].sum() == r.trace.residents["tube"].size
    assert (
        np.all(t["sealed"] <= t["picked"]) and np.all(t["picked"] < t["at_lab"]) and np.all(t["at_lab"] <= t["result"])
    )
    assert r.deadline_met == (r.metrics["results_complete_h"] * 3600 <= small_round.deadline)
    late = run_replication(small_round.with_(deadline=3600.0), 0)
    assert not late.deadline_met and late.metrics["reported_by_deadline"] < 1


def test_same_replication_same_figures(small_round):
    assert run_replication(small_round, 2).metrics == run_replication(small_round, 2).metrics


def test_the_wait_histogram_bins_as_numpy_does_and_leaves_out_home_visits():
    rng = np.random.default_rng(5)
    wait = rng.exponential(600.0, 100_000).astype(np.float32)
    wait[:50] = np.float32(30.0) * rng.integers(0, 40, 50)  # waits on a bin's edge
    wait[50:60] = 0.0
    with_home = np.concatenate((wait, np.full(7, np.nan, np.float32)))
    np.testing.assert_array_equal(
        wait_histogram(with_home), np.bincount((wait / np.float32(WAIT_BIN_S)).astype(np.int64))
    )
    assert wait_histogram(np.full(3, np.nan, np.float32)).size == 0  # everyone swabbed at home

import numpy as np

from sim.engine.replication import run_replication


def test_conservation_and_the_deadline_flag(small_round):
    r = run_replication(small_round, 0, trace=True)
    t = r.trace.tubes
    assert r.metrics["residents_arrived"] == t["size"].sum() == r.trace.residents["tube"].size
    assert np.all(t["sealed"] <= t["picked"]) and np.all(t["picked"] < t["at_lab"]) and np.all(t["at_lab"] <= t["result"])
    assert r.deadline_met == (r.metrics["results_complete_h"] * 3600 <= small_round.deadline)
    late = run_replication(small_round.with_(deadline=3600.0), 0)
    assert not late.deadline_met and late.metrics["reported_by_deadline"] < 1


def test_same_replication_same_figures(small_round):
    assert run_replication(small_round, 2).metrics == run_replication(small_round, 2).metrics

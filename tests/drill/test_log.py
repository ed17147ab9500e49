import numpy as np

from sim.drill.log import log_from_trace, read_log, write_trace
from sim.engine.replication import run_replication


def test_a_trace_written_as_a_log_reads_back_the_same(small_round, tmp_path):
    trace = run_replication(small_round, 0, trace=True).trace
    write_trace(trace, tmp_path, None)
    log = read_log(tmp_path, small_round, None)
    direct = log_from_trace(trace)
    assert log.set_aside == []
    assert log.swabbed.size == direct.swabbed.size
    np.testing.assert_allclose(np.sort(log.swabbed), np.sort(direct.swabbed), atol=0.05)  # written to 0.1 s
    np.testing.assert_allclose(np.sort(log.tubes["reported"]), np.sort(direct.tubes["reported"]), atol=0.05)

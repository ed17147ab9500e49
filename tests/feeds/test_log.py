import numpy as np

from sim.engine.replication import run_replication
from sim.feeds.log import log_from_trace, read_log, write_trace


def test_a_trace_written_as_a_log_reads_back_the_same(small_round, tmp_path):
    trace = run_replication(small_round, 0, trace=True).trace
    write_trace(trace, tmp_path, None)
    log = read_log(tmp_path, small_round, None)
    direct = log_from_trace(trace)
    assert log.set_aside == []
    assert log.swabbed.size == direct.swabbed.size
    np.testing.assert_allclose(np.sort(log.swabbed), np.sort(direct.swabbed), atol=0.05)  # written to 0.1 s
    np.testing.assert_allclose(np.sort(log.tubes["reported"]), np.sort(direct.tubes["reported"]), atol=0.05)


def test_times_read_as_dates_times_of_day_or_durations():
    import datetime as dt

    import pytest

    from sim.feeds.log import parse_time

    start = dt.datetime(2022, 4, 18, 7, 0)
    assert parse_time("2022-04-18T14:00", start) == 7 * 3600
    assert parse_time("14:00", start) == 7 * 3600
    assert parse_time("6:30", start) == 23.5 * 3600  # the first 06:30 after a 07:00 start is the next morning
    assert parse_time("7h", None) == 7 * 3600
    with pytest.raises(ValueError, match="no start"):
        parse_time("14:00", None)

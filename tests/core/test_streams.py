import numpy as np

from sim.core import streams


def test_same_key_same_stream_other_key_other_stream():
    a = streams.stream(7, 0, streams.CROWD, 1, 2).random(5)
    b = streams.stream(7, 0, streams.CROWD, 1, 2).random(5)
    c = streams.stream(7, 1, streams.CROWD, 1, 2).random(5)
    assert np.array_equal(a, b) and not np.array_equal(a, c)


def test_purposes_never_share_replications():
    ranges = {p: streams.replications(p, 1000) for p in streams.FIRST_REPLICATION}
    seen: set[int] = set()
    for r in ranges.values():
        assert seen.isdisjoint(r)
        seen |= set(r)
    assert streams.replications("run", 3) == range(3)

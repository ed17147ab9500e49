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


def test_moving_one_generator_gives_each_stream_as_made_afresh():
    shared = streams.Streams(7)
    for key in [(0, 0, 3, 5), (2, 1, 3), (0, 2, 1, 1), (1, 0, 0, 0, 2)]:
        assert np.array_equal(shared.at(*key).random(9), streams.stream(7, *key).random(9))


def test_streams_are_independent_of_the_order_they_are_made_in():
    first = [streams.stream(7, 0, streams.CROWD, 0, i).random(3) for i in range(4)]
    backwards = [streams.stream(7, 0, streams.CROWD, 0, i).random(3) for i in reversed(range(4))][::-1]
    assert all(np.array_equal(a, b) for a, b in zip(first, backwards, strict=True))


def test_different_addresses_and_seeds_differ_and_trailing_zeros_do_not():
    draws = {
        key: streams.stream(7, *key).random(4).tobytes()
        for key in [(0, 0, 1, 2), (0, 0, 2, 1), (1, 0, 1, 2), (0, 1, 1, 2)]
    }
    assert len(set(draws.values())) == len(draws)
    assert streams.stream(8, 0, 0, 1, 2).random(4).tobytes() != draws[(0, 0, 1, 2)]
    assert np.array_equal(streams.stream(7, 0, 0, 1, 2).random(4), streams.stream(7, 0, 0, 1, 2, 0).random(4))


def test_an_address_out_of_range_is_refused():
    import pytest

    for bad in [(0, 256, 0), (0, 0, 1 << 56), (0, 0, 0, 1 << 32), (-1, 0, 0), (0, 0, 1, 2, 3, 4)]:
        with pytest.raises(ValueError):
            streams.counter(*bad)

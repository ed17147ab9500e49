"""A column keeps what was added, in order, and grows past what was expected."""

from __future__ import annotations

import numpy as np

from sim.engine.columns import Column


def test_pieces_come_back_as_one_array_in_order():
    col = Column(np.float32, expected=10)
    pieces = [np.arange(3.0), np.empty(0), np.arange(4.0) + 10]
    for p in pieces:
        col.next(p.size)[:] = p
    np.testing.assert_array_equal(col.array(), np.concatenate(pieces).astype(np.float32))
    assert col.array().dtype == np.float32


def test_more_than_expected_grows_and_keeps_everything():
    col = Column(np.int32, expected=2)
    for k in range(50):
        col.next(k)[:] = k
    want = np.concatenate([np.full(k, k) for k in range(50)])
    np.testing.assert_array_equal(col.array(), want)

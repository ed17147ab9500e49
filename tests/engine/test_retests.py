"""Retest tubes kept as arrays: ids in recall order, results, and the time to identify each positive."""

import numpy as np

from sim.engine.retests import Retests


def test_a_recalled_pool_gives_one_retest_per_member_its_positives_first():
    r = Retests()
    a = r.recall(point=3, members=4, swabs=[100.0])
    b = r.recall(point=1, members=2000, swabs=[50.0, 60.0])  # grows past its first allocation
    assert a.tolist() == [0, 1, 2, 3] and b[0] == 4 and b[-1] == 2003 and len(r) == 2004
    assert r.point[:5].tolist() == [3, 3, 3, 3, 1]
    assert r.positive.sum() == 3 and r.positive[[0, 4, 5]].all()
    assert np.isnan(r.result).all()
    r.reported(np.array([0, 4, 5]), 1000.0)
    r.reported(b[2:], 2000.0)
    assert sorted(r.identified().tolist()) == [900.0, 940.0, 950.0]
    assert np.isnan(r.result[1:4]).all()  # the pool's negatives of point 3 not yet reported

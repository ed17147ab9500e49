import numpy as np

from sim.engine.sampling import simulate_crowd
from sim.engine.timeline import Grid


def test_every_resident_has_one_tube_and_tubes_are_numbered_across_points(small_round):
    c = simulate_crowd(small_round, 0, Grid.for_round(small_round))
    residents = c.swab_ends.size
    tubes = c.resident_tube
    assert tubes.size == residents == int(np.nansum(c.stats["arrived"]))
    assert np.bincount(tubes).tolist() == c.tube_size.tolist()  # each tube holds the residents pointing to it
    assert [pt.first_tube for pt in c.point_tubes] == [0, c.point_tubes[1].first_tube]
    assert c.timeline["sampled"].sum() == residents


def test_the_crowd_is_a_function_of_round_and_replication(small_round):
    grid = Grid.for_round(small_round)
    a, b, c = (simulate_crowd(small_round, r, grid) for r in (0, 0, 1))
    assert np.array_equal(a.tube_size, b.tube_size) and not np.array_equal(a.waits, c.waits)


def test_queued_waits_leave_out_home_visits_and_copy_nothing_without_them(small_round):
    c = simulate_crowd(small_round, 0, Grid.for_round(small_round))
    assert c.queued_waits() is c.waits  # nobody swabbed at home: the column itself
    c.waits[:3] = np.nan
    np.testing.assert_array_equal(c.queued_waits(), c.waits[3:])

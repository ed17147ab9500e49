import numpy as np
import pytest

from sim.engine.timeline import Grid, add_into, busy_time_until, utilisation


def test_grid_step_suits_the_deadline(small_round):
    g = Grid.for_round(small_round)  # 12 h: 5-minute rows, starting on a row before the profile's -30 min
    assert g.step == 300.0 and g.t0 == -1800.0


def test_an_event_counts_from_the_first_row_at_or_after_it():
    g = Grid(0.0, 60.0)
    assert g.counts(np.array([0.0, 1.0, 60.0, 61.0])).tolist() == [1.0, 2.0, 1.0]


def test_busy_time_and_utilisation():
    s, e = np.array([0.0, 30.0]), np.array([60.0, 90.0])
    assert busy_time_until(s, e, np.array([30.0, 60.0, 120.0])).tolist() == [30.0, 90.0, 120.0]
    u = utilisation(Grid(0.0, 60.0), s, e, 2, 3)
    assert u.tolist() == pytest.approx([0.0, 0.75, 0.25])
    assert add_into(np.zeros(2), np.ones(3)).tolist() == [1.0, 1.0, 1.0]


def test_compiled_rows_are_the_first_row_at_or_after_each_time_as_numpy_writes_it():
    g = Grid(-1800.0, 300.0)
    rng = np.random.default_rng(0)
    for _ in range(300):
        t = rng.uniform(-5000, 1e5, int(rng.integers(1, 3000)))
        if rng.random() < 0.5:
            t = np.round(t / 300) * 300  # on the grid's own times, where the rounding guard matters
        rows = np.maximum(np.ceil((t - g.t0) / g.step - 1e-9), 0).astype(np.int64)
        assert np.array_equal(g.row(t), rows)
        assert np.array_equal(g.counts(t), np.bincount(rows).astype(float))
        assert np.array_equal(g.counts(t, np.ones(t.size)), g.counts(t))
    assert int(g.row(-1800.0)) == 0 and int(g.row(-1799.0)) == 1 and g.row(np.array([[0.0]])).shape == (1, 1)

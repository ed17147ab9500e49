import numpy as np

from sim.engine.figures import per_point, quantile, worst_point


def test_worst_point_skips_points_nobody_came_to():
    assert worst_point(np.array([np.nan, 3.0, 1.0])) == 3.0
    assert worst_point(np.array([np.nan])) is None
    assert quantile(np.empty(0), 0.95) is None


def test_a_campaign_folds_to_one_row_per_point():
    stats = {
        "arrived": np.array([10.0, 0.0, 30.0, 5.0]),  # two rounds of two points
        "wait_mean_min": np.array([1.0, np.nan, 3.0, 2.0]),
        "wait_p95_min": np.array([2.0, np.nan, 1.0, 4.0]),
    }
    out = per_point(stats, 2)
    assert out["arrived"].tolist() == [40.0, 5.0]
    assert out["wait_mean_min"].tolist() == [2.5, 2.0]  # weighted by residents
    assert out["wait_p95_min"].tolist() == [2.0, 4.0]  # the worst round

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


def test_grouped_quantile_is_numpys_quantile_per_group():
    from sim.engine.figures import grouped_quantile

    rng = np.random.default_rng(3)
    values, groups = rng.exponential(300.0, 3000), rng.integers(0, 7, 3000)
    got = grouped_quantile(values, groups, 9, 0.95)
    want = [np.quantile(values[groups == g], 0.95) if (groups == g).any() else np.nan for g in range(9)]
    np.testing.assert_allclose(got, want, rtol=1e-12, equal_nan=True)


def test_walking_metrics_count_residents_within_the_standard():
    from sim.engine.figures import walking_metrics

    walks = [np.array([0.0, 600.0, 900.0], np.float32), np.array([1200.0], np.float32)]
    m = walking_metrics(walks, [w + 60 for w in walks], standard=900.0)
    assert m["within_walk_standard"] == 0.75 and m["walk_max_min"] == 20.0 and m["walk_mean_min"] == 11.25
    assert m["journey_mean_min"] == 12.25


def test_pickups_and_retests_count_what_the_trace_shows(small_text):
    from sim.engine.replication import run_replication
    from sim.scenario.build import round_from_text

    rnd = round_from_text(small_text + "positives: {prevalence: 0.01, recall_delay: 30m}\n")
    rep = run_replication(rnd, 0, trace=True)
    tubes = rep.trace.tubes
    trips = {(int(p), float(t)) for p, t in zip(tubes["point"], tubes["picked"], strict=True)}
    assert rep.metrics["pickups"] == len(trips) > 0  # one vehicle trip per point and pickup time
    assert rep.metrics["retests"] == len(rep.trace.singles) > 0

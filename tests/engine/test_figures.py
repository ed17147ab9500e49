import numpy as np
import pytest

from sim.engine.figures import pairwise_sum, per_point, quantile, worst_point
from sim.engine.replication import run_replication
from sim.scenario.build import round_from_text


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
    assert rep.metrics["retests"] == len(rep.trace.retests) > 0


def test_quantile_is_numpys_bit_for_bit():
    rng = np.random.default_rng(3)
    for _ in range(500):
        x = rng.exponential(100.0, int(rng.integers(1, 2000)))
        if rng.random() < 0.3:
            x = np.round(x)  # ties
        if rng.random() < 0.3:
            x = x.astype(np.float32)  # the waits are kept in float32
        for q in (0.025, 0.5, 0.95, 0.975, 1.0):
            assert quantile(x, q) == float(np.quantile(x, q))
    assert quantile(np.empty(0), 0.95) is None


def test_group_figures_are_the_masked_figures_of_each_groups_residents(small_text):
    text = small_text.replace(
        "  - {name: a, count: 2,",
        "  - {name: b, count: 3, residents: 300, tables: 1, lab: lab1, travel_time: 10m,\n"
        "     home_visits: {share: 0.2, teams: 1, visit_time: 8m, travel_time: 5m}}\n  - {name: a, count: 2,",
    )
    rnd = round_from_text(text)
    rep = run_replication(rnd, 2, trace=True)
    r, t = rep.trace.residents, rep.trace.tubes
    group_of_point = rnd.per_point(lambda g: g.name)
    for name in ("a", "b"):
        mine = group_of_point[r["point"]] == name
        got = rep.groups[name]
        if name == "a":  # (group b's residents swabbed at home have no wait, and the trace cannot tell them)
            assert got["wait_mean_min"] == pytest.approx(
                (r["start"] - r["arrival"])[mine].mean() / 60, rel=1e-6
            )  # kept in float32
        assert got["residents_arrived"] == mine.sum()
        assert got["turnaround_mean_h"] == pytest.approx(
            (t["result"][r["tube"]] - r["end"])[mine].mean() / 3600, rel=1e-12
        )
        tubes = group_of_point[t["point"]] == name
        assert got["results_complete_h"] == pytest.approx(t["result"][tubes].max() / 3600, rel=1e-12)


def test_the_pairwise_sum_is_numpy_s_to_the_bit():
    rng = np.random.default_rng(8)
    for n in [*range(1, 300), 1270, 2140, 9000, 70_000]:
        x = rng.exponential(200.0, n)
        assert pairwise_sum(x, 0, n) / n == x.mean()

import numpy as np
import pytest
from scipy import stats

from sim.core.stats import diff_ci95, mean_ci95, normal_quantile, summarize


def test_interval_is_student_t():
    x = [10.0, 12.0, 11.0, 15.0]
    m, (lo, hi) = mean_ci95(x)
    want = stats.t.interval(0.95, 3, loc=np.mean(x), scale=stats.sem(x))
    assert m == pytest.approx(12.0) and (lo, hi) == pytest.approx(want)


def test_one_value_and_missing_values():
    assert mean_ci95([4.0]) == (4.0, (4.0, 4.0))
    s = summarize([1.0, None, 3.0])
    assert s["mean"] == 2.0 and s["values"] == [1.0, None, 3.0]
    assert summarize([None, None]) == {"mean": None, "ci95": None, "values": None}


def test_paired_difference_is_narrower_when_runs_share_noise():
    rng = np.random.default_rng(1)
    noise = rng.normal(0, 5, 30)
    a, b = 100 + noise, 101 + noise + rng.normal(0, 0.1, 30)
    _, paired = diff_ci95(a, b, paired=True)
    _, welch = diff_ci95(a, b, paired=False)
    assert paired[1] - paired[0] < (welch[1] - welch[0]) / 10
    assert paired[0] < 1 < paired[1]


def test_a_share_gets_a_proportion_interval_inside_0_and_1():
    from sim.core.stats import proportion_ci95

    lo, hi = proportion_ci95([1.0, 1.0, 0.0])
    assert 0.0 <= lo < 2 / 3 < hi <= 1.0
    assert proportion_ci95([1.0] * 10) == [pytest.approx(0.025 ** (1 / 10)), 1.0]  # Clopper-Pearson, 10 of 10


def test_a_prediction_interval_holds_a_new_value_95_percent_of_the_time():
    from sim.core.stats import prediction_interval95

    rng = np.random.default_rng(11)
    for n in (8, 20, 60):  # the t form below 39 values, their own extremes from 39
        trials = 2000
        hits = 0
        for _k in range(trials):
            x = rng.lognormal(0.0, 0.25, n + 1)  # a skewed figure, like a last result
            lo, hi = prediction_interval95(x[:n])
            hits += lo <= x[n] <= hi
        sd = (0.95 * 0.05 / trials) ** 0.5
        assert abs(hits / trials - 0.95) < 4 * sd + 0.01, (n, hits / trials)
    assert prediction_interval95([3.0]) == [3.0, 3.0] and prediction_interval95([]) is None


def test_normal_quantile_inverts_the_normal_cdf():
    for p in (0.025, 0.5, 0.95, 1 - 0.05 / 2680):
        z = normal_quantile(p)
        assert abs(stats.norm.cdf(z) - p) < 1e-12
    assert abs(normal_quantile(0.975) - 1.959964) < 1e-6


def test_a_count_s_interval_never_goes_below_zero():
    # Positives found in 2 replications: 0 and 25. A t interval would reach -12.6; a count's mean cannot.
    s = summarize([0.0, 25.0])
    assert s["ci95"][0] == 0.0 and s["ci95"][1] > 25
    assert summarize([-3.0, 4.0])["ci95"][0] < -3  # a figure that can be negative keeps its t interval

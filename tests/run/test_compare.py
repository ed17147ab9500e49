"""Comparing plans: intervals, paired differences under common random numbers, runs from folders."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from sim.core.stats import diff_ci95, mean_ci95
from sim.report.write import write_results
from sim.run.compare import RunData, comparison_rows, write_comparison
from sim.run.runner import run
from sim.scenario.build import round_from_text

ROOT = Path(__file__).resolve().parents[2]


def test_paired_difference_is_the_interval_of_the_differences():
    a, b = [3.0, 4.0, 5.5, 4.2], [3.5, 4.1, 6.5, 4.4]
    assert diff_ci95(a, b, paired=True) == mean_ci95(np.subtract(b, a))


def test_unpaired_difference_is_welch_from_scipy():
    a, b = [3.0, 4.0, 5.5, 4.2, 3.9], [3.5, 4.9, 6.5, 5.4]
    d, (lo, hi) = diff_ci95(a, b, paired=False)
    ci = stats.ttest_ind(b, a, equal_var=False).confidence_interval(0.95)
    assert d == pytest.approx(np.mean(b) - np.mean(a))
    assert (lo, hi) == pytest.approx((ci.low, ci.high))


@pytest.fixture(scope="module")
def two_plans(small_text):
    rnd = round_from_text(small_text)
    more_tables = rnd.with_(groups=tuple(g.__class__(**{**g.__dict__, "tables": 3}) for g in rnd.groups))
    return run(rnd, 4), run(more_tables, 4)


def test_common_random_numbers_make_differences_sharper(two_plans):
    a, b = (RunData.from_result(r) for r in two_plans)
    b.label = "3 tables"
    rows = {r["figure"]: r for r in comparison_rows([a, b])}
    wait = rows["wait_mean_min"]
    assert wait["paired_1"] and wait["diff_1"] < 0  # more tables, shorter waits
    paired_width = wait["diff_ci95_1"][1] - wait["diff_ci95_1"][0]
    _, (lo, hi) = diff_ci95(a.values("wait_mean_min"), b.values("wait_mean_min"), paired=False)
    assert paired_width < hi - lo
    # Same residents arrive in both plans (common random numbers), replication by replication.
    assert np.array_equal(a.series["arrived"][:, -1], b.series["arrived"][:, -1])


def test_a_plan_against_itself_differs_by_exactly_nothing(two_plans):
    a = RunData.from_result(two_plans[0])
    for row in comparison_rows([a, a]):
        if row.get("diff_1") is not None:
            assert row["diff_1"] == 0 and row["diff_ci95_1"] in ((0, 0), None)  # None: a share (no t interval)


def test_a_share_of_replications_gets_a_proportion_interval(two_plans):
    row = next(r for r in comparison_rows([RunData.from_result(p) for p in two_plans]) if r["figure"] == "deadline_met")
    for i in (0, 1):
        lo, hi = row[f"ci95_{i}"]
        assert 0.0 <= lo <= row[f"mean_{i}"] <= hi <= 1.0


def test_compare_from_folders_equals_compare_from_runs(tmp_path, two_plans, small_text):
    folders = [write_results(r, tmp_path / f"run{i}", small_text, plot=False) for i, r in enumerate(two_plans)]
    from_runs = comparison_rows([RunData.from_result(r) for r in two_plans])
    from_folders = comparison_rows([RunData.from_folder(f) for f in folders])
    assert from_runs == from_folders
    out = write_comparison([RunData.from_folder(f, label=f.name) for f in folders], tmp_path / "cmp")
    assert {p.name for p in out.iterdir()} >= {
        "comparison.csv",
        "comparison.txt",
        "compare_cumulative.png",
        "compare_waits.png",
    }
    with (out / "comparison.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert {r["scenario"] for r in rows} == {"run0", "run1"}


def test_a_share_of_residents_keeps_its_interval_within_0_and_1():
    from sim.run.compare import _within

    assert _within("reported_by_deadline", [0.998, 1.0004]) == [0.998, 1.0]
    assert _within("wait_mean_min", [-1.0, 3.0]) == [-1.0, 3.0]

"""Comparing plans: intervals, paired differences under common random numbers, runs from folders."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from conftest import ROOT, SMALL, round_from_yaml
from scipy import stats
from typer.testing import CliRunner

from sim.cli import app
from sim.compare import RunData, comparison_rows, write_comparison
from sim.results import write_results
from sim.runner import run
from sim.stats import diff_ci95, mean_ci95


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
def two_plans():
    rnd = round_from_yaml(SMALL)
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
            assert row["diff_1"] == 0 and row["diff_ci95_1"] == (0, 0)


def test_compare_from_folders_equals_compare_from_runs(tmp_path, two_plans):
    folders = [write_results(r, tmp_path / f"run{i}", SMALL, plot=False) for i, r in enumerate(two_plans)]
    from_runs = comparison_rows([RunData.from_result(r) for r in two_plans])
    from_folders = comparison_rows([RunData.from_folder(f) for f in folders])
    assert from_runs == from_folders
    out = write_comparison([RunData.from_folder(f, label=f.name) for f in folders], tmp_path / "cmp")
    assert {p.name for p in out.iterdir()} >= {"comparison.csv", "comparison.txt", "compare_cumulative.png", "compare_waits.png"}
    with (out / "comparison.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert {r["scenario"] for r in rows} == {"run0", "run1"}


def test_cli_compare_runs_scenarios_with_the_same_seed(tmp_path):
    quick = ROOT / "scenarios" / "quickstart.yaml"
    other = tmp_path / "more-tables.yaml"
    other.write_text(quick.read_text().replace("tables: 3", "tables: 4").replace("seed: 7", "seed: 99"))
    result = CliRunner().invoke(app, ["compare", str(quick), str(other), "-r", "2", "--out", str(tmp_path / "cmp")])
    assert result.exit_code == 0, result.output
    # Both scenarios are called "Quickstart district", so the table falls back to the file names.
    assert "quickstart" in result.output and "more-tables" in result.output
    assert "paired replication by replication" in result.output  # the second ran with the first's seed
    assert (tmp_path / "cmp" / "compare_cumulative.png").exists()


def test_cli_compare_refuses_a_mix_and_non_runs(tmp_path):
    quick = ROOT / "scenarios" / "quickstart.yaml"
    r = CliRunner().invoke(app, ["compare", str(quick), str(tmp_path)])
    assert r.exit_code == 2
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    r = CliRunner().invoke(app, ["compare", str(tmp_path / "a"), str(tmp_path / "b")])
    assert r.exit_code == 2 and "not a finished natsim results folder" in r.output

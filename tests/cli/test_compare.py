"""Comparing plans: intervals, paired differences under common random numbers, runs from folders."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from sim.cli.app import app

ROOT = Path(__file__).resolve().parents[2]


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
    page = (tmp_path / "cmp" / "report.html").read_text(encoding="utf-8")
    assert "paired replication by replication" in page and page.count("data:image/png;base64,") == 2
    assert "<title>Comparison: quickstart / more-tables</title>" in page  # the plans, not the folder's place


def test_cli_compare_refuses_a_mix_and_non_runs(tmp_path):
    quick = ROOT / "scenarios" / "quickstart.yaml"
    r = CliRunner().invoke(app, ["compare", str(quick), str(tmp_path)])
    assert r.exit_code == 2
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    r = CliRunner().invoke(app, ["compare", str(tmp_path / "a"), str(tmp_path / "b")])
    assert r.exit_code == 2 and "not a finished natsim results folder" in r.output

"""The command line as a planner uses it."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from sim.cli.app import app

ROOT = Path(__file__).resolve().parents[2]

QUICKSTART = ROOT / "scenarios" / "quickstart.yaml"
runner = CliRunner()


def test_help_speaks_to_planners():
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "testing round" in result.output and "deadline" in result.output
    for command in ("run", "validate", "schema"):
        assert runner.invoke(app, [command, "--help"]).exit_code == 0

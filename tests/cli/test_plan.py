"""Sizing a small scenario: the plan verifies, and every value one step smaller fails a target."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from sim.cli.app import app
from sim.scenario.load import load_scenario

ROOT = Path(__file__).resolve().parents[2]
QUICKSTART = ROOT / "scenarios" / "quickstart.yaml"


def test_cli_writes_a_runnable_plan_and_reports_infeasible_limits(tmp_path):
    r = CliRunner().invoke(app, ["size", str(QUICKSTART), "--max-wait", "30m", "-r", "4", "--out", str(tmp_path / "s")])
    assert r.exit_code == 0, r.output
    assert "samplers" in r.output and "one step smaller" in r.output
    plan = load_scenario(tmp_path / "s" / "plan.yaml")  # a complete, valid scenario
    sizing = json.loads((tmp_path / "s" / "sizing.json").read_text())
    assert plan.spec.points[0].tables == sizing["plan"]["groups"][0]["tables_per_point"]
    # The default 15-minute safety margin holds on every verification replication.
    assert sizing["targets"]["margin_h"] == 0.25
    assert max(sizing["verification"]["results_complete_h"]) <= 12 - 0.25
    # The sized plan's bill: its samplers are its tables (one a table a shift) times the shifts they work.
    tables = sizing["plan"]["totals"]["tables"]
    assert sizing["bill"]["samplers"]["per_shift"] == tables and "bill: samplers" in r.output
    page = (tmp_path / "s" / "report.html").read_text(encoding="utf-8")
    assert "A plan meets the targets" in page and "Staff and materials" in page
    tight = CliRunner().invoke(
        app,
        [
            "size",
            str(QUICKSTART),
            "--max-wait",
            "30m",
            "--limit",
            "samplers=20",
            "-r",
            "2",
            "--out",
            str(tmp_path / "t"),
        ],
    )
    assert tight.exit_code == 1
    assert "NO PLAN within the limits" in tight.output and "Binding stage" in tight.output
    bad = CliRunner().invoke(app, ["size", str(QUICKSTART), "--vary", "chairs", "--out", str(tmp_path / "u")])
    assert bad.exit_code == 2


def test_size_on_a_map_sites_then_sizes_and_needs_the_queue_standard(natsim, siting_town, tmp_path):
    r = natsim("size", str(siting_town / "town.yaml"), "-r", "3", "--out", str(tmp_path / "no"))
    assert r.returncode == 2 and "--max-wait" in r.stderr
    r = natsim(
        "size",
        str(siting_town / "town.yaml"),
        "--max-wait",
        "30m",
        "-r",
        "3",
        "--jobs",
        "1",
        "--out",
        str(tmp_path / "s"),
    )
    assert r.returncode == 0, r.stderr
    assert "Siting:" in r.stdout and "Sizing:" in r.stdout
    assert (tmp_path / "s" / "siting" / "sites.csv").exists() and (tmp_path / "s" / "plan.yaml").exists()
    r = natsim("validate", str(tmp_path / "s" / "plan.yaml"))
    assert r.returncode == 0, r.stderr

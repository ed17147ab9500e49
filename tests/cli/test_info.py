"""The command line as a planner uses it."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from sim.cli.app import app

ROOT = Path(__file__).resolve().parents[2]
QUICKSTART = ROOT / "scenarios" / "quickstart.yaml"
runner = CliRunner()


def test_validate_describes_the_round():
    result = runner.invoke(app, ["validate", str(QUICKSTART)])
    assert result.exit_code == 0
    assert "valid scenario" in result.output
    assert "30,000 residents" in result.output and "12 points" in result.output and "Deadline 12 h" in result.output


def test_schema_is_json_schema_of_the_format():
    result = runner.invoke(app, ["schema"])
    schema = json.loads(result.output)
    assert {"name", "deadline", "points", "places", "labs", "transport", "arrivals", "sampling"} <= schema[
        "properties"
    ].keys()
    assert set(schema["required"]) >= {"name", "deadline", "labs"}  # points: or places:, checked by the loader
    assert schema["$defs"]["Walking"]["properties"]["speed"]["pattern"].endswith("(km/h|m/s|m/min)$")

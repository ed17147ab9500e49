"""Drill logs: simulate with a trace, review it, and get the parameters back within sampling error;
malformed rows are set aside row by row with their reasons."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from sim.cli.app import app
from sim.feeds.log import DrillLogError, read_log


def test_missing_columns_refused_and_cli_review_writes_calibrated_scenario(drill, drill_text, tmp_path):
    rnd, folder = drill
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "swabs.csv").write_text("point,swabbed\n")
    (tmp_path / "bad" / "tubes.csv").write_text((folder / "tubes.csv").read_text())
    with pytest.raises(DrillLogError, match="missing column"):
        read_log(tmp_path / "bad", rnd, None)
    scenario = tmp_path / "drill.yaml"
    scenario.write_text(drill_text)
    r = CliRunner().invoke(
        app, ["drill", "review", str(scenario), str(tmp_path / "bad"), "--out", str(tmp_path / "r0")]
    )
    assert r.exit_code == 2 and "missing column" in r.output
    r = CliRunner().invoke(app, ["drill", "review", str(scenario), str(folder), "--out", str(tmp_path / "r")])
    assert r.exit_code == 0, r.output
    from sim.scenario.load import load_scenario

    calibrated = load_scenario(tmp_path / "r" / "calibrated.yaml").spec
    assert calibrated.sampling.service_time.dist in ("lognormal", "gamma")
    assert abs(calibrated.sampling.service_time.mean - 40) < 2
    assert {p.name for p in (tmp_path / "r").iterdir()} >= {
        "review.csv",
        "review.json",
        "set_aside.csv",
        "fit_service.png",
        "observed_vs_plan.png",
        "report.html",
    }
    assert "Observed and simulated" in (tmp_path / "r" / "report.html").read_text(encoding="utf-8")

"""Drill logs: simulate with a trace, review it, and get the parameters back within sampling error;
malformed rows are set aside row by row with their reasons."""

from __future__ import annotations

import csv
import math

import numpy as np
import pytest
from conftest import round_from_yaml
from typer.testing import CliRunner

from sim.cli import app
from sim.drill import DrillLogError, fit_duration, read_log, service_samples
from sim.drill_log import write_trace
from sim.engine import run_replication

DRILL = """
name: drill
deadline: 12h
seed: 5
arrivals: {profile: [[0h, 3], [2h, 2], [4h, 0]]}
sampling:
  service_time: {dist: lognormal, mean: 40s, sd: 15s}
  shifts: {length: 1h, handover: 10m, stagger: true}
points: [{name: school, count: 6, residents: 700, tables: 2, lab: lab, travel_time: {dist: gamma, mean: 20m, sd: 6m}}]
transport: {pickup_interval: 30m, box_capacity: 20, vehicles: {lab: 6}}
labs: [{name: lab, extractors: 3, pcr_machines: 4, extraction_time: 40m, pcr_time: 1h, report_delay: 10m}]
"""


@pytest.fixture(scope="module")
def drill(tmp_path_factory):
    rnd = round_from_yaml(DRILL)
    folder = tmp_path_factory.mktemp("drill")
    write_trace(run_replication(rnd, 0, trace=True).trace, folder, None)
    return rnd, folder


def test_round_trip_recovers_service_and_travel_within_sampling_error(drill):
    rnd, folder = drill
    log = read_log(folder, rnd, None)
    assert log.set_aside == []
    gaps = service_samples(log, rnd)
    fit = fit_duration(gaps)
    assert fit.kind in ("lognormal", "gamma")  # the truth is lognormal; gamma is its close cousin
    # Within four standard errors of a mean of n draws with sd 15 s.
    assert abs(fit.mean - 40) < 4 * 15 / math.sqrt(gaps.size)
    assert abs(fit.sd - 15) < 0.1 * 15
    transit = log.tubes["at_lab"] - log.tubes["picked_up"]
    trips = np.unique(transit)  # tubes of one trip share one draw
    travel = fit_duration(trips)
    assert abs(travel.mean - 1200) < 4 * 360 / math.sqrt(trips.size)


def test_malformed_rows_are_set_aside_with_reasons(drill, tmp_path):
    rnd, folder = drill
    for name in ("swabs.csv", "tubes.csv"):
        (tmp_path / name).write_text((folder / name).read_text())
    with (tmp_path / "swabs.csv").open("a", newline="") as f:
        w = csv.writer(f)
        w.writerow(["nowhere-0001", 1, "", "100s", "T9"])  # unknown point
        w.writerow(["school-0001", 7, "", "100s", "T9"])  # no such table
        w.writerow(["school-0001", 1, "200s", "100s", "T9"])  # joined after the swab
        w.writerow(["school-0001", 1, "", "soon", "T9"])  # unreadable
    with (tmp_path / "tubes.csv").open("a", newline="") as f:
        csv.writer(f).writerow(["T9", "school-0001", "500s", "600s", "700s", "400s"])  # reported before sealed
    log = read_log(tmp_path, rnd, None)
    reasons = [a.reason for a in log.set_aside]
    assert len(reasons) == 5
    assert any("unknown point" in r for r in reasons) and any("table 7" in r for r in reasons)
    assert any("joined the queue after the swab" in r for r in reasons) and any("unreadable" in r for r in reasons)
    assert any("reported before" in r for r in reasons)
    good = read_log(folder, rnd, None)
    assert log.swabbed.size == good.swabbed.size  # every usable row still used


def test_missing_columns_refused_and_cli_review_writes_calibrated_scenario(drill, tmp_path):
    rnd, folder = drill
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "swabs.csv").write_text("point,swabbed\n")
    (tmp_path / "bad" / "tubes.csv").write_text((folder / "tubes.csv").read_text())
    with pytest.raises(DrillLogError, match="missing column"):
        read_log(tmp_path / "bad", rnd, None)
    scenario = tmp_path / "drill.yaml"
    scenario.write_text(DRILL)
    r = CliRunner().invoke(app, ["drill", "review", str(scenario), str(tmp_path / "bad"), "--out", str(tmp_path / "r0")])
    assert r.exit_code == 2 and "missing column" in r.output
    r = CliRunner().invoke(app, ["drill", "review", str(scenario), str(folder), "--out", str(tmp_path / "r")])
    assert r.exit_code == 0, r.output
    from sim.scenario import load_scenario

    calibrated = load_scenario(tmp_path / "r" / "calibrated.yaml").spec
    assert calibrated.sampling.service_time.dist in ("lognormal", "gamma")
    assert abs(calibrated.sampling.service_time.mean - 40) < 2
    assert {p.name for p in (tmp_path / "r").iterdir()} >= {
        "review.csv",
        "review.json",
        "set_aside.csv",
        "fit_service.png",
        "observed_vs_plan.png",
    }


def test_run_sheet_accounts_for_everyone_and_the_pauses():
    from sim.drill import run_sheet

    rnd = round_from_yaml(DRILL)
    sheets = run_sheet(rnd, replications=2)
    arrivals = sum(r["expected_arrivals"] for r in sheets["points"])
    assert arrivals == pytest.approx(rnd.residents * rnd.turnout, rel=0.02)
    # 1 h work + 10 min handover, staggered over 2 tables: table 2 first pauses 35 min after table 1.
    assert sheets["shifts"][0]["pauses"].startswith("1.00h-1.17h")
    assert sheets["shifts"][1]["pauses"].startswith("1.58h-1.75h")
    assert {r["tables_working"] for r in sheets["points"]} <= {1, 2}
    assert len(sheets["pickups"]) == 6 and all(r["pickup_times_h"] for r in sheets["pickups"])
    tubes = sum(r["expected_tubes_arriving"] for r in sheets["labs"])
    assert tubes == pytest.approx(sum(math.ceil(700 / 10) for _ in range(6)), rel=0.1)

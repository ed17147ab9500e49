"""Sweeps: the grid, one folder per cell, sweep.csv, and resuming an interrupted sweep."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from sim.run.runner import run
from sim.run.sweep import SweepError, cells, parse_setting, run_sweep
from sim.scenario.load import ScenarioError


def test_values_split_outside_braces():
    s = parse_setting("sampling.service_time=30s,{dist: uniform, low: 20s, high: 40s}")
    assert s.path == ("sampling", "service_time")
    assert s.values == ("30s", {"dist": "uniform", "low": "20s", "high": "40s"})
    assert parse_setting("points.0.tables=2,3,4").path == ("points", 0, "tables")


def test_grid_is_the_product():
    sets = [parse_setting("points.0.tables=2,3,4"), parse_setting("transport.pickup_interval=30m,1h")]
    assert len(cells(sets)) == 6


@pytest.mark.parametrize("bad", ["points.0.tables", "=3", "points.5.tables=2"])
def test_bad_settings_are_refused(tmp_path, bad, small_text):
    with pytest.raises(SweepError):
        sets = [parse_setting(bad)]
        run_sweep(Path("x.yaml"), small_text, sets, tmp_path / "s", lambda rnd: run(rnd, 1))


def test_invalid_value_names_the_setting(tmp_path, small_text):
    with pytest.raises(ScenarioError, match=r"with points\.0\.tables=0.*points\[0\]\.tables"):
        run_sweep(Path("x.yaml"), small_text, [parse_setting("points.0.tables=2,0")], tmp_path / "s", lambda rnd: run(rnd, 1))
    assert not (tmp_path / "s" / "points.0.tables=2").exists()  # every cell is checked before any runs


def test_sweep_writes_cells_and_resumes(tmp_path, small_text):
    sets = [parse_setting("points.0.tables=1,2"), parse_setting("transport.pickup_interval=30m,1h")]
    calls = []

    def counted(rnd):
        calls.append(rnd)
        return run(rnd, 2)

    out = run_sweep(Path("small.yaml"), small_text, sets, tmp_path / "sweep", counted)
    page = (out / "report.html").read_text(encoding="utf-8")
    assert page.count("<tr>") == 1 + 4  # heading and one row per cell
    assert all((cell / "report.html").exists() for cell in out.iterdir() if cell.is_dir())
    assert len(calls) == 4
    with (out / "sweep.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert [(r["points.0.tables"], r["transport.pickup_interval"]) for r in rows] == [
        ("1", "30m"),
        ("1", "1h"),
        ("2", "30m"),
        ("2", "1h"),
    ]
    waits = {r["points.0.tables"]: float(r["wait_mean_min"]) for r in rows}
    assert waits["1"] > waits["2"]  # fewer tables, longer waits
    assert (out / "sweep.png").exists()
    # Interrupt: one cell lost, one left half-written. --resume reruns just those two.
    shutil.rmtree(out / rows[1]["folder"])
    (out / rows[2]["folder"]).rename(out / (rows[2]["folder"] + ".partial"))
    calls.clear()
    with pytest.raises(SweepError, match="--resume"):
        run_sweep(Path("small.yaml"), small_text, sets, out, counted)
    run_sweep(Path("small.yaml"), small_text, sets, out, counted, resume=True)
    assert len(calls) == 2
    with (out / "sweep.csv").open() as f:
        again = list(csv.DictReader(f))
    assert [r["wait_mean_min"] for r in again] == [r["wait_mean_min"] for r in rows]  # same seed, same figures

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
        run_sweep(
            Path("x.yaml"), small_text, [parse_setting("points.0.tables=2,0")], tmp_path / "s", lambda rnd: run(rnd, 1)
        )
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


@pytest.mark.parametrize(
    ("figure", "label"),
    [("wait_mean_min", "mean wait (min)"), ("results_complete_h", "last pooled result (h since start)")],
)
def test_the_sweep_plot_draws_the_chosen_figure_of_sweep_csv(figure, label, tmp_path, small_text, monkeypatch):
    from sim.report.plots import sweep as plots

    drawn = []
    draw = plots.sweep_plot
    monkeypatch.setattr(plots, "sweep_plot", lambda *args: drawn.append(draw(*args)) or drawn[-1])
    sets = [parse_setting("points.0.tables=1,2")]

    def two(rnd):
        return run(rnd, 2)

    out = run_sweep(Path("small.yaml"), small_text, sets, tmp_path / "sweep", two, plot_figure=figure)
    with (out / "sweep.csv").open() as f:
        rows = list(csv.DictReader(f))
    (ax,) = drawn[0].axes
    (errorbar,) = ax.containers
    csv_digits = {"rel": 1e-4}  # sweep.csv rounds its figures
    assert list(errorbar.lines[0].get_ydata()) == pytest.approx([float(r[figure]) for r in rows], **csv_digits)
    (bars,) = errorbar.lines[2]
    lows = [float(r[f"{figure}_ci95_low"]) for r in rows]
    assert [seg[0, 1] for seg in bars.get_segments()] == pytest.approx(lows, **csv_digits)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["1", "2"]
    assert ax.get_xlabel() == "points.0.tables"
    assert ax.get_ylabel() == label
    deadlines = [ln.get_ydata()[0] for ln in ax.get_lines() if ln.get_label().startswith("deadline")]
    assert deadlines == ([12.0] if figure == "results_complete_h" else [])  # a time is drawn against the deadline

"""`natsim forecast` as a planner runs it: a drill log or counts folder and a time; options side by side;
bad input at file:line with exit 2, never a traceback."""

from __future__ import annotations

import json

import pytest


@pytest.fixture(scope="module")
def scenario(tmp_path_factory, drill_text):
    folder = tmp_path_factory.mktemp("forecast")
    path = folder / "drill.yaml"
    path.write_text(drill_text)
    return path


def counts(folder, points: str, labs: str):
    """A counts folder as a city's systems export it: points.csv and labs.csv, their header and these rows."""
    folder.mkdir()
    (folder / "points.csv").write_text("point,time,sampled,tubes_sealed,tubes_picked_up\n" + points)
    (folder / "labs.csv").write_text("lab,time,tubes_received,tubes_reported\n" + labs)
    return folder


def test_a_forecast_from_a_log_writes_its_folder_and_weighs_the_options(natsim, scenario, drill, tmp_path):
    _rnd, log = drill
    out = tmp_path / "f"
    r = natsim(
        "forecast", str(scenario), str(log), "--at", "2h", "-r", "6", "--add", "vehicles.lab=3", "--out", str(out)
    )
    assert r.returncode == 0, r.stderr
    assert "met with probability" in r.stdout and "With vehicles.lab=3" in r.stdout
    result = json.loads((out / "forecast.json").read_text())
    assert result["at_h"] == 2 and result["replications"] == 6 and len(result["options"]) == 1
    lo, hi = result["last_result_h"]["prediction95"]
    assert lo <= result["last_result_h"]["mean"] <= hi
    for name in ("forecast.png", "report.html", "points.csv", "labs.csv", "options.csv", "set_aside.csv"):
        assert (out / name).stat().st_size > 0
    assert "Forecast at 2.0 h" in (out / "report.html").read_text(encoding="utf-8")
    r = natsim("report", str(out), "--lang", "zh")  # the page drawn again, in Chinese
    assert r.returncode == 0 and "预测" in (out / "report.html").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--at", "soon"], "--at soon"),
        (["--at", "2h", "--add", "vehicles.moon=1"], "no lab named 'moon'"),
    ],
)
def test_bad_options_exit_2(natsim, scenario, drill, tmp_path, args, message):
    r = natsim("forecast", str(scenario), str(drill[1]), *args, "--out", str(tmp_path / "x"))
    assert r.returncode == 2 and message in r.stderr and "Traceback" not in r.stderr


def test_bad_counts_exit_2_naming_file_line_and_column(natsim, scenario, tmp_path):
    status = counts(tmp_path / "status", "school-0001,1h,900,1,0\n", "lab,3h,0,0\n")
    r = natsim("forecast", str(scenario), str(status), "--at", "2h", "--out", str(tmp_path / "x"))
    assert r.returncode == 2, r.stdout
    assert "points.csv:2: sampled: 900 sampled or waiting at school-0001, more than its 700 residents" in r.stderr
    assert "labs.csv:2: time: 3h is after the forecast's time" in r.stderr
    assert not (tmp_path / "x").exists()


def test_a_log_with_rows_it_cannot_use_is_used_and_the_rows_listed(natsim, scenario, drill, tmp_path):
    log = tmp_path / "log"
    log.mkdir()
    for name in ("swabs.csv", "tubes.csv"):
        (log / name).write_text((drill[1] / name).read_text())
    with (log / "swabs.csv").open("a") as f:
        f.write("nowhere-0001,1,,100s,T9\n")  # an unknown point: set aside, the rest used
    r = natsim("forecast", str(scenario), str(log), "--at", "2h", "-r", "3", "--out", str(tmp_path / "f"))
    assert r.returncode == 0, r.stderr
    assert "1 row(s) of the log set aside" in r.stdout
    aside = (tmp_path / "f" / "set_aside.csv").read_text()
    assert "swabs.csv" in aside and "unknown point 'nowhere-0001'" in aside


@pytest.mark.parametrize(
    ("at", "message"),
    [("13h", "--at: 13h is outside the round"), ("67553h", "--at 67553h"), ("-5h", "outside the round")],
)
def test_a_time_outside_the_round_exits_2(natsim, scenario, drill, tmp_path, at, message):
    r = natsim("forecast", str(scenario), str(drill[1]), "--at", at, "--out", str(tmp_path / "x"))
    assert r.returncode == 2 and message in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "x").exists()


def test_an_empty_status_exits_2_and_writes_nothing(natsim, scenario, tmp_path):
    status = counts(tmp_path / "status", "", "")
    r = natsim("forecast", str(scenario), str(status), "--at", "2h", "--out", str(tmp_path / "x"))
    assert (
        r.returncode == 2
        and "points.csv: no row for 6 point(s)" in r.stderr
        and "labs.csv: no row for 1 lab(s)" in r.stderr
    )
    assert not (tmp_path / "x").exists()


def test_a_replayed_log_says_what_it_left_out(natsim, scenario, drill, tmp_path):
    r = natsim("forecast", str(scenario), str(drill[1]), "--at", "2h", "-r", "2", "--out", str(tmp_path / "f"))
    assert r.returncode == 0, r.stderr
    assert "Replay of a fuller log:" in r.stdout and "after TIME left out" in r.stdout
    lo = json.loads((tmp_path / "f" / "forecast.json").read_text())["last_result_h"]["prediction95"][0]
    assert lo >= 2.0  # with two replications Student t is wide: the interval still starts at TIME at the earliest

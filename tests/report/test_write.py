"""The results folder follows results-v1: files, keys, intervals, never overwriting."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
from scipy import stats

from sim.core.stats import mean_ci95, summarize
from sim.report.folder import ResultsFolderError
from sim.report.summary import METRICS, POINT_COLUMNS
from sim.report.write import write_results
from sim.run.runner import run
from sim.scenario.build import round_from_text


@pytest.fixture(scope="module")
def folder(tmp_path_factory, small_text):
    rnd = round_from_text(small_text)
    out = tmp_path_factory.mktemp("run") / "out"
    return write_results(run(rnd, 3), out, small_text, plot=True)


def test_folder_holds_every_contract_file(folder, small_text):
    names = {p.name for p in folder.iterdir()}
    assert {"scenario.yaml", "summary.json", "points.csv", "timeline.csv"} <= names
    assert {"cumulative.png", "queues.png", "waits.png", "utilisation.png"} <= names
    assert (folder / "scenario.yaml").read_text() == small_text
    assert not folder.with_name(folder.name + ".partial").exists()


def test_summary_has_every_v1_metric_with_intervals(folder):
    s = json.loads((folder / "summary.json").read_text())
    assert {
        "natsim_version",
        "scenario",
        "seed",
        "replications",
        "deadline_h",
        "metrics",
        "deadline_met_fraction",
    } <= s.keys()
    assert s["replications"] == 3 and s["deadline_h"] == 12.0
    for k in METRICS:
        m = s["metrics"][k]
        if k.startswith("identified"):
            continue  # no positives in this scenario: null is the contract
        assert len(m["values"]) == 3
        assert m["mean"] == pytest.approx(np.mean(m["values"]))
        assert m["ci95"][0] <= m["mean"] <= m["ci95"][1]
    assert s["metrics"]["identified_mean_h"] == {"mean": None, "ci95": None, "values": None}
    assert 0 <= s["deadline_met_fraction"] <= 1


def test_points_and_timeline_tables(folder):
    with (folder / "points.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert tuple(rows[0]) == POINT_COLUMNS and len(rows) == 2
    assert [r["name"] for r in rows] == ["a-0001", "a-0002"]
    with (folder / "timeline.csv").open() as f:
        tl = list(csv.DictReader(f))
    s = json.loads((folder / "summary.json").read_text())
    last = tl[-1]
    assert float(last["t_h"]) >= max(s["metrics"]["results_complete_h"]["values"])  # last row after last result
    assert float(last["results_reported"]) == pytest.approx(s["metrics"]["residents_arrived"]["mean"])
    assert float(last["tubes_at_lab"]) == pytest.approx(s["metrics"]["tubes"]["mean"])
    for col in ("arrived", "sampled", "tubes_sealed", "tubes_at_lab", "results_reported"):
        v = np.array([float(r[col]) for r in tl])
        assert (np.diff(v) >= -1e-9).all()  # cumulative


def test_refuses_to_overwrite(folder, small_text):
    rnd = round_from_text(small_text)
    with pytest.raises(ResultsFolderError, match="never overwrites"):
        write_results(run(rnd, 1), folder, small_text, plot=False)


def test_ci95_is_student_t_from_scipy():
    x = [3.1, 2.7, 3.9, 3.3, 2.2]
    m, (lo, hi) = mean_ci95(x)
    half = stats.t.ppf(0.975, 4) * np.std(x, ddof=1) / np.sqrt(5)
    assert m == pytest.approx(np.mean(x))
    assert (lo, hi) == pytest.approx((m - half, m + half))
    assert mean_ci95([4.0]) == (4.0, (4.0, 4.0))
    assert summarize([None, None]) == {"mean": None, "ci95": None, "values": None}
    assert summarize([1.0, None, 3.0])["values"] == [1.0, None, 3.0]


def test_same_seed_same_figures_and_replications_are_independent(small_text):
    rnd = round_from_text(small_text)
    a = run(rnd, 2).summary()["metrics"]
    b = run(rnd, 2).summary()["metrics"]
    assert a == b
    assert a["wait_mean_min"]["values"][0] != a["wait_mean_min"]["values"][1]
    c = run(rnd.with_(seed=rnd.seed + 1), 2).summary()["metrics"]
    assert c["wait_mean_min"]["values"] != a["wait_mean_min"]["values"]


def test_labs_csv_has_a_row_per_lab_with_its_figures(folder):
    rows = list(csv.DictReader((folder / "labs.csv").open(encoding="utf-8")))
    assert [r["name"] for r in rows] == ["lab1"]
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    assert float(rows[0]["received"]) == pytest.approx(summary["metrics"]["tubes"]["mean"])
    assert float(rows[0]["diverted_out"]) == 0 and float(rows[0]["last_result_h"]) == pytest.approx(
        summary["metrics"]["results_complete_h"]["mean"]
    )

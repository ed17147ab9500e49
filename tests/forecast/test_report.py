"""The forecast's folder and words: every file written, the printed outlook, the page."""

from __future__ import annotations

import csv
import json

from sim.engine.replication import run_replication
from sim.feeds.log import log_from_trace
from sim.feeds.status import cut_log
from sim.forecast.outlook import parse_adds, run_forecast
from sim.forecast.report import format_forecast, page, write_forecast


def test_the_folder_holds_the_outlook_points_labs_and_options(drill, drill_text, tmp_path):
    rnd, _log = drill
    status = cut_log(log_from_trace(run_replication(rnd, 3, trace=True).trace), rnd, 2 * 3600.0)
    result = run_forecast(rnd, status, 4, parse_adds(["extractors.lab=2"], rnd))
    out = write_forecast(result, rnd, status, drill_text, tmp_path / "f")
    saved = json.loads((out / "forecast.json").read_text())
    assert saved["past"] == status.totals() and "_outlooks" not in saved
    with (out / "points.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert [r["point"] for r in rows] == rnd.point_names()
    assert sum(int(r["sampled"]) for r in rows) == status.sampled.sum()
    text = format_forecast(saved)
    assert f"{saved['deadline_met_probability']:.0%}" in text and "With extractors.lab=2" in text
    assert page(out).title.startswith("Forecast at 2.0 h")

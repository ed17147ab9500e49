"""A replay's export at T holds nothing after T, and everything the log knew by then."""

from __future__ import annotations

import csv
import io
import math

from sim.feeds.log import parse_time
from sim.watch.replay import export_at, log_folder, replay, times

H = 3600.0


def _rows(data: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(data.decode())))


def test_an_export_has_no_future_rows_or_times(log_rows):
    full_swabs = sum(1 for t in log_rows.swab_times if t["swabbed"] <= 2 * H)
    files = export_at(log_rows, 2 * H)
    swabs, tubes = _rows(files["swabs.csv"]), _rows(files["tubes.csv"])
    for row in swabs + tubes:
        for k in ("joined", "swabbed", "sealed", "picked_up", "at_lab", "reported"):
            t = parse_time(row.get(k) or "", None)
            assert math.isnan(t) or t <= 2 * H, (k, row)
    assert sum(1 for r in swabs if r["swabbed"]) == full_swabs
    waiting = [r for r in swabs if not r["swabbed"]]
    assert waiting and all(not r["tube"] for r in waiting)  # in the queue: joined, no swab, no tube yet
    assert len(tubes) == sum(1 for t in log_rows.tube_times if t["sealed"] <= 2 * H)


def test_exports_come_at_their_times_on_the_accelerated_clock(log_rows, tmp_path):
    waits = []
    n = replay(log_rows, tmp_path, 1800.0, 600.0, lambda t: f"{t:.1f}s", sleep=waits.append, begin=0.0)
    assert n == len(times(log_rows, 1800.0)) == len(list(tmp_path.iterdir()))
    last = sorted(tmp_path.iterdir())[-1]
    assert float((last / "at.txt").read_text().strip().rstrip("s")) == log_rows.span()[1]
    assert not any(p.name.startswith("_") for p in tmp_path.iterdir())  # written aside, then renamed in


def test_a_runs_results_folder_is_read_for_its_trace(tmp_path):
    (tmp_path / "trace").mkdir()
    (tmp_path / "trace" / "swabs.csv").write_text("")
    assert log_folder(tmp_path) == tmp_path / "trace"
    assert log_folder(tmp_path / "trace") == tmp_path / "trace"

"""Drill logs: simulate with a trace, review it, and get the parameters back within sampling error;
malformed rows are set aside row by row with their reasons."""

from __future__ import annotations

import csv

from sim.feeds.log import read_log


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

"""Drill logs: simulate with a trace, review it, and get the parameters back within sampling error;
malformed rows are set aside row by row with their reasons."""

from __future__ import annotations

import csv
import math

import numpy as np

from sim.drill.log import read_log
from sim.drill.review import fit_duration, service_samples


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

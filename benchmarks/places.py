"""Places: nearest-site assignment at city scale, and what walking costs a replication.

    .venv/bin/python benchmarks/places.py

1. Assignment: 100,000 compounds and 20,000 sites (longitude/latitude, a city-sized spread), the
   k-d tree search of `sim.core.geo.nearest`, checked against brute force on a sample.
2. One replication of scenarios/xian-on-a-map.yaml against the same round with its catchments removed
   (the same sites, residents, tables, labs and trips; nobody walks): the ratio is the cost of places.
   Each is timed in a fresh process, the order alternated, twice; the ratio of the medians is reported.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]

CHILD = """
import sys, time
from dataclasses import replace
from sim.engine.replication import run_replication
from sim.engine.timeline import Grid
from sim.scenario.build import build_round
from sim.scenario.load import load_scenario
rnd = build_round(load_scenario(sys.argv[1]))
if sys.argv[2] == "without":
    rnd = rnd.with_(groups=tuple(replace(g, catchment=None) for g in rnd.groups), places=None)
run_replication(rnd.with_(groups=rnd.groups[:2]), 0)  # compile the kernel outside the timing
t = time.perf_counter()
run_replication(rnd, 0, Grid.for_round(rnd))
print(time.perf_counter() - t)
"""


def assignment() -> dict:
    from sim.core import geo

    rng = np.random.default_rng(1)
    compounds = np.column_stack((108.9 + rng.normal(0, 0.12, 100_000), 34.26 + rng.normal(0, 0.1, 100_000)))
    sites = np.column_stack((108.9 + rng.normal(0, 0.12, 20_000), 34.26 + rng.normal(0, 0.1, 20_000)))
    t = time.perf_counter()
    idx = geo.nearest(compounds, sites, lonlat=True)
    seconds = time.perf_counter() - t
    sample = rng.choice(100_000, 200, replace=False)
    brute = [int(np.argmin(geo.distance(compounds[i][None, :], sites, True))) for i in sample]
    return {"seconds": seconds, "agrees_with_brute_force": bool(np.all(idx[sample] == brute))}


def replication(kind: str) -> float:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(ROOT / "scenarios" / "xian-on-a-map.yaml"), kind],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    a = assignment()
    print(
        f"assignment of 100,000 compounds to 20,000 sites: {a['seconds']:.2f} s "
        f"(brute force agrees: {a['agrees_with_brute_force']})"
    )
    times: dict[str, list[float]] = {"with": [], "without": []}
    for kind in ("without", "with", "with", "without"):
        times[kind].append(replication(kind))
    w, wo = statistics.median(times["with"]), statistics.median(times["without"])
    print(
        f"xian-on-a-map, one replication: {w:.1f} s with places, {wo:.1f} s without walking: {w / wo:.2f}x (target "
        f"1.3x)"
    )


if __name__ == "__main__":
    main()

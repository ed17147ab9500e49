"""How often the forecast's 95% prediction interval holds the true last result, from statuses as a city's
systems export them at TIME (nothing after it), in three forms:

- counts: points.csv and labs.csv without `waiting` (`counts.write_counts(..., waiting=False)`);
- swabs: a drill log of the swabs taken by TIME and the tubes sealed by then (`log.write_trace(..., at=TIME)`);
- queue: the same log plus a row for each resident who joined the queue by TIME, not swabbed yet (`queue=True`).

For each scenario, seeds 1-10 at four times (40 pairs), 20 replications each, the traced replication's true
last result against the interval. With `--design independent`, 20 traced runs at two times each (seeds
101-120; the town at 4 and 8 h, the quickstart at 5 and 8 h): 40 pairs again, from twice as many runs, so
one run's misses weigh less together. Prints a Markdown table (docs/forecast.md). Run (four to eight
minutes on two busy cores):

    nice .venv/bin/python benchmarks/forecast_coverage.py [--design main|independent] [--seeds 10] [--reps 20]
        [--forms counts,swabs,queue] [--scenarios NAME,...]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from sim.core.stats import share_lower_bound_95
from sim.engine.replication import run_replication
from sim.feeds.counts import write_counts
from sim.feeds.log import write_trace
from sim.feeds.read import read_status
from sim.forecast.outlook import run_forecast
from sim.scenario.build import build_round, round_from_text
from sim.scenario.load import load_scenario

ROOT = Path(__file__).resolve().parents[1]
H = 3600.0

# The small two-group town of issue 27 (25,600 residents, one lab), the tests' town_text.
TOWN = (ROOT / "tests" / "data" / "town.yaml").read_text(encoding="utf-8")

SCENARIOS = {
    "town (issue 27)": (lambda: round_from_text(TOWN), (2.0, 4.0, 8.0, 12.0)),
    "quickstart": (lambda: build_round(load_scenario(ROOT / "scenarios" / "quickstart.yaml")), (2.0, 5.0, 8.0, 10.0)),
}
# The independent design: (first seed, traced runs), and each scenario's two times.
INDEPENDENT = (101, 20), {"town (issue 27)": (4.0, 8.0), "quickstart": (5.0, 8.0)}


def export(form: str, trace, rnd, at: float, folder: Path) -> None:
    """The status in `form` as a system exports it at `at`."""
    if form == "counts":
        write_counts(trace, rnd, at, folder, waiting=False)
    else:
        write_trace(trace, folder, None, [lab.name for lab in rnd.labs], at=at, queue=form == "queue")


def coverage(make, times, form: str, seeds: range, reps: int) -> dict:
    rnd0 = make()
    hits, n, misses = 0, 0, []
    with tempfile.TemporaryDirectory() as tmp:
        for seed in seeds:
            rnd = rnd0.with_(seed=seed)
            trace = run_replication(rnd, 0, trace=True).trace
            truth = float(np.nanmax(trace.tubes["result"])) / H
            for at in times:
                folder = Path(tmp) / f"{form}-{seed}-{at:g}"
                export(form, trace, rnd, at * H, folder)
                result = run_forecast(rnd, read_status(folder, rnd, at * H), reps, [])
                lo, hi = result["last_result_h"]["prediction95"]
                inside = lo <= truth <= hi
                hits += inside
                n += 1
                if not inside:
                    misses.append(f"seed {seed} at {at:g} h: truth {truth:.2f} h, interval {lo:.2f}-{hi:.2f} h")
    return {"hits": hits, "n": n, "misses": misses}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--reps", type=int, default=20)
    ap.add_argument("--forms", default="counts,swabs,queue")
    ap.add_argument("--scenarios", default=",".join(SCENARIOS))
    ap.add_argument("--design", choices=("main", "independent"), default="main")
    args = ap.parse_args(argv)
    rows = []
    t0 = time.perf_counter()
    for name in args.scenarios.split(","):
        make, times = SCENARIOS[name]
        seeds = range(1, args.seeds + 1)
        if args.design == "independent":
            (first, runs), at = INDEPENDENT
            seeds, times = range(first, first + runs), at[name]
        for form in args.forms.split(","):
            c = coverage(make, times, form, seeds, args.reps)
            bound = share_lower_bound_95(c["hits"], c["n"])
            rows.append(f"| {name} | {form} | {c['hits']} of {c['n']} ({c['hits'] / c['n']:.0%}) | {bound:.0%} |")
            print(rows[-1], *("    miss: " + m for m in c["misses"]), sep="\n", flush=True)
    print(f"\n{time.perf_counter() - t0:.0f} s\n")
    print("| scenario | status form | true last result inside the 95% interval | one-sided 95% lower bound |")
    print("| --- | --- | --- | --- |")
    print(*rows, sep="\n")


if __name__ == "__main__":
    main(sys.argv[1:])

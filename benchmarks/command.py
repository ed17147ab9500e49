"""Speed as a user meets it (issue 32): whole commands in fresh processes, each beside its floor or target.

    .venv/bin/python benchmarks/command.py [--runs 3] [first-run] [city] [writing]

- first-run: `natsim run scenarios/quickstart.yaml` with a cold numba cache (an empty NUMBA_CACHE_DIR, as
  on a fresh machine), until it has printed its verdict; target 8 s. Also the same command warm.
- city: `natsim run scenarios/shanghai-2022-04-04.yaml -r 1` end to end against the floor measured in the
  same run (a fresh process that draws arrival and service times for the same residents with numpy and
  sorts each point's arrivals); target 4x.
- writing: points.csv, the plots and the page of a 20,000-point city (the Shanghai replication's result,
  simulated first in the same process, not timed); target 1.5 s. Its CPU seconds count the forked copies
  that draw the plots.

Every figure is the median of `--runs` fresh processes (wall seconds; CPU seconds beside it, which a shared
machine disturbs less); all runs are printed.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHANGHAI = "scenarios/shanghai-2022-04-04.yaml"
NATSIM = [sys.executable, "-m", "sim"]

FLOOR = """
import numpy as np
from sim.scenario.build import build_round
from sim.scenario.load import load_scenario
rnd = build_round(load_scenario({path!r}))
rng = np.random.default_rng(0)
for g in rnd.groups:  # the same residents, drawn in bulk; each point's arrivals sorted
    n = rng.binomial(g.residents, rnd.turnout, g.count)
    arrival = rnd.profile.sample(rng, int(n.sum()))
    service = rnd.service.sample(rng, arrival.size)
    for a, b in zip(np.cumsum(n) - n, np.cumsum(n)):
        arrival[a:b].sort()
"""

WRITING = """
import resource, sys, time
from pathlib import Path
from sim.run.runner import run
from sim.scenario.build import build_round
from sim.scenario.load import load_scenario
from sim.report.write import write_results
path = Path({path!r})
result = run(build_round(load_scenario(path)), 1)
def children():  # the forked copies drawing the plots
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime
t0 = time.perf_counter(); c0 = time.process_time(); k0 = children()
write_results(result, Path(sys.argv[1]), path.read_text())
print(time.perf_counter() - t0, time.process_time() - c0, children() - k0)
"""


def timed(cmd: list[str], env: dict | None = None, until: str | None = None) -> tuple[float, float]:
    """Wall seconds of a fresh process (until a line starting with `until` is printed, if given) and the CPU
    seconds of it and its children."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **(env or {})}, stdout=subprocess.PIPE, text=True)
    seen = None
    for line in proc.stdout:
        if until and seen is None and line.startswith(until):
            seen = time.perf_counter() - t0
    if proc.wait():
        raise SystemExit(f"failed: {' '.join(cmd)}")
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return (seen if seen is not None else wall), cpu


def median(xs: list[tuple[float, float]]) -> tuple[float, float]:
    s = sorted(xs)
    return s[len(s) // 2]


def runs_text(xs: list[tuple[float, float]]) -> str:
    return ", ".join(f"{w:.2f}" for w, _ in sorted(xs))


def first_run(runs: int) -> list[str]:
    cold, warm = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(runs):
            cache = Path(tmp) / f"cache{k}"  # empty: nothing compiled on this "machine" yet
            cmd = [*NATSIM, "run", "scenarios/quickstart.yaml", "--out", f"{tmp}/cold{k}"]
            cold.append(timed(cmd, {"NUMBA_CACHE_DIR": str(cache)}, until="Deadline"))
            warm.append(
                timed([*NATSIM, "run", "scenarios/quickstart.yaml", "--out", f"{tmp}/warm{k}"], until="Deadline")
            )
    (cw, cc), (ww, wc) = median(cold), median(warm)
    return [
        f"| first `natsim run scenarios/quickstart.yaml`, cold numba cache, until the verdict | {cw:.2f} s "
        f"(CPU {cc:.2f} s; runs {runs_text(cold)}) | target 8 s: {'met' if cw <= 8 else 'NOT met'} |",
        f"| the same, warm | {ww:.2f} s (CPU {wc:.2f} s; runs {runs_text(warm)}) | |",
    ]


def city(runs: int) -> list[str]:
    command, floor = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(runs):
            command.append(timed([*NATSIM, "run", SHANGHAI, "-r", "1", "--out", f"{tmp}/sh{k}"]))
            floor.append(timed([sys.executable, "-c", FLOOR.format(path=SHANGHAI)]))
    (w, c), (fw, fc) = median(command), median(floor)
    return [
        f"| `natsim run {SHANGHAI} -r 1`, end to end | {w:.2f} s (CPU {c:.2f} s; runs {runs_text(command)}) "
        f"| floor {fw:.2f} s (CPU {fc:.2f} s; runs {runs_text(floor)}): {w / fw:.1f}x, target 4x: "
        f"{'met' if w <= 4 * fw else 'NOT met'} |"
    ]


def writing(runs: int) -> list[str]:
    got = []
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(runs):
            cmd = [sys.executable, "-c", WRITING.format(path=SHANGHAI), f"{tmp}/w{k}"]
            out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=True)
            wall, own, forked = map(float, out.stdout.split()[-3:])
            got.append((wall, own + forked))
    w, c = median(got)
    return [
        f"| points.csv, plots and page of a 20,000-point city (`write_results`) | {w:.2f} s (CPU {c:.2f} s, the "
        f"forked copies drawing the plots counted; runs {runs_text(got)}) | target 1.5 s: "
        f"{'met' if w <= 1.5 else 'NOT met'} |"
    ]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("parts", nargs="*", default=["first-run", "city", "writing"])
    args = ap.parse_args()
    print("| what a user runs | measured (median of fresh processes) | floor or target |")
    print("| --- | --- | --- |")
    for part in args.parts:
        for line in {"first-run": first_run, "city": city, "writing": writing}[part](args.runs):
            print(line, flush=True)
    print(json.dumps({"machine_load": os.getloadavg()}))


if __name__ == "__main__":
    main()

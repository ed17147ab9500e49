"""A forecast of the Xi'an example from a mid-round status, as a command room would ask for it: counts at
12 h (what a city system exports: per point and per lab) from one traced replication, then `natsim
forecast ... -r 20 --jobs 2` in a fresh process. Targets: 20 replications at most half the 53 s issue 26
measured (26.5 s); 30 replications under 30 s (issue 32). Run:

    .venv/bin/python benchmarks/forecast.py [HOURS] [--replications N] [--runs K]

prints each run's wall time and their median.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sim.engine.replication import run_replication
from sim.feeds.counts import write_counts
from sim.scenario.build import build_round
from sim.scenario.load import load_scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "xian-2021-12-27.yaml"


def counts_at(folder: Path, hours: float) -> float:
    """points.csv and labs.csv at `hours` from replication 0's trace; returns how long the trace took."""
    rnd = build_round(load_scenario(SCENARIO))
    t0 = time.perf_counter()
    trace = run_replication(rnd, 0, trace=True).trace
    took = time.perf_counter() - t0
    write_counts(trace, rnd, hours * 3600, folder, f"{hours:g}h")
    return took


def main(hours: float, reps: int, runs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        status = Path(tmp) / "status"
        status.mkdir()
        took = counts_at(status, hours)
        print(f"status at {hours:g} h from one traced replication ({took:.1f} s, not counted)")
        cmd = [sys.executable, "-m", "sim", "forecast", str(SCENARIO), str(status), "--at", f"{hours:g}h"]
        cmd += ["-r", str(reps), "--jobs", "2"]
        walls = []
        for k in range(runs):
            t0 = time.perf_counter()
            out = ["--out", str(Path(tmp) / f"out{k}")]
            done = subprocess.run([*cmd, *out], capture_output=True, text=True, check=True)
            walls.append(time.perf_counter() - t0)
        print(done.stdout)
        target = {20: 26.5, 30: 30.0}.get(reps)
        median = sorted(walls)[len(walls) // 2]
        print(
            f"natsim forecast, {reps} replications, --jobs 2, fresh processes: median {median:.1f} s (runs "
            f"{', '.join(f'{w:.1f}' for w in sorted(walls))})" + (f"; target {target:g} s" if target else "")
        )


if __name__ == "__main__":
    args = sys.argv[1:]
    option = {k: int(args[args.index(k) + 1]) for k in ("--replications", "--runs") if k in args}
    rest = [a for i, a in enumerate(args) if a not in option and (i == 0 or args[i - 1] not in option)]
    main(float(rest[0]) if rest else 12.0, option.get("--replications", 20), option.get("--runs", 1))

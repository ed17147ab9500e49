"""A forecast of the Xi'an example from a mid-round status, as a command room would ask for it: counts at
12 h (what a city system exports: per point and per lab) from one traced replication, then `natsim
forecast ... -r 20 --jobs 2` in a fresh process. Target: within 2 minutes on 2 cores. Run:

    .venv/bin/python benchmarks/forecast.py [HOURS]
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


def main(hours: float) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        status = Path(tmp) / "status"
        status.mkdir()
        took = counts_at(status, hours)
        print(f"status at {hours:g} h from one traced replication ({took:.1f} s, not counted)")
        t0 = time.perf_counter()
        cmd = [
            sys.executable,
            "-m",
            "sim",
            "forecast",
            str(SCENARIO),
            str(status),
            "--at",
            f"{hours:g}h",
            "-r",
            "20",
            "--jobs",
            "2",
        ]
        done = subprocess.run([*cmd, "--out", str(Path(tmp) / "out")], capture_output=True, text=True, check=True)
        wall = time.perf_counter() - t0
        print(done.stdout)
        print(f"natsim forecast, 20 replications, --jobs 2, fresh process: {wall:.1f} s (target 120 s)")


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 12.0)

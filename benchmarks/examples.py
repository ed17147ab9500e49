"""Time one replication of each example scenario, with peak memory, in separate processes.

.venv/bin/python benchmarks/examples.py [scenario.yaml ...]
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = """
import json, resource, sys, time
from sim.scenario.build import build_round
from sim.run.runner import run
from sim.scenario.load import load_scenario
t = time.perf_counter()
rnd = build_round(load_scenario(sys.argv[1]))
s = run(rnd, 1).summary()
m = s["metrics"]
print(json.dumps({"seconds": time.perf_counter() - t, "residents": m["residents_arrived"]["mean"],
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "results_complete_h": m["results_complete_h"]["mean"], "deadline_h": s["deadline_h"],
                  "wait_mean_min": m["wait_mean_min"]["mean"], "wait_p95_min": m["wait_p95_min"]["mean"]}))
"""


def main(paths: list[str]) -> None:
    paths = paths or sorted(str(p) for p in (ROOT / "scenarios").glob("*.yaml"))
    print(
        f"{'scenario':28s} {'residents':>11s} {'seconds':>8s} {'peak MB':>8s} {'B/resident':>10s} {'done h':>7s} "
        f"{'deadline':>8s}"
    )
    for path in paths:
        out = subprocess.run([sys.executable, "-c", CHILD, path], capture_output=True, text=True, check=True)
        r = json.loads(out.stdout)
        print(
            f"{Path(path).stem:28s} {r['residents']:11,.0f} {r['seconds']:8.1f} {r['peak_mb']:8.0f} "
            f"{r['peak_mb'] * 2**20 / r['residents']:10.0f} {r['results_complete_h']:7.1f} {r['deadline_h']:8.0f}"
        )


if __name__ == "__main__":
    main(sys.argv[1:])

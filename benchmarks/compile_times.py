"""How long numba takes to compile each of the engine's kernels on this machine, from an empty cache.

    .venv/bin/python benchmarks/compile_times.py

Runs, in a fresh process with an empty NUMBA_CACHE_DIR and every kernel compiled (NATSIM_COMPILED=always),
one replication of the quickstart and then the city-sized quantile (`engine/select.py`), and prints each
kernel's own compile time: wall and CPU seconds, the compilation of kernels it calls counted with them, not
with it (numba's own helpers, a sort say, with the kernel that needs them). Prints a markdown table.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = """
import collections, json, time
from numba.core import event
own = collections.defaultdict(lambda: [0.0, 0.0])
stack = []
class Timer(event.Listener):
    def on_start(self, ev):
        stack.append([time.perf_counter(), time.process_time(), 0.0, 0.0, ev.data["dispatcher"]])
    def on_end(self, ev):
        t0, c0, inner_w, inner_c, d = stack.pop()
        w, c = time.perf_counter() - t0, time.process_time() - c0
        name = d.py_func.__module__ + "." + d.py_func.__qualname__
        if name.startswith("sim.") or not stack:
            own[name][0] += w - inner_w
            own[name][1] += c - inner_c
            if stack:
                stack[-1][2] += w
                stack[-1][3] += c
event.register("numba:compile", Timer())
import numpy as np
from sim.engine.replication import run_replication
from sim.engine.figures import quantile
from sim.scenario.build import build_round
from sim.scenario.load import load_scenario
t = time.perf_counter()
run_replication(build_round(load_scenario("scenarios/quickstart.yaml")), 0)
quantile(np.random.default_rng(0).random(200_000), 0.95)
print(json.dumps({"kernels": own, "wall": time.perf_counter() - t}))
"""


def main() -> None:
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache, "NATSIM_COMPILED": "always"}
        out = subprocess.run(
            [sys.executable, "-c", CHILD], cwd=ROOT, env=env, capture_output=True, text=True, check=True
        )
    import json

    got = json.loads(out.stdout.strip().splitlines()[-1])
    rows = sorted(got["kernels"].items(), key=lambda kv: -kv[1][0])
    print("| kernel | compile wall s | compile CPU s |")
    print("| --- | --- | --- |")
    for name, (w, c) in rows:
        print(f"| `{name.removeprefix('sim.engine.')}` | {w:.2f} | {c:.2f} |")
    total_w = sum(w for w, _ in got["kernels"].values())
    total_c = sum(c for _, c in got["kernels"].values())
    print(f"| all | {total_w:.2f} | {total_c:.2f} |")
    print(f"\n(the whole process from its imports: {got['wall']:.1f} s; load average {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()

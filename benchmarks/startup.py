"""`natsim run` start-up and output on the quickstart: the whole process against the simulation inside it,
so "everything but the simulation" is measured, not guessed. Target: within 1.5 s. Run:

    .venv/bin/python benchmarks/startup.py [RUNS]
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# In a fresh interpreter: the command's own entry point, with the runner's `run` timed.
PROBE = """
import sys, time
import sim.run.runner as runner
spent = [0.0]
inner = runner.run
def timed(*a, **k):
    s = time.perf_counter(); r = inner(*a, **k); spent[0] += time.perf_counter() - s; return r
runner.run = timed
from sim.cli.app import main
try:
    main(["run", "scenarios/quickstart.yaml", "-r", "1", "--out", sys.argv[1]])
except SystemExit:
    pass
print(spent[0], file=sys.stderr)
"""


def main(runs: int) -> None:
    rest = []
    for k in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-c", PROBE, str(Path(tmp) / "out")],
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=True,
            )
            wall = time.perf_counter() - t0
        simulation = float(done.stderr.strip().splitlines()[-1])
        rest.append(wall - simulation)
        print(
            f"run {k + 1}: process {wall:.2f} s, simulation {simulation:.2f} s, everything else "
            f"{wall - simulation:.2f} s"
        )
    print(f"everything but the simulation: median {sorted(rest)[len(rest) // 2]:.2f} s (target 1.5 s)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)

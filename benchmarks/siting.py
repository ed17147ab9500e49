"""`natsim site` on the county town (192 compounds, 300 candidates): wall time, MILP time and gap.

    .venv/bin/python benchmarks/siting.py

Target (issue 14): seconds for a county town. Runs the command in a fresh process, as a planner would.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "site"
        t = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "sim", "site", str(ROOT / "scenarios" / "county-town-map.yaml"), "-r", "10", "--out", out],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        seconds = time.perf_counter() - t
        r = json.loads((out / "siting.json").read_text())
    v, milp = r["verification"], r["milp"]
    print(
        f"county town: {seconds:.1f} s in all; MILP {milp['seconds']:.1f} s over {milp['districts']} districts, "
        f"gap {milp['gap']:.2%}; "
        f"plan {r['plan']['sites']} sites, {r['plan']['tables']} tables; fresh replications meeting every target "
        f"{v['share_meeting_targets']:.0%} (95% lower bound {v['lower_bound_95']:.0%}); "
        f"one step smaller failing {sum(r['one_step_smaller'].values())} of {len(r['one_step_smaller'])}"
    )


if __name__ == "__main__":
    main()

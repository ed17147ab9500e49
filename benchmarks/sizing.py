"""Time `natsim size` on a scenario (default: the Xi'an example) and print the plan it finds.

.venv/bin/python benchmarks/sizing.py [scenario.yaml] [--replications N]
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(args: list[str]) -> None:
    scenario = next((a for a in args if a.endswith(".yaml")), str(ROOT / "scenarios" / "xian-2021-12-27.yaml"))
    extra = [a for a in args if not a.endswith(".yaml")]
    out = Path(tempfile.mkdtemp(prefix="natsim-size-")) / "size"
    t = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "sim", "size", scenario, "--max-wait", "30m", *extra, "--out", str(out)],
        check=False,
        cwd=ROOT,
    )
    minutes = (time.perf_counter() - t) / 60
    result = json.loads((out / "sizing.json").read_text())
    totals = result["plan"]["totals"]
    print(
        f"\n{Path(scenario).stem}: sized in {minutes:.1f} minutes, {result['evaluations']} plans simulated; "
        f"{totals['points']:,} points, {totals['tables']:,} tables, {totals['samplers']:,} samplers, "
        f"{totals['vehicles']:,} vehicles, {totals['extractors']:,} extractors, {totals['pcr_machines']:,} PCR machines"
    )


if __name__ == "__main__":
    main(sys.argv[1:])

"""The drill log: what a drill's staff can fill from scanner exports, and what `natsim run --trace`
writes from a simulated run (docs/drill-log.md).

    swabs.csv  point, table, joined, swabbed, tube        one row per swab
    tubes.csv  tube, point, sealed, picked_up, at_lab, reported   one row per tube

Times are clock times (`2022-04-18T07:13:05`) when the scenario has a `start`, otherwise durations
since the round's start (`7h13m05s` or `26000s`). `joined` (when the resident joined the queue) may be
empty; so may any tube time not recorded.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import numpy as np

from sim.engine import Trace

SWAB_COLUMNS = ("point", "table", "joined", "swabbed", "tube")
TUBE_COLUMNS = ("tube", "point", "sealed", "picked_up", "at_lab", "reported")


def format_time(seconds: float, start: dt.datetime | None) -> str:
    if seconds != seconds:  # NaN: not recorded
        return ""
    if start is not None:
        return (start + dt.timedelta(seconds=float(seconds))).isoformat(timespec="seconds")
    return f"{seconds:.1f}s"


def write_trace(trace: Trace, folder: Path, start: dt.datetime | None) -> None:
    """Write one replication's trace in the drill log format (tube ids as T000001, ...)."""
    folder.mkdir(parents=True, exist_ok=True)
    r, t = trace.residents, trace.tubes
    names = trace.point_names

    def tube_id(i: int) -> str:
        return f"T{i + 1:07d}"

    with (folder / "swabs.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(SWAB_COLUMNS)
        order = np.lexsort((r["end"], r["point"]))
        for i in order:
            w.writerow(
                [
                    names[r["point"][i]],
                    int(r["table"][i]) + 1,
                    format_time(r["arrival"][i], start),
                    format_time(r["end"][i], start),
                    tube_id(int(r["tube"][i])),
                ]
            )
    with (folder / "tubes.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(TUBE_COLUMNS)
        for i in range(t["size"].size):
            w.writerow(
                [
                    tube_id(i),
                    names[t["point"][i]],
                    *(format_time(t[k][i], start) for k in ("sealed", "picked", "at_lab", "result")),
                ]
            )

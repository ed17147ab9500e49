"""`natsim watch --replay LOGDIR --speed 60`: a complete drill log (or a run's `--trace`) fed into the
feed folder as the exports a scanner system would have made at successive times, faster than life.

An export at T holds only what had happened by T: a swab row once the resident joined the queue (its
swab time and tube left empty until the swab), a tube row once it was sealed (each later time empty
until it happened). Times are copied as the log wrote them. Each export is written beside the feed
folder's snapshots under a `_` name and renamed into place, so the feed never reads it half-written.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sim.core.durations import DurationError
from sim.feeds.log import SWAB_COLUMNS, TUBE_COLUMNS, parse_time
from sim.watch.intake import AT_FILE

SWAB_TIMES = ("joined", "swabbed")
TUBE_TIMES = ("sealed", "picked_up", "at_lab", "reported")


@dataclass
class LogRows:
    """A drill log's rows as text, and each row's times in seconds (NaN: empty or unreadable)."""

    swabs: list[dict]
    swab_times: list[dict[str, float]]
    tubes: list[dict]
    tube_times: list[dict[str, float]]

    def span(self) -> tuple[float, float]:
        every = [
            t for rows in (self.swab_times, self.tube_times) for r in rows for t in r.values() if not math.isnan(t)
        ]
        return min(every), max(every)


def log_folder(path: Path) -> Path:
    """The log itself, or a run's results folder holding it as `trace/`."""
    return path / "trace" if not (path / "swabs.csv").exists() and (path / "trace" / "swabs.csv").exists() else path


def _time(text: str, start: dt.datetime | None) -> float:
    try:
        return parse_time(text or "", start)
    except (ValueError, DurationError):
        return math.nan


def read_rows(folder: Path, start: dt.datetime | None) -> LogRows:
    def read(name: str, times: tuple[str, ...]) -> tuple[list[dict], list[dict[str, float]]]:
        with (folder / name).open(newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        return rows, [{k: _time(r.get(k, ""), start) for k in times} for r in rows]

    swabs, swab_times = read("swabs.csv", SWAB_TIMES)
    tubes, tube_times = read("tubes.csv", TUBE_TIMES)
    return LogRows(swabs, swab_times, tubes, tube_times)


def export_at(rows: LogRows, at: float) -> dict[str, bytes]:
    """The log as exported at `at`: no row, and no time, after it."""
    swabs = io.StringIO()
    w = csv.DictWriter(swabs, SWAB_COLUMNS, extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    for row, t in zip(rows.swabs, rows.swab_times, strict=True):
        first = t["joined"] if not math.isnan(t["joined"]) else t["swabbed"]
        if not first <= at:
            continue
        if not t["swabbed"] <= at:
            row = row | {"swabbed": "", "tube": ""}
        w.writerow(row)
    tubes = io.StringIO()
    w = csv.DictWriter(tubes, TUBE_COLUMNS, extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    for row, t in zip(rows.tubes, rows.tube_times, strict=True):
        if not t["sealed"] <= at:
            continue
        w.writerow(row | {k: "" for k in TUBE_TIMES if not t[k] <= at})
    return {"swabs.csv": swabs.getvalue().encode(), "tubes.csv": tubes.getvalue().encode()}


def times(rows: LogRows, step: float) -> list[float]:
    """Export times: every `step` from the log's first time, the last at its last time."""
    first, last = rows.span()
    out, t = [], first + step
    while t < last:
        out.append(t)
        t += step
    return out + [last]


def replay(
    rows: LogRows,
    feed: Path,
    step: float,
    speed: float,
    at_text: Callable[[float], str],
    stop: Callable[[], bool] = lambda: False,
    sleep: Callable[[float], None] = time.sleep,
    begin: float | None = None,
) -> int:
    """Write each export into `feed` when its time comes on the replay's clock (started at `begin`, a
    time.monotonic; default now); the number written."""
    begin, first = time.monotonic() if begin is None else begin, rows.span()[0]
    n, run = 0, time.strftime("%Y%m%dT%H%M%S", time.gmtime())
    for k, at in enumerate(times(rows, step), start=1):
        wait = begin + (at - first) / speed - time.monotonic()
        if wait > 0:
            sleep(wait)
        if stop():
            break
        name = f"replay-{run}-{k:04d}"
        tmp = feed / f"_{name}"
        tmp.mkdir(parents=True, exist_ok=True)
        for file, data in export_at(rows, at).items():
            (tmp / file).write_bytes(data)
        (tmp / AT_FILE).write_text(at_text(at) + "\n", encoding="utf-8")
        tmp.rename(feed / name)
        n += 1
    return n

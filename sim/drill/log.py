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
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from sim.core.durations import DurationError, parse_duration
from sim.core.i18n import N_, _
from sim.engine.replication import Trace
from sim.scenario.round import Round

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


class DrillLogError(Exception):
    """A log that cannot be read at all (missing file or columns)."""


@dataclass
class SetAside:
    file: str
    line: int
    reason: str


@dataclass
class DrillLog:
    point: np.ndarray  # per swab: point index
    table: np.ndarray
    joined: np.ndarray  # NaN where not recorded
    swabbed: np.ndarray
    tubes: dict[str, np.ndarray]  # point, sealed, picked_up, at_lab, reported (NaN where not recorded)
    set_aside: list[SetAside] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    swab_tube: np.ndarray | None = None  # per swab: its tube's number in `tubes["id"]` terms (-1: not given)


def parse_time(text: str, start: dt.datetime | None) -> float:
    """Seconds on the round's clock: a date and time (`2022-04-18T14:00`), a time of day (`14:00`: the first
    such moment from the round's start), or time since the start (`7h`). Empty: NaN (not recorded)."""
    text = text.strip()
    if not text:
        return math.nan
    day_time = _DAY_TIME.fullmatch(text)
    if "T" in text or "-" in text[1:] or day_time:
        if start is None:
            raise ValueError(_("a clock time, but the scenario has no start: use durations since the start"))
        if day_time:
            moment = dt.datetime.combine(start.date(), dt.time.fromisoformat(text.zfill(5) if len(text) < 5 else text))
            return (moment - start).total_seconds() % 86400
        return (dt.datetime.fromisoformat(text) - start).total_seconds()
    return parse_duration(text, allow_negative=True)


_DAY_TIME = re.compile(r"\d{1,2}:\d{2}(:\d{2})?")


def csv_rows(path: Path, columns: tuple[str, ...], missing_file: str, optional: tuple[str, ...] = ()):
    """(line, row) of a status or log CSV; a missing file (`missing_file`, with {path}) or missing columns
    raise DrillLogError."""
    if not path.exists():
        raise DrillLogError(missing_file.format(path=path))
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        missing = [c for c in columns if c not in (reader.fieldnames or [])]
        if missing:
            raise DrillLogError(
                _("{path}:1: missing column(s) {missing}; columns are {columns}").format(
                    path=path, missing=", ".join(missing), columns=",".join(columns + optional)
                )
            )
        yield from enumerate(reader, start=2)


def _rows(path: Path, columns: tuple[str, ...]):
    return csv_rows(path, columns, _("{path}: missing (a drill log folder holds swabs.csv and tubes.csv; see docs/drill-log.md)"))


TUBE_STEPS = (N_("sealed"), N_("picked up"), N_("at the lab"), N_("reported"))


def _swab(row: dict, names: dict, start: dt.datetime | None) -> tuple[int, int, float, float] | str:
    """A swab row's point, table (from 0), join and swab times; or why the row cannot be used."""
    try:
        point, tables = names[row["point"].strip()]
    except KeyError:
        return _("unknown point {name!r}").format(name=row["point"])
    try:
        table = int(row["table"])
        joined, swabbed = parse_time(row["joined"], start), parse_time(row["swabbed"], start)
    except (ValueError, DurationError) as exc:
        return _("unreadable value: {error}").format(error=exc)
    if not 1 <= table <= tables:
        return _("table {table} does not exist at {point} ({tables} tables)").format(
            table=table, point=row["point"], tables=tables
        )
    if math.isnan(swabbed):
        return _("no swab time")
    if joined > swabbed:
        return _("joined the queue after the swab")
    return point, table - 1, joined, swabbed


def read_log(folder: Path, rnd: Round, start: dt.datetime | None) -> DrillLog:
    """Read both files; rows that cannot be used are set aside with the reason, never dropped silently."""
    names = {g.point_name(i): (p, g.tables) for p, (g, i) in enumerate((g, i) for g in rnd.groups for i in range(g.count))}
    aside: list[SetAside] = []
    cols: dict[str, list] = {k: [] for k in ("point", "table", "joined", "swabbed", "tube")}
    codes: dict[str, int] = {}  # tube barcode -> a number, shared by both files
    n_swabs = 0
    for line, row in _rows(folder / "swabs.csv", SWAB_COLUMNS):
        n_swabs += 1
        got = _swab(row, names, start)
        if isinstance(got, str):
            aside.append(SetAside("swabs.csv", line, got))
            continue
        for k, v in zip(("point", "table", "joined", "swabbed"), got, strict=True):
            cols[k].append(v)
        barcode = (row.get("tube") or "").strip()
        cols["tube"].append(codes.setdefault(barcode, len(codes)) if barcode else -1)
    tubes: dict[str, list] = {k: [] for k in ("id", "point", "sealed", "picked_up", "at_lab", "reported")}
    n_tubes = 0
    for line, row in _rows(folder / "tubes.csv", TUBE_COLUMNS):
        n_tubes += 1
        if row["point"].strip() not in names:
            aside.append(SetAside("tubes.csv", line, _("unknown point {name!r}").format(name=row["point"])))
            continue
        try:
            times = [parse_time(row[k], start) for k in ("sealed", "picked_up", "at_lab", "reported")]
        except (ValueError, DurationError) as exc:
            aside.append(SetAside("tubes.csv", line, _("unreadable value: {error}").format(error=exc)))
            continue
        known = [(_(k), t) for k, t in zip(TUBE_STEPS, times, strict=True) if not math.isnan(t)]
        wrong = next(((a, b) for (a, ta), (b, tb) in zip(known, known[1:], strict=False) if tb < ta), None)
        if wrong:
            aside.append(SetAside("tubes.csv", line, _("{later} before {earlier}").format(later=wrong[1], earlier=wrong[0])))
            continue
        tubes["point"].append(names[row["point"].strip()][0])
        tubes["id"].append(codes.setdefault(row["tube"].strip(), len(codes)))
        for k, t in zip(("sealed", "picked_up", "at_lab", "reported"), times, strict=True):
            tubes[k].append(t)
    return DrillLog(
        np.array(cols["point"], int),
        np.array(cols["table"], int),
        np.array(cols["joined"], float),
        np.array(cols["swabbed"], float),
        {k: np.array(v, float) for k, v in tubes.items()},
        aside,
        {"swabs.csv": n_swabs, "tubes.csv": n_tubes},
        np.array(cols["tube"], np.int64),
    )


def log_from_trace(trace: Trace) -> DrillLog:
    """A simulated replication's trace read as a drill log would be."""
    r, t = trace.residents, trace.tubes
    tubes = {
        "id": np.arange(t["point"].size, dtype=float),
        "point": t["point"].astype(float),
        "sealed": t["sealed"],
        "picked_up": t["picked"],
        "at_lab": t["at_lab"],
        "reported": t["result"],
    }
    return DrillLog(r["point"], r["table"], r["arrival"], r["end"], tubes, swab_tube=r["tube"])

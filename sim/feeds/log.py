"""The drill log: what a drill's staff can fill from scanner exports, and what `natsim run --trace`
writes from a simulated run (docs/drill-log.md).

    swabs.csv  point, table, joined, swabbed, tube        one row per swab (or per resident queuing)
    tubes.csv  tube, point, sealed, picked_up, at_lab, reported[, lab]   one row per tube

Times are clock times (`2022-04-18T07:13:05`) when the scenario has a `start`, otherwise durations
since the round's start (`7h13m05s` or `26000s`). `joined` (when the resident joined the queue) may be
empty; so may any tube time not recorded. A row with `joined` and no `swabbed` is a resident who had
joined the queue and was not swabbed yet when the log was exported (a registration scan).

The files are read as they are: every row that cannot be used is set aside with `column: reason`, and
nothing is dropped silently (`csv_rows` is the one reader of every status and log CSV: a byte-order mark,
spaces or capitals in the header, bytes that are not UTF-8, a row with more fields than the header).
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
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
TUBE_OPTIONAL = ("lab",)  # the lab that received and ran it (empty or absent: its point's own lab)


def format_time(seconds: float, start: dt.datetime | None) -> str:
    if seconds != seconds:  # NaN: not recorded
        return ""
    if start is not None:
        return (start + dt.timedelta(seconds=float(seconds))).isoformat(timespec="seconds")
    return f"{seconds:.1f}s"


def write_trace(
    trace: Trace,
    folder: Path,
    start: dt.datetime | None,
    lab_names: list[str] | None = None,
    at: float | None = None,
    queue: bool = False,
) -> None:
    """Write one replication's trace in the drill log format (tube ids as T000001, ...; with `lab_names`, the
    lab that ran each tube). With `at`, the log as a city's system exports it then: the swabs taken by `at`,
    the tubes sealed by then with only the times passed, nothing after; with `queue` too, a row (`swabbed`
    and `tube` empty) for each resident who had joined the queue by `at` and was not swabbed yet."""
    folder.mkdir(parents=True, exist_ok=True)
    r, t = trace.residents, trace.tubes
    names = trace.point_names
    until = math.inf if at is None else at

    def tube_id(i: int) -> str:
        return f"T{i + 1:07d}"

    def when(x: float) -> str:
        return format_time(x if x <= until else math.nan, start)

    with (folder / "swabs.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(SWAB_COLUMNS)
        order = np.lexsort((r["end"], r["point"]))
        for i in order:
            swabbed = r["end"][i] <= until
            if not swabbed and not (queue and r["arrival"][i] <= until):
                continue
            tube = tube_id(int(r["tube"][i])) if swabbed else ""
            w.writerow(
                [
                    names[r["point"][i]],
                    int(r["table"][i]) + 1 if swabbed else "",
                    when(r["arrival"][i]),
                    when(r["end"][i]),
                    tube,
                ]
            )
    labs = lab_names or []
    with (folder / "tubes.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(TUBE_COLUMNS + TUBE_OPTIONAL)
        ran = t.get("lab", np.full(t["size"].size, -1))
        for i in np.flatnonzero(t["sealed"] <= until):
            at_lab = t["at_lab"][i] <= until
            w.writerow(
                [
                    tube_id(i),
                    names[t["point"][i]],
                    *(when(t[k][i]) for k in ("sealed", "picked", "at_lab", "result")),
                    labs[ran[i]] if ran[i] >= 0 and labs and at_lab else "",
                ]
            )


class DrillLogError(Exception):
    """A log or status file that cannot be read at all (missing, not text, missing columns); each line of
    `problems` is `file:line: column: message`."""

    def __init__(self, problems: list[str] | str):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))


@dataclass
class SetAside:
    file: str
    line: int
    reason: str  # `column: message`

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason}"


def unknown_name(kind: str, name: str, names) -> str:
    """`unknown point 'x'` (or lab), with the nearest known name when one is close."""
    guess = difflib.get_close_matches(name, list(names), n=1, cutoff=0.6) if len(name) < 200 else []
    hint = _(" (did you mean '{guess}'?)").format(guess=guess[0]) if guess else ""
    what = _("unknown point {name!r}") if kind == "point" else _("unknown lab {name!r}")
    return what.format(name=name) + hint


@dataclass
class DrillLog:
    point: np.ndarray  # per swab: point index
    table: np.ndarray
    joined: np.ndarray  # NaN where not recorded
    swabbed: np.ndarray
    tubes: dict[str, np.ndarray]  # id, point, sealed, picked_up, at_lab, reported (NaN where not recorded), lab (-1)
    set_aside: list[SetAside] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    swab_tube: np.ndarray | None = None  # per swab: its tube's number in `tubes["id"]` terms (-1: not given)

    def swabs_only(self) -> DrillLog:
        """The rows of residents swabbed (a drill review's log): those still queuing when it was exported left out."""
        done = ~np.isnan(self.swabbed)
        tube = self.swab_tube[done] if self.swab_tube is not None else None
        return DrillLog(
            self.point[done],
            self.table[done],
            self.joined[done],
            self.swabbed[done],
            self.tubes,
            self.set_aside,
            self.rows,
            tube,
        )


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
    """(line, row) of a status or log CSV, every value a string ("" where empty), header names read without
    spaces or capitals; a row with more fields than the header is (line, its problem as a string). A
    missing file (`missing_file`, with {path}), a file that is not UTF-8 text or CSV, or missing columns
    raise DrillLogError."""
    if not path.is_file():
        raise DrillLogError(missing_file.format(path=path))
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DrillLogError(
            _("{path}:{line}: not UTF-8 text (byte {byte} of the file); save it as CSV, UTF-8").format(
                path=path, line=path.read_bytes()[: exc.start].count(b"\n") + 1, byte=exc.start
            )
        ) from None
    if "\0" in text:
        line = text[: text.index("\0")].count("\n") + 1
        raise DrillLogError(_("{path}:{line}: a NUL byte: not a CSV text file").format(path=path, line=line))
    lines = text.splitlines(keepends=True)
    reader = csv.reader(lines)
    header = [h.strip().lower() for h in next(reader, [])]
    missing = [c for c in columns if c not in header]
    if missing:
        raise DrillLogError(
            _("{path}:1: missing column(s) {missing}; columns are {columns}").format(
                path=path, missing=", ".join(missing), columns=",".join(columns + optional)
            )
        )
    index = {name: k for k, name in reversed(list(enumerate(header))) if name}
    wanted = [c for c in columns + optional if c in index]
    line = 1
    try:
        for fields in reader:
            line = reader.line_num
            if not any(f.strip() for f in fields):
                continue  # a blank line
            if len(fields) > len(header):
                yield (
                    line,
                    _("{n} fields, more than the header's {k}: a comma inside a value needs quotes").format(
                        n=len(fields), k=len(header)
                    ),
                )
                continue
            yield line, {c: fields[index[c]] if index[c] < len(fields) else "" for c in wanted}
    except csv.Error as exc:
        message = _("{path}:{line}: not readable as CSV: {error}")
        raise DrillLogError(message.format(path=path, line=line + 1, error=exc)) from None


def _rows(path: Path, columns: tuple[str, ...], optional: tuple[str, ...] = ()):
    return csv_rows(
        path,
        columns,
        _("{path}: missing (a drill log folder holds swabs.csv and tubes.csv; see docs/drill-log.md)"),
        optional,
    )


TUBE_STEPS = (N_("sealed"), N_("picked up"), N_("at the lab"), N_("reported"))
TUBE_TIMES = ("sealed", "picked_up", "at_lab", "reported")


def _swab(row: dict, names: dict, start: dt.datetime | None) -> tuple[int, int, float, float] | str:
    """A swab row's point, table (from 0), join and swab times (NaN: still queuing); or why the row cannot be
    used, as `column: message`."""
    name = row["point"].strip()
    if name not in names:
        return "point: " + unknown_name("point", name, names)
    point, tables = names[name]
    times = []
    for col in ("joined", "swabbed"):
        try:
            times.append(parse_time(row[col], start))
        except (ValueError, DurationError, OverflowError) as exc:
            return f"{col}: " + _("unreadable value: {error}").format(error=exc)
    joined, swabbed = times
    if math.isnan(swabbed) and math.isnan(joined):
        return "swabbed: " + _("no swab time and no time joined: the row says nothing happened")
    text = row["table"].strip()
    if math.isnan(swabbed) and not text:
        return point, 0, joined, swabbed  # queuing: no table yet
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= tables:
        return "table: " + _("table {table} does not exist at {point} ({tables} tables)").format(
            table=text, point=name, tables=tables
        )
    if joined > swabbed:
        return "joined: " + _("joined the queue after the swab")
    return point, int(text) - 1, joined, swabbed


def read_log(folder: Path, rnd: Round, start: dt.datetime | None) -> DrillLog:
    """Read both files as they are; rows that cannot be used are set aside with the reason, never dropped
    silently. A row with `joined` and no `swabbed` is a resident queuing when the log was exported."""
    names = {
        g.point_name(i): (p, g.tables) for p, (g, i) in enumerate((g, i) for g in rnd.groups for i in range(g.count))
    }
    labs = {lab.name: li for li, lab in enumerate(rnd.labs)}
    aside: list[SetAside] = []
    problems: list[str] = []
    codes: dict[str, int] = {}  # tube barcode -> a number, shared by both files
    cols: dict[str, list] = {k: [] for k in ("point", "table", "joined", "swabbed", "tube")}
    tubes: dict[str, list] = {k: [] for k in ("id", "point", "sealed", "picked_up", "at_lab", "reported", "lab")}
    rows = {}
    for name, read in (("swabs.csv", _read_swabs), ("tubes.csv", _read_tubes)):
        try:
            rows[name] = read(folder / name, names, labs, start, codes, cols if name == "swabs.csv" else tubes, aside)
        except DrillLogError as exc:
            problems += exc.problems
    if problems:
        raise DrillLogError(problems)
    return DrillLog(
        np.array(cols["point"], int),
        np.array(cols["table"], int),
        np.array(cols["joined"], float),
        np.array(cols["swabbed"], float),
        {k: np.array(v, float) for k, v in tubes.items()},
        aside,
        rows,
        np.array(cols["tube"], np.int64),
    )


def _read_swabs(path: Path, names: dict, _labs: dict, start, codes: dict, cols: dict, aside: list) -> int:
    """swabs.csv's usable rows appended to `cols`, the others to `aside`; returns the rows read."""
    n = 0
    copies: dict[tuple, int] = {}  # a swab row's values -> its line: a row exported twice is one swab
    for line, row in _rows(path, SWAB_COLUMNS):
        n += 1
        got = _swab(row, names, start) if isinstance(row, dict) else row
        key = tuple(v.strip() for v in row.values()) if isinstance(row, dict) and row["swabbed"].strip() else None
        if not isinstance(got, str) and key is not None and key in copies:
            got = "swabbed: " + _("a copy of line {line}").format(line=copies[key])
        if isinstance(got, str):
            aside.append(SetAside(path.name, line, got))
            continue
        copies[key] = line
        for k, v in zip(("point", "table", "joined", "swabbed"), got, strict=True):
            cols[k].append(v)
        barcode = row["tube"].strip()
        cols["tube"].append(codes.setdefault(barcode, len(codes)) if barcode else -1)
    return n


def _read_tubes(path: Path, names: dict, labs: dict, start, codes: dict, tubes: dict, aside: list) -> int:
    """tubes.csv's usable rows appended to `tubes` (a barcode listed twice is set aside); returns the rows read."""
    n = 0
    first_line: dict[int, int] = {}
    for line, row in _rows(path, TUBE_COLUMNS, TUBE_OPTIONAL):
        n += 1
        got = _tube(row, names, labs, start) if isinstance(row, dict) else row
        if isinstance(got, str):
            aside.append(SetAside(path.name, line, got))
            continue
        barcode, point, times, lab = got
        code = codes.setdefault(barcode, len(codes))
        if code in first_line:
            twice = _("{tube} listed twice (first at line {line})").format(tube=barcode, line=first_line[code])
            aside.append(SetAside(path.name, line, "tube: " + twice))
            continue
        first_line[code] = line
        for k, v in zip(("id", "point", "lab", *TUBE_TIMES), (code, point, lab, *times), strict=True):
            tubes[k].append(v)
    return n


def _tube(row: dict, names: dict, labs: dict, start) -> tuple[str, int, list[float], int] | str:
    """A tube row's barcode, point, times and lab (-1: not given), or why it cannot be used (`column: message`)."""
    barcode = row["tube"].strip()
    if not barcode:
        return "tube: " + _("no barcode")
    name = row["point"].strip()
    if name not in names:
        return "point: " + unknown_name("point", name, names)
    lab_name = row.get("lab", "").strip()
    if lab_name and lab_name not in labs:
        return "lab: " + unknown_name("lab", lab_name, labs)
    times = []
    for k in ("sealed", "picked_up", "at_lab", "reported"):
        try:
            times.append(parse_time(row[k], start))
        except (ValueError, DurationError, OverflowError) as exc:
            return f"{k}: " + _("unreadable value: {error}").format(error=exc)
    known = [(_(k), c, t) for k, c, t in zip(TUBE_STEPS, TUBE_TIMES, times, strict=True) if not math.isnan(t)]
    wrong = next(((a, b) for a, b in zip(known, known[1:], strict=False) if b[2] < a[2]), None)
    if wrong:
        return f"{wrong[1][1]}: " + _("{later} before {earlier}").format(later=wrong[1][0], earlier=wrong[0][0])
    return barcode, names[name][0], times, labs.get(lab_name, -1)


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
        "lab": t.get("lab", np.full(t["point"].size, -1)).astype(float),
    }
    return DrillLog(r["point"], r["table"], r["arrival"], r["end"], tubes, swab_tube=r["tube"])

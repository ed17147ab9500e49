"""A counts status: what a city system exports during the round, per point (points.csv) and per lab
(labs.csv), each row counted at a time (docs/forecast.md). Anything wrong in it is a problem at
`file:line: column`, all of them at once, and nothing runs: a row that cannot be read, an unknown name, a
second row for a name and time, a cumulative count that goes down, a point or lab with no row, more
received at the labs than picked up at the points. Counts are then read as their plainest meaning (F5)."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np

from sim.core.durations import DurationError, format_duration
from sim.core.i18n import _
from sim.core.tables import write_csv
from sim.engine.replication import Trace
from sim.feeds.log import DrillLogError, csv_rows, parse_time, unknown_name
from sim.feeds.status import Status, StatusError, plates_running, round_span
from sim.scenario.round import Round

POINT_COLUMNS = ("point", "time", "sampled", "tubes_sealed", "tubes_picked_up")  # and, optionally, waiting
LAB_COLUMNS = ("lab", "time", "tubes_received", "tubes_reported")  # and, optionally, plates_running


def _read(
    path: Path, columns: tuple[str, ...], optional: tuple[str, ...], start, span, problems: list[str], named: set
):
    """(line, name, time, counts) of every usable row of one counts file; the others' problems appended, and
    every name the file has a row for (usable or not) added to `named`."""
    missing_file = _("{path}: missing (a counts status holds points.csv and labs.csv; see docs/forecast.md)")
    try:
        lines = list(csv_rows(path, columns, missing_file, optional))
    except DrillLogError as exc:
        problems += exc.problems
        return []
    rows = []
    for line, row in lines:
        got = _row(row, columns, optional, start, span) if isinstance(row, dict) else row
        if isinstance(got, str):
            problems.append(f"{path.name}:{line}: {got}")
            named.add(row[columns[0]].strip() if isinstance(row, dict) else "")
        else:
            rows.append((line, row[columns[0]].strip(), *got))
    named.update(r[1] for r in rows)
    return rows


def _row(row: dict, columns: tuple[str, ...], optional: tuple[str, ...], start, span) -> tuple[float, dict] | str:
    """A counts row's time and counts, or its problem as `column: message`."""
    first, at = span
    try:
        when = parse_time(row["time"], start)
    except (ValueError, DurationError, OverflowError) as exc:
        return _("time: unreadable time {text!r}: {error}").format(text=row["time"], error=exc)
    if math.isnan(when):
        return _("time: empty; every row says when it was counted")
    if when > at + 1e-6:
        return _("time: {text} is after the forecast's time (--at)").format(text=row["time"])
    if when < first - 1e-6:
        return _("time: {text} is before the round began").format(text=row["time"])
    counts = {}
    for col in columns[2:] + tuple(c for c in optional if c in row):
        text = row[col].strip()
        if not text and col in optional:
            continue
        if not (text.isascii() and text.isdigit()):
            return _("{column}: {text!r} is not a count (a whole number, 0 or more)").format(column=col, text=text)
        counts[col] = int(text)
    return when, counts


def _latest(
    rows: list, named: set, index: dict[str, int], file: str, kind: str, check
) -> tuple[dict[int, tuple[float, dict]], list[str]]:
    """Each name's latest row (index -> (time, counts)), and the rows' problems: an unknown name, a second row
    for a name and time, a count lower than an earlier one (counts are cumulative), what `check(line, name,
    index, counts)` finds, and every name of `index` with no row."""
    latest: dict[int, tuple[float, dict]] = {}
    problems: list[str] = []
    seen: dict[tuple[int, float], int] = {}
    last: dict[int, tuple[float, int, dict]] = {}  # name -> (time, line, counts) of its latest row so far
    for line, name, when, c in sorted(rows, key=lambda r: (r[2], r[0])):
        i = index.get(name)
        if i is None:
            problems.append(f"{file}:{line}: {kind}: " + unknown_name(kind, name, index))
            continue
        if (i, when) in seen:
            problems.append(
                _("{file}:{line}: time: a second row for {name} at {time} (the first at line {first})").format(
                    file=file, line=line, name=name, time=format_duration(when), first=seen[i, when]
                )
            )
            continue
        seen[i, when] = line
        problems += check(line, name, i, c)
        if i in last:
            _t, before, earlier = last[i]
            problems += [
                _(
                    "{file}:{line}: {column}: {now} at {name}, fewer than the {then} of line {before}; counts are "
                    "cumulative"
                ).format(file=file, line=line, column=k, now=v, name=name, then=earlier[k], before=before)
                for k, v in c.items()
                if k in earlier and v < earlier[k] and k not in DECREASE_OK
            ]
        last[i] = (when, line, c)
        latest[i] = (when, c)
    absent = [name for name in index if name not in named]
    if absent:
        shown = ", ".join(absent[:10]) + (_(" and {n} more").format(n=len(absent) - 10) if len(absent) > 10 else "")
        what = _("point(s)") if kind == "point" else _("lab(s)")
        problems.append(
            _(
                "{file}: no row for {n} {what}: {names}; every one needs a row (zeros where nothing happened yet)"
            ).format(file=file, n=len(absent), what=what, names=shown)
        )
    return latest, problems


def _place(problem: str) -> tuple[str, int]:
    """A problem's file and line, to list them in order."""
    file, _sep, rest = problem.partition(":")
    line = rest.partition(":")[0]
    return file, int(line) if line.isdigit() else 0


DECREASE_OK = ("waiting", "plates_running")  # what is there now, not a running total


def from_counts(folder: Path, rnd: Round, start: dt.datetime | None, at: float) -> Status:
    """A city system's counts: points.csv (per point) and labs.csv (per lab), each row counted at `time`."""
    problems: list[str] = []
    span = (round_span(rnd)[0], at)
    point_names: set[str] = set()
    lab_names: set[str] = set()
    points = _read(folder / "points.csv", POINT_COLUMNS, ("waiting",), start, span, problems, point_names)
    labs = _read(folder / "labs.csv", LAB_COLUMNS, ("plates_running",), start, span, problems, lab_names)
    residents, tables = rnd.per_point(lambda g: g.people), rnd.per_point(lambda g: g.tables)
    latest_point, found = _latest(
        points,
        point_names,
        {name: p for p, name in enumerate(rnd.point_names())},
        "points.csv",
        "point",
        lambda line, name, p, c: _point_problems(line, name, c, int(residents[p])),
    )
    problems += found
    latest_lab, found = _latest(
        labs, lab_names, {lab.name: li for li, lab in enumerate(rnd.labs)}, "labs.csv", "lab", _lab_problems
    )
    problems += found
    if not problems:  # in all: only once every row could be read, or a row's problem shows twice
        problems += _received_problems(latest_point, latest_lab)
    if problems:
        raise StatusError(sorted(problems, key=_place))
    return _counts_status(rnd, at, latest_point, latest_lab, points, labs, tables)


def _received_problems(latest_point: dict, latest_lab: dict) -> list[str]:
    """Tubes received at labs, in all, are never more than the tubes picked up at points, in all."""
    picked = sum(c["tubes_picked_up"] for _w, c in latest_point.values())
    received = sum(c["tubes_received"] for _w, c in latest_lab.values())
    if received <= picked or not latest_point:
        return []
    return [
        _(
            "labs.csv: tubes_received: {received:,} received at the labs in all, more than the {picked:,} picked up "
            "at the points in all (points.csv)"
        ).format(received=received, picked=picked)
    ]


def _lab_problems(line: int, _name: str, _li: int, c: dict) -> list[str]:
    if c["tubes_reported"] <= c["tubes_received"]:
        return []
    return [
        _("labs.csv:{line}: tubes_reported: {reported} reported, more than the {received} received").format(
            line=line, reported=c["tubes_reported"], received=c["tubes_received"]
        )
    ]


def _point_problems(line: int, name: str, c: dict, residents: int) -> list[str]:
    out = []
    came = c["sampled"] + c.get("waiting", 0)
    if came > residents:
        out.append(
            _(
                "points.csv:{line}: sampled: {n} sampled or waiting at {point}, more than its {residents} residents"
            ).format(line=line, n=came, point=name, residents=residents)
        )
    if c["tubes_sealed"] > c["sampled"]:
        out.append(
            _("points.csv:{line}: tubes_sealed: {tubes} tubes sealed from {n} residents sampled").format(
                line=line, tubes=c["tubes_sealed"], n=c["sampled"]
            )
        )
    if c["tubes_picked_up"] > c["tubes_sealed"]:
        out.append(
            _("points.csv:{line}: tubes_picked_up: {picked} picked up, more than the {sealed} sealed").format(
                line=line, picked=c["tubes_picked_up"], sealed=c["tubes_sealed"]
            )
        )
    return out


def _spread(total: int, weights: np.ndarray) -> np.ndarray:
    """`total` split in whole numbers in proportion to `weights` (largest remainders)."""
    if total <= 0 or weights.sum() <= 0:
        return np.zeros(weights.size, np.int64)
    exact = total * weights / weights.sum()
    out = np.floor(exact).astype(np.int64)
    out[np.argsort(out - exact, kind="stable")[: total - out.sum()]] += 1
    return out


def _counts_status(rnd, at, latest_point, latest_lab, points, labs, tables) -> Status:
    """Counts to a state. Where counts cannot say (which point's tubes are in which lab, when a waiting tube
    was sealed), the status is read as its plainest meaning (docs/forecast.md, rule F5)."""
    n, n_labs, pools = rnd.n_points, len(rnd.labs), rnd.pool_sizes()
    get = {k: np.zeros(n, np.int64) for k in ("sampled", "waiting", "tubes_sealed", "tubes_picked_up")}
    has_waiting = bool(latest_point) and all("waiting" in c for _w, c in latest_point.values())
    for p, (_w, c) in latest_point.items():
        for k in get:
            get[k][p] = c.get(k, 0)
    lab = {k: np.zeros(n_labs, np.int64) for k in ("tubes_received", "tubes_reported", "plates_running")}
    running_given = bool(latest_lab) and all("plates_running" in c for _w, c in latest_lab.values())
    for li, (_w, c) in latest_lab.items():
        for k in lab:
            lab[k][li] = c.get(k, 0)
    tubes = _placed_tubes(rnd, at, get, lab, pools)
    open_count = np.clip(get["sampled"] - get["tubes_sealed"] * pools, 0, None)
    open_tube = [_spread(int(min(open_count[p], tables[p] * (pools[p] - 1))), np.ones(tables[p])) for p in range(n)]
    past = {
        "sampled": _history(points, "sampled"),
        "tubes_at_lab": _history(labs, "tubes_received"),
        "tubes_reported": _history(labs, "tubes_reported"),
    }
    return Status(
        at,
        get["sampled"],
        [np.full(w, at) for w in get["waiting"]] if has_waiting else None,
        get["tubes_sealed"],
        get["tubes_picked_up"],
        lab["tubes_received"],
        lab["tubes_reported"],
        open_tube,
        tubes,
        lab["plates_running"] if running_given else plates_running(rnd),
        past,
        counted_at=max((w for w, _c in latest_point.values()), default=at),
    )


def _placed_tubes(rnd: Round, at: float, get: dict, lab: dict, pools: np.ndarray) -> dict[str, np.ndarray]:
    """Every tube not reported, where F5 puts it: waiting at its point; in a lab's queue (from the lab's own
    points, from any point for a lab none sends to); the rest of what was picked up on the road (in all, no
    more than picked up less received)."""
    n, n_labs = rnd.n_points, len(rnd.labs)
    labs_of = rnd.per_point(lambda g: g.lab)
    cols: dict[str, list] = {k: [] for k in ("point", "size", "sealed", "picked", "at_lab", "lab")}

    def add(p: np.ndarray, picked: float, at_lab: float, lab: int = -1) -> None:
        cols["point"].append(p)
        cols["size"].append(pools[p].astype(float))
        for k, v in (("sealed", at), ("picked", picked), ("at_lab", at_lab), ("lab", lab)):
            cols[k].append(np.full(p.size, v, float))

    add(np.repeat(np.arange(n), get["tubes_sealed"] - get["tubes_picked_up"]), math.nan, math.nan)
    travel = rnd.per_point(lambda g: g.travel.mean)
    picked = get["tubes_picked_up"].astype(float)
    road = np.array([max(picked[labs_of == li].sum() - lab["tubes_received"][li], 0) for li in range(n_labs)], float)
    road = _spread(int(min(road.sum(), max(picked.sum() - lab["tubes_received"].sum(), 0))), road)
    for li in range(n_labs):
        mine = np.flatnonzero(labs_of == li)
        sources = mine if picked[mine].sum() > 0 else np.arange(n)
        in_lab = max(int(lab["tubes_received"][li] - lab["tubes_reported"][li]), 0)
        for count, on, where in ((in_lab, False, sources), (int(road[li]), True, mine)):
            share = _spread(count, picked[where])
            for p, k in zip(where, share, strict=True):
                if k:
                    add(np.full(k, p), at - travel[p] / 2 if on else at, math.nan if on else at, -1 if on else li)
    tubes = {k: np.concatenate(v) if v else np.empty(0) for k, v in cols.items()}
    tubes["point"] = tubes["point"].astype(np.int64)
    tubes["lab"] = tubes["lab"].astype(np.int64)
    return tubes


def _history(rows: list, column: str) -> tuple[np.ndarray, np.ndarray]:
    """A counts file's past: at each time a row was counted, the sum of every name's latest count."""
    times = np.unique([when for _line, _name, when, _c in rows])
    latest: dict[str, int] = {}
    out = []
    by_time = sorted(rows, key=lambda r: r[2])
    k = 0
    for t in times:
        while k < len(by_time) and by_time[k][2] <= t:
            latest[by_time[k][1]] = by_time[k][3][column]
            k += 1
        out.append(sum(latest.values()))
    return times, np.array(out, float)


def write_counts(
    trace: Trace, rnd: Round, at: float, folder: Path, stamp: str | None = None, waiting: bool = True
) -> None:
    """The counts a city system would export at `at` from a traced run: points.csv and labs.csv, one row
    per point and per lab (a simulated status, to try `natsim forecast` and to test it); without the
    `waiting` column when `waiting` is False (a system that counts swabs, not the queue)."""
    r, t = trace.residents, trace.tubes
    n = rnd.n_points
    stamp = stamp or f"{at:.1f}s"
    by_point = {
        "sampled": r["point"][r["end"] <= at],
        "waiting": r["point"][(r["arrival"] <= at) & (r["end"] > at)],
        "tubes_sealed": t["point"][t["sealed"] <= at],
        "tubes_picked_up": t["point"][t["picked"] <= at],
    }
    if not waiting:
        del by_point["waiting"]
    counts = {k: np.bincount(v, minlength=n) for k, v in by_point.items()}
    names = rnd.point_names()
    folder.mkdir(parents=True, exist_ok=True)
    columns = ("point", "time", *by_point)
    write_csv(folder / "points.csv", columns, [(names[p], stamp, *(counts[k][p] for k in by_point)) for p in range(n)])
    lab_of = rnd.tube_labs(t["point"], np.where(t["at_lab"] <= at, t.get("lab", -1), -1))  # the lab that has it
    received = np.bincount(lab_of[t["at_lab"] <= at], minlength=len(rnd.labs))
    reported = np.bincount(lab_of[t["result"] <= at], minlength=len(rnd.labs))
    rows = [(lab.name, stamp, received[i], reported[i]) for i, lab in enumerate(rnd.labs)]
    write_csv(folder / "labs.csv", LAB_COLUMNS, rows)

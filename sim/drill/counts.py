"""A counts status: what a city system exports during the round, per point (points.csv) and per lab
(labs.csv), each row counted at a time (docs/forecast.md). Anything wrong in it is a problem at
`file:line: column`, and nothing runs; counts are then read as their plainest meaning (rule F5)."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np

from sim.core.durations import DurationError
from sim.core.i18n import _
from sim.core.tables import write_csv
from sim.drill.log import DrillLogError, csv_rows, parse_time
from sim.drill.status import Status, StatusError, plates_running
from sim.engine.replication import Trace
from sim.scenario.round import Round

POINT_COLUMNS = ("point", "time", "sampled", "tubes_sealed", "tubes_picked_up")  # and, optionally, waiting
LAB_COLUMNS = ("lab", "time", "tubes_received", "tubes_reported")  # and, optionally, plates_running


def _read(path: Path, columns: tuple[str, ...], optional: tuple[str, ...], start, at: float, problems: list[str]):
    """(line, name, time, counts) of every usable row of one counts file; the others' problems appended."""
    missing_file = _("{path}: missing (a counts status holds points.csv and labs.csv; see docs/forecast.md)")
    try:
        lines = list(csv_rows(path, columns, missing_file, optional))
    except DrillLogError as exc:
        raise StatusError([str(exc)]) from None
    rows = []
    for line, row in lines:
        got = _row(row, columns, optional, start, at)
        if isinstance(got, str):
            problems.append(f"{path.name}:{line}: {got}")
        else:
            rows.append((line, row[columns[0]].strip(), *got))
    return rows


def _row(row: dict, columns: tuple[str, ...], optional: tuple[str, ...], start, at: float) -> tuple[float, dict] | str:
    """A counts row's time and counts, or its problem as `column: message`."""
    try:
        when = parse_time(row["time"] or "", start)
    except (ValueError, DurationError) as exc:
        return _("time: unreadable time {text!r}: {error}").format(text=row["time"], error=exc)
    if math.isnan(when):
        return _("time: empty; every row says when it was counted")
    if when > at + 1e-6:
        return _("time: {text} is after the forecast's time (--at)").format(text=row["time"])
    counts = {}
    for col in columns[2:] + tuple(c for c in optional if c in row):
        text = (row.get(col) or "").strip()
        if not text and col in optional:
            continue
        if not text.isdigit():
            return _("{column}: {text!r} is not a count (a whole number, 0 or more)").format(column=col, text=text)
        counts[col] = int(text)
    return when, counts


def _latest(rows: list, index: dict[str, int], unknown: str, check) -> tuple[dict[int, tuple[float, dict]], list[str]]:
    """Each name's latest row (index -> (time, counts)), and the rows' problems: an unknown name (`unknown`
    with {line} and {name}), or what `check(line, name, index, counts)` finds."""
    latest: dict[int, tuple[float, dict]] = {}
    problems: list[str] = []
    for line, name, when, c in rows:
        i = index.get(name)
        if i is None:
            problems.append(unknown.format(line=line, name=name))
            continue
        problems += check(line, name, i, c)
        if i not in latest or when >= latest[i][0]:
            latest[i] = (when, c)
    return latest, problems


def from_counts(folder: Path, rnd: Round, start: dt.datetime | None, at: float) -> Status:
    """A city system's counts: points.csv (per point) and labs.csv (per lab), each row counted at `time`."""
    problems: list[str] = []
    points = _read(folder / "points.csv", POINT_COLUMNS, ("waiting",), start, at, problems)
    labs = _read(folder / "labs.csv", LAB_COLUMNS, ("plates_running",), start, at, problems)
    residents, tables = rnd.per_point(lambda g: g.people), rnd.per_point(lambda g: g.tables)
    latest_point, found = _latest(
        points,
        {name: p for p, name in enumerate(rnd.point_names())},
        _("points.csv:{line}: point: unknown point {name!r}"),
        lambda line, name, p, c: _point_problems(line, name, c, int(residents[p])),
    )
    problems += found
    latest_lab, found = _latest(
        labs, {lab.name: li for li, lab in enumerate(rnd.labs)}, _("labs.csv:{line}: lab: unknown lab {name!r}"), _lab_problems
    )
    problems += found
    if problems:
        raise StatusError(problems)
    return _counts_status(rnd, at, latest_point, latest_lab, points, labs, tables)


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
            _("points.csv:{line}: sampled: {n} sampled or waiting at {point}, more than its {residents} residents").format(
                line=line, n=came, point=name, residents=residents
            )
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
    n, n_labs, pool = rnd.n_points, len(rnd.labs), rnd.pool_size
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
    labs_of = rnd.per_point(lambda g: g.lab)
    cols: dict[str, list] = {k: [] for k in ("point", "size", "sealed", "picked", "at_lab")}

    def add(p: np.ndarray, picked: float, at_lab: float) -> None:
        cols["point"].append(p)
        for k, v in (("size", pool), ("sealed", at), ("picked", picked), ("at_lab", at_lab)):
            cols[k].append(np.full(p.size, v, float))

    # Waiting at their points; the lab's unreported tubes in its queue, the rest of what was picked up on the road.
    add(np.repeat(np.arange(n), get["tubes_sealed"] - get["tubes_picked_up"]), math.nan, math.nan)
    travel = rnd.per_point(lambda g: g.travel.mean)
    for li in range(n_labs):
        mine = np.flatnonzero(labs_of == li)
        picked = get["tubes_picked_up"][mine]
        in_lab = max(int(lab["tubes_received"][li] - lab["tubes_reported"][li]), 0)
        on_road = max(int(picked.sum() - lab["tubes_received"][li]), 0)
        for count, on in ((in_lab, False), (on_road, True)):
            share = _spread(count, picked.astype(float))
            for p, k in zip(mine, share, strict=True):
                if k:
                    add(np.full(k, p), at - travel[p] / 2 if on else at, math.nan if on else at)
    open_count = np.clip(get["sampled"] - get["tubes_sealed"] * pool, 0, None)
    open_tube = [_spread(int(min(open_count[p], tables[p] * (pool - 1))), np.ones(tables[p])) for p in range(n)]
    tubes = {k: np.concatenate(v) if v else np.empty(0) for k, v in cols.items()}
    tubes["point"] = tubes["point"].astype(np.int64)
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
    )


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


def write_counts(trace: Trace, rnd: Round, at: float, folder: Path, stamp: str | None = None) -> None:
    """The counts a city system would export at `at` from a traced run: points.csv and labs.csv, one row
    per point and per lab (a simulated status, to try `natsim forecast` and to test it)."""
    r, t = trace.residents, trace.tubes
    n = rnd.n_points
    stamp = stamp or f"{at:.1f}s"
    by_point = {
        "sampled": r["point"][r["end"] <= at],
        "waiting": r["point"][(r["arrival"] <= at) & (r["end"] > at)],
        "tubes_sealed": t["point"][t["sealed"] <= at],
        "tubes_picked_up": t["point"][t["picked"] <= at],
    }
    counts = {k: np.bincount(v, minlength=n) for k, v in by_point.items()}
    names = rnd.point_names()
    folder.mkdir(parents=True, exist_ok=True)
    columns = ("point", "time", *by_point)
    write_csv(folder / "points.csv", columns, [(names[p], stamp, *(counts[k][p] for k in by_point)) for p in range(n)])
    lab_of = rnd.per_point(lambda g: g.lab)[t["point"]]
    received = np.bincount(lab_of[t["at_lab"] <= at], minlength=len(rnd.labs))
    reported = np.bincount(lab_of[t["result"] <= at], minlength=len(rnd.labs))
    rows = [(lab.name, stamp, received[i], reported[i]) for i, lab in enumerate(rnd.labs)]
    write_csv(folder / "labs.csv", LAB_COLUMNS, rows)

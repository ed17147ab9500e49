"""The one checked reader of a status during the round (docs/forecast.md): `read_status(path, round, at)`
reads a drill log folder or a counts folder as it stood at `at` and returns a `Status`, or raises
`StatusError` with every problem found, each at `file:line: column: message`. A TIME outside the round, a
status with nothing usable, a log with too many rows it cannot use or rows no real round shows are refused;
counts are checked row by row and across rows (`sim.feeds.counts`).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np

from sim.core.durations import format_duration
from sim.core.i18n import _
from sim.feeds.counts import from_counts
from sim.feeds.log import DrillLogError, read_log
from sim.feeds.status import Status, StatusError, cut_log, round_span
from sim.scenario.round import Round

SET_ASIDE_LIMIT = 0.05  # a log with more than this share of its rows set aside is refused, not forecast from


def read_status(path: Path, rnd: Round, at: float, start: dt.datetime | None = None) -> Status:
    """The status in folder `path` at `at` (seconds on the round's clock; `start`: the scenario's start, for
    clock times): a drill log folder (swabs.csv, tubes.csv) or a counts folder (points.csv, labs.csv).
    Raises StatusError with every problem found, each at `file:line: column: message`."""
    check_time(rnd, at)
    path = Path(path)
    if not path.is_dir():
        raise StatusError([_("{folder}: no such folder").format(folder=path)])
    if (path / "swabs.csv").exists() or (path / "tubes.csv").exists():
        status = from_log(path, rnd, start, at)
    elif (path / "points.csv").exists() or (path / "labs.csv").exists():
        status = from_counts(path, rnd, start, at)
    else:
        raise StatusError(
            [
                _(
                    "{folder}: neither a drill log (swabs.csv, tubes.csv) nor counts (points.csv, labs.csv); see "
                    "docs/forecast.md"
                ).format(folder=path)
            ]
        )
    return status


def check_time(rnd: Round, at: float) -> None:
    """A TIME outside the round is refused: before it nothing has happened (the plan is `natsim run`); after
    the deadline the question a forecast answers (will it be met?) is settled."""
    first, last = round_span(rnd)
    if first <= at <= last:
        return
    raise StatusError(
        [
            _(
                "--at: {at} is outside the round, which runs from {first} to its deadline {last} (times since its "
                "start)"
            ).format(at=format_duration(at), first=format_duration(first), last=format_duration(last))
        ]
    )


def from_log(folder: Path, rnd: Round, start: dt.datetime | None, at: float) -> Status:
    """The log as it stood at `at`; refused when it holds nothing usable by then or too many rows are set aside."""
    try:
        log = read_log(folder, rnd, start)
    except DrillLogError as exc:
        raise StatusError(exc.problems) from None
    rows = sum(log.rows.values())
    if rows and len(log.set_aside) > SET_ASIDE_LIMIT * rows:
        raise StatusError(
            [str(a) for a in log.set_aside]
            + [
                _("{folder}: {n} of {rows} rows cannot be used (more than {share:.0%}): fix the export first").format(
                    folder=folder, n=len(log.set_aside), rows=rows, share=SET_ASIDE_LIMIT
                )
            ]
        )
    status = cut_log(log, rnd, at)
    if problems := _log_problems(status, rnd):
        raise StatusError(problems)
    if not (
        status.sampled.sum() or status.tubes_sealed.sum() or (status.waiting and sum(w.size for w in status.waiting))
    ):
        raise StatusError(
            [
                _(
                    "{folder}: no swab, queuing resident or sealed tube by {at} in the log: nothing to forecast from"
                ).format(folder=folder, at=format_duration(at))
            ]
        )
    return status


def _log_problems(status: Status, rnd: Round) -> list[str]:
    """What no log of a real round shows at TIME: more tubes sealed at a point than its swabs (a swabs.csv cut
    short), more swabbed and queuing than its residents (rows copied twice)."""
    out = []
    names, people = rnd.point_names(), rnd.per_point(lambda g: g.people)
    queuing = (
        np.array([w.size for w in status.waiting]) if status.waiting is not None else np.zeros_like(status.sampled)
    )
    for p in np.flatnonzero(status.tubes_sealed > status.sampled):
        out.append(
            _(
                "swabs.csv: point: {point}: {tubes} tubes sealed by then (tubes.csv) from only {n} swabs; is "
                "swabs.csv cut short?"
            ).format(point=names[p], tubes=status.tubes_sealed[p], n=status.sampled[p])
        )
    for p in np.flatnonzero(status.sampled + queuing > people):
        out.append(
            _("swabs.csv: point: {point}: {n} swabbed or queuing, more than its {residents} residents").format(
                point=names[p], n=status.sampled[p] + queuing[p], residents=people[p]
            )
        )
    return out

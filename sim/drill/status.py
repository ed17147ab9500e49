"""A status during the round, read at a time: a drill log (`sim.drill.log`) read as it stood at TIME, or a
folder of counts (`sim.drill.counts`); docs/forecast.md. `read_status` is the one checked reader of both.

Both become one `Status`: per point and per lab what had happened by TIME, who was queuing (when the status
shows it), every tube not yet reported and where it is, and the past as it is known (a log's own history;
counts at the times they were counted). A log is read as it is: its rows are what happened. A log exported
at TIME holds nothing after it; a complete log replayed with `--at` has rows after TIME, which are left
out and counted (`left_out`), so a replay can be told from an export. Unusable rows of a log are set aside,
as `drill review` does; anything wrong in a counts folder is a problem at `file:line: column`, and nothing
runs. A status with no usable data, or a TIME outside the round, is refused.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from sim.core.durations import format_duration
from sim.core.i18n import _
from sim.drill.log import DrillLog, DrillLogError, SetAside, read_log
from sim.scenario.round import Round

SET_ASIDE_LIMIT = 0.05  # a log with more than this share of its rows set aside is refused, not forecast from
LISTED = 100  # problems listed at most (the rest counted)


class StatusError(Exception):
    """A status that cannot be used; each line is `file:line: column: message`."""

    def __init__(self, problems: list[str]):
        shown = problems[:LISTED]
        if len(problems) > LISTED:
            shown.append(_("... and {n} more problem(s)").format(n=len(problems) - LISTED))
        super().__init__("\n".join(shown))
        self.problems = problems


@dataclass
class Status:
    """The round at `at` as a status shows it, before any of it is simulated."""

    at: float
    sampled: np.ndarray  # per point
    waiting: list[np.ndarray] | None  # per point: when each resident still waiting joined (None: not known)
    tubes_sealed: np.ndarray  # per point
    tubes_picked: np.ndarray  # per point
    tubes_received: np.ndarray  # per lab (the lab that has it: `Round.tube_labs`)
    tubes_reported: np.ndarray  # per lab
    open_tube: list[np.ndarray]  # per point: residents in each table's open tube
    tubes: dict[str, np.ndarray]  # not reported: point, size, sealed, picked, at_lab (NaN: not yet), lab (-1: home)
    plates_running: np.ndarray  # per lab
    past: dict[str, tuple[np.ndarray, np.ndarray]]  # sampled, tubes_at_lab, tubes_reported -> (times, cumulative counts)
    set_aside: list[SetAside] = field(default_factory=list)
    log: DrillLog | None = None  # the log cut at `at`, for fitting rates
    left_out: dict[str, int] = field(default_factory=dict)  # a replayed log's rows and times after `at`, not used

    @property
    def kind(self) -> str:
        """ "log" (a drill log, which also gives durations to fit) or "counts"."""
        return "counts" if self.log is None else "log"

    @property
    def queue(self) -> str:
        """ "status" when the status shows who was queuing at `at`, "plan" when it does not (the plan's queue
        at `at` stands in for it, and turnout compares swabs with the plan's swabs)."""
        return "plan" if self.waiting is None else "status"

    def totals(self) -> dict[str, int]:
        return {
            "sampled": int(self.sampled.sum()),
            "waiting": int(sum(w.size for w in self.waiting)) if self.waiting is not None else None,
            "tubes_sealed": int(self.tubes_sealed.sum()),
            "tubes_picked_up": int(self.tubes_picked.sum()),
            "tubes_at_lab": int(self.tubes_received.sum()),
            "tubes_reported": int(self.tubes_reported.sum()),
        }


def read_status(path: Path, rnd: Round, at: float, start: dt.datetime | None = None) -> Status:
    """The status in folder `path` at `at` (seconds on the round's clock; `start`: the scenario's start, for
    clock times): a drill log folder (swabs.csv, tubes.csv) or a counts folder (points.csv, labs.csv).
    Raises StatusError with every problem found, each at `file:line: column: message`."""
    from sim.drill.counts import from_counts  # counts builds on this module's Status

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
                    "{folder}: neither a drill log (swabs.csv, tubes.csv) nor counts (points.csv, labs.csv); see docs/forecast.md"
                ).format(folder=path)
            ]
        )
    return status


def round_span(rnd: Round) -> tuple[float, float]:
    """When a status may be read: from the first moment a resident may come to the deadline."""
    return min(float(rnd.profile.times[0]), rnd.open), rnd.deadline


def check_time(rnd: Round, at: float) -> None:
    """A TIME outside the round is refused: before it nothing has happened (the plan is `natsim run`); after
    the deadline the question a forecast answers (will it be met?) is settled."""
    first, last = round_span(rnd)
    if first <= at <= last:
        return
    raise StatusError(
        [
            _("--at: {at} is outside the round, which runs from {first} to its deadline {last} (times since its start)").format(
                at=format_duration(at), first=format_duration(first), last=format_duration(last)
            )
        ]
    )


def plates_running(rnd: Round) -> np.ndarray:
    """Plates under way when a status does not say: up to every instrument (rule F4 forms them)."""
    return np.array([lab.extractors + lab.pcr_machines for lab in rnd.labs])


def curve(times: np.ndarray, weights: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(times, kind="stable")
    w = np.ones(times.size) if weights is None else weights[order]
    return times[order], np.cumsum(w)


# --- a drill log, read at TIME ----------------------------------------------------------------------
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
    if not (status.sampled.sum() or status.tubes_sealed.sum() or (status.waiting and sum(w.size for w in status.waiting))):
        raise StatusError(
            [
                _("{folder}: no swab, queuing resident or sealed tube by {at} in the log: nothing to forecast from").format(
                    folder=folder, at=format_duration(at)
                )
            ]
        )
    return status


def _log_problems(status: Status, rnd: Round) -> list[str]:
    """What no log of a real round shows at TIME: more tubes sealed at a point than its swabs (a swabs.csv cut
    short), more swabbed and queuing than its residents (rows copied twice)."""
    out = []
    names, people = rnd.point_names(), rnd.per_point(lambda g: g.people)
    queuing = np.array([w.size for w in status.waiting]) if status.waiting is not None else np.zeros_like(status.sampled)
    for p in np.flatnonzero(status.tubes_sealed > status.sampled):
        out.append(
            _(
                "swabs.csv: point: {point}: {tubes} tubes sealed by then (tubes.csv) from only {n} swabs; is swabs.csv cut short?"
            ).format(point=names[p], tubes=status.tubes_sealed[p], n=status.sampled[p])
        )
    for p in np.flatnonzero(status.sampled + queuing > people):
        out.append(
            _("swabs.csv: point: {point}: {n} swabbed or queuing, more than its {residents} residents").format(
                point=names[p], n=status.sampled[p] + queuing[p], residents=people[p]
            )
        )
    return out


def cut_log(log: DrillLog, rnd: Round, at: float) -> Status:
    """The log at `at`. Who queues at `at`: a row joined by then and not swabbed by then (a registration scan
    with the swab empty, or, in a replayed complete log, a swab after `at`). A log with no such evidence (no
    row without a swab, nothing after `at`, or no `joined` filled) does not show the queue: `waiting` is None."""
    n_points = rnd.n_points
    done = log.swabbed <= at
    waiting_rows = ~done & (log.joined <= at)  # joined (a registration scan) but not swabbed yet
    later = log.swabbed > at
    shows_queue = bool(np.isfinite(log.joined).any() and (np.isnan(log.swabbed).any() or later.any()))
    waiting = _by_point(log.joined[waiting_rows], log.point[waiting_rows], n_points) if shows_queue else None
    t = log.tubes
    seen = t["sealed"] <= at
    times = ("sealed", "picked_up", "at_lab", "reported")
    left_out = {
        "swabs": int(np.count_nonzero(later)),
        "queuing": int(np.count_nonzero(np.isnan(log.swabbed) & (log.joined > at))),
        "tube_times": int(sum(np.count_nonzero(t[k] > at) for k in times)),
    }
    when = {k: np.where(t[k] <= at, t[k], np.nan)[seen] for k in times}
    # A step recorded implies the ones before it (a tube received was picked up, no later than it came).
    when["at_lab"] = np.where(np.isnan(when["at_lab"]), when["reported"], when["at_lab"])
    when["picked_up"] = np.where(np.isnan(when["picked_up"]), when["at_lab"], when["picked_up"])
    tube_point = t["point"][seen].astype(np.int64)
    ids = t["id"][seen].astype(np.int64)
    ran = t["lab"][seen].astype(np.int64) if "lab" in t else np.full(ids.size, -1)
    ran = np.where(np.isnan(when["at_lab"]), -1, ran)  # the lab that has it, once it is there
    lab = rnd.tube_labs(tube_point, ran)
    swab_tube = log.swab_tube if log.swab_tube is not None else np.full(log.point.size, -1)
    n_ids = int(max(ids.max(initial=-1), swab_tube.max(initial=-1)) + 1)
    size = np.bincount(swab_tube[done & (swab_tube >= 0)], minlength=n_ids)
    sizes = np.where(size[ids] > 0, size[ids], rnd.pool_sizes()[tube_point])
    sealed_ids = np.zeros(size.size, bool)
    sealed_ids[ids] = True
    in_open = done & ((swab_tube < 0) | ~sealed_ids[np.maximum(swab_tube, 0)])
    tables = rnd.per_point(lambda g: g.tables)
    first = np.concatenate(([0], np.cumsum(tables)))
    per_table = np.bincount(first[log.point[in_open]] + log.table[in_open], minlength=first[-1])
    open_tube = np.split(per_table, first[1:-1])
    reported = ~np.isnan(when["reported"])
    at_lab = ~np.isnan(when["at_lab"])
    n_labs = len(rnd.labs)
    left = ~reported
    tubes = {
        "point": tube_point[left],
        "size": sizes[left],
        "sealed": when["sealed"][left],
        "picked": when["picked_up"][left],
        "at_lab": when["at_lab"][left],
        "lab": ran[left],
    }
    past = {
        "sampled": curve(log.swabbed[done]),
        "tubes_at_lab": curve(when["at_lab"][at_lab]),
        "tubes_reported": curve(when["reported"][reported]),
    }
    return Status(
        at,
        np.bincount(log.point[done], minlength=n_points),
        waiting,
        np.bincount(tube_point, minlength=n_points),
        np.bincount(tube_point[~np.isnan(when["picked_up"])], minlength=n_points),
        np.bincount(lab[at_lab], minlength=n_labs),
        np.bincount(lab[reported], minlength=n_labs),
        open_tube,
        tubes,
        plates_running(rnd),
        past,
        list(log.set_aside),
        _log_until(log, done),
        left_out,
    )


def _by_point(values: np.ndarray, point: np.ndarray, n: int) -> list[np.ndarray]:
    """`values` split by point, each part sorted (one sort for a city's millions of rows)."""
    order = np.lexsort((values, point))
    cuts = np.searchsorted(point[order], np.arange(n + 1))
    v = values[order]
    return [v[a:b] for a, b in zip(cuts[:-1], cuts[1:], strict=True)]


def _log_until(log: DrillLog, done: np.ndarray) -> DrillLog:
    """The swabs taken by TIME, and only the tube times known then (for fitting rates)."""
    t = log.tubes
    tube = log.swab_tube[done] if log.swab_tube is not None else None
    return DrillLog(log.point[done], log.table[done], log.joined[done], log.swabbed[done], t, log.set_aside, log.rows, tube)

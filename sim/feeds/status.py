"""A status during the round, read at a time: a drill log (`sim.feeds.log`) read as it stood at TIME, or a
folder of counts (`sim.feeds.counts`); docs/forecast.md. `sim.feeds.read.read_status` is the one checked
reader of both.

Both become one `Status`: per point and per lab what had happened by TIME, who was queuing (when the status
shows it), every tube not yet reported and where it is, and the past as it is known (a log's own history;
counts at the times they were counted). A log is read as it is: its rows are what happened. A log exported
at TIME holds nothing after it; a complete log replayed with `--at` has rows after TIME, which are left
out and counted (`left_out`), so a replay can be told from an export. Unusable rows of a log are set aside,
as `drill review` does; anything wrong in a counts folder is a problem at `file:line: column`, and nothing
runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.core.i18n import _
from sim.feeds.log import DrillLog, SetAside
from sim.scenario.round import Round

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
    past: dict[
        str, tuple[np.ndarray, np.ndarray]
    ]  # sampled, tubes_at_lab, tubes_reported -> (times, cumulative counts)
    set_aside: list[SetAside] = field(default_factory=list)
    log: DrillLog | None = None  # the log cut at `at`, for fitting rates
    left_out: dict[str, int] = field(default_factory=dict)  # a replayed log's rows and times after `at`, not used
    counted_at: float | None = None  # counts: when the latest were counted, if before `at` (None: at `at`)
    # Pools reported by `at`: point, size, sealed, reported, lab (-1: its point's own). A log's; counts hold none
    # (the forecast takes them from the plan, rule F6).
    reported: dict[str, np.ndarray] | None = None

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


def round_span(rnd: Round) -> tuple[float, float]:
    """When a status may be read: from the first moment a resident may come to the deadline."""
    return min(float(rnd.profile.times[0]), rnd.open), rnd.deadline


def plates_running(rnd: Round) -> np.ndarray:
    """Plates under way when a status does not say: up to every instrument (rule F4 forms them)."""
    return np.array([lab.extractors + lab.pcr_machines for lab in rnd.labs])


def curve(times: np.ndarray, weights: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(times, kind="stable")
    w = np.ones(times.size) if weights is None else weights[order]
    return times[order], np.cumsum(w)


# --- a drill log, read at TIME ----------------------------------------------------------------------
def cut_log(log: DrillLog, rnd: Round, at: float) -> Status:
    """The log at `at`. Who queues at `at`: a row joined by then and not swabbed by then (a registration scan
    with the swab empty, or, in a replayed complete log, a swab after `at`). A log with no such evidence (no
    row without a swab, nothing after `at`, or no `joined` filled) does not show the queue: `waiting` is None."""
    n_points = rnd.n_points
    done = log.swabbed <= at
    waiting, left_out = _queue(log, at, n_points)
    t = log.tubes
    seen = t["sealed"] <= at
    when = _tube_times(t, seen, at)
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
    cols = {"point": tube_point, "size": sizes, "sealed": when["sealed"], "picked": when["picked_up"]}
    cols |= {"at_lab": when["at_lab"], "reported": when["reported"], "lab": ran}
    tubes = {k: cols[k][left] for k in ("point", "size", "sealed", "picked", "at_lab", "lab")}
    done_tubes = {k: cols[k][reported] for k in ("point", "size", "sealed", "reported", "lab")}  # F6's
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
        reported=done_tubes,
    )


TUBE_TIMES = ("sealed", "picked_up", "at_lab", "reported")


def _queue(log: DrillLog, at: float, n: int) -> tuple[list[np.ndarray] | None, dict[str, int]]:
    """Who queues at `at` (None when the log shows no evidence), and a replay's rows after `at`, not used."""
    waiting_rows = ~(log.swabbed <= at) & (log.joined <= at)  # joined (a registration scan) but not swabbed yet
    later = log.swabbed > at
    shows_queue = bool(np.isfinite(log.joined).any() and (np.isnan(log.swabbed).any() or later.any()))
    waiting = _by_point(log.joined[waiting_rows], log.point[waiting_rows], n) if shows_queue else None
    left_out = {
        "swabs": int(np.count_nonzero(later)),
        "queuing": int(np.count_nonzero(np.isnan(log.swabbed) & (log.joined > at))),
        "tube_times": int(sum(np.count_nonzero(log.tubes[k] > at) for k in TUBE_TIMES)),
    }
    return waiting, left_out


def _tube_times(t: dict[str, np.ndarray], seen: np.ndarray, at: float) -> dict[str, np.ndarray]:
    """The times of the tubes `seen` as known at `at` (NaN: not yet). A step recorded implies the ones before
    it (a tube received was picked up, no later than it came)."""
    when = {k: np.where(t[k] <= at, t[k], np.nan)[seen] for k in TUBE_TIMES}
    when["at_lab"] = np.where(np.isnan(when["at_lab"]), when["reported"], when["at_lab"])
    when["picked_up"] = np.where(np.isnan(when["picked_up"]), when["at_lab"], when["picked_up"])
    return when


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
    return DrillLog(
        log.point[done], log.table[done], log.joined[done], log.swabbed[done], t, log.set_aside, log.rows, tube
    )

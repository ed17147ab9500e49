"""A status during the round, read at a time: a drill log cut at TIME here, or a folder of counts
(`sim.drill.counts`); docs/forecast.md.

Both become one `Status`: per point and per lab what had happened by TIME, every tube not yet reported
and where it is, and the past as curves for the plot. A drill log's rows after TIME are ignored (as if
read then) and its unusable rows are set aside, as `drill review` does; a counts folder is a city
system's export, so anything wrong in it is a problem at `file:line: column`, and nothing runs.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from sim.drill.log import DrillLog, SetAside, read_log
from sim.scenario.round import Round


class StatusError(Exception):
    """A status that cannot be used; each line is `file:line: column: message`."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class Status:
    """The round at `at` as a status shows it, before any of it is simulated."""

    at: float
    sampled: np.ndarray  # per point
    waiting: list[np.ndarray] | None  # per point: when each resident still waiting joined (None: not known)
    tubes_sealed: np.ndarray  # per point
    tubes_picked: np.ndarray  # per point
    tubes_received: np.ndarray  # per lab
    tubes_reported: np.ndarray  # per lab
    open_tube: list[np.ndarray]  # per point: residents in each table's open tube
    tubes: dict[str, np.ndarray]  # not reported: point, size, sealed, picked, at_lab (NaN: not yet)
    plates_running: np.ndarray  # per lab
    past: dict[str, tuple[np.ndarray, np.ndarray]]  # sampled, tubes_at_lab, tubes_reported -> (times, cumulative counts)
    set_aside: list[SetAside] = field(default_factory=list)
    log: DrillLog | None = None  # the log cut at `at`, for fitting rates

    @property
    def kind(self) -> str:
        """ "log" (a drill log, which also gives durations to fit) or "counts"."""
        return "counts" if self.log is None else "log"

    def totals(self) -> dict[str, int]:
        return {
            "sampled": int(self.sampled.sum()),
            "waiting": int(sum(w.size for w in self.waiting)) if self.waiting is not None else None,
            "tubes_sealed": int(self.tubes_sealed.sum()),
            "tubes_picked_up": int(self.tubes_picked.sum()),
            "tubes_at_lab": int(self.tubes_received.sum()),
            "tubes_reported": int(self.tubes_reported.sum()),
        }


def plates_running(rnd: Round) -> np.ndarray:
    """Plates under way when a status does not say: up to every instrument (rule F4 forms them)."""
    return np.array([lab.extractors + lab.pcr_machines for lab in rnd.labs])


def curve(times: np.ndarray, weights: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(times, kind="stable")
    w = np.ones(times.size) if weights is None else weights[order]
    return times[order], np.cumsum(w)


# --- a drill log, read at TIME ----------------------------------------------------------------------
def from_log(folder: Path, rnd: Round, start: dt.datetime | None, at: float) -> Status:
    """The log as it stood at `at`: swabs after it unseen, tube times after it not yet happened."""
    return cut_log(read_log(folder, rnd, start), rnd, at)


def cut_log(log: DrillLog, rnd: Round, at: float) -> Status:
    n_points, labs = rnd.n_points, rnd.per_point(lambda g: g.lab)
    done = log.swabbed <= at
    waiting_rows = ~done & (log.joined <= at)  # joined (a registration scan) but not swabbed yet
    waiting = _by_point(log.joined[waiting_rows], log.point[waiting_rows], n_points)
    t = log.tubes
    seen = t["sealed"] <= at
    when = {k: np.where(t[k] <= at, t[k], np.nan)[seen] for k in ("sealed", "picked_up", "at_lab", "reported")}
    tube_point = t["point"][seen].astype(np.int64)
    ids = t["id"][seen].astype(np.int64)
    swab_tube = log.swab_tube if log.swab_tube is not None else np.full(log.point.size, -1)
    size = np.bincount(swab_tube[done & (swab_tube >= 0)], minlength=int(max(ids.max(initial=-1), swab_tube.max(initial=-1)) + 1))
    sizes = np.where(size[ids] > 0, size[ids], rnd.pool_size)
    sealed_ids = np.zeros(size.size, bool)
    sealed_ids[ids] = True
    in_open = done & ((swab_tube < 0) | ~sealed_ids[np.maximum(swab_tube, 0)])
    tables = rnd.per_point(lambda g: g.tables)
    first = np.concatenate(([0], np.cumsum(tables)))
    per_table = np.bincount(first[log.point[in_open]] + log.table[in_open], minlength=first[-1])
    open_tube = np.split(per_table, first[1:-1])
    reported = ~np.isnan(when["reported"])
    received_lab = labs[tube_point[~np.isnan(when["at_lab"])]]
    reported_lab = labs[tube_point[reported]]
    n_labs = len(rnd.labs)
    received = np.bincount(received_lab, minlength=n_labs)
    reported_n = np.bincount(reported_lab, minlength=n_labs)
    left = ~reported
    tubes = {
        "point": tube_point[left],
        "size": sizes[left],
        "sealed": when["sealed"][left],
        "picked": when["picked_up"][left],
        "at_lab": when["at_lab"][left],
    }
    at_lab = ~np.isnan(when["at_lab"])
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
        received,
        reported_n,
        open_tube,
        tubes,
        plates_running(rnd),
        past,
        list(log.set_aside),
        _log_until(log, done),
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
    return DrillLog(log.point[done], log.table[done], log.joined[done], log.swabbed[done], t, log.set_aside, log.rows)

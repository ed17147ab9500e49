"""When a table serves nobody: shift handovers (rule 3) and disruptions (points closed, tables down).

This is the one home of the rule. The queue kernel, the drill run sheets ("tables working") and the
drill review (service gaps with no pause between) all take their windows from `table_windows`.

Table j of a point with `tables` tables pauses on
[base_j + k*period + length, base_j + (k+1)*period) for k >= 0, where period = length + handover and
base_j = open (+ j*period/tables when staggered); it is also blocked on every `Blocked` window that names
its point and reaches its table (all tables, or the `tables` highest-numbered).
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from sim.scenario.round import Round, Shifts


@lru_cache(maxsize=256)
def shift_pauses(sh: Shifts | None, open_: float, tables: int, until: float) -> tuple[np.ndarray, np.ndarray]:
    """Every table's handover pauses that start before `until`: (start, end) of shape (tables, k), inf-padded.
    Kept (points alike share them; callers never write to them)."""
    if sh is None or until <= open_:
        return np.empty((tables, 0)), np.empty((tables, 0))
    period = sh.length + sh.handover
    base = open_ + (np.arange(tables) * period / tables if sh.stagger else np.zeros(tables))
    k = np.arange(max(math.ceil((until - open_ - sh.length) / period), 0))
    start = base[:, None] + k * period + sh.length
    end = base[:, None] + (k + 1) * period
    late = start >= until
    return np.where(late, np.inf, start), np.where(late, np.inf, end)


def working_share(sh: Shifts | None) -> float:
    """The share of its time a table on shifts serves (the handovers take the rest)."""
    return sh.length / (sh.length + sh.handover) if sh else 1.0


def blocked_windows(rnd: Round, group: int, point: int, table: int, tables: int) -> list[tuple[float, float]]:
    """Disruptions that stop this table: its point closed, or it is among the tables down."""
    return [
        (b.start, b.end)
        for b in rnd.blocked
        if b.group == group and b.point in (-1, point) and (b.tables == 0 or table >= tables - b.tables)
    ]


def merge(windows: np.ndarray) -> np.ndarray:
    """Sorted, non-overlapping windows covering the same time (touching ones joined)."""
    if len(windows) < 2:
        return np.asarray(windows, float).reshape(-1, 2)
    w = windows[np.argsort(windows[:, 0], kind="stable")]
    out = [list(w[0])]
    for s, e in w[1:]:
        if s <= out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return np.array(out)


def table_windows(rnd: Round, group: int, point: int, tables: int, until: float) -> tuple[np.ndarray, np.ndarray]:
    """Every table's windows without service up to `until`, merged and sorted: (start, end) arrays of shape
    (tables, width), padded with inf. Width 0 when no table ever stops."""
    start, end = shift_pauses(rnd.shifts, rnd.open, tables, until)
    if not any(b.group == group and b.point in (-1, point) for b in rnd.blocked):
        return start, end
    per_table = []
    for j in range(tables):
        own = np.column_stack((start[j], end[j]))
        own = own[np.isfinite(own[:, 0])]
        blocks = np.array(blocked_windows(rnd, group, point, j, tables)).reshape(-1, 2)
        per_table.append(merge(np.vstack([own, blocks])))
    width = max(len(w) for w in per_table)
    start = np.full((tables, width), np.inf)
    end = np.full((tables, width), np.inf)
    for j, w in enumerate(per_table):
        start[j, : len(w)], end[j, : len(w)] = w[:, 0], w[:, 1]
    return start, end


def working(start: np.ndarray, end: np.ndarray, t: float) -> int:
    """How many tables serve at time t, given `table_windows`."""
    return int(np.sum(~np.any((start <= t) & (t < end), axis=1)))


def serving(start: np.ndarray, end: np.ndarray, table: np.ndarray, t: np.ndarray) -> np.ndarray:
    """For each (table, time): whether that table may start a resident then (no window holds it)."""
    return ~np.any((start[table] <= t[:, None]) & (t[:, None] < end[table]), axis=1)

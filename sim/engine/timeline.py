"""The time grid of a run's timeline, and counting events and busy time on it."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numba import njit

from sim.engine.kernels import kernel
from sim.scenario.round import Round
from sim.scenario.rules import TIME_TOLERANCE

_NICE_STEPS_MIN = (1, 2, 5, 10, 15, 20, 30, 60, 120)


@dataclass(frozen=True)
class Grid:
    """Row k is time t0 + k*step; an event at time t is counted from the first row at or after t."""

    t0: float
    step: float

    @classmethod
    def for_round(cls, rnd: Round) -> Grid:
        # About 300 rows up to the deadline, on a step a planner can read (5 min for a 24 h round).
        target = rnd.final_deadline / 288 / 60
        step = 60.0 * next((s for s in _NICE_STEPS_MIN if s >= target - 1e-9), _NICE_STEPS_MIN[-1])
        t0 = math.floor(min(rnd.profile.times[0], rnd.open, 0.0) / step) * step
        return cls(t0, step)

    def row(self, t: np.ndarray) -> np.ndarray:
        a = np.asarray(t, np.float64)
        return _ROWS(a.ravel(), self.t0, self.step).reshape(a.shape)

    def times(self, rows: int) -> np.ndarray:
        return self.t0 + self.step * np.arange(rows)

    def counts(self, t: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        """Events per row (not cumulative)."""
        if np.size(t) == 0:
            return np.zeros(1)
        return np.bincount(self.row(t), weights=weights).astype(float)


@njit(cache=True, nogil=True)
def row(t: float, t0: float, step: float) -> int:
    """The rule: the first row at or after t (row 0 for anything earlier)."""
    r = math.ceil((t - t0) / step - TIME_TOLERANCE)
    return r if r > 0 else 0


@njit(cache=True, nogil=True)
def _rows(t: np.ndarray, t0: float, step: float) -> np.ndarray:
    """`Grid.row` of each time. Compiled: at 20,000 points numpy's five calls each cost more than the residents."""
    rows = np.empty(t.size, np.int64)
    for i in range(t.size):
        rows[i] = row(t[i], t0, step)
    return rows


_ROWS = kernel(_rows)


def add_into(acc: np.ndarray, more: np.ndarray) -> np.ndarray:
    """acc + more, growing acc as needed (per-row counts of different lengths)."""
    if more.size > acc.size:
        acc = np.concatenate((acc, np.zeros(more.size - acc.size)))
    acc[: more.size] += more
    return acc


def busy_time_until(starts: np.ndarray, ends: np.ndarray, times: np.ndarray) -> np.ndarray:
    """Total busy time of all intervals up to each of `times` (sorted), in O((n + k) log n)."""
    s = np.sort(starts)
    e = np.sort(ends)
    cs = np.concatenate(([0.0], np.cumsum(s)))
    ce = np.concatenate(([0.0], np.cumsum(e)))
    ns = np.searchsorted(s, times, side="right")
    ne = np.searchsorted(e, times, side="right")
    return (times * ns - cs[ns]) - (times * ne - ce[ne])


def utilisation(grid: Grid, starts: np.ndarray, ends: np.ndarray, capacity: int, rows: int) -> np.ndarray:
    """Share of `capacity` busy during the step ending at each row (row 0 is 0)."""
    if capacity <= 0:
        return np.zeros(rows)
    busy = busy_time_until(np.asarray(starts, float), np.asarray(ends, float), grid.times(rows))
    return np.concatenate(([0.0], np.diff(busy))) / (capacity * grid.step)

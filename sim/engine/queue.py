"""First-come-first-served queue of one sampling point, over arrays (meaning rules 2 and 3).

Residents are taken in arrival order; each goes to the table that can start them earliest, where a
table can start at max(arrival, table free, open), pushed to the end of a window without service if it
falls inside one. Ties go to the lowest table index. Because every table's earliest start only grows,
this greedy assignment is exactly the event-by-event FCFS rule, one pass, O(residents x tables).

Which windows a table has (shift handovers, points closed, tables down) is not decided here: the
caller passes them from `sim.scenario.pauses.table_windows`, the one home of that rule.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.engine.kernels import kernel


def serve_queue(arrival, service, tables, open_, win_start=None, win_end=None):
    """Return (start time, table index) per resident; see `_serve`. Windows are optional."""
    if win_start is None:
        win_start = win_end = np.empty((tables, 0))
    return _SERVE(arrival, service, tables, open_, win_start, win_end)


@njit(cache=True, nogil=True)
def _serve(
    arrival: np.ndarray,
    service: np.ndarray,
    tables: int,
    open_: float,
    win_start: np.ndarray,
    win_end: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Return (start time, table index) per resident; `arrival` must be sorted.

    Table j serves nobody on [win_start[j, w], win_end[j, w]) for every w: sorted, merged (no two overlap
    or touch) and padded with inf. A table's candidate start only grows, so a pointer per table skips
    the windows already behind it.
    """
    n = arrival.shape[0]
    start = np.empty(n)
    table = np.empty(n, np.int32)
    free = np.full(tables, open_)
    ahead = np.zeros(tables, np.int64)  # each table's first window not yet behind it
    width = win_start.shape[1]
    for i in range(n):
        a = arrival[i]
        best = np.inf
        best_j = 0
        for j in range(tables):
            t = free[j] if free[j] > a else a
            w = ahead[j]
            while w < width and win_end[j, w] <= t:
                w += 1
            ahead[j] = w
            if w < width and win_start[j, w] <= t:
                t = win_end[j, w]  # merged windows: the next one starts after this end
            if t < best:
                best = t
                best_j = j
                if t == a:  # nobody can start this resident earlier, and lower indices win ties
                    break
        start[i] = best
        table[i] = best_j
        free[best_j] = best + service[i]
    return start, table


_SERVE = kernel(_serve)


@njit(cache=True, nogil=True)
def served_within(start: np.ndarray, service: np.ndarray, until: float) -> bool:
    """Whether everyone's service ended before `until`, the end of the windows the queue was given (if not,
    a window after it might have held someone: the caller generates windows further and serves again)."""
    return start.size == 0 or start.max() + service.max() < until


SERVED_WITHIN = kernel(served_within)


def queue_lengths_at(arrival: np.ndarray, start: np.ndarray, times: np.ndarray) -> np.ndarray:
    """Residents waiting (arrived, not yet in service) at each of `times`; both inputs sorted."""
    return np.searchsorted(arrival, times, side="right") - np.searchsorted(start, times, side="right")


@njit(cache=True, nogil=True)
def max_queue(arrival: np.ndarray, start: np.ndarray, home: np.ndarray) -> int:
    """Longest queue seen: it peaks just after an arrival, so look at every arrival time (both sorted:
    FCFS starts residents in arrival order). `home`: residents swabbed at home, who never queue (empty:
    none)."""
    started = queued = longest = 0
    j = 0
    for i in range(arrival.size):
        if home.size and home[i]:
            continue
        queued += 1
        while j < start.size and (home.size and home[j] or start[j] <= arrival[i]):
            if not (home.size and home[j]):
                started += 1
            j += 1
        longest = max(longest, queued - started)
    return longest

"""First-come-first-served queue of one sampling point, over arrays (meaning rules 2 and 3).

Residents are taken in arrival order; each goes to the table that can start them earliest, where a
table can start at max(arrival, table free, open), pushed to the end of a pause window if it falls
inside one. Ties go to the lowest table index. Because every table's earliest start only grows, this
greedy assignment is exactly the event-by-event FCFS rule, one pass, O(residents x tables).
"""

from __future__ import annotations

import numpy as np
from numba import njit


def serve_queue(arrival, service, tables, open_, length, handover, stagger, block_start=None, block_end=None):
    """Return (start time, table index) per resident; see `_serve`. Blocked windows are optional."""
    if block_start is None:
        block_start = block_end = np.empty((tables, 0))
    return _serve(arrival, service, tables, open_, length, handover, stagger, block_start, block_end)


@njit(cache=True, nogil=True)
def _serve(
    arrival: np.ndarray,
    service: np.ndarray,
    tables: int,
    open_: float,
    length: float,
    handover: float,
    stagger: bool,
    block_start: np.ndarray,
    block_end: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Return (start time, table index) per resident; `arrival` must be sorted.

    `length <= 0` means no shifts. Table j pauses on
    [open + off_j + k*(length+handover) + length, open + off_j + (k+1)*(length+handover)), k >= 0,
    and also on [block_start[j, w], block_end[j, w]) for every w (disruptions; padded with inf).
    """
    n = arrival.shape[0]
    start = np.empty(n)
    table = np.empty(n, np.int32)
    free = np.full(tables, open_)
    period = length + handover
    shifts = length > 0.0
    base = np.full(tables, open_)
    if shifts and stagger:
        for j in range(tables):
            base[j] = open_ + j * period / tables
    for i in range(n):
        a = arrival[i]
        best = np.inf
        best_j = 0
        for j in range(tables):
            t = free[j] if free[j] > a else a
            while True:  # leaving a pause may land in a blocked window, and the other way round
                if shifts:
                    rel = t - base[j]
                    if rel >= 0.0:
                        phase = rel % period
                        if phase >= length:
                            t += period - phase
                moved = False
                for w in range(block_start.shape[1]):
                    if block_start[j, w] <= t < block_end[j, w]:
                        t = block_end[j, w]  # t only grows, so each window moves it at most once
                        moved = True
                if not moved:
                    break
            if t < best:
                best = t
                best_j = j
                if t == a:  # nobody can start this resident earlier, and lower indices win ties
                    break
        start[i] = best
        table[i] = best_j
        free[best_j] = best + service[i]
    return start, table


def queue_lengths_at(arrival: np.ndarray, start: np.ndarray, times: np.ndarray) -> np.ndarray:
    """Residents waiting (arrived, not yet in service) at each of `times`; both inputs sorted."""
    return np.searchsorted(arrival, times, side="right") - np.searchsorted(start, times, side="right")


def max_queue(arrival: np.ndarray, start: np.ndarray) -> int:
    """Longest queue seen: it peaks just after an arrival, so look at every arrival time."""
    if arrival.size == 0:
        return 0
    waiting = np.arange(1, arrival.size + 1) - np.searchsorted(start, arrival, side="right")
    return int(max(waiting.max(), 0))

"""First-come-first-served queue of one sampling point, over arrays (meaning rules 2 and 3).

Residents are taken in arrival order; each goes to the table that can start them earliest, where a
table can start at max(arrival, table free, open), pushed to the end of a pause window if it falls
inside one. Ties go to the lowest table index. Because every table's earliest start only grows, this
greedy assignment is exactly the event-by-event FCFS rule, one pass, O(residents x tables).
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def serve_queue(
    arrival: np.ndarray,
    service: np.ndarray,
    tables: int,
    open_: float,
    length: float,
    handover: float,
    stagger: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """Return (start time, table index) per resident; `arrival` must be sorted.

    `length <= 0` means no shifts. Table j pauses on
    [open + off_j + k*(length+handover) + length, open + off_j + (k+1)*(length+handover)), k >= 0.
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
            if shifts:
                rel = t - base[j]
                if rel >= 0.0:
                    phase = rel % period
                    if phase >= length:
                        t += period - phase
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

"""A point's share of the replication, in one compiled call: its residents' waits (float32, NaN for home
visits), swab ends and tubes written into the columns, its timeline counts added, its longest queue, and
its waits' mean, maximum and the two order statistics of their 95th percentile.

At 20,000 points each call pays its own dispatch and temporaries: the separate calls this replaces (the
waits, two columns, three counts, the p95's partition, the longest queue), timed one by one, took 1.4 s
of a Shanghai crowd, fresh memory included."""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.engine.figures import lerp, pairwise_sum, quantile_ranks
from sim.engine.kernels import kernel
from sim.engine.queue import max_queue
from sim.engine.timeline import Grid, row

P95 = 0.95


class Tally:
    """The timeline counts of the crowd series (arrivals, swab ends, seals), per grid row, as the points add
    them; room grows when a point's times reach past it."""

    def __init__(self, grid: Grid, rows: int):
        self.grid = grid
        self.counts = np.zeros((3, max(rows, 1)), np.int64)
        self.used = np.ones(3, np.int64)  # rows in use per series (at least one, as `Grid.counts` gives)

    def series(self, k: int) -> np.ndarray:
        return self.counts[k, : self.used[k]].astype(float)

    def grow(self, rows: int) -> None:
        """Room for `rows` rows at least: a point's times reach past the rows (twice that, to grow rarely)."""
        grown = np.zeros((3, 2 * rows), np.int64)
        grown[:, : self.counts.shape[1]] = self.counts
        self.counts = grown

    def add(self, c, waits: np.ndarray, swab_ends: np.ndarray, tubes: np.ndarray, first_tube: int):
        """Point crowd `c` into the column views given (`waits`, `swab_ends`, `tubes`, each c.arrived long)
        and the counts. Returns the mean, maximum and p95 of the waits of those who queued (None when
        nobody queued) and the longest queue."""
        home = c.at_home if c.at_home is not None else np.empty(0, np.bool_)
        queued = c.arrived - int(home.sum())
        lo, hi, t = quantile_ranks(max(queued, 1), P95)
        g = self.grid
        last_end = c.last_end if c.arrived else g.t0  # the latest swab end
        while True:
            got = _TALLY(
                c.arrival,
                c.start,
                c.swab_end,
                last_end,
                c.tube,
                c.seal,
                home,
                waits,
                swab_ends,
                tubes,
                first_tube,
                self.counts,
                self.used,
                g.t0,
                g.step,
                lo,
                hi,
            )
            if not got[0]:
                break
            self.grow(got[0])
        mean, top, a, b, longest = got[1:]
        if not queued:
            return None, None, None, longest
        return mean, top, lerp(a, b, t), longest


@njit(cache=True, nogil=True)
def _tally(
    arrival,
    start,
    swab_end,
    last_end,
    tube,
    seal,
    home,
    waits,
    swab_ends,
    tubes,
    first_tube,
    counts,
    used,
    t0,
    step,
    lo,
    hi,
):
    # A row only grows with time: the latest arrival and seal (sorted: at the end) and swab end decide.
    last = (
        row(arrival[-1], t0, step) if arrival.size else 0,
        row(last_end, t0, step),
        row(seal[-1], t0, step) if seal.size else 0,
    )
    if max(last) >= counts.shape[1]:
        return max(last) + 1, 0.0, 0.0, 0.0, 0.0, 0  # nothing written: the caller grows the counts, calls again
    queued = np.empty(start.size)
    k, top = 0, -np.inf
    for i in range(start.size):
        w = start[i] - arrival[i]
        swab_ends[i] = swab_end[i]
        tubes[i] = tube[i] + first_tube
        if home.size and home[i]:
            waits[i] = np.nan
        else:
            waits[i] = np.float32(w)
            queued[k] = w
            k += 1
            top = max(top, w)
    for series, times in enumerate((arrival, swab_end, seal)):
        for x in times:
            counts[series, row(x, t0, step)] += 1
        if times.size:
            used[series] = max(used[series], last[series] + 1)
    longest = max_queue(arrival, start, home)
    if k == 0:
        return 0, np.nan, np.nan, np.nan, np.nan, longest
    mean = pairwise_sum(queued, 0, k) / k
    part = np.partition(queued[:k], hi)  # order statistics hi and, below it, lo
    b = part[hi]
    a = b if lo == hi else np.max(part[:hi])
    return 0, mean, top, a, b, longest


_TALLY = kernel(_tally)

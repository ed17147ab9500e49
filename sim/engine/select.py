"""Order statistics of a city's arrays (25 million waits or turnarounds) without copying or sorting them:
`np.partition` copies the whole array first, and at that size the copy costs more than the selection.

A sorted sample gives a window of values that holds the wanted ranks with a wide margin; one pass counts
what lies below it and keeps what lies in it, and only that is sorted. NaN counts as larger than every
number, as in `np.partition`. Exact: the values `np.partition` puts at those ranks; when the window
misses (or holds too much, or a NaN is near), the caller partitions instead."""

from __future__ import annotations

import numpy as np
from numba import njit

SAMPLE = 50_000


@njit(cache=True, nogil=True)
def order_stats(x, lo, hi):
    """The lo-th and hi-th smallest values of x (lo <= hi < x.size) and whether they were found."""
    n = x.size
    step = max(n // SAMPLE, 1)
    sample = np.sort(x[::step])  # NaN last
    m = sample.size
    p = lo / n
    margin = int(6 * np.sqrt(m * p * (1 - p))) + 16  # six standard deviations of the sample's rank
    i, j = lo * m // n - margin, hi * m // n + margin
    low = sample[i] if i >= 0 else -np.inf
    high = sample[j] if j < m else np.inf
    if np.isnan(low) or np.isnan(high):
        return x[0], x[0], False
    room = (j - i + 2) * step * 2 + 1024
    kept = np.empty(room, x.dtype)
    below = k = 0
    for v in x:
        if v < low:
            below += 1
        elif v <= high:  # NaN is neither
            if k == room:
                return x[0], x[0], False
            kept[k] = v
            k += 1
    if below > lo or below + k <= hi:
        return x[0], x[0], False
    kept = np.sort(kept[:k])
    return kept[lo - below], kept[hi - below], True

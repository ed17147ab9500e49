"""Rule 4, filling tubes: each table fills its own tube in service order; a full tube seals at its last
swab, a partial one when the point's last service ends.

One compiled pass per point (numba): at 20,000 points the dozen numpy calls this took per point cost
more than the residents themselves (docs/performance.md).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.engine.kernels import kernel


def fill_tubes(table: np.ndarray, swab_end: np.ndarray, tables: int, pool: int):
    """Per-resident tube index (tubes numbered in seal order), seal times (sorted), tube sizes and the
    table of each tube. `table` and `swab_end` are in arrival order, which is service order at a table."""
    if table.size == 0:
        e = np.empty(0)
        return np.empty(0, np.int64), e, np.empty(0, np.int64), np.empty(0, np.int64)
    return _FILL(table.astype(np.int64, copy=False), swab_end, tables, pool)


@njit(cache=True, nogil=True)
def _fill(table, swab_end, tables, pool):
    n = table.size
    per_table = np.zeros(tables, np.int64)
    for i in range(n):
        per_table[table[i]] += 1
    tube_first = np.empty(tables, np.int64)
    n_tubes = 0
    for j in range(tables):
        tube_first[j] = n_tubes
        n_tubes += (per_table[j] + pool - 1) // pool
    tube_table = np.empty(n_tubes, np.int64)
    for j in range(tables):
        tube_table[tube_first[j] : tube_first[j] + (per_table[j] + pool - 1) // pool] = j
    seal = np.full(n_tubes, swab_end.max())  # partial tubes: the point's last service end
    size = np.zeros(n_tubes, np.int64)
    current = tube_first.copy()  # each table's open tube (no division per resident: a city has 25 million)
    raw = np.empty(n, np.int64)
    for i in range(n):
        j = table[i]
        t = current[j]
        raw[i] = t
        size[t] += 1
        if size[t] == pool:
            seal[t] = swab_end[i]
            current[j] += 1
    by_seal = np.argsort(seal, kind="mergesort")  # stable: equal seals keep table order
    rank = np.empty(n_tubes, np.int64)
    rank[by_seal] = np.arange(n_tubes)
    tube = np.empty(n, np.int64)
    for i in range(n):
        tube[i] = rank[raw[i]]
    return tube, seal[by_seal], size[by_seal], tube_table[by_seal]


_FILL = kernel(_fill)

"""Proven lower bounds on the siting objective for the whole map, whatever the program that chose the plan:

- the walking cover: every compound needs an open site within its walk, so a plan opens at least the
  fewest sites that cover every compound (a set cover; HiGHS's bound on it, or, where that program is
  too large for its time, compounds whose candidates are pairwise disjoint, each needing its own site);
- the tables: the peak arrival rate of all compounds is at most what the open sites' tables serve
  (Erlang C at the peak) plus the overload, so n sites serve at most the n largest capacities, and T
  tables at most T times the best capacity per table;
- the whole map's LP relaxation (or the whole-map program's own bound, which is at least that).

Each is in the objective's units (w_y per site, w_t per table, a price per resident a second of overload).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp


def walking_cover(near: list[np.ndarray], n_candidates: int, fixed: np.ndarray, time_limit: float) -> tuple[int, bool]:
    """The fewest sites that put every compound within its walk (near[i]: compound i's candidate
    positions; `fixed`: candidates open whatever), as a proven lower bound, and whether it is the minimum."""
    packed = _disjoint(near)
    rows = np.repeat(np.arange(len(near)), [n.size for n in near])
    if not rows.size:
        return 0, True
    a = sparse.csr_array((np.ones(rows.size), (rows, np.concatenate(near))), shape=(len(near), n_candidates))
    lo = fixed.astype(float)
    res = milp(
        np.ones(n_candidates),
        integrality=np.ones(n_candidates),
        bounds=Bounds(lo, np.ones(n_candidates)),
        constraints=LinearConstraint(a, 1.0, np.inf),
        options={"time_limit": time_limit},
    )
    bound = res.mip_dual_bound if res.mip_dual_bound is not None else -math.inf
    proven = math.ceil(bound - 1e-6) if math.isfinite(bound) else 0
    best = max(proven, packed, int(fixed.sum()))
    return best, res.status == 0 and res.fun is not None and round(res.fun) == best


def _disjoint(near: list[np.ndarray]) -> int:
    """Compounds whose candidates are pairwise disjoint (greedily, fewest candidates first): each needs a
    site of its own."""
    sizes = np.array([n.size for n in near], np.int64)
    if not sizes.size:
        return 0
    starts = np.concatenate(([0], np.cumsum(sizes)[:-1])).astype(np.int64)
    flat = np.concatenate(near).astype(np.int64) if sizes.sum() else np.empty(0, np.int64)
    order = np.argsort(sizes, kind="stable").astype(np.int64)
    return int(_disjoint_count(flat, starts, sizes, order, int(flat.max()) + 1 if flat.size else 0))


@njit(cache=True)
def _disjoint_count(flat, starts, sizes, order, n_candidates):
    """`_disjoint` over compound i's candidates flat[starts[i]:starts[i] + sizes[i]], in `order` (a city's
    40,000 compounds: a Python loop over sets took 5.7 s)."""
    taken = np.zeros(n_candidates, np.bool_)
    count = 0
    for i in order:
        lo, hi = starts[i], starts[i] + sizes[i]
        if hi == lo:
            continue
        free = True
        for k in range(lo, hi):
            if taken[flat[k]]:
                free = False
                break
        if free:
            for k in range(lo, hi):
                taken[flat[k]] = True
            count += 1
    return count


def tables_bound(
    load: float, capacity: np.ndarray, most: np.ndarray, costs: tuple[float, float, float], at_least: int = 0
) -> float:
    """min over n >= `at_least` sites of w_y n + w_t T + c O, where the overload O is at least `load` less
    the n largest capacities (Lambda(most) of each candidate) and the tables T at least n and at least
    (load - O) over the best capacity per table. `load`: the compounds' peak rate in all (per second)."""
    w_y, w_t, c = costs
    per_site = np.sort(capacity[np.minimum(most, capacity.size - 1)])[::-1]
    served = np.concatenate(([0.0], np.cumsum(per_site)))
    k = np.arange(1, capacity.size)
    rho = float((capacity[1:] / k).max())  # the best rate per table
    best = math.inf
    for n in range(max(at_least, 0), per_site.size + 1):
        floor = max(load - served[n], 0.0)
        for over in {floor, max(floor, load - n * rho), load}:
            best = min(best, w_y * n + w_t * max(n, (load - over) / rho) + c * over)
        if served[n] >= load and w_y * n >= best:
            break
    return best


def lp_relaxation(c: np.ndarray, bounds: Bounds, constraints: LinearConstraint, time_limit: float) -> float | None:
    """The value of a program with every integrality dropped (a lower bound on it), None when not solved in time."""
    res = milp(c, bounds=bounds, constraints=constraints, options={"time_limit": time_limit})
    return float(res.fun) if res.status == 0 else None

"""`natsim site`, step 1's first plan: a local search in the program's own model (P3 assignment, Erlang C
capacity at the peak), so that the whole-map program starts from a plan and need only look for better.

A plan is the set of open candidates; each compound goes to the first open candidate in its P3 order
(`sim.plan.siting.reachable`), each site gets the fewest tables that serve its peak within the queue
standard, and what its most tables cannot serve is its overload. Drop (close a site where that lowers the
objective) and swap (close one, open a closed one that some of its compounds could walk to) until
neither helps. HiGHS cannot be given a starting plan through scipy.optimize.milp; the program is given
this plan's objective as a cut-off instead (`sim.plan.siting`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Ranked:
    """The compounds of a program with their candidates in P3's order, as a padded matrix."""

    order: np.ndarray  # (compounds, longest list): candidate positions, -1 past the end
    rate: np.ndarray  # per compound: residents per second at the peak
    max_tables: np.ndarray  # per candidate position
    fixed: np.ndarray  # per candidate position: tables kept (0: free)
    capacity: np.ndarray  # Lambda(k), k = 0..K: residents per second k tables serve within the standard
    costs: tuple[float, float, float]  # the objective: per site open, per table, per resident a second of overload


@dataclass
class Plan:
    is_open: np.ndarray  # per candidate position
    tables: np.ndarray  # per candidate position
    overload: float  # residents per second beyond capacity, summed over sites
    objective: float
    covered: bool  # every compound has an open candidate within its walk


def ranked(
    near: list[np.ndarray],
    rate: np.ndarray,
    max_tables: np.ndarray,
    fixed: np.ndarray,
    capacity: np.ndarray,
    costs: tuple[float, float, float],
) -> Ranked:
    """near[i]: compound i's candidate positions in P3's order; rate[i] its peak rate."""
    longest = max((n.size for n in near), default=0)
    order = np.full((len(near), longest), -1, np.int64)
    for i, n in enumerate(near):
        order[i, : n.size] = n
    return Ranked(order, rate, max_tables.astype(np.int64), fixed.astype(np.int64), capacity, costs)


def evaluate(r: Ranked, is_open: np.ndarray) -> Plan:
    """The plan that opens `is_open` (candidate positions), in the program's model."""
    ok = (r.order >= 0) & is_open[np.maximum(r.order, 0)]
    has = ok.any(axis=1)
    first = r.order[np.arange(len(r.order)), ok.argmax(axis=1)]
    load = np.bincount(first[has], weights=r.rate[has], minlength=is_open.size)
    most = np.where(r.fixed > 0, r.fixed, r.max_tables)
    cap = r.capacity
    need = np.searchsorted(cap, load - 1e-12, side="left")  # the fewest tables whose capacity holds the load
    tables = np.where(is_open, np.clip(need, 1, most), 0)
    tables = np.where((r.fixed > 0) & is_open, r.fixed, tables)
    over = float(np.maximum(load - cap[np.minimum(tables, cap.size - 1)], 0.0)[is_open].sum())
    w_y, w_t, w_o = r.costs
    value = w_y * int(is_open.sum()) + w_t * int(tables.sum()) + w_o * over
    return Plan(is_open, tables, over, value, bool(has.all()))


def local_search(r: Ranked, start: np.ndarray, rounds: int = 500) -> Plan:
    """From `start` (candidate positions open): first close overloaded sites where that lowers the
    overload (their compounds spread to their next candidates), then drop and swap while the objective
    falls; fixed sites stay."""
    best = evaluate(r, start.copy())
    free = r.fixed == 0
    for _round in range(rounds):
        over = _overloaded(r, best) & free
        moves = [_chain(r, best, s) for s in np.flatnonzero(over)]
        moves = [t for t in moves if t is not None and t.overload < best.overload - 1e-12]
        if not moves:
            break
        best = min(moves, key=lambda t: t.objective)
    for _round in range(rounds):
        improved = False
        for s in np.argsort(best.tables, kind="stable"):  # small sites first
            if best.is_open[s] and free[s]:
                t = evaluate(r, _without(best.is_open, s))
                if t.covered and t.objective < best.objective - 1e-9:
                    best, improved = t, True
        for s in np.flatnonzero(best.is_open & free):
            for other in _neighbours(r, s, best.is_open):
                trial = _without(best.is_open, s)
                trial[other] = True
                t = evaluate(r, trial)
                if t.covered and t.objective < best.objective - 1e-9:
                    best, improved = t, True
                    break
        if not improved:
            improved = (merged := _merge(r, best)) is not None
            if improved:
                best = merged
        if not improved:
            break
    return best


def _merge(r: Ranked, plan: Plan) -> Plan | None:
    """One site fewer: two open sites that share a compound's walk closed, and one candidate either's
    compounds can walk to opened in their place, where that lowers the objective (the first found)."""
    free = r.fixed == 0
    for s in np.flatnonzero(plan.is_open & free):
        rows = (r.order == s).any(axis=1)
        near = np.unique(r.order[rows])
        for other in near[(near > s) & plan.is_open[np.maximum(near, 0)] & free[np.maximum(near, 0)]]:
            both = _without(_without(plan.is_open, s), other)
            places = np.unique(r.order[rows | (r.order == other).any(axis=1)])
            for t_pos in places[(places >= 0) & ~both[np.maximum(places, 0)]]:
                trial = both.copy()
                trial[t_pos] = True
                t = evaluate(r, trial)
                if t.covered and t.objective < plan.objective - 1e-9:
                    return t
    return None


def _chain(r: Ranked, plan: Plan, s: int, depth: int = 6) -> Plan | None:
    """Close overloaded site s; while that overloads a site its compounds went to, close that one too
    (an ejection chain, `depth` sites at most). The best covered plan met on the way, or None."""
    best, now, free = None, plan, r.fixed == 0
    for _step in range(depth):
        before = _overloaded(r, now)
        now = evaluate(r, _without(now.is_open, s))
        if not now.covered:
            break
        if best is None or now.overload < best.overload - 1e-12:
            best = now
        new = np.flatnonzero(_overloaded(r, now) & ~before & free)
        if not new.size:
            break
        s = int(new[0])
    return best


def _without(is_open: np.ndarray, s: int) -> np.ndarray:
    out = is_open.copy()
    out[s] = False
    return out


def _overloaded(r: Ranked, plan: Plan) -> np.ndarray:
    ok = (r.order >= 0) & plan.is_open[np.maximum(r.order, 0)]
    has = ok.any(axis=1)
    first = r.order[np.arange(len(r.order)), ok.argmax(axis=1)]
    load = np.bincount(first[has], weights=r.rate[has], minlength=plan.is_open.size)
    return plan.is_open & (load > r.capacity[np.minimum(plan.tables, r.capacity.size - 1)] + 1e-12)


def _neighbours(r: Ranked, s: int, is_open: np.ndarray) -> np.ndarray:
    """Closed candidates that a compound able to walk to s could walk to."""
    rows = (r.order == s).any(axis=1)
    near = np.unique(r.order[rows])
    near = near[near >= 0]
    return near[~is_open[near]]

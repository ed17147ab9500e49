"""`natsim site`, step 1: which candidate sites to open, with how many tables, as a mixed-integer program.

Variables, for the compounds of the program and the candidates within their walking standard: y_s (site
s open), z_sk (site s has k tables, k = 1..max_tables), and for each compound c its candidates in the
order places rule P3 ranks them (nearest first, ties to the site listed first), s_1, s_2, ..., s_n, the
prefix u_cj = the share of c that goes to one of s_1..s_j (so x_cs_j = u_cj - u_c(j-1), u_cn = 1):

- to an open site only: u_cj - u_c(j-1) <= y_s_j, and u is non-decreasing;
- to its nearest open site, as P3 sends it (closest assignment): u_cj >= y_s_j; if s_j is open, c has
  gone to it or to a nearer site by then. This is the strong closest-assignment constraint
  (sum of x over the sites at most as near as s >= y_s) written with prefix sums: two entries a row
  instead of up to n, so every closest-assignment row of the map is in the program, exactly, at the
  size of the compound-candidate pairs (the sum form grows with the square of a compound's candidates).
  With y whole, these rows fix u: a compound goes wholly to its nearest open site, so u need not be
  integer, and only y and z are branched on;
- the queue standard at the arrival profile's peak, by Erlang C: the compounds' peak arrival rate at s
  is at most sum_k Lambda(k) z_sk, where Lambda(k) is the largest rate k tables serve with the p95 wait
  within the target (`sim.core.queueing.max_rate_for_wait`); one table count when open: sum_k z_sk = y_s;
- the limits given (points, tables, samplers).

Objective: points, tables or samplers (with a small weight on the other, so ties go to the leaner plan),
plus a heavy cost on a site's overload (a last resort, reported). It is solved with scipy.optimize.milp,
which is HiGHS: installed with scipy, exact branch and bound that reports its bound and gap, with a time
limit. A map up to WHOLE_MAP_PAIRS compound-candidate pairs (a county: hundreds of compounds, about a
thousand candidates) is ONE program, every candidate within the walk and every P3 row in it: its bound
is a bound for the map. A larger map (a city) is cut into districts of at most `cell_size` compounds
(a k-d split), each solved with its compounds' NEAREST candidates within the walk, in turn, keeping open
what earlier districts opened; that plan's bound for the whole map is `sim.plan.site_bounds`'s.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from sim.plan import site_bounds
from sim.plan.site_districts import districts
from sim.plan.site_model import (
    DISTRICT,
    MIP_GAP,
    OVERLOAD_COST,
    WHOLE_MAP_PAIRS,
    Candidates,
    SitingInfeasible,
    SitingProblem,
    Solution,
    dual_bound,
    plan_objective,
    served,
    status_words,
    weights,
)
from sim.plan.site_search import local_search, ranked


def solve(
    p: SitingProblem, cell_size: int = DISTRICT, jobs: int = 1, whole_map_pairs: int = WHOLE_MAP_PAIRS
) -> Solution:
    """Open sites and tables for every compound within reach; unreachable compounds are left out and listed.
    The whole map is one program when its pairs fit; otherwise districts, and with `jobs` > 1 and many
    districts, the districts (in k-d order, so each share is one area) are shared among worker processes,
    each solving its share in turn; where two shares meet, both may open sites near the edge, and the
    simulation's descent closes what is not needed. Either way the plan is judged against the whole map's
    proven lower bound (`bounds`, the best of which is `bound`)."""
    compounds, near, unreachable = served(p)
    fixed = np.zeros(len(p.m.site_names), np.int64)
    fixed[p.cands.index] = p.cands.fixed_tables
    if not compounds.size:
        return Solution(fixed, 0.0, 0.0, 0.0, "empty", 1, unreachable, [], 1, True, {}, True)
    pairs = sum(n.size for n in near)
    if pairs <= whole_map_pairs:
        sol = _whole_map(p, compounds, near, fixed)
    else:
        sol = districts(p, compounds, near, fixed, cell_size, jobs)
    sol.unreachable = unreachable
    sol.bounds = whole_map_bounds(p, compounds, near, fixed, sol.bound if sol.whole_map else None, pairs)
    sol.bound = max(v for v in sol.bounds.values() if v is not None)
    sol.gap = _gap(sol.objective, sol.bound)
    sol.optimal = sol.gap <= MIP_GAP + 1e-9
    return sol


LP_PAIRS = 300_000  # the whole map's LP relaxation is solved up to this many pairs (the county: 2,000)


def whole_map_bounds(
    p: SitingProblem, compounds: np.ndarray, near: list[np.ndarray], fixed: np.ndarray, own: float | None, pairs: int
) -> dict[str, float | None]:
    """Proven lower bounds on the whole map's objective (`sim.plan.site_bounds`): the whole-map program's
    own (None when the map was cut into districts), its LP relaxation, the walking cover, the tables."""
    cand = p.cands
    used = np.unique(np.concatenate(near))
    pos = np.full(int(cand.index.size), -1, np.int64)
    pos[used] = np.arange(used.size)
    w_y, w_t = weights(p)
    outside = _outside(p, fixed, used)
    # A city's cover is far too large for HiGHS to better its disjoint compounds in the time (the Xi'an map:
    # 679 in 5 s and in 20 s alike), so it gets a quarter of the time limit there.
    limit = p.time_limit if pairs <= WHOLE_MAP_PAIRS else p.time_limit / 4
    sites, _minimum = site_bounds.walking_cover([pos[n] for n in near], used.size, cand.fixed_tables[used] > 0, limit)
    most = np.where(cand.fixed_tables[used] > 0, cand.fixed_tables[used], cand.max_tables[used])
    load = float(p.peak_rate[compounds].sum())
    tables = site_bounds.tables_bound(load, p.capacity, most, (w_y, w_t, OVERLOAD_COST), at_least=sites)
    lp = None
    if pairs <= LP_PAIRS and not (
        own is not None and math.isfinite(own)
    ):  # the program's own bound is at least the LP's
        model = program(p, compounds, near, used, fixed)
        lp = site_bounds.lp_relaxation(model.c, model.bounds, model.constraints, p.time_limit / 4)
    return {
        "program": own,
        "lp_relaxation": None if lp is None else lp + outside,
        "walking_cover": (w_y + w_t) * sites + outside,
        "tables": tables + outside,
    }


def _whole_map(p: SitingProblem, compounds: np.ndarray, near: list[np.ndarray], opened: np.ndarray) -> Solution:
    """The map as one program, every candidate within the walk and every P3 row in it. HiGHS's plan
    (within its time limit) competes with a local search in the same model started from every candidate
    open (scipy cannot hand HiGHS a starting plan); the better is kept, and HiGHS's bound is a bound for
    every plan of the map."""
    cand = p.cands
    used = np.unique(np.concatenate(near))
    w_y, w_t = weights(p)
    pos = np.full(int(cand.index.size), -1, np.int64)
    pos[used] = np.arange(used.size)
    r = ranked(
        [pos[n] for n in near],
        p.peak_rate[compounds],
        cand.max_tables[used],
        cand.fixed_tables[used],
        p.capacity,
        (w_y, w_t, OVERLOAD_COST),
    )
    plans = [local_search(r, np.ones(used.size, bool))]
    model = program(p, compounds, near, used, opened)
    res = _milp(model, p.time_limit, MIP_GAP)
    options = []
    for plan in plans:
        tables = np.zeros_like(opened)
        tables[cand.index[used]] = plan.tables
        options.append(np.maximum(tables, opened))
    if res.x is not None:
        options.append(np.maximum(_tables(model, res, cand, used, opened), opened))
    scored = [(plan_objective(p, tables, compounds), tables) for tables in options if _within_limits(p, tables)]
    if not scored:
        raise SitingInfeasible(res.message, [])
    (value, over), tables = min(scored, key=lambda s: s[0][0])
    bound = dual_bound(res) + _outside(p, tables, used)
    status = status_words(res)
    return Solution(tables, value, bound, _gap(value, bound), status, 1, [], over, int(status == "optimal"), True)


def _within_limits(p: SitingProblem, tables: np.ndarray) -> bool:
    most = min(p.limits.get("tables", math.inf), p.limits.get("samplers", math.inf) / p.samplers_per_table)
    return (tables > 0).sum() <= p.limits.get("points", math.inf) and tables.sum() <= most


def _outside(p: SitingProblem, tables: np.ndarray, used: np.ndarray) -> float:
    """The objective of open sites the program leaves out (fixed sites no compound can walk to)."""
    w_y, w_t = weights(p)
    outside = np.ones(tables.size, bool)
    outside[p.cands.index[used]] = False
    return w_y * int((tables[outside] > 0).sum()) + w_t * int(tables[outside].sum())


def _gap(value: float, bound: float) -> float:
    return max(value - bound, 0.0) / abs(value) if value else 0.0


def _milp(model: Program, time_limit: float, gap: float):
    return milp(
        model.c,
        integrality=model.integrality,
        bounds=model.bounds,
        constraints=model.constraints,
        options={"time_limit": time_limit, "mip_rel_gap": gap},
    )


def _tables(model: Program, res, cand: Candidates, used: np.ndarray, opened: np.ndarray) -> np.ndarray:
    tables = np.zeros_like(opened)
    for j, site in enumerate(cand.index[used]):
        tables[site] = int(round(res.x[model.tables_of[j]] @ np.arange(1, model.tables_of[j].size + 1)))
    return tables


@dataclass
class Program:
    """One MILP's arrays, and where its columns are: y (per used candidate), z (per candidate and table
    count), u (per compound and candidate, the prefix of P3's order), the overloads."""

    c: np.ndarray
    integrality: np.ndarray
    bounds: Bounds
    constraints: LinearConstraint
    tables_of: list[np.ndarray]  # per used candidate, its z columns (k = 1, 2, ...)
    over: int  # the first overload column


class _Rows:
    """A sparse constraint matrix built block by block: each block is one family of rows."""

    def __init__(self) -> None:
        self.rows: list[np.ndarray] = []
        self.cols: list[np.ndarray] = []
        self.vals: list[np.ndarray] = []
        self.lo: list[np.ndarray] = []
        self.hi: list[np.ndarray] = []
        self.count = 0

    def block(self, r: np.ndarray, c: np.ndarray, v: np.ndarray, n_rows: int, low: float, high: float) -> None:
        self.rows.append(r + self.count)
        self.cols.append(c)
        self.vals.append(v)
        self.lo.append(np.full(n_rows, low))
        self.hi.append(np.full(n_rows, high))
        self.count += n_rows

    def constraint(self, n: int) -> LinearConstraint:
        a = sparse.csr_array(
            (np.concatenate(self.vals), (np.concatenate(self.rows), np.concatenate(self.cols))), shape=(self.count, n)
        )
        return LinearConstraint(a, np.concatenate(self.lo), np.concatenate(self.hi))


@dataclass
class _Columns:
    """Where the program's columns are: y, then z, then u (one per pair, compound by compound in P3's
    order), then the overloads."""

    n_y: int
    kmax: np.ndarray  # per used candidate: its table counts
    sizes: np.ndarray  # per compound: its candidates

    @property
    def n_z(self) -> int:
        return int(self.kmax.sum())

    @property
    def u0(self) -> int:
        return self.n_y + self.n_z

    @property
    def over(self) -> int:
        return self.u0 + int(self.sizes.sum())

    @property
    def n(self) -> int:
        return self.over + self.n_y


def program(
    p: SitingProblem,
    compounds: np.ndarray,
    near: list[np.ndarray],
    used: np.ndarray,
    opened: np.ndarray,
    share: float = 1.0,
) -> Program:
    """The program over `compounds` (near[i]: compound i's candidate positions in P3's order, each within
    its walk) and the `used` candidate positions; candidates fixed, or open in `opened`, are kept open."""
    cand = p.cands
    pos = np.full(int(cand.index.size), -1, np.int64)
    pos[used] = np.arange(used.size)
    kmax = np.where(cand.fixed_tables[used] > 0, cand.fixed_tables[used], cand.max_tables[used]).astype(np.int64)
    col = _Columns(used.size, kmax, np.array([n.size for n in near], np.int64))
    k_of = np.concatenate([np.arange(1, k + 1) for k in kmax])
    w_y, w_t = weights(p)
    cost = np.zeros(col.n)
    cost[: col.n_y], cost[col.n_y : col.u0], cost[col.over :] = w_y, w_t * k_of, OVERLOAD_COST
    rows = _Rows()
    pair_site = pos[np.concatenate(near)]  # each pair's y column
    _pair_rows(rows, col, pair_site)
    rate = p.peak_rate[compounds][np.repeat(np.arange(compounds.size), col.sizes)]
    _site_rows(rows, col, pair_site, rate, p.capacity[np.minimum(k_of, p.capacity.size - 1)])
    if "points" in p.limits:
        rows.block(
            np.zeros(col.n_y, np.int64),
            np.arange(col.n_y),
            np.ones(col.n_y),
            1,
            -np.inf,
            math.floor(p.limits["points"] * share),
        )
    most = min(p.limits.get("tables", math.inf), p.limits.get("samplers", math.inf) / p.samplers_per_table)
    if math.isfinite(most):
        rows.block(
            np.zeros(col.n_z, np.int64),
            col.n_y + np.arange(col.n_z),
            k_of.astype(float),
            1,
            -np.inf,
            math.floor(most * share),
        )
    tables_of = [col.n_y + int(kmax[:j].sum()) + np.arange(kmax[j]) for j in range(col.n_y)]
    lo, hi = np.zeros(col.n), np.ones(col.n)
    hi[col.over :] = np.inf
    lo[col.u0 + np.cumsum(col.sizes) - 1] = 1.0  # every compound goes somewhere: u at its last candidate is 1
    lo[: col.n_y][(cand.fixed_tables[used] > 0) | (opened[cand.index[used]] > 0)] = 1  # fixed, or opened
    for j in np.flatnonzero(cand.fixed_tables[used] > 0):  # a fixed site keeps exactly its tables
        lo[tables_of[j][-1]] = 1
    integrality = np.zeros(col.n)
    integrality[: col.u0] = 1
    return Program(cost, integrality, Bounds(lo, hi), rows.constraint(col.n), tables_of, col.over)


def _pair_rows(rows: _Rows, col: _Columns, pair_site: np.ndarray) -> None:
    """Per compound-candidate pair (x = u_j - u_(j-1), u_0 = 0): x <= y, P3 (u_j >= y_j), u non-decreasing."""
    n_u = int(col.sizes.sum())
    pairs = np.arange(n_u)
    u = col.u0 + pairs
    first = np.zeros(n_u, bool)
    first[np.concatenate(([0], np.cumsum(col.sizes)[:-1]))] = True
    later = pairs[~first]
    one, minus = np.ones(n_u), -np.ones(n_u)
    rows.block(
        np.concatenate((pairs, later, pairs)),
        np.concatenate((u, u[later] - 1, pair_site)),
        np.concatenate((one, -np.ones(later.size), minus)),
        n_u,
        -np.inf,
        0.0,
    )
    rows.block(
        np.concatenate((pairs, pairs)), np.concatenate((u, pair_site)), np.concatenate((one, minus)), n_u, 0.0, np.inf
    )
    idx = np.arange(later.size)
    rows.block(
        np.concatenate((idx, idx)),
        np.concatenate((u[later], u[later] - 1)),
        np.concatenate((np.ones(later.size), -np.ones(later.size))),
        later.size,
        0.0,
        np.inf,
    )


def _site_rows(rows: _Rows, col: _Columns, pair_site: np.ndarray, rate: np.ndarray, capacity_of_z: np.ndarray) -> None:
    """Per used candidate: one table count when open (sum_k z_sk = y_s), and the load at the peak
    (sum_c rate_c x_cs - sum_k Lambda(k) z_sk - over_s <= 0)."""
    n_y, n_z = col.n_y, col.n_z
    site_of_z = np.repeat(np.arange(n_y), col.kmax)
    z = n_y + np.arange(n_z)
    rows.block(
        np.concatenate((site_of_z, np.arange(n_y))),
        np.concatenate((z, np.arange(n_y))),
        np.concatenate((np.ones(n_z), -np.ones(n_y))),
        n_y,
        0.0,
        0.0,
    )
    n_u = int(col.sizes.sum())
    first = np.zeros(n_u, bool)
    first[np.concatenate(([0], np.cumsum(col.sizes)[:-1]))] = True
    later = np.flatnonzero(~first)
    u = col.u0 + np.arange(n_u)
    rows.block(
        np.concatenate((pair_site, pair_site[later], site_of_z, np.arange(n_y))),
        np.concatenate((u, u[later] - 1, z, col.over + np.arange(n_y))),
        np.concatenate((rate, -rate[later], -capacity_of_z, -np.ones(n_y))),
        n_y,
        -np.inf,
        0.0,
    )

"""`natsim site`, step 1: which candidate sites to open, with how many tables, as a mixed-integer program.

Variables: y_s (site s open), z_sk (site s has k tables, k = 1..max_tables), x_cs (compound c goes to
site s, only for sites within the walking standard of c). Constraints:

- every compound goes to exactly one site: sum_s x_cs = 1;
- only to an open site: x_cs <= y_s; an open site has one number of tables: sum_k z_sk = y_s;
- to its nearest open site, as places rule P3 will send it (closest assignment: if s is open, c goes to
  s or to a site nearer than s): sum_{s' at most as near as s} x_cs' >= y_s;
- the queue standard at the arrival profile's peak, by Erlang C: the compounds' peak arrival rate at s
  is at most sum_k Lambda(k) z_sk, where Lambda(k) is the largest rate k tables serve with the p95 wait
  within the target (`sim.core.queueing.max_rate_for_wait`);
- the limits given (points, tables, samplers).

Objective: points, tables or samplers (with a small weight on the other, so ties go to the leaner plan).
It is solved with scipy.optimize.milp, which is HiGHS: already installed with scipy, exact branch and
bound with a reported gap, and a time limit. The map is cut into districts of at most `cell_size`
compounds (a k-d split), each solved with the candidates within walking reach of it, in turn, with the
sites earlier districts opened kept open; the closest-assignment program is hard for branch and bound
(a county town of 192 compounds as one program stops at its time limit 20% from its bound, while
sixteen districts solve to optimality in about 12 s in all). The districts' gaps are reported; their
sum is not a bound for the whole map (a site on a district's edge serves both).
"""

from __future__ import annotations

import math
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from sim.core.queueing import max_rate_for_wait
from sim.scenario.places.map import PlacesMap, reach

EPS = 1e-3  # the weight of the other term of the objective
# Each compound may go to one of its NEAREST candidates within the standard. Exact for P3: when one of them
# opens, the nearest open site is among them. What is lost are plans that open none of a compound's
# nearest eight. On the Xi'an map a compound has a median 54 candidates within a 15-minute walk (256 at
# the 90th percentile), and the closest-assignment rows grow with the square of that: the whole map had
# not finished in 13 minutes without the cut, and takes 28 s with it on two cores. Sixteen gives leaner
# programs (the county town's 52 sites against 62) but sites too big for their peak, which the simulation
# then repairs site by site: on the Xi'an map that took far longer than the program saved.
NEAREST = 8
OVERLOAD_COST = 1e5  # per resident a second beyond what a site's tables serve within the queue standard


@dataclass(frozen=True)
class Candidates:
    """Sites siting may open: `fixed` ones stay open with their tables; others open with 1..max_tables."""

    index: np.ndarray  # site indices into the map
    max_tables: np.ndarray
    fixed_tables: np.ndarray  # > 0: kept open with exactly these tables


@dataclass
class SitingProblem:
    m: PlacesMap
    cands: Candidates
    peak_rate: np.ndarray  # per compound: residents per second arriving at the profile's peak
    capacity: np.ndarray  # Lambda(k) for k = 0..K (per second)
    standard: float  # seconds of walking
    objective: str = "points"
    samplers_per_table: int = 1
    limits: dict[str, int] = field(default_factory=dict)
    time_limit: float = 20.0
    gap: float = 0.01  # HiGHS stops within this relative gap (the plan is simulated and repaired after)


@dataclass
class Solution:
    tables: np.ndarray  # per site of the map (0: closed)
    objective: float
    bound: float
    gap: float
    status: str
    cells: int
    unreachable: list[int]  # compounds with no candidate within the standard
    overloaded: list[int] = field(default_factory=list)  # sites whose compounds need more than max_tables at the peak


def capacities(max_tables: int, service_mean: float, max_wait: float, quantile: float = 0.95) -> np.ndarray:
    """Lambda(k) for k = 0..max_tables: arrivals per second k tables serve within the queue standard."""
    return np.array([0.0] + [max_rate_for_wait(k, 1 / service_mean, max_wait, quantile) for k in range(1, max_tables + 1)])


def reachable(p: SitingProblem, compounds: np.ndarray, sites: np.ndarray) -> list[np.ndarray]:
    """For each compound, the candidate positions (into `sites`) within the walking standard, nearest first
    (at most NEAREST of them)."""
    return [near[:NEAREST] for near in reach(p.m, compounds, sites, p.standard)]  # P2 or P2n, ties: listed first


PARALLEL_FROM = 64  # districts: below this, worker processes cost more to start than they save


def solve(p: SitingProblem, cell_size: int = 16, jobs: int = 1) -> Solution:
    """Open sites and tables for every compound within reach; unreachable compounds are left out and listed.
    With `jobs` > 1 and a large map, the districts (in k-d order, so each share is one area) are shared
    among worker processes, each solving its share in turn; where two shares meet, both may open sites
    near the edge, and the simulation's descent closes what is not needed."""
    compounds = np.flatnonzero(p.m.compound_residents > 0)
    cells = _cells(p.m, compounds, cell_size)
    tables = np.zeros(len(p.m.site_names), np.int64)
    tables[p.cands.index] = p.cands.fixed_tables
    if jobs > 1 and len(cells) >= PARALLEL_FROM:
        shares = [cells[k * len(cells) // jobs : (k + 1) * len(cells) // jobs] for k in range(jobs)]
        ctx = multiprocessing.get_context("spawn")  # as the runner: workers start clean
        with ProcessPoolExecutor(jobs, mp_context=ctx) as pool:
            parts = list(pool.map(_solve_cells, [p] * jobs, shares, [tables] * jobs))
    else:
        parts = [_solve_cells(p, cells, tables)]
    sols = [s for part in parts for s in part]
    for sol in sols:
        tables = np.maximum(tables, sol.tables)
    total, bound = sum(s.objective for s in sols), sum(s.bound for s in sols)
    gap = (total - bound) / abs(total) if total else 0.0
    statuses = ", ".join(sorted({s.status for s in sols}))
    unreachable = sorted(c for s in sols for c in s.unreachable)
    return Solution(tables, total, bound, gap, statuses, len(cells), unreachable, sorted({o for s in sols for o in s.overloaded}))


def _solve_cells(p: SitingProblem, cells: list[np.ndarray], opened: np.ndarray) -> list[Solution]:
    """Districts in turn, each keeping open what the earlier ones opened."""
    out = []
    for cell in cells:
        sol = _solve_cell(p, cell, opened)
        opened = np.maximum(opened, sol.tables)
        out.append(sol)
    return out


def _cells(m: PlacesMap, compounds: np.ndarray, size: int) -> list[np.ndarray]:
    """Districts of at most about `size` compounds: a k-d split of the map (one district when small)."""
    if compounds.size <= size:
        return [compounds]
    xy = m.compound_xy[compounds]
    axis = int(np.argmax(xy.max(axis=0) - xy.min(axis=0)))
    order = compounds[np.argsort(xy[:, axis], kind="stable")]
    half = order.size // 2
    return _cells(m, order[:half], size) + _cells(m, order[half:], size)


def _solve_cell(p: SitingProblem, compounds: np.ndarray, opened: np.ndarray) -> Solution:
    cand = p.cands
    near = reachable(p, compounds, cand.index)
    unreachable = [int(c) for c, n in zip(compounds, near, strict=True) if n.size == 0]
    keep = [i for i, n in enumerate(near) if n.size]
    compounds, near = compounds[keep], [near[i] for i in keep]
    used = np.unique(np.concatenate(near)) if near else np.empty(0, np.int64)
    if used.size == 0:
        return Solution(np.zeros_like(opened), 0.0, 0.0, 0.0, "empty", 1, unreachable, [])
    model = _model(p, compounds, near, used, opened)
    res = milp(model["c"], integrality=model["integrality"], bounds=model["bounds"], constraints=model["constraints"],
               options={"time_limit": p.time_limit, "mip_rel_gap": p.gap})  # fmt: skip
    tables = np.zeros_like(opened)
    if res.x is None:
        raise SitingInfeasible(res.message, unreachable)
    k_of = model["tables_of"]
    overloaded = []
    for j, site in enumerate(cand.index[used]):
        tables[site] = int(round(res.x[k_of[j]] @ np.arange(1, k_of[j].size + 1)))
        if res.x[model["over"] + j] > 1e-6:
            overloaded.append(int(site))
    bound = res.mip_dual_bound if res.mip_dual_bound is not None else res.fun
    return Solution(tables, float(res.fun), float(bound), float(res.mip_gap or 0.0), _status(res), 1, unreachable, overloaded)


class SitingInfeasible(Exception):
    """No plan meets the walking and queue standards within the limits (beyond compounds out of reach)."""

    def __init__(self, message: str, unreachable: list[int]):
        super().__init__(message)
        self.unreachable = unreachable


def _status(res) -> str:
    return {0: "optimal", 1: "time limit (best found)", 2: "infeasible", 3: "unbounded"}.get(res.status, res.message)


def _model(p: SitingProblem, compounds: np.ndarray, near: list[np.ndarray], used: np.ndarray, opened: np.ndarray) -> dict:
    """The MILP's arrays: columns y (per used candidate), z (per candidate and table count), x (per pair)."""
    cand = p.cands
    pos = {int(u): j for j, u in enumerate(used)}
    n_y = used.size
    kmax = [int(cand.max_tables[u]) if cand.fixed_tables[u] == 0 else int(cand.fixed_tables[u]) for u in used]
    z_start = np.concatenate(([n_y], n_y + np.cumsum(kmax)[:-1]))
    n_z = int(sum(kmax))
    pairs = [(i, pos[int(s)]) for i, n in enumerate(near) for s in n]
    n_x = len(pairs)
    n = n_y + n_z + n_x + n_y  # the last n_y: each site's overload (arrivals per second beyond its tables)
    x_of = {pair: n_y + n_z + k for k, pair in enumerate(pairs)}
    over = n_y + n_z + n_x
    w_y, w_t = _weights(p)
    cost = np.zeros(n)
    cost[:n_y] = w_y
    cost[over:] = OVERLOAD_COST  # a plan that overloads a site is a last resort, and reported as one
    tables_of = [np.arange(z_start[j], z_start[j] + kmax[j]) for j in range(n_y)]
    for j in range(n_y):
        cost[tables_of[j]] = w_t * np.arange(1, kmax[j] + 1)
    rows, cols, vals, lo, hi = [], [], [], [], []

    def row(entries: list[tuple[int, float]], low: float, high: float) -> None:
        r = len(lo)
        for col, v in entries:
            rows.append(r)
            cols.append(col)
            vals.append(v)
        lo.append(low)
        hi.append(high)

    for i, n_i in enumerate(near):
        row([(x_of[i, pos[int(s)]], 1.0) for s in n_i], 1, 1)  # one site each
        for rank, s in enumerate(n_i):  # only to an open site, and to the nearest open one (P3)
            j = pos[int(s)]
            row([(x_of[i, j], 1.0), (j, -1.0)], -np.inf, 0)
            # if s is open, c goes to s or to a site nearer than s
            row([(x_of[i, pos[int(t)]], 1.0) for t in n_i[: rank + 1]] + [(j, -1.0)], 0, np.inf)
    loads: dict[int, list[tuple[int, float]]] = {j: [] for j in range(n_y)}
    for (i, j), col in x_of.items():
        loads[j].append((col, float(p.peak_rate[compounds[i]])))
    for j in range(n_y):
        row([(int(z), 1.0) for z in tables_of[j]] + [(j, -1.0)], 0, 0)  # one table count when open
        row(loads[j] + [(int(z), -float(p.capacity[k + 1])) for k, z in enumerate(tables_of[j])] + [(over + j, -1.0)], -np.inf, 0)
    share = p.m.compound_residents[compounds].sum() / max(p.m.compound_residents.sum(), 1)
    _limits(p, row, n_y, tables_of, share)
    bounds_lo, bounds_hi = np.zeros(n), np.ones(n)
    bounds_hi[over:] = np.inf
    for j, u in enumerate(used):
        if cand.fixed_tables[u] > 0 or opened[cand.index[u]] > 0:  # kept open (fixed, or opened by a neighbour)
            bounds_lo[j] = 1
    a = sparse.csr_array((vals, (rows, cols)), shape=(len(lo), n))
    return {
        "c": cost,
        "integrality": np.concatenate((np.ones(over), np.zeros(n_y))),
        "bounds": Bounds(bounds_lo, bounds_hi),
        "constraints": LinearConstraint(a, lo, hi),
        "tables_of": tables_of,
        "over": over,
    }


def _weights(p: SitingProblem) -> tuple[float, float]:
    """(per site open, per table): the objective, with a small weight on the other so that ties go to the
    leaner plan. (Without the tie-break on tables, points alone solve four times faster on the county
    town, but the repairs after then open more sites: 70 against 64.)"""
    if p.objective == "points":
        return 1.0, EPS
    return EPS, float(p.samplers_per_table if p.objective == "samplers" else 1)


def _limits(p: SitingProblem, row, n_y: int, tables_of: list[np.ndarray], share: float) -> None:
    """The limits given, for what this district opens: a city's limits are shared among its districts in
    proportion to their residents (`share`; 1 when the city is one district)."""
    if "points" in p.limits:
        row([(j, 1.0) for j in range(n_y)], -np.inf, math.floor(p.limits["points"] * share))
    most = min(p.limits.get("tables", math.inf), p.limits.get("samplers", math.inf) / p.samplers_per_table)
    if math.isfinite(most):
        row([(int(z), float(k + 1)) for zs in tables_of for k, z in enumerate(zs)], -np.inf, math.floor(most * share))

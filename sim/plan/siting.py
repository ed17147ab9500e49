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
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from sim.core import geo
from sim.core.queueing import max_rate_for_wait
from sim.plan import site_bounds
from sim.plan.site_search import local_search, ranked
from sim.scenario.places import PlacesMap, assign_nearest, walking_times

EPS = 1e-3  # the weight of the other term of the objective
# A map with at most this many compound-candidate pairs within the walk is one program. The county town
# (192 compounds, 300 candidates) has about 24,000; the Xi'an map about 4 million, as one program far
# beyond what HiGHS solves in minutes on two cores.
WHOLE_MAP_PAIRS = 150_000
# In a district each compound may go to one of its NEAREST candidates within the standard. Exact for P3:
# when one of them opens, the nearest open site is among them. What is lost are plans that open none of
# them; the district plan's gap to the whole map's bound says what the cut and the districts may cost.
NEAREST = 8
DISTRICT = 16  # compounds in a district
OVERLOAD_COST = 1e5  # per resident a second beyond what a site's tables serve within the queue standard
MIP_GAP = 1e-4  # HiGHS's relative gap for the whole map (its default): "optimal" means within it
DISTRICT_GAP = 0.01  # ... for a district, each simulated and repaired after


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
    time_limit: float = 20.0  # seconds for one program (the whole map, or one district)


@dataclass
class Solution:
    tables: np.ndarray  # per site of the map (0: closed)
    objective: float  # the plan's objective (the program's model: Erlang C at the peak, P3)
    bound: float  # a proven lower bound for the whole map's program (`whole_map`) or for one district's
    gap: float
    status: str  # HiGHS's words for the program(s)
    cells: int  # 1: the whole map as one program
    unreachable: list[int]  # compounds with no candidate within the standard
    overloaded: list[int] = field(default_factory=list)  # sites whose compounds need more than max_tables at the peak
    optimal_cells: int = 0  # programs HiGHS closed within its gap
    whole_map: bool = True  # False: the map was cut into `cells` districts
    bounds: dict[str, float | None] = field(default_factory=dict)  # the whole map's, by kind (`bound`: the best)
    optimal: bool = False  # the whole map's gap within HiGHS's relative gap (MIP_GAP)


def capacities(max_tables: int, service_mean: float, max_wait: float, quantile: float = 0.95) -> np.ndarray:
    """Lambda(k) for k = 0..max_tables: arrivals per second k tables serve within the queue standard."""
    return np.array([0.0] + [max_rate_for_wait(k, 1 / service_mean, max_wait, quantile) for k in range(1, max_tables + 1)])


def reachable(p: SitingProblem, compounds: np.ndarray, sites: np.ndarray, nearest: int | None = None) -> list[np.ndarray]:
    """For each compound, the candidate positions (into `sites`) within the walking standard in P3's order
    (nearest first, ties to the site listed first); at most `nearest` of them when given."""
    m = p.m
    radius = p.standard * m.walk_speed / m.walk_detour  # straight-line metres
    out = []
    for c, cand in zip(compounds, geo.within(m.compound_xy[compounds], m.site_xy[sites], m.lonlat, radius), strict=True):
        walk = walking_times(
            np.repeat(m.compound_xy[c][None, :], cand.size, 0), m.site_xy[sites[cand]], m.lonlat, m.walk_speed, m.walk_detour
        )
        keep = walk <= p.standard + 1e-9
        cand, walk = cand[keep], walk[keep]
        out.append(cand[np.argsort(walk, kind="stable")][:nearest])  # ties: the site listed first (cand is sorted)
    return out


PARALLEL_FROM = 64  # districts: below this, worker processes cost more to start than they save


def weights(p: SitingProblem) -> tuple[float, float]:
    """(per site open, per table): the objective, with a small weight on the other so that ties go to the
    leaner plan."""
    if p.objective == "points":
        return 1.0, EPS
    return EPS, float(p.samplers_per_table if p.objective == "samplers" else 1)


def served(p: SitingProblem) -> tuple[np.ndarray, list[np.ndarray], list[int]]:
    """The compounds a program serves (residents, a candidate within the walk), each one's candidates in
    P3's order, and the compounds out of reach of every candidate."""
    compounds = np.flatnonzero(p.m.compound_residents > 0)
    near = reachable(p, compounds, p.cands.index)
    unreachable = [int(c) for c, n in zip(compounds, near, strict=True) if n.size == 0]
    keep = [i for i, n in enumerate(near) if n.size]
    return compounds[keep], [near[i] for i in keep], unreachable


def solve(p: SitingProblem, cell_size: int = DISTRICT, jobs: int = 1, whole_map_pairs: int = WHOLE_MAP_PAIRS) -> Solution:
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
        sol = _districts(p, compounds, near, fixed, cell_size, jobs)
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
    sites, _minimum = site_bounds.walking_cover([pos[n] for n in near], used.size, cand.fixed_tables[used] > 0, p.time_limit)
    most = np.where(cand.fixed_tables[used] > 0, cand.fixed_tables[used], cand.max_tables[used])
    load = float(p.peak_rate[compounds].sum())
    tables = site_bounds.tables_bound(load, p.capacity, most, (w_y, w_t, OVERLOAD_COST), at_least=sites)
    lp = None
    if pairs <= LP_PAIRS and not (own is not None and math.isfinite(own)):  # the program's own bound is at least the LP's
        model = program(p, compounds, near, used, fixed)
        lp = site_bounds.lp_relaxation(model.c, model.bounds, model.constraints, p.time_limit)
    return {
        "program": own,
        "lp_relaxation": None if lp is None else lp + outside,
        "walking_cover": (w_y + w_t) * sites + outside,
        "tables": tables + outside,
    }


def _districts(
    p: SitingProblem, compounds: np.ndarray, near: list[np.ndarray], fixed: np.ndarray, cell_size: int, jobs: int
) -> Solution:
    """The map cut into districts, each a program over its compounds' NEAREST candidates, in turn."""
    tables = fixed.copy()
    of = dict(zip(compounds.tolist(), (n[:NEAREST] for n in near), strict=True))
    cells = [cell for cell in _cells(p.m, compounds, cell_size) if cell.size]
    cut = [[of[int(c)] for c in cell] for cell in cells]
    if jobs > 1 and len(cells) >= PARALLEL_FROM:
        parts_of = [slice(k * len(cells) // jobs, (k + 1) * len(cells) // jobs) for k in range(jobs)]
        ctx = multiprocessing.get_context("spawn")  # as the runner: workers start clean
        with ProcessPoolExecutor(jobs, mp_context=ctx) as pool:
            parts = list(
                pool.map(_solve_cells, [p] * jobs, [cells[s] for s in parts_of], [cut[s] for s in parts_of], [tables] * jobs)
            )
    else:
        parts = [_solve_cells(p, cells, cut, tables)]
    sols = [s for part in parts for s in part]
    for sol in sols:
        tables = np.maximum(tables, sol.tables)
    value, over = plan_objective(p, tables, compounds)
    statuses = ", ".join(sorted({s.status for s in sols}))
    optimal = sum(s.status == "optimal" for s in sols)
    return Solution(tables, value, -math.inf, math.inf, statuses, len(cells), [], over, optimal, False)


def plan_objective(p: SitingProblem, tables: np.ndarray, compounds: np.ndarray) -> tuple[float, list[int]]:
    """A plan's objective in the program's model (each compound to its nearest open site by P3, the
    overload beyond Erlang C's capacity at a site's tables) and the sites overloaded."""
    m = p.m
    assigned = assign_nearest(m.compound_xy[compounds], m.site_xy, tables > 0, m.lonlat)
    load = np.bincount(assigned[assigned >= 0], weights=p.peak_rate[compounds][assigned >= 0], minlength=tables.size)
    excess = np.maximum(load - p.capacity[np.minimum(tables, p.capacity.size - 1)], 0.0)
    excess[excess < 1e-9] = 0.0
    w_y, w_t = weights(p)
    value = w_y * int((tables > 0).sum()) + w_t * int(tables.sum()) + OVERLOAD_COST * float(excess.sum())
    return value, [int(s) for s in np.flatnonzero(excess > 0)]


def _solve_cells(p: SitingProblem, cells: list[np.ndarray], near: list[list[np.ndarray]], opened: np.ndarray) -> list[Solution]:
    """Districts in turn, each keeping open what the earlier ones opened."""
    out = []
    total = max(float(p.m.compound_residents.sum()), 1.0)
    for cell, n in zip(cells, near, strict=True):
        sol = _solve_program(p, cell, n, opened, DISTRICT_GAP, share=float(p.m.compound_residents[cell].sum()) / total)
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
    bound = _bound(res) + _outside(p, tables, used)
    status = _status(res)
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


def _bound(res) -> float:
    return float(res.mip_dual_bound) if res.mip_dual_bound is not None else -math.inf


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


def _solve_program(
    p: SitingProblem, compounds: np.ndarray, near: list[np.ndarray], opened: np.ndarray, gap: float, share: float
) -> Solution:
    """One district's program over `compounds` (each with its candidates in P3's order), keeping `opened` open."""
    cand = p.cands
    used = np.unique(np.concatenate(near))
    model = _district_model(p, compounds, near, used, opened)
    res = milp(
        model["c"],
        integrality=model["integrality"],
        bounds=model["bounds"],
        constraints=model["constraints"],
        options={"time_limit": p.time_limit, "mip_rel_gap": gap},
    )
    if res.x is None:
        raise SitingInfeasible(res.message, [])
    tables = np.zeros_like(opened)
    for j, site in enumerate(cand.index[used]):
        k_of = model["tables_of"][j]
        tables[site] = int(round(res.x[k_of] @ np.arange(1, k_of.size + 1)))
    overloaded = [int(site) for j, site in enumerate(cand.index[used]) if res.x[model["over"] + j] > 1e-6]
    status = _status(res)
    return Solution(
        tables, float(res.fun), _bound(res), float(res.mip_gap or 0.0), status, 1, [], overloaded, int(status == "optimal"), True
    )


def _district_model(
    p: SitingProblem, compounds: np.ndarray, near: list[np.ndarray], used: np.ndarray, opened: np.ndarray
) -> dict:
    """A district's MILP (the sum form of P3 over its compounds' NEAREST candidates, x whole: for small
    programs HiGHS finds plans faster this way than with prefix sums): columns y (per used candidate), z (per
    candidate and table count), x (per pair)."""
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
    w_y, w_t = weights(p)
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
    _district_limits(p, row, n_y, tables_of, share)
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


def _district_limits(p: SitingProblem, row, n_y: int, tables_of: list[np.ndarray], share: float) -> None:
    """The limits given, for what this district opens: a city's limits are shared among its districts in
    proportion to their residents (`share`; 1 when the city is one district)."""
    if "points" in p.limits:
        row([(j, 1.0) for j in range(n_y)], -np.inf, math.floor(p.limits["points"] * share))
    most = min(p.limits.get("tables", math.inf), p.limits.get("samplers", math.inf) / p.samplers_per_table)
    if math.isfinite(most):
        row([(int(z), float(k + 1)) for zs in tables_of for k, z in enumerate(zs)], -np.inf, math.floor(most * share))


class SitingInfeasible(Exception):
    """No plan meets the walking and queue standards within the limits (beyond compounds out of reach)."""

    def __init__(self, message: str, unreachable: list[int]):
        super().__init__(message)
        self.unreachable = unreachable


def _status(res) -> str:
    return {0: "optimal", 1: "time limit (best found)", 2: "infeasible", 3: "unbounded"}.get(res.status, res.message)


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


def program(
    p: SitingProblem,
    compounds: np.ndarray,
    near: list[np.ndarray],
    used: np.ndarray,
    opened: np.ndarray,
    share: float = 1.0,
    overload: bool = True,
) -> Program:
    """The program over `compounds` (near[i]: compound i's candidate positions in P3's order, each within
    its walk) and the `used` candidate positions; candidates fixed, or open in `opened`, are kept open."""
    cand = p.cands
    pos = np.full(int(cand.index.size), -1, np.int64)
    pos[used] = np.arange(used.size)
    n_y = used.size
    kmax = np.where(cand.fixed_tables[used] > 0, cand.fixed_tables[used], cand.max_tables[used]).astype(np.int64)
    z_start = n_y + np.concatenate(([0], np.cumsum(kmax)[:-1]))
    n_z = int(kmax.sum())
    sizes = np.array([n.size for n in near], np.int64)
    n_u = int(sizes.sum())
    u0 = n_y + n_z  # the first u column
    over = u0 + n_u
    n = over + n_y
    pair_site = pos[np.concatenate(near)]  # each pair's y column
    pair_col = u0 + np.arange(n_u)
    first = np.zeros(n_u, bool)
    first[np.concatenate(([0], np.cumsum(sizes)[:-1]))] = True
    compound_of = np.repeat(np.arange(compounds.size), sizes)
    w_y, w_t = weights(p)
    cost = np.zeros(n)
    cost[:n_y] = w_y
    cost[over:] = OVERLOAD_COST
    k_of = np.concatenate([np.arange(1, k + 1) for k in kmax])
    site_of_z = np.repeat(np.arange(n_y), kmax)
    cost[n_y : n_y + n_z] = w_t * k_of
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    vals: list[np.ndarray] = []
    lo: list[np.ndarray] = []
    hi: list[np.ndarray] = []
    count = 0

    def block(r: np.ndarray, c: np.ndarray, v: np.ndarray, n_rows: int, low: float | np.ndarray, high: float | np.ndarray):
        nonlocal count
        rows.append(r + count)
        cols.append(c)
        vals.append(v)
        lo.append(np.broadcast_to(np.asarray(low, float), n_rows))
        hi.append(np.broadcast_to(np.asarray(high, float), n_rows))
        count += n_rows

    pairs = np.arange(n_u)
    tables_of = [z_start[j] + np.arange(kmax[j]) for j in range(n_y)]
    later = pairs[~first]
    # x <= y: u_j - u_(j-1) - y_j <= 0 (for the first pair, u_1 - y_1 <= 0). Without overloads, x is at
    # most the site's z for the table counts that serve the compound alone (a stronger row, the same plans).
    r = np.concatenate((pairs, later))
    c = np.concatenate((pair_col, pair_col[later] - 1))
    v = np.concatenate((np.ones(n_u), -np.ones(later.size)))
    rate = p.peak_rate[compounds][compound_of]
    if overload:
        r, c, v = np.concatenate((r, pairs)), np.concatenate((c, pair_site)), np.concatenate((v, -np.ones(n_u)))
    else:
        fits = rate[:, None] <= p.capacity[None, 1:] + 1e-12  # (pair, k - 1): k tables serve the compound alone
        zs = [tables_of[j][fits[q, : tables_of[j].size]] for q, j in enumerate(pair_site)]
        counts = np.array([z.size for z in zs], np.int64)
        r = np.concatenate((r, np.repeat(pairs, counts)))
        c = np.concatenate((c, np.concatenate(zs)))
        v = np.concatenate((v, -np.ones(int(counts.sum()))))
    block(r, c, v, n_u, -np.inf, 0.0)
    # P3: u_j - y_j >= 0
    block(
        np.concatenate((pairs, pairs)),
        np.concatenate((pair_col, pair_site)),
        np.concatenate((np.ones(n_u), -np.ones(n_u))),
        n_u,
        0.0,
        np.inf,
    )
    # u non-decreasing: u_j - u_(j-1) >= 0
    idx = np.arange(later.size)
    block(
        np.concatenate((idx, idx)),
        np.concatenate((pair_col[later], pair_col[later] - 1)),
        np.concatenate((np.ones(later.size), -np.ones(later.size))),
        later.size,
        0.0,
        np.inf,
    )
    # one table count when open: sum_k z_sk - y_s = 0
    block(
        np.concatenate((site_of_z, np.arange(n_y))),
        np.concatenate((n_y + np.arange(n_z), np.arange(n_y))),
        np.concatenate((np.ones(n_z), -np.ones(n_y))),
        n_y,
        0.0,
        0.0,
    )
    # the load at the peak: sum_c rate_c x_cs - sum_k Lambda(k) z_sk - over_s <= 0, x_cs = u_j - u_(j-1)
    block(
        np.concatenate((pair_site, pair_site[later], site_of_z, np.arange(n_y))),
        np.concatenate((pair_col, pair_col[later] - 1, n_y + np.arange(n_z), over + np.arange(n_y))),
        np.concatenate((rate, -rate[later], -p.capacity[np.minimum(k_of, p.capacity.size - 1)], -np.ones(n_y))),
        n_y,
        -np.inf,
        0.0,
    )
    if "points" in p.limits:
        block(np.zeros(n_y, np.int64), np.arange(n_y), np.ones(n_y), 1, -np.inf, math.floor(p.limits["points"] * share))
    most = min(p.limits.get("tables", math.inf), p.limits.get("samplers", math.inf) / p.samplers_per_table)
    if math.isfinite(most):
        block(np.zeros(n_z, np.int64), n_y + np.arange(n_z), k_of.astype(float), 1, -np.inf, math.floor(most * share))
    a = sparse.csr_array((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(count, n))
    bounds_lo, bounds_hi = np.zeros(n), np.ones(n)
    bounds_hi[over:] = np.inf if overload else 0.0
    bounds_lo[u0 + np.cumsum(sizes) - 1] = 1.0  # every compound goes somewhere: u at its last candidate is 1
    keep = (cand.fixed_tables[used] > 0) | (opened[cand.index[used]] > 0)  # fixed, or opened by a neighbour
    bounds_lo[:n_y][keep] = 1
    for j in np.flatnonzero(cand.fixed_tables[used] > 0):  # a fixed site keeps exactly its tables
        bounds_lo[tables_of[j][-1]] = 1
    integrality = np.zeros(n)
    integrality[: n_y + n_z] = 1
    return Program(
        cost,
        integrality,
        Bounds(bounds_lo, bounds_hi),
        LinearConstraint(a, np.concatenate(lo), np.concatenate(hi)),
        tables_of,
        over,
    )

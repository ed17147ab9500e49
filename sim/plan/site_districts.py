"""`natsim site`, step 1 for a map too large for one program (a city): districts of at most `DISTRICT`
compounds (a k-d split), each a program over its compounds' NEAREST candidates within the walk, in turn,
keeping open what earlier districts opened; with `jobs` > 1 and many districts, shared among worker
processes by area. The sites they open are then sized again for the compounds P3 sends them over the whole
plan (`site_model.right_sized`: a site on a district's edge also serves its neighbours'). A district's
optimum is not the map's: the plan is judged against the whole map's bounds (`sim.plan.site_bounds`)."""

from __future__ import annotations

import math
import multiprocessing
from concurrent.futures import ProcessPoolExecutor

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from sim.plan.site_model import (
    DISTRICT_GAP,
    NEAREST,
    OVERLOAD_COST,
    SitingInfeasible,
    SitingProblem,
    Solution,
    dual_bound,
    plan_objective,
    right_sized,
    status_words,
    weights,
)
from sim.scenario.places.map import PlacesMap

PARALLEL_FROM = 64  # districts: below this, worker processes cost more to start than they save


def districts(
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
                pool.map(
                    _solve_cells, [p] * jobs, [cells[s] for s in parts_of], [cut[s] for s in parts_of], [tables] * jobs
                )
            )
    else:
        parts = [_solve_cells(p, cells, cut, tables)]
    sols = [s for part in parts for s in part]
    for sol in sols:
        tables = np.maximum(tables, sol.tables)
    sized = right_sized(p, tables, compounds)
    most = min(p.limits.get("tables", math.inf), p.limits.get("samplers", math.inf) / p.samplers_per_table)
    if sized.sum() <= most:  # a limit on tables keeps the districts' own sizes
        tables = sized
    value, over = plan_objective(p, tables, compounds)
    statuses = ", ".join(sorted({s.status for s in sols}))
    optimal = sum(s.status == "optimal" for s in sols)
    return Solution(tables, value, -math.inf, math.inf, statuses, len(cells), [], over, optimal, False)


def _solve_cells(
    p: SitingProblem, cells: list[np.ndarray], near: list[list[np.ndarray]], opened: np.ndarray
) -> list[Solution]:
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
    status = status_words(res)
    return Solution(
        tables,
        float(res.fun),
        dual_bound(res),
        float(res.mip_gap or 0.0),
        status,
        1,
        [],
        overloaded,
        int(status == "optimal"),
        True,
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

    _district_assignment(row, near, pos, x_of)
    loads: dict[int, list[tuple[int, float]]] = {j: [] for j in range(n_y)}
    for (i, j), col in x_of.items():
        loads[j].append((col, float(p.peak_rate[compounds[i]])))
    for j in range(n_y):
        row([(int(z), 1.0) for z in tables_of[j]] + [(j, -1.0)], 0, 0)  # one table count when open
        row(
            loads[j] + [(int(z), -float(p.capacity[k + 1])) for k, z in enumerate(tables_of[j])] + [(over + j, -1.0)],
            -np.inf,
            0,
        )
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


def _district_assignment(row, near: list[np.ndarray], pos: dict[int, int], x_of: dict[tuple[int, int], int]) -> None:
    """Each compound to one site, only an open one, and the nearest open one (P3, in the sum form)."""
    for i, n_i in enumerate(near):
        row([(x_of[i, pos[int(s)]], 1.0) for s in n_i], 1, 1)  # one site each
        for rank, s in enumerate(n_i):  # only to an open site, and to the nearest open one (P3)
            j = pos[int(s)]
            row([(x_of[i, j], 1.0), (j, -1.0)], -np.inf, 0)
            # if s is open, c goes to s or to a site nearer than s
            row([(x_of[i, pos[int(t)]], 1.0) for t in n_i[: rank + 1]] + [(j, -1.0)], 0, np.inf)


def _district_limits(p: SitingProblem, row, n_y: int, tables_of: list[np.ndarray], share: float) -> None:
    """The limits given, for what this district opens: a city's limits are shared among its districts in
    proportion to their residents (`share`; 1 when the city is one district)."""
    if "points" in p.limits:
        row([(j, 1.0) for j in range(n_y)], -np.inf, math.floor(p.limits["points"] * share))
    most = min(p.limits.get("tables", math.inf), p.limits.get("samplers", math.inf) / p.samplers_per_table)
    if math.isfinite(most):
        row([(int(z), float(k + 1)) for zs in tables_of for k, z in enumerate(zs)], -np.inf, math.floor(most * share))

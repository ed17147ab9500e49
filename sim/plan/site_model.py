"""`natsim site`, step 1's model: the candidates, the problem, a plan's objective in the program's terms
(P3 assignment, Erlang C capacity at the peak, overloads), and what a program returns. The programs are
`sim.plan.siting` (the whole map) and `sim.plan.site_districts` (a city's districts)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from sim.core.queueing import max_rate_for_wait
from sim.scenario.places.map import PlacesMap, assign_nearest, reach

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
    return np.array(
        [0.0] + [max_rate_for_wait(k, 1 / service_mean, max_wait, quantile) for k in range(1, max_tables + 1)]
    )


def reachable(
    p: SitingProblem, compounds: np.ndarray, sites: np.ndarray, nearest: int | None = None
) -> list[np.ndarray]:
    """For each compound, the candidate positions (into `sites`) within the walking standard in P3's order
    (nearest first, ties to the site listed first); at most `nearest` of them when given."""
    return [near[:nearest] for near in reach(p.m, compounds, sites, p.standard)]  # P2 or P2n, ties: listed first


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


def peak_loads(p: SitingProblem, tables: np.ndarray, compounds: np.ndarray) -> np.ndarray:
    """Each site's arrival rate at the profile's peak (per second) when every compound goes to its nearest
    open site (P3)."""
    m = p.m
    assigned = assign_nearest(m.compound_xy[compounds], m.site_xy, tables > 0, m.lonlat)
    served = assigned >= 0
    return np.bincount(assigned[served], weights=p.peak_rate[compounds][served], minlength=tables.size)


def right_sized(p: SitingProblem, tables: np.ndarray, compounds: np.ndarray) -> np.ndarray:
    """The same sites open, each candidate with the fewest tables that serve, by Erlang C, the peak of the
    compounds P3 sends it over the whole plan (at most its `max_tables`; fixed sites keep theirs): a city's
    districts size a site for their own compounds only, while P3 sends it those of its neighbours too."""
    load = peak_loads(p, tables, compounds)
    out = tables.copy()
    cand = p.cands
    free = (cand.fixed_tables == 0) & (tables[cand.index] > 0)
    sites = cand.index[free]
    need = np.searchsorted(p.capacity, load[sites] - 1e-12, side="left")  # the fewest k with capacity >= load
    out[sites] = np.clip(need, 1, cand.max_tables[free])
    return out


def plan_objective(p: SitingProblem, tables: np.ndarray, compounds: np.ndarray) -> tuple[float, list[int]]:
    """A plan's objective in the program's model (each compound to its nearest open site by P3, the
    overload beyond Erlang C's capacity at a site's tables) and the sites overloaded."""
    load = peak_loads(p, tables, compounds)
    excess = np.maximum(load - p.capacity[np.minimum(tables, p.capacity.size - 1)], 0.0)
    excess[excess < 1e-9] = 0.0
    w_y, w_t = weights(p)
    value = w_y * int((tables > 0).sum()) + w_t * int(tables.sum()) + OVERLOAD_COST * float(excess.sum())
    return value, [int(s) for s in np.flatnonzero(excess > 0)]


class SitingInfeasible(Exception):
    """No plan meets the walking and queue standards within the limits (beyond compounds out of reach)."""

    def __init__(self, message: str, unreachable: list[int]):
        super().__init__(message)
        self.unreachable = unreachable


def status_words(res) -> str:
    return {0: "optimal", 1: "time limit (best found)", 2: "infeasible", 3: "unbounded"}.get(res.status, res.message)


def dual_bound(res) -> float:
    return float(res.mip_dual_bound) if res.mip_dual_bound is not None else -math.inf

"""One sampling point's crowd: who comes, when, the queue, and the tubes it fills (rules 1, 2, 4, 7).

Everything is arrays over the point's residents; the result keeps only what later stages and the
figures need: tube seal times and sizes, each resident's swab end, wait and tube.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numba import njit

from sim.engine import kernels
from sim.engine.queue import SERVED_WITHIN as served_within
from sim.engine.queue import serve_queue
from sim.engine.tubes import fill_tubes
from sim.scenario.pauses import table_windows, working_share
from sim.scenario.places.map import Catchment
from sim.scenario.round import CallSlots, HomeVisits, Round


@dataclass
class PointCrowd:
    arrived: int
    arrival: np.ndarray  # sorted arrival times
    start: np.ndarray  # service start per resident, arrival order
    swab_end: np.ndarray  # service end per resident
    table: np.ndarray  # table index per resident
    tube: np.ndarray  # local tube index per resident (tubes numbered in seal order)
    seal: np.ndarray  # seal time per tube, sorted
    tube_size: np.ndarray  # residents per tube
    tube_table: np.ndarray  # table that filled each tube
    positive: np.ndarray  # indices of positive residents (arrival order)
    last_end: float
    at_home: np.ndarray | None = None  # residents swabbed at home (their "arrival" is the visit's start)
    compound: np.ndarray | None = None  # places: each resident's compound (index into the catchment)
    positive_before: dict[int, list[float]] | None = None  # a forecast: positive tubes filled before its start

    @property
    def queued(self) -> np.ndarray | slice:
        return slice(None) if self.at_home is None else ~self.at_home

    @property
    def wait(self) -> np.ndarray:
        """Waits of the residents who queued (home visits do not queue)."""
        return (self.start - self.arrival)[self.queued]

    @property
    def home_last_end(self) -> float | None:
        return float(self.swab_end[self.at_home].max()) if self.at_home is not None and self.at_home.any() else None


def simulate_point(
    rnd: Round,
    tables: int,
    residents: int,
    rng: np.random.Generator,
    group: int = -1,
    point: int = -1,
    pool_size: int | None = None,
    home: HomeVisits | None = None,
    calls: CallSlots | None = None,
    catchment: Catchment | None = None,
) -> PointCrowd:
    """Point `point` of group `group` (whose disruptions apply; -1: none); `pool_size`: a key group's own
    pool size (default: the scenario's); `home`: home visits; `calls`: residents called in slots;
    `catchment`: on a map, the compounds the point serves (their residents replace `residents`)."""
    arrival, compound, service, positive = draws(rnd, residents, rng, calls, catchment)
    n = arrival.size
    # Home visits draw last, so a point without them draws exactly as before (common random numbers).
    at_home = rng.random(n) < home.share if home is not None and n else None
    queued = slice(None) if at_home is None else ~at_home
    if at_home is None:
        start, table = serve_point(rnd, arrival, service, tables, group, point)
    else:
        start = np.empty(n)
        table = np.empty(n, np.int32)
        start[queued], table[queued] = serve_point(rnd, arrival[queued], service[queued], tables, group, point)
    teams = 0
    if at_home is not None and at_home.any():
        teams = home.teams
        _home_visits(rnd, home, rng, at_home, arrival, start, service, table, tables)
    swab_end = start + service
    tube, seal, tube_size, tube_table = fill_tubes(table, swab_end, tables + teams, pool_size or rnd.pool_size)
    return PointCrowd(
        n,
        arrival,
        start,
        swab_end,
        table,
        tube,
        seal,
        tube_size,
        tube_table,
        positive,
        float(swab_end.max()) if n else float("nan"),
        at_home,
        compound,
    )


def draws(
    rnd: Round,
    residents: int,
    rng: np.random.Generator,
    calls: CallSlots | None = None,
    catchment: Catchment | None = None,
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray, np.ndarray]:
    """A point's draws, in their order (rules 1, 2 and 7): sorted arrivals (and, on a map, each resident's
    compound), service times and the positive residents."""
    arrival, compound = arrivals(rnd, residents, rng, calls, catchment)
    n = arrival.size
    return arrival, compound, rnd.service.sample(rng, n), positives(rnd, rng, n)


def arrivals(
    rnd: Round, residents: int, rng: np.random.Generator, calls: CallSlots | None, catchment: Catchment | None
) -> tuple[np.ndarray, np.ndarray | None]:
    """Rule 1 (and P4 on a map): who of the point's residents comes, and when; sorted arrival times and,
    on a map, each resident's compound."""
    if catchment is not None:
        return walk_in(rnd, catchment, rng, calls)
    n = int(rng.binomial(residents, rnd.turnout))
    if calls is not None:
        return np.sort(calls.sample(rng, n, rnd.profile)), None
    return _on_profile(rnd, rng.random(n)), None  # one draw per resident


def arrivals_after(rnd: Round, rng: np.random.Generator, k: int, below: float) -> np.ndarray:
    """Rule 1's arrival times of k residents who come after the share `below` of the profile has come
    (`Profile.share_by` at a time), sorted: the profile's inverse CDF of uniforms above `below` (k of the
    plan's arrivals after that time, without drawing the rest)."""
    if below >= 1.0 or k <= 0:
        return np.empty(0)
    return _on_profile(rnd, below + (1.0 - below) * rng.random(k))


def _on_profile(rnd: Round, u: np.ndarray) -> np.ndarray:
    """Rule 1's arrival times of uniforms `u`, sorted: the profile's inverse CDF (sorted first, in place: the
    inverse CDF keeps their order)."""
    u.sort()
    return _QUANTILE_SORTED(u, rnd.profile.times, *rnd.profile.segments)


@njit(cache=True, nogil=True)
def _quantile_sorted(u, times, lengths, cdf, lo, width):
    """`Profile.sample`'s inverse CDF of sorted uniforms u, in one pass: the segment only moves forward."""
    out = np.empty(u.size)
    seg, last = 0, lengths.size - 1
    for i in range(u.size):
        x = u[i]
        while seg < last and cdf[seg] <= x:
            seg += 1
        f = (x - lo[seg]) / width[seg]
        out[i] = times[seg] + (0.0 if f < 0.0 else 1.0 if f > 1.0 else f) * lengths[seg]
    return out


_QUANTILE_SORTED = kernels.kernel(_quantile_sorted)


def positives(rnd: Round, rng: np.random.Generator, n: int) -> np.ndarray:
    """Rule 7's draw: which of n residents are positive (sorted indices), each at the scenario's prevalence."""
    if rnd.prevalence <= 0 or not n:
        return np.empty(0, np.int64)
    return np.flatnonzero(rng.random(n) < rnd.prevalence)


_EPOCH = -30 * 86400.0  # a time before any arrival (durations are limited to 30 days), so keys are positive


def walk_in(
    rnd: Round, c: Catchment, rng: np.random.Generator, calls: CallSlots | None
) -> tuple[np.ndarray, np.ndarray]:
    """Places rule P4: each compound's turnout, the time each resident leaves home (rule 1, or their call),
    and their arrival a walking time later. Returns sorted arrivals and each resident's compound."""
    n_c = rng.binomial(c.residents, rnd.turnout)
    local = np.repeat(np.arange(n_c.size), n_c)
    if calls is not None:
        leave = calls.sample(rng, local.size, rnd.profile, c.slot[local] if c.slot is not None else None)
    else:
        leave = rnd.profile.sample(rng, local.size)
    arrival = leave + c.walk[local]
    # Sort arrivals and carry each resident's compound in one integer sort (several times faster than an
    # argsort): times to the microsecond in the high bits, the compound in the low ones.
    bits = max(int(n_c.size - 1).bit_length(), 1)
    if bits > 20:  # a site serving over a million compounds: the key would not fit; sort the plain way
        order = np.argsort(arrival)
        return arrival[order], local[order]
    key = np.sort(np.round((arrival - _EPOCH) * 1e6).astype(np.int64) << bits | local)
    return (key >> bits) / 1e6 + _EPOCH, key & ((1 << bits) - 1)


def plain_queue(rnd: Round, group: int) -> bool:
    """Whether the group's tables serve without windows (no shifts, no blocked windows for it)."""
    return rnd.shifts is None and not any(b.group == group for b in rnd.blocked)


def serve_point(
    rnd: Round,
    arrival: np.ndarray,
    service: np.ndarray,
    tables: int,
    group: int = -1,
    point: int = -1,
    free_from: float = -np.inf,
) -> tuple[np.ndarray, np.ndarray]:
    """The queue kernel with the point's windows without service (`sim.scenario.pauses`), generated far
    enough ahead: until well after everyone could have been served at one table, and further if not.
    `free_from`: no table starts anyone before then (a forecast's status time)."""
    free = max(rnd.open, free_from)
    if plain_queue(rnd, group):
        return serve_queue(arrival, service, tables, free)
    span = first_span(rnd, arrival, service, group, free)
    while True:
        until = windows_until(rnd, span)
        start, table = serve_queue(arrival, service, tables, free, *table_windows(rnd, group, point, tables, until))
        if served_within(start, service, until):
            return start, table
        span *= 2


def first_span(rnd: Round, arrival: np.ndarray, service: np.ndarray, group: int, free: float) -> float:
    """How far ahead of the opening a point's windows are generated first: past everyone's service at one
    table, stretched by the shifts' handovers and the group's blocked windows (doubled while too short)."""
    sh = rnd.shifts
    stretch = 1 / working_share(sh)  # wall time per hour of work
    blocked = sum(b.end - b.start for b in rnd.blocked if b.group == group)
    lead = max(float(arrival[-1]) if arrival.size else free, free) - rnd.open
    return lead + (float(service.sum()) + blocked) * stretch + blocked + 2 * ((sh.length + sh.handover) if sh else 0.0)


def windows_until(rnd: Round, span: float) -> float:
    """The end of the windows generated for `span`: whole days, so that points share windows."""
    return rnd.open + math.ceil((span + 3600.0) / 86400.0) * 86400.0


def _home_visits(rnd, home, rng, at_home, arrival, start, service, table, tables) -> None:
    """Residents swabbed at home: teams go one home after another, round robin in the order residents
    came; each team fills its own tubes, like a table (arrays changed in place)."""
    k = int(at_home.sum())
    teams = home.teams
    visit = home.visit.sample(rng, k)
    busy = home.travel.sample(rng, k) + visit  # drive to the home, then the visit
    team = np.arange(k) % teams
    order = np.argsort(team, kind="stable")
    done = np.cumsum(busy[order])
    first = np.searchsorted(team[order], np.arange(teams))
    before = np.concatenate(([0.0], done))[first]
    end = np.empty(k)
    end[order] = rnd.open + done - before[team[order]]
    idx = np.flatnonzero(at_home)
    start[idx] = end - visit
    service[idx] = visit
    arrival[idx] = start[idx]  # they do not come: the team does
    table[idx] = tables + team

"""A replication that starts from the round's state at a time: the forecast during a round (docs/forecast.md).

A status (a drill log read at TIME, or counts) becomes a `RoundState`: who came to each point and who
still waits there, the residents in each table's open tube, and every tube not yet reported, wherever
it is. From TIME on the rules are those of a plain replication, run by the same code: the crowd of
each point (`engine/crowd.py`), then logistics (`engine/logistics.py`) with its clock started at TIME
and what was under way put back first (tubes waiting at points, on the road, in a lab's queue).

What the state cannot say is drawn: who of those who have not come still comes (each with the chance
`still_come`, rule F1), and when (the plan's own arrivals after TIME, F2); the rest of a drive under
way (a fresh travel draw, redrawn until it ends after TIME, F3); which plates are under way and the
rest of their extraction or PCR (F4); which pools reported before TIME were positive, and so whose
retests are on the way or in a lab at TIME (F6).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from sim.core import streams
from sim.engine import pickups, rules
from sim.engine.crowd import PointCrowd, arrivals, arrivals_after, positives, serve_point
from sim.engine.figures import stage_means
from sim.engine.kernels import current
from sim.engine.logistics import Logistics
from sim.engine.replication import logistics
from sim.engine.resume_labs import lab_under_way
from sim.engine.resume_retests import recalled_before
from sim.engine.rules import REDRAWS
from sim.engine.sampling import Crowd, collector, simulate_crowd
from sim.engine.timeline import Grid
from sim.engine.tubes import fill_tubes
from sim.scenario.round import PointGroup, Round


@dataclass
class RoundState:
    """The round at time `at` (seconds on the round's clock), as a status shows it."""

    at: float
    arrived: np.ndarray  # per point: residents who came by `at` (sampled, or still waiting)
    still_come: np.ndarray  # per point: the chance that a resident who has not come yet comes after `at`
    waiting: list[np.ndarray]  # per point: when each resident still waiting at `at` joined the queue, sorted
    open_tube: list[np.ndarray]  # per point: residents in each table's open tube
    tubes: dict[str, np.ndarray]  # tubes not reported by `at`: point, size, sealed, picked, at_lab (NaN: not yet)
    plates_running: np.ndarray  # per lab: plates under way at `at`
    extra_tables: np.ndarray | None = None  # per point: tables added at `at` (forecast --add)
    boxes_known: bool = True  # each box's pickup and arrival are the status's (a log), so its vehicle's trips are
    # Pools reported by `at` (point, size, sealed, reported, lab: -1 its point's own): their recalls (rule F6)
    reported: dict[str, np.ndarray] | None = None

    def __getstate__(self) -> dict:
        """Pickled (for each replication on a worker) with every per-point list as one array and its sizes:
        ten thousand small arrays took longer to pickle than the million tubes."""
        return self.__dict__ | {k: _packed(self.__dict__[k]) for k in PER_POINT}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state | {k: _unpacked(state[k]) for k in PER_POINT})

    def before(self) -> list[np.ndarray]:
        """Each point's tubes from before `at`, in the order the point holds them: picked up first (by
        seal), then those still waiting for a vehicle (by seal). Rows of `tubes`."""
        t = self.tubes
        order = np.lexsort((t["sealed"], np.isnan(t["picked"]), t["point"]))
        cuts = np.searchsorted(t["point"][order], np.arange(self.arrived.size + 1))
        return [order[a:b] for a, b in zip(cuts[:-1], cuts[1:], strict=True)]


PER_POINT = ("waiting", "open_tube")  # RoundState's lists of one array per point


def _packed(arrays: list[np.ndarray]):
    """A list of arrays as (one array, sizes), when they share a dtype (else the list itself)."""
    if not arrays or len({a.dtype for a in arrays}) > 1:
        return arrays
    return np.concatenate(arrays), np.array([a.size for a in arrays], np.int64)


def _unpacked(packed) -> list[np.ndarray]:
    if isinstance(packed, list):
        return packed
    flat, sizes = packed
    return np.split(flat, np.cumsum(sizes)[:-1])


@dataclass
class Outlook:
    """One replication from `at` on."""

    last_result_h: float | None  # the last pooled result (None: nothing left to report)
    deadline_met: bool
    sampling_end_h: np.ndarray  # per point; NaN: nobody left to sample
    lab_last_h: np.ndarray  # per lab: its last pooled result; NaN: nothing left to run there
    series: dict[str, np.ndarray]  # per grid row after `at`: residents sampled, tubes at a lab, tubes reported
    stages: dict[str, float | None] = field(default_factory=dict)


def resume_replication(rnd: Round, rep: int, grid: Grid, state: RoundState) -> Outlook:
    """Replication `rep` from the state on, on replication `rep`'s random streams (so forecasts that differ
    only in what they add share their random numbers)."""
    crowd, logi = resumed(rnd, rep, grid, state)
    return _outlook(rnd, grid, state, crowd, logi)


def resumed(rnd: Round, rep: int, grid: Grid, state: RoundState) -> tuple[Crowd, Logistics]:
    """Replication `rep` from the state on, run through: its crowd and its logistics (the same engine as a
    plain run's, started from what was under way at `at`)."""
    rows = state.before()
    crowd = _crowd(rnd, rep, grid, state, rows)
    logi, _groups = logistics(rnd, rep, crowd, state.at, lambda lg: _restore(lg, crowd, state, rows, rep))
    return crowd, logi


def _crowd(rnd: Round, rep: int, grid: Grid, state: RoundState, rows: list[np.ndarray]) -> Crowd:
    out = collector(rnd, grid)
    shared = streams.Streams(rnd.seed)  # what `streams.stream` gives, without a generator per point
    seal, size, cuts = _before(state, rows)
    below = rnd.profile.share_by(state.at)  # the profile's share come by `at`, the same at every point
    p = 0
    for gi, g in enumerate(rnd.groups):
        for i in range(g.count):
            rng = shared.at(rep, streams.CROWD, gi, i)
            a, b = cuts[p], cuts[p + 1]
            c = _point(rnd, g, gi, i, rng, state, p, seal[a:b], size[a:b], below)
            out.add(p, g.point_name(i), g.lab, g.priority, rnd.open, c, g.catchment)
            p += 1
    return out.crowd()


def _point(
    rnd: Round,
    g: PointGroup,
    gi: int,
    i: int,
    rng,
    state: RoundState,
    p: int,
    pre_seal: np.ndarray,
    pre_size: np.ndarray,
    below: float,
) -> PointCrowd:
    """One point from `at` on: those waiting, then those still to come (F1, F2); tubes from before first."""
    at = state.at
    tables = g.tables + (int(state.extra_tables[p]) if state.extra_tables is not None else 0)
    everyone = g.people
    k = int(rng.binomial(max(everyone - int(state.arrived[p]), 0), state.still_come[p]))
    coming, compound = _still_to_come(rnd, g, rng, k, at, below)
    waiting = state.waiting[p]
    arrival = np.concatenate([waiting, coming]) if waiting.size else coming
    if compound is not None:
        share = g.catchment.residents / max(everyone, 1)
        compound = np.concatenate([rng.choice(share.size, waiting.size, p=share), compound]).astype(np.int64)
    n = arrival.size
    service = rnd.service.sample(rng, n)
    positive = positives(rnd, rng, n)
    start, table = serve_point(rnd, arrival, service, tables, gi, i, at)
    swab_end = start + service
    # Residents already in a table's open tube join it as if swabbed at `at`: the tube fills on from them.
    open_ = state.open_tube[p][:tables]
    first = np.repeat(np.arange(open_.size), open_).astype(np.int32)
    tube, seal, size, tube_table = fill_tubes(
        np.concatenate([first, table]), np.concatenate([np.full(first.size, at), swab_end]), tables, rnd.pool_size_of(g)
    )
    return PointCrowd(
        n,
        arrival,
        start,
        swab_end,
        table,
        tube[first.size :] + pre_seal.size,
        np.concatenate([pre_seal, seal]),
        np.concatenate([pre_size, size]),
        np.concatenate([np.zeros(pre_seal.size, np.int64), tube_table]),
        positive,
        float(swab_end.max()) if n else math.nan,
        None,
        compound,
        _positive_before(rnd, rng, pre_seal, pre_size),
    )


def _still_to_come(
    rnd: Round, g: PointGroup, rng: np.random.Generator, k: int, at: float, below: float
) -> tuple[np.ndarray, np.ndarray | None]:
    """Rule F2: when the k residents still to come arrive (sorted), as the plan's own arrivals after `at` do;
    on a map, each one's compound. On the profile alone, drawn after `at` (`crowd.arrivals_after`); with call
    slots or a map, k of the point's plan arrivals after `at`. `below`: the profile's share by `at`."""
    if g.calls is None and g.catchment is None:
        return arrivals_after(rnd, rng, k, below), None
    plan, compound = arrivals(rnd, g.residents, rng, g.calls, g.catchment)
    after = np.flatnonzero(plan > at)
    pick = np.sort(rng.choice(after, k, replace=k > after.size)) if after.size and k else np.empty(0, np.int64)
    return plan[pick], compound[pick] if compound is not None else None


def _before(state: RoundState, rows: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Seal times and sizes of every point's tubes from before `at`, point after point in the order of `rows`,
    and where each point's start (a point's are [cuts[p], cuts[p + 1])). A picked tube's seal is shown no
    later than its point's first waiting one's, so each point's seal times stay sorted (the pickup rule reads
    them so)."""
    order = np.concatenate(rows) if rows else np.empty(0, np.int64)
    counts = np.array([r.size for r in rows], np.int64)
    cuts = np.concatenate(([0], np.cumsum(counts)))
    seal = state.tubes["sealed"][order].astype(float)
    picked = ~np.isnan(state.tubes["picked"][order])
    point = np.repeat(np.arange(counts.size), counts)
    n_picked = np.bincount(point[picked], minlength=counts.size)
    waits = counts > n_picked  # rows hold picked tubes first, then waiting ones by seal: the first is the earliest
    first_waiting = np.where(waits, cuts[:-1] + n_picked, 0)
    cap = np.where(waits, seal[first_waiting] if seal.size else 0.0, np.inf)[point]
    seal = np.where(picked, np.minimum(seal, cap), seal)
    return seal, state.tubes["size"][order].astype(np.int64), cuts


def _positive_before(rnd: Round, rng, seal: np.ndarray, size: np.ndarray) -> dict[int, list[float]] | None:
    """Positives among the residents in a point's tubes from before `at`: rule 7's own draw over those
    residents (`crowd.positives`), each positive counted in its tube (swabbed, as far as the state says, when
    the tube sealed)."""
    if not size.size:
        return None
    members = np.repeat(np.arange(size.size), size)
    hits = members[positives(rnd, rng, members.size)]
    if not hits.size:
        return None
    tubes, counts = np.unique(hits, return_counts=True)
    return {int(j): [float(seal[j])] * int(c) for j, c in zip(tubes, counts, strict=True)}


def _restore(logi: Logistics, crowd: Crowd, state: RoundState, rows: list[np.ndarray], rep: int) -> None:
    """Put back what was under way at `at`: picked tubes on the road (F3) or in a lab's queue, plates (F4),
    and the retests of pools reported before `at` (F6). Over every point's tubes at once; a point's picked
    ones are the first of its rows, and tubes of its crowd."""
    t, at = state.tubes, state.at
    first, lab, priority = (np.zeros(len(rows), dtype) for dtype in (np.int64, np.int64, bool))
    for pt in crowd.point_tubes:
        first[pt.index], lab[pt.index], priority[pt.index] = pt.first_tube, pt.lab, pt.priority
    order = np.concatenate(rows) if rows else np.empty(0, np.int64)
    counts = np.array([r.size for r in rows], np.int64)
    point = np.repeat(np.arange(counts.size), counts)
    picked = t["picked"][order]
    mine = ~np.isnan(picked)
    point, picked, order = point[mine], picked[mine], order[mine]
    ids = first[point] + np.arange(point.size) - np.searchsorted(point, point)  # each point's from its first
    done = np.bincount(point, minlength=counts.size)
    logi.done.update(zip(np.flatnonzero(done).tolist(), done[done > 0].tolist(), strict=True))
    logi.picked[ids] = picked
    logi.handled["picked"][ids] += 1
    reached = t["at_lab"][order]
    road = np.isnan(reached)
    boxes = _boxes(logi, ids[road], point[road], picked[road], lab, priority, at)
    ids, when, point = ids[~road], reached[~road], point[~road]
    _vehicles(logi, state, point, when, *boxes, lab)
    retests = recalled_before(logi, state.reported, state.at, rep)
    for li in range(len(logi.labs)):
        here = lab[point] == li
        mine_ids, mine_when = ids[here], when[here]
        logi.at_lab[mine_ids] = mine_when
        logi.handled["at_lab"][mine_ids] += 1
        logi.labs[li].stats["received"] += mine_ids.size
        r_ids, r_when = retests[li]
        came = r_when >= mine_when.min(initial=np.inf) if mine_when.size else np.ones(r_when.size, bool)
        all_ids = np.concatenate([mine_ids, r_ids[came]])
        all_when = np.concatenate([mine_when, r_when[came]])
        cls = np.concatenate(
            [np.where(priority[point[here]], rules.KEY_GROUPS, rules.POOLED), np.full(came.sum(), rules.RETESTS)]
        )
        if all_ids.size:
            by = np.argsort(all_when, kind="stable")
            lab_under_way(logi, li, all_ids[by], all_when[by], cls[by], at, int(state.plates_running[li]))


def _vehicles(logi: Logistics, state: RoundState, point, received, box_point, box_arrive, lab) -> None:
    """Rule F3's lab vehicles: each box received was a lab vehicle back then, and the one that picked up a box
    on the road is back when the box is (in no order: `servers.returned` sorts each lab's). Not for points whose boxes
    say nothing of the lab's vehicles: a courier carries them; nor for any when the boxes are guessed (counts,
    F5), so every vehicle is free at `at`."""
    if not state.boxes_known:
        return
    tracked = np.ones(state.arrived.size, bool)
    tracked[list(pickups.routed_points(logi))] = False
    keep = tracked[point]
    pairs = np.unique(np.stack([point[keep], received[keep]]), axis=1)  # by point, then time
    keep = tracked[box_point]
    p = np.concatenate([pairs[0].astype(np.int64), box_point[keep]])
    w = np.concatenate([pairs[1], box_arrive[keep]])
    logi.restored.vehicles += [(int(lab[i]), float(x)) for i, x in zip(p, w, strict=True)]  # `servers.returned` sorts


def _boxes(logi: Logistics, ids, point, picked, lab, priority, at: float) -> tuple[np.ndarray, np.ndarray]:
    """Tubes on the road at `at`: one box per point and pickup (rule F3: `_arrival`), a point's in pickup order.
    Returns each box's point and arrival."""
    by = np.lexsort((picked, point))  # stable: a box keeps its tubes in the point's order
    ids, point, picked = ids[by], point[by], picked[by]
    cuts = np.flatnonzero((np.diff(point) != 0) | (np.diff(picked) != 0)) + 1
    box_point, box_arrive = [], []
    for box in np.split(np.arange(ids.size), cuts) if ids.size else ():
        p, when = int(point[box[0]]), float(picked[box[0]])
        arrive = _arrival(logi, p, when, at)
        logi.restored.boxes.append((arrive, int(lab[p]), ids[box], bool(priority[p])))
        box_point.append(p)
        box_arrive.append(arrive)
    return np.array(box_point, np.int64), np.array(box_arrive, float)


def _arrival(logi: Logistics, point: int, picked: float, at: float) -> float:
    """When a box picked up before `at` reaches its lab: a travel draw (stretched by the slowdowns in force
    when it was picked up, `Logistics.travel_time`), redrawn until it is under way at `at` (`rules.under_way`)."""
    for _draw in range(REDRAWS):
        travel = logi.travel_time(point, picked)
        if current(rules.under_way)(picked, travel, at):
            return picked + travel
    return at


def _outlook(rnd: Round, grid: Grid, state: RoundState, crowd: Crowd, logi: Logistics) -> Outlook:
    at = state.at
    result = logi.result
    last = float(np.nanmax(result)) if result.size else None
    lab_last = np.full(len(rnd.labs), np.nan)
    ran = logi.ran_at
    for li in range(len(rnd.labs)):
        mine = result[ran == li]
        if mine.size:
            lab_last[li] = mine.max() / 3600
    series = _series(grid, crowd, logi.at_lab[logi.at_lab > at], result)  # what happens from `at` on
    seal = logi.seal_times()
    return Outlook(
        last / 3600 if last is not None else None,
        rnd.deadline_met([last]),
        crowd.stats["last_service_h"],
        lab_last,
        series,
        stage_means(logi, seal, crowd.queued_waits()),
    )


def _series(grid: Grid, crowd: Crowd, at_lab: np.ndarray, result: np.ndarray) -> dict[str, np.ndarray]:
    """Events per grid row: residents sampled, tubes reaching a lab, tubes reported."""
    swabs = crowd.swab_ends
    return {"sampled": grid.counts(swabs), "tubes_at_lab": grid.counts(at_lab), "tubes_reported": grid.counts(result)}


@dataclass
class PlanAt:
    """The plan's own replication, seen at `at`: per point and lab, what it had done by then."""

    arrived: np.ndarray  # per point, by `at`
    sampled: np.ndarray  # per point, by `at`
    tubes_reported: np.ndarray  # per lab, by `at`
    series: dict[str, np.ndarray]  # per grid row: residents sampled, tubes at a lab, tubes reported
    received_at: list[np.ndarray]  # per lab: when each tube it had received by `at` came, sorted
    reported: dict[str, np.ndarray]  # the pools reported by `at`: point, size, sealed, reported, lab; by report


def plan_at(rnd: Round, rep: int, grid: Grid, at: float) -> PlanAt:
    crowd = simulate_crowd(rnd, rep, grid, at=at)
    logi, _groups = logistics(rnd, rep, crowd)
    lab_of_tube = rnd.tube_labs(crowd.tube_point, logi.ran_at)
    n_labs = len(rnd.labs)
    return PlanAt(
        crowd.by_then["arrived"],
        crowd.by_then["sampled"],
        np.bincount(lab_of_tube[logi.result <= at], minlength=n_labs),
        _series(grid, crowd, logi.at_lab, logi.result),
        [np.sort(logi.at_lab[(lab_of_tube == li) & (logi.at_lab <= at)]) for li in range(n_labs)],
        _reported_by(crowd, logi, lab_of_tube, at),
    )


def _reported_by(crowd: Crowd, logi: Logistics, lab: np.ndarray, at: float) -> dict[str, np.ndarray]:
    """The pools reported by `at`, in the order reported (`RoundState.reported`'s columns)."""
    done = np.flatnonzero(logi.result <= at)
    done = done[np.argsort(logi.result[done], kind="stable")]
    seal = logi.seal_times()
    return {
        "point": crowd.tube_point[done],
        "size": crowd.tube_size[done],
        "sealed": seal[done],
        "reported": logi.result[done],
        "lab": lab[done],
    }

"""A replication that starts from the round's state at a time: the forecast during a round (docs/forecast.md).

A status (a drill log read at TIME, or counts) becomes a `RoundState`: who came to each point and who
still waits there, the residents in each table's open tube, and every tube not yet reported, wherever
it is. From TIME on the rules are those of a plain replication, run by the same code: the crowd of
each point (`engine/crowd.py`), then logistics (`engine/logistics.py`) with its clock started at TIME
and what was under way put back first (tubes waiting at points, on the road, in a lab's queue).

What the state cannot say is drawn: who of those who have not come still comes (each with the chance
`still_come`, rule F1), and when (the plan's own arrivals after TIME, F2); the rest of a drive under
way (a fresh travel draw, redrawn until it ends after TIME, F3); which plates are under way and the
rest of their extraction or PCR (F4).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from sim.core import streams
from sim.engine import rules
from sim.engine.crowd import PointCrowd, arrivals, positives, serve_point
from sim.engine.figures import stage_means
from sim.engine.kernels import current
from sim.engine.logistics import Logistics
from sim.engine.replication import logistics
from sim.engine.rules import KEY_GROUPS, POOLED, REDRAWS, TubeQueue
from sim.engine.sampling import Crowd, collector, simulate_crowd
from sim.engine.servers import ServerPool
from sim.engine.timeline import Grid
from sim.engine.tubes import fill_tubes
from sim.scenario.round import Lab, PointGroup, Round
from sim.scenario.rules import TIME_TOLERANCE


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

    def before(self) -> list[np.ndarray]:
        """Each point's tubes from before `at`, in the order the point holds them: picked up first (by
        seal), then those still waiting for a vehicle (by seal). Rows of `tubes`."""
        t = self.tubes
        order = np.lexsort((t["sealed"], np.isnan(t["picked"]), t["point"]))
        cuts = np.searchsorted(t["point"][order], np.arange(self.arrived.size + 1))
        return [order[a:b] for a, b in zip(cuts[:-1], cuts[1:], strict=True)]


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
    logi, _groups = logistics(rnd, rep, crowd, state.at, lambda lg: _restore(lg, crowd, state, rows))
    return crowd, logi


def _crowd(rnd: Round, rep: int, grid: Grid, state: RoundState, rows: list[np.ndarray]) -> Crowd:
    out = collector(rnd, grid)
    p = 0
    for gi, g in enumerate(rnd.groups):
        for i in range(g.count):
            rng = streams.stream(rnd.seed, rep, streams.CROWD, gi, i)
            c = _point(rnd, g, gi, i, rng, state, p, rows[p])
            out.add(p, g.point_name(i), g.lab, g.priority, rnd.open, c, g.catchment)
            p += 1
    return out.crowd()


def _point(rnd: Round, g: PointGroup, gi: int, i: int, rng, state: RoundState, p: int, rows: np.ndarray) -> PointCrowd:
    """One point from `at` on: those waiting, then those still to come (F1, F2); tubes from before first."""
    at = state.at
    tables = g.tables + (int(state.extra_tables[p]) if state.extra_tables is not None else 0)
    plan, compound = arrivals(rnd, g.residents, rng, g.calls, g.catchment)
    everyone = g.people
    k = int(rng.binomial(max(everyone - int(state.arrived[p]), 0), state.still_come[p]))
    after = np.flatnonzero(plan > at)
    pick = np.sort(rng.choice(after, k, replace=k > after.size)) if after.size and k else np.empty(0, np.int64)
    waiting = state.waiting[p]
    arrival = np.concatenate([waiting, plan[pick]])
    if compound is not None:
        share = g.catchment.residents / max(everyone, 1)
        compound = np.concatenate([rng.choice(share.size, waiting.size, p=share), compound[pick]]).astype(np.int64)
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
    pre_seal, pre_size = _before(state, rows)
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


def _before(state: RoundState, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Seal times and sizes of a point's tubes from before `at`. A picked tube's seal is shown no later than
    the first waiting one's, so the point's seal times stay sorted (the pickup rule reads them so)."""
    seal = state.tubes["sealed"][rows].astype(float)
    picked = ~np.isnan(state.tubes["picked"][rows])
    if picked.any() and (~picked).any():
        seal[picked] = np.minimum(seal[picked], seal[~picked].min())
    return seal, state.tubes["size"][rows].astype(np.int64)


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


def _restore(logi: Logistics, crowd: Crowd, state: RoundState, rows: list[np.ndarray]) -> None:
    """Put back what was under way at `at`: picked tubes on the road (F3) or in a lab's queue, plates (F4)."""
    t, at = state.tubes, state.at
    # Points whose boxes say nothing of the lab's vehicles: a courier carries them; or every point, when the
    # boxes are guessed (counts, F5), so every vehicle is free at `at`.
    untracked = {p for r in logi.routes for stop in r.copies for p in stop}
    if not state.boxes_known:
        untracked = set(range(state.arrived.size))
    in_lab: list[list[tuple[np.ndarray, np.ndarray, bool]]] = [[] for _ in logi.labs]
    for pt in crowd.point_tubes:
        r = rows[pt.index]
        picked = t["picked"][r]
        m = int(np.count_nonzero(~np.isnan(picked)))
        if not m:
            continue
        ids = pt.first_tube + np.arange(m)
        logi.done[pt.index] = m
        logi.picked[ids] = picked[:m]
        logi.handled["picked"][ids] += 1
        reached = t["at_lab"][r[:m]]
        road = np.isnan(reached)
        in_lab[pt.lab].append((ids[~road], reached[~road], pt.priority))
        if pt.index not in untracked:  # each box received was a lab vehicle back then (F3)
            logi.restored.vehicles += [(pt.lab, float(w)) for w in np.unique(reached[~road])]
        for when in np.unique(picked[:m][road]):  # one box per pickup
            box = ids[road][picked[:m][road] == when]
            arrive = _arrival(logi, pt.index, float(when), at)
            logi.restored.boxes.append((arrive, pt.lab, box, pt.priority))
            if pt.index not in untracked:  # the lab's vehicle that picked it up is back when the box is (F3)
                logi.restored.vehicles.append((pt.lab, arrive))
    for li, parts in enumerate(in_lab):
        got = [(ids, when, np.full(ids.size, pr)) for ids, when, pr in parts if ids.size]
        if got:
            ids, when, key = (np.concatenate([g[k] for g in got]) for k in range(3))
            logi.at_lab[ids] = when
            logi.handled["at_lab"][ids] += 1
            logi.labs[li].stats["received"] += ids.size
            order = np.argsort(when, kind="stable")
            _lab_under_way(logi, li, ids[order], when[order], key[order], at, int(state.plates_running[li]))


STEPS = ("report", "pcr", "extraction")  # a plate's steps, the furthest along first


def _lab_under_way(
    logi: Logistics, li: int, ids: np.ndarray, when: np.ndarray, key: np.ndarray, at: float, running: int
) -> None:
    """Rule F4: a lab's tubes at `at` (sorted by arrival; `key`: a key group's), formed into plates again by
    the lab's own rule (`_formed`); at most `running` plates hold instruments. In a lab that keeps up, a plate
    formed at s has run `at - s`, and its drawn durations say which step it is in and what is left of it. In a
    lab with more plates than its instruments hold, each step holds what the lab's throughput keeps in it
    (report delays, then PCR machines, then extractors, oldest plates first), each plate a uniform way
    through its step. The rest queue again as they came (their class and arrival kept)."""
    lab = logi.labs[li]
    spec = lab.lab
    formed, queue = _formed(spec, lab.rng, when, key, at)
    backlog = len(formed) > spec.extractors + spec.pcr_machines
    rate = min(spec.extractors / spec.extraction.mean, spec.pcr_machines / spec.pcr.mean)  # plates per second
    room = {"report": math.inf, "pcr": spec.pcr_machines, "extraction": spec.extractors}
    if backlog:
        room = {
            "report": round(rate * spec.report_delay),
            "pcr": min(spec.pcr_machines, round(rate * spec.pcr.mean)),
            "extraction": min(spec.extractors, round(rate * spec.extraction.mean)),
        }
    room["pcr"] = min(room["pcr"], running)  # what a status says is running holds instruments
    room["extraction"] = min(room["extraction"], max(running - room["pcr"], 0))
    placed = 0
    for plate in formed:
        durations = {"extraction": plate.extraction, "pcr": plate.pcr, "report": spec.report_delay}
        if backlog:
            step = next((x for x in STEPS if room[x] > 0), None)
            left = durations[step] * lab.rng.random() if step else 0.0
        else:
            step, left = _where(at - plate.start, durations, spec)
        if step is None or room[step] <= 0:
            break
        room[step] -= 1
        logi.restored.running(li, ids[plate.rows], step, left)
        placed += 1
    rest = [r for plate in formed[placed:] for r in plate.rows.tolist()]
    rest += [r for _when, rows, _cls in queue.batches() for r in rows.tolist()]
    if rest:
        rest = np.array(rest, np.int64)
        cls = np.where(key[rest], KEY_GROUPS, POOLED)
        rest = rest[np.lexsort((rest, when[rest], cls))]  # by class, then as they came
        cuts = np.flatnonzero((np.diff(when[rest]) != 0) | (np.diff(key[rest]) != 0)) + 1
        for part in np.split(rest, cuts):
            logi.restored.queued(li, ids[part], bool(key[part[0]]), float(when[part[0]]))


def _where(ran: float, durations: dict[str, float], spec) -> tuple[str, float]:
    """The step a plate is in after `ran` seconds, and what is left of it (past them all yet not reported:
    it waited somewhere, so its report is due now)."""
    if ran < durations["extraction"]:
        return "extraction", durations["extraction"] - ran
    ran -= durations["extraction"]
    if ran < durations["pcr"]:
        return "pcr", durations["pcr"] - ran
    ran -= durations["pcr"]
    if ran < spec.report_delay:
        return "report", spec.report_delay - ran
    return "report", 0.0


@dataclass
class _Plate:
    """A plate the lab's rule had formed by `at`: its tubes (rows of the lab's tubes), when, and the drawn
    durations of its extraction and PCR."""

    rows: np.ndarray
    start: float
    extraction: float
    pcr: float


def _formed(
    spec: Lab, rng: np.random.Generator, when: np.ndarray, key: np.ndarray, at: float
) -> tuple[list[_Plate], TubeQueue]:
    """Rule 6 over a lab's tubes from before `at` (arrival times `when`, sorted; `key`: a key group's): the
    lab's own queue (`TubeQueue`: key groups ahead), its own plate rule (`rules.plate_take`, at the time
    tolerance), a plate only on a free extractor (each busy for a drawn extraction). Returns the plates formed
    by `at` and what still queues; the queue holds rows of the lab's tubes."""
    queue, extractors, plates = TubeQueue(), ServerPool(spec.extractors), []
    n, k = when.size, 0
    t = float(when[0]) if n else math.inf
    while t <= at:
        while k < n and when[k] <= t:  # arrivals by t, one batch per arrival time and class
            j = k + 1
            while j < n and when[j] == when[k] and key[j] == key[k]:
                j += 1
            queue.add(float(when[k]), np.arange(k, j), KEY_GROUPS if key[k] else POOLED)
            k = j
        while queue.waiting and extractors.earliest() <= t:
            oldest = queue.oldest()
            take = current(rules.plate_take)(
                queue.waiting, spec.plate_size, oldest, spec.max_plate_wait, t, TIME_TOLERANCE
            )
            if not take:
                break
            extraction, pcr = float(spec.extraction.sample(rng, 1)[0]), float(spec.pcr.sample(rng, 1)[0])
            extractors.take(t, extraction)
            plates.append(_Plate(queue.take(take), t, extraction, pcr))
        nxt = float(when[k]) if k < n else math.inf
        if queue.waiting:
            free = extractors.earliest()
            nxt = min(nxt, free if free > t else t + current(rules.plate_timer)(queue.oldest(), spec.max_plate_wait, t))
        t = nxt
    return plates, queue


def _arrival(logi: Logistics, point: int, picked: float, at: float) -> float:
    """When a box picked up before `at` reaches its lab: a travel draw (stretched by the slowdowns in force
    when it was picked up, `Logistics.travel_time`), redrawn until it ends after `at`."""
    for _draw in range(REDRAWS):
        end = picked + logi.travel_time(point, picked)
        if end > at:
            return end
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
    )

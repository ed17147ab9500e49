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
from sim.engine.crowd import PointCrowd, arrivals, positives, serve_point
from sim.engine.figures import stage_means
from sim.engine.logistics import LabSim, Logistics
from sim.engine.replication import logistics
from sim.engine.sampling import Crowd, collector, simulate_crowd
from sim.engine.timeline import Grid
from sim.engine.tubes import fill_tubes
from sim.scenario.round import PointGroup, Round

REDRAWS = 20  # draws of a drive under way before it is taken to end at TIME


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
    rows = state.before()
    crowd = _crowd(rnd, rep, grid, state, rows)
    logi, _groups = logistics(rnd, rep, crowd, state.at, lambda lg: _restore(lg, crowd, state, rows))
    return _outlook(rnd, grid, state, crowd, logi)


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
    if rnd.prevalence <= 0 or not size.size:
        return None
    hits = rng.binomial(size, rnd.prevalence)
    return {int(j): [float(seal[j])] * int(hits[j]) for j in np.flatnonzero(hits)}


def _restore(logi: Logistics, crowd: Crowd, state: RoundState, rows: list[np.ndarray]) -> None:
    """Put back what was under way at `at`: picked tubes on the road (F3) or in a lab's queue, plates (F4)."""
    t, at = state.tubes, state.at
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
        lab = logi.labs[pt.lab]
        for when in np.unique(picked[:m][road]):  # one box per pickup
            box = ids[road][picked[:m][road] == when]
            arrive = _arrival(logi, pt.index, float(when), at)
            logi.env.timeout(arrive - at).callbacks.append(lambda _e, lab=lab, box=box, pr=pt.priority: logi.unload(lab, box, pr))
    for li, parts in enumerate(in_lab):
        got = [(ids, when) for ids, when, _pr in parts if ids.size]
        if got:
            ids, when = np.concatenate([g[0] for g in got]), np.concatenate([g[1] for g in got])
            logi.at_lab[ids] = when
            logi.handled["at_lab"][ids] += 1
            logi.labs[li].stats["received"] += ids.size
            order = np.argsort(when, kind="stable")
            _lab_under_way(logi.labs[li], ids[order], when[order], at, int(state.plates_running[li]))


STEPS = ("report", "pcr", "extraction")  # a plate's steps, the furthest along first


def _lab_under_way(lab: LabSim, ids: np.ndarray, when: np.ndarray, at: float, running: int) -> None:
    """Rule F4: a lab's tubes at `at`, oldest first, formed into plates again by the lab's own rule (a plate
    when `plate_size` tubes wait, or when the oldest has waited `max_plate_wait`); at most `running` plates
    hold instruments. In a lab that keeps up, a plate formed at s has run `at - s`, and drawn durations of its
    steps say which step it is in and what is left of it. In a lab with more plates than its instruments
    hold, each step holds what the lab's throughput keeps in it (report delays, then PCR machines, then
    extractors, oldest plates first), each plate a uniform way through its step. The rest queue."""
    spec = lab.lab
    formed = _formed(spec, when, at)
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
    k = 0  # the first tube not on a plate under way
    for first, end, start in formed:
        durations = {
            "extraction": float(spec.extraction.sample(lab.rng, 1)[0]),
            "pcr": float(spec.pcr.sample(lab.rng, 1)[0]),
            "report": spec.report_delay,
        }
        if backlog:
            step = next((x for x in STEPS if room[x] > 0), None)
            left = durations[step] * lab.rng.random() if step else 0.0
        else:
            step, left = _where(at - start, durations, spec)
        if step is None or room[step] <= 0:
            break
        room[step] -= 1
        lab.running(ids[first:end], step, left)
        k = end
    if k < ids.size:
        lab.deliver(ids[k:], since=float(when[k]))


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


def _formed(spec, when: np.ndarray, at: float) -> list[tuple[int, int, float]]:
    """Plates the lab's rule had formed by `at` from tubes that came at `when` (sorted): first and end
    index, and when it formed."""
    out, k = [], 0
    while k < when.size:
        full = float(when[k + spec.plate_size - 1]) if k + spec.plate_size <= when.size else math.inf
        start = min(full, float(when[k]) + spec.max_plate_wait)
        if start > at:
            break  # still filling
        end = min(k + spec.plate_size, int(np.searchsorted(when, start, side="right")))
        out.append((k, end, start))
        k = end
    return out


def _arrival(logi: Logistics, point: int, picked: float, at: float) -> float:
    """When a box picked up before `at` reaches its lab: a travel draw, redrawn until it ends after `at`."""
    for _draw in range(REDRAWS):
        end = picked + logi.travel[point]()
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

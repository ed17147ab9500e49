"""When the logistics run as the compiled loop (`engine/loop.py`), and the packing of a `Logistics` into
its arrays and back.

Every round runs compiled, courier routes, trunks between labs and a forecast's replication resumed at a time
included (it starts from what the forecast put back, `Start`): the same events in the same order as the
SimPy model, without a Python call per pickup, loop, plate or recall (docs/performance.md). Only the
reference engine (`natsim run --engine reference`), a forecast's boxes that are not consecutive tubes and a
lab without a PCR machine run in SimPy. Draws are read ahead with room to spare; if a point, lab or route runs
out (or the queues' arrays fill), the loop stops, the room is doubled and it runs again from the start, so the
answer never depends on the guess.
"""

from __future__ import annotations

import os

import numpy as np

from sim.engine import heaps, loop, loop_state, pickups, rules
from sim.engine.couriers import first_tick
from sim.engine.draws import Draws
from sim.engine.servers import returned
from sim.scenario.rules import TIME_TOLERANCE

ENGINE = "NATSIM_ENGINE"  # "reference": every replication's logistics in the SimPy model (`natsim run --engine`)


def choose_engine(engine: str) -> None:
    """Which driver runs the logistics from now on, in this process and the local worker processes it starts
    (they inherit the environment; a Dask cluster's workers need NATSIM_ENGINE set themselves)."""
    if engine not in ("compiled", "reference"):
        raise ValueError(engine)
    os.environ[ENGINE] = engine


def applies(logi) -> bool:
    """Whether the compiled loop carries every rule this replication's logistics need (and every lab has a
    PCR machine: the loop's pools assume one server at least), unless the reference engine was chosen."""
    if os.environ.get(ENGINE) == "reference":
        return False
    boxes = all(ids.size == 0 or ids[-1] - ids[0] == ids.size - 1 for _t, _lab, ids, _pr in logi.restored.boxes)
    machines = all(lab.lab.pcr_machines > 0 for lab in logi.labs)
    return boxes and machines and all(isinstance(t, Draws) for t in logi.travel)


def run(logi) -> None:
    """The logistics of `logi`, compiled, its arrays and labs filled as `Logistics.run` would."""
    points = Points(logi)
    start = Start(logi)
    room = 1
    while True:
        out = _attempt(logi, points, start, room)
        if out is not None:
            _unpack(logi, points, *out)
            return
        room *= 2


class Start:
    """Where the logistics start: a plain run's nothing, or what a forecast put back (tubes picked up and
    received before it, its `Restored` boxes, plates and queues), kept to start every attempt from."""

    NAMES = ("picked", "at_lab", "plated", "result", "plate_of", "ran_at")

    def __init__(self, logi):
        self.arrays = {name: getattr(logi, name).copy() for name in self.NAMES}
        self.handled = np.stack([logi.handled[k] for k in ("picked", "at_lab", "plated", "result")]).astype(np.int32)
        self.done = np.zeros(len(logi.travel), np.int64)
        for i, d in logi.done.items():
            self.done[i] = d
        self.asked = np.full(len(logi.travel), np.inf)
        for p in logi.point_tubes.values():
            if p.seal.size:
                self.asked[p.index] = pickups.pending_since(logi, p)
        self.received = np.array([lab.stats["received"] for lab in logi.labs], np.int64)
        self.drawn = np.array([d.used for d in logi.travel], np.int64)  # travel draws a forecast made already
        r = logi.restored
        rows = [(loop.R_BOX, lab, ids, int(pr), t) for t, lab, ids, pr in r.boxes]
        rows += [(loop.R_RETESTS, lab, ids, 0, t) for t, lab, ids in r.retests]
        steps = {"extraction": loop.R_EXTRACTION, "pcr": loop.R_PCR, "report": loop.R_REPORT}
        for what, lab, ids, a, b in r.labs:
            rows.append((steps[a], lab, ids, 0, b) if what == "running" else (loop.R_QUEUED, lab, ids, int(b), a))
        self.retests = len(logi.retests)  # recalled before the start (a forecast's pools reported before TIME)
        sizes = np.array([row[2].size for row in rows], np.int64)
        hi = np.cumsum(sizes)
        self.restored = loop_state.RestoredArrays(
            kind=np.array([row[0] for row in rows], np.int64),
            lab=np.array([row[1] for row in rows], np.int64),
            lo=hi - sizes,
            hi=hi,
            flag=np.array([row[3] for row in rows], np.int64),
            time=np.array([row[4] for row in rows], float),
            tubes=np.concatenate([row[2] for row in rows]).astype(np.int64) if rows else np.empty(0, np.int64),
        )

    def reset(self, logi) -> np.ndarray:
        """The `Logistics`' arrays as they were before the first attempt; returns the tube steps' counts."""
        for name, a in self.arrays.items():
            getattr(logi, name)[:] = a
        return self.handled.copy()


class Points:
    """Per point (by index), what the loop reads: seal times in tube order, first tube, tubes, lab, key
    group, the pickup clock's origin and the point's group; each pooled tube's point; and how many travel draws
    it may need."""

    def __init__(self, logi):
        rnd, n = logi.rnd, len(logi.travel)
        self.seal = logi.seal_times()
        self.tube_point = np.zeros(logi.n_pooled, np.int64)
        self.first, self.size, self.lab = (np.zeros(n, np.int64) for _ in range(3))
        self.priority = np.zeros(n, np.int64)
        self.origin = np.full(n, rnd.open, float)
        self.group = np.array(logi.point_group, np.int64) if logi.point_group else np.full(n, -2, np.int64)
        ticks, calls = pickups.roles(logi, list(logi.point_tubes.values()))
        for p in logi.point_tubes.values():
            self.tube_point[p.first_tube : p.first_tube + p.seal.size] = p.index
            self.first[p.index], self.size[p.index], self.lab[p.index] = p.first_tube, p.seal.size, p.lab
            self.priority[p.index] = p.priority
            if p.open is not None:
                self.origin[p.index] = p.open
        self.ticking = np.array([p.index for p in ticks], np.int64)
        self.calling = np.array([p.index for p in calls], np.int64)  # routed points that call a lab vehicle
        # Pickups: at most one per tick between the first and last seal, one per full box and the last
        # seal's; two draws each, and one per recalled pool of the point.
        has = self.size > 0
        span = np.zeros(n)
        span[has] = self.seal[self.first[has] + self.size[has] - 1] - self.seal[self.first[has]]
        trips = np.ceil(span / rnd.pickup_interval) + self.size // rnd.box_capacity + 3
        recalls = np.bincount(self.tube_point[np.array(sorted(logi.positive_tubes), np.int64)], minlength=n)[:n]
        self.travel_needed = np.where(has, 2 * trips + recalls, 0).astype(np.int64)


def _ahead(draws: list[Draws], needed: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each stream's first `needed` draws (from its first, whatever was drawn already), end to end; offsets
    and counts."""
    parts = [d.ahead(int(k)) if k else np.empty(0) for d, k in zip(draws, needed, strict=True)]
    count = np.array([a.size for a in parts], np.int64)
    off = np.concatenate(([0], np.cumsum(count)[:-1])).astype(np.int64)
    return (np.concatenate(parts) if parts else np.empty(0)), off, count


def _attempt(logi, points: Points, start: Start, room: int):
    """One run of the loop with `room` times the estimated draws and arrays; None if it ran out."""
    rnd, labs, n = logi.rnd, logi.labs, logi.n_pooled
    n_labs = len(labs)
    travel = _ahead(logi.travel, start.drawn + points.travel_needed * room)
    to_lab = np.bincount(points.lab, weights=points.size, minlength=n_labs)
    own = to_lab.copy()
    for i, t in logi.trunks:  # a lab may run what others send on
        to_lab[t] += own[i]
    trips = np.bincount(points.lab, weights=points.travel_needed, minlength=n_labs) // 2
    recalled = np.array(sorted(logi.positive_tubes), np.int64)
    retest_tubes = start.retests + int(logi.tube_size[recalled].sum())
    plates = np.ceil(to_lab / [lab.lab.plate_size for lab in labs]) + trips + recalled.size + 1
    plates = plates.astype(np.int64) * room
    ext = _ahead([lab.extraction_times for lab in labs], plates)
    pcr = _ahead([lab.pcr_times for lab in labs], plates)
    unused = np.zeros(n_labs, np.int64)
    dr = loop_state.DrawArrays(*travel, start.drawn.copy(), *ext, unused, *pcr, unused.copy())
    done = start.done.copy()
    pt = loop_state.PointArrays(
        points.seal,
        points.first,
        points.size,
        points.lab,
        points.priority,
        points.origin,
        points.group,
        done,
        start.asked.copy(),
    )
    handled = start.reset(logi)
    retest_result = np.full(retest_tubes, np.nan)
    tb = _tubes(logi, points, handled, retest_result, recalled.size)
    lb = _labs(labs, rnd, start.received, logi.restored)
    rs = start.restored
    plate_room = int(ext[2].sum()) + sum(lab.lab.extractors for lab in labs) + rs.kind.size + 1
    batch_room = (travel[0].size + recalled.size + rs.kind.size) * room + 1
    q = _queues(n_labs, batch_room, plate_room, n + retest_tubes, travel[0].size // 2 + 2 * plate_room + 1, rs.tubes)
    interval, delay = float(rnd.pickup_interval), float(rnd.recall_delay)
    c = loop_state.Constants(int(rnd.box_capacity), interval, delay, TIME_TOLERANCE, int(n), float(rnd.open))
    ro = _routes(logi, points, room)
    slow = rules.slowdown_rows(rnd)
    inst = [(1, u.lab, u.start, u.end, u.extractors, u.pcr_machines) for u in rnd.lab_surges]
    inst = np.array(inst + [(0, o.lab, o.start, o.end, o.extractors, o.pcr_machines) for o in rnd.lab_outages], float)
    s = np.zeros(16, np.int64)
    s[heaps.RETESTS] = start.retests  # the loop's retest tubes are numbered after those recalled before it starts
    tr = _trunks(logi, trips, own, batch_room, room)
    ev_room = (travel[0].size + 3 * plate_room + 4 * n_labs + 2 * len(inst) + 2 * rs.kind.size + 64) * room
    ev_room += 2 * tr.departure.shape[0] + 2 * ro.cargo.shape[0] + int((ro.legs_count * (ro.n_stops + 3)).sum())
    ev_room += 4 * ro.calling.size
    ev = (np.zeros(ev_room), np.zeros(ev_room, np.int64), np.zeros(ev_room, np.int64))
    ev += (np.zeros((ev_room, 5), np.int64), np.arange(ev_room, dtype=np.int64))
    tk = np.zeros((max(points.ticking.size, 1), 4))
    event = np.empty(5, np.int64)
    last = loop.run(
        pt, dr, tb, lb, q, tr, ro, c, slow, inst.reshape(-1, 6), s, ev, tk, points.ticking, rs, logi.clock, event
    )
    if s[heaps.STATUS]:
        return None
    return handled, retest_result, tb.recalled, lb, q, tr, ro, s, done, last


def _tubes(logi, points: Points, handled: np.ndarray, retest_result: np.ndarray, recalls: int) -> loop_state.TubeArrays:
    """The per-tube arrays: the `Logistics`' own, filled in place."""
    return loop_state.TubeArrays(
        point=points.tube_point,
        size=logi.tube_size,
        positive=logi.is_positive,
        picked=logi.picked,
        at_lab=logi.at_lab,
        plated=logi.plated,
        result=logi.result,
        handled=handled,
        plate=logi.plate_of,
        ran_at=logi.ran_at,
        retest_result=retest_result,
        recalled=np.zeros(recalls, np.int64),
    )


def _queues(n_labs: int, batches: int, plates: int, tubes: int, busy: int, indirect: np.ndarray) -> loop_state.Queues:
    """Empty queues with room for so many batches, plates, tubes on plates and busy intervals; `indirect`: the
    tubes a forecast's queued batches hold."""
    return loop_state.Queues(
        batch_at=np.zeros(batches),
        batch=np.zeros((batches, 5), np.int64),
        head=np.full((n_labs, 3), -1, np.int64),
        tail=np.full((n_labs, 3), -1, np.int64),
        plate=np.zeros((plates, 3), np.int64),
        plate_start=np.zeros(plates),
        plate_extraction=np.full(plates, np.nan),
        plate_tubes=np.zeros(tubes, np.int64),
        busy=np.zeros((busy, 4)),
        indirect=indirect,
    )


def _trunks(logi, boxes: np.ndarray, tubes: np.ndarray, parts: int, room: int) -> loop_state.TrunkArrays:
    """Rule L1's arrays: each lab's overflow limit and links, room for `parts` sends, and each link's travel
    draws for as many departures as its lab's boxes and full loads could make."""
    labs, links = logi.labs, list(logi.trunks.items())
    limit = np.array([lab.lab.overflow.limit(lab.lab) if lab.lab.overflow else np.inf for lab in labs], float)
    to_count = np.array([len(lab.lab.overflow.to) if lab.lab.overflow else 0 for lab in labs], np.int64)
    to_first = np.concatenate(([0], np.cumsum(to_count)[:-1])).astype(np.int64)
    n = len(links)
    capacity = np.array([t.o.capacity for _k, t in links], np.int64)
    departures = np.array([boxes[i] + tubes[i] // max(t.o.capacity, 1) + 2 for (i, _t), t in links], np.int64) * room
    travel = _ahead([t.travel for _k, t in links], departures) if n else (np.empty(0), *(np.empty(0, np.int64),) * 2)
    return loop_state.TrunkArrays(
        limit=limit,
        to_first=to_first,
        to_count=to_count,
        to_lab=np.array([t for (_i, t), _x in links], np.int64),
        to_link=np.arange(n, dtype=np.int64),
        link_to=np.array([t for (_i, t), _x in links], np.int64),
        every=np.array([t.o.every for _k, t in links], float),
        capacity=capacity,
        load=np.zeros(n, np.int64),
        tick_at=np.full(n, np.nan),
        head=np.full(n, -1, np.int64),
        tail=np.full(n, -1, np.int64),
        parts=np.zeros((parts, 4), np.int64),
        cargo=np.zeros((2 * parts + int(departures.sum()) + 1, 3), np.int64),
        departure=np.zeros((int(departures.sum()) + 1, 3), np.int64),
        counts=np.zeros(3, np.int64),
        travel=travel[0],
        travel_off=travel[1],
        travel_count=travel[2],
        travel_used=np.zeros(n, np.int64),
    )


def loops_ahead(logi, points: Points, courier) -> int:
    """A guess at the loops a route drives: one at every tick from the start to its last seal, one per full
    load, and a few more (too few costs a second attempt, not a different answer)."""
    mine = [p for stop in courier.copies for p in stop if points.size[p]]
    last = max((points.seal[points.first[p] + points.size[p] - 1] for p in mine), default=logi.clock)
    tubes = int(points.size[mine].sum()) if mine else 0
    ticks = max(last - logi.clock, 0.0) / logi.rnd.pickup_interval
    return int(ticks) + 3 + (tubes // courier.r.capacity if courier.r.capacity else 0)


def _routes(logi, points: Points, room: int) -> loop_state.RouteArrays:
    """Rule R1's arrays: each route's stops, vehicles and legs for as many loops as its ticks and full loads
    could make (times `room`), room for its loops and their cargo, and the routed points that call."""
    couriers = logi.routes
    stops = [stop for c in couriers for stop in c.copies]
    stop_points = np.array([p for stop in stops for p in stop], np.int64)
    stop_hi = np.cumsum([len(stop) for stop in stops]).astype(np.int64)
    n_stops = np.array([len(c.copies) for c in couriers], np.int64)
    legs = [c.legs.ahead(loops_ahead(logi, points, c) * room) for c in couriers]
    legs_count = np.array([a.shape[0] for a in legs], np.int64)
    sizes = np.array([a.size for a in legs], np.int64)
    vehicles = np.array([c.r.vehicles for c in couriers], np.int64)
    k = first_tick(logi)
    n_loops = int(legs_count.sum()) + 1
    at_stops = np.array([sum(len(stop) for stop in c.copies) for c in couriers], np.int64)
    n = len(logi.travel)
    return loop_state.RouteArrays(
        lab=np.array([c.r.lab for c in couriers], np.int64),
        capacity=np.array([float(c.r.capacity or np.inf) for c in couriers], float),
        tick_k=np.full(len(couriers), k, np.int64),
        n_stops=n_stops,
        stop_first=np.concatenate(([0], np.cumsum(n_stops)[:-1])).astype(np.int64),
        stop_lo=stop_hi - np.array([len(stop) for stop in stops], np.int64),
        stop_hi=stop_hi,
        stop_points=stop_points,
        stop_group=np.concatenate([c.stop_group for c in couriers]) if couriers else np.empty(0, np.int64),
        vehicles=np.full(max(int(vehicles.sum()), 1), -np.inf),
        vehicles_lo=np.concatenate(([0], np.cumsum(vehicles)[:-1])).astype(np.int64),
        vehicles_n=vehicles,
        legs=np.concatenate([a.ravel() for a in legs]) if legs else np.empty(0),
        legs_off=np.concatenate(([0], np.cumsum(sizes)[:-1])).astype(np.int64),
        legs_count=legs_count,
        legs_used=np.zeros(len(couriers), np.int64),
        loops=np.zeros(len(couriers), np.int64),
        driving=np.zeros(len(couriers)),
        tubes=np.zeros(len(couriers), np.int64),
        loop_route=np.zeros(n_loops, np.int64),
        loop_stage=np.zeros(n_loops, np.int64),
        loop_legs=np.zeros(n_loops, np.int64),
        loop_start=np.zeros(n_loops),
        loop_room=np.zeros(n_loops),
        loop_head=np.full(n_loops, -1, np.int64),
        loop_tail=np.full(n_loops, -1, np.int64),
        cargo=np.zeros((int((legs_count * at_stops).sum()) + 1, 4), np.int64),
        counts=np.zeros(2, np.int64),
        calling=points.calling,
        call_seen=np.zeros(n, np.int64),
        call_trip=np.zeros((n, 3)),
    )


def _labs(labs, rnd, received: np.ndarray, restored) -> loop_state.LabArrays:
    """Per lab: its state (extractors free first, tubes received before a forecast's start), backlog peak
    time, plate rules, and its vehicles' and PCR machines' free times (every one free from the start but a
    forecast's vehicles driving boxes back, `servers.returned`; room for the machines surges add)."""
    n = len(labs)
    added = np.zeros(n, np.int64)
    for u in rnd.lab_surges:
        added[u.lab] += u.pcr_machines
    state = np.zeros((n, 12), np.int64)
    state[:, loop.FREE] = [lab.lab.extractors for lab in labs]
    state[:, loop.RECEIVED] = received
    vehicles = np.array([max(lab.lab.vehicles, 1) for lab in labs], np.int64)
    pcr = np.array([lab.lab.pcr_machines for lab in labs], np.int64)
    return loop_state.LabArrays(
        state,
        np.full(n, np.nan),
        np.array([lab.lab.plate_size for lab in labs], np.int64),
        np.array([lab.lab.max_plate_wait for lab in labs], float),
        np.array([lab.lab.report_delay for lab in labs], float),
        np.concatenate([returned(restored.vehicles, li, int(k)) for li, k in enumerate(vehicles)]),
        np.concatenate(([0], np.cumsum(vehicles)[:-1])).astype(np.int64),
        vehicles,
        np.full((pcr + added).sum(), -np.inf),
        np.concatenate(([0], np.cumsum(pcr + added)[:-1])).astype(np.int64),
        pcr.copy(),
        pcr,
    )


def _unpack(logi, points: Points, handled, retest_result, recalled, lb, q, tr, ro, s, done, last) -> None:
    """What the SimPy model leaves behind: counts per tube step, retests in recall order, the labs' figures
    and busy intervals, the points' progress and the clock."""
    logi.handled = dict(zip(("picked", "at_lab", "plated", "result"), handled, strict=True))
    logi.pickups = int(s[heaps.PICKUPS])
    for tube in recalled[: s[heaps.RECALLS]].tolist():
        logi.retests.recall(int(points.tube_point[tube]), int(logi.tube_size[tube]), logi.positive_tubes[tube])
    k = int(s[heaps.RETESTS])
    logi.retests.reported(np.arange(k), retest_result[:k])
    state, peak_at = lb.state, lb.peak_at
    busy = q.busy[: s[heaps.BUSY]]
    for li, lab in enumerate(logi.labs):
        lab.plates = int(state[li, loop.LAB_PLATES])
        lab.stats["received"], lab.stats["run"] = int(state[li, loop.RECEIVED]), int(state[li, loop.RUN])
        lab.stats["diverted_out"] = int(state[li, loop.DIVERTED_OUT])
        lab.stats["diverted_in"] = int(state[li, loop.DIVERTED_IN])
        lab.stats["backlog_peak"], lab.stats["backlog_peak_at"] = int(state[li, loop.PEAK]), float(peak_at[li])
        lab.free_extractors, lab.queue.waiting = int(state[li, loop.FREE]), int(state[li, loop.WAITING])
        for kind, name in enumerate(("vehicles", "extractors", "pcr_machines")):
            rows = busy[(busy[:, 0] == kind) & (busy[:, 1] == li)]
            lab.busy[name].start, lab.busy[name].end = rows[:, 2].tolist(), rows[:, 3].tolist()
    logi.done = {i: int(done[i]) for i in logi.point_tubes}
    per_link = np.bincount(tr.departure[: tr.counts[2], 2], minlength=len(logi.trunks))
    for trunk, departures in zip(logi.trunks.values(), per_link.tolist(), strict=True):
        trunk.departures = departures
    for k, courier in enumerate(logi.routes):
        courier.loops, courier.driving, courier.tubes = int(ro.loops[k]), float(ro.driving[k]), int(ro.tubes[k])
    logi.clock = last  # where SimPy's clock would stop: the last event

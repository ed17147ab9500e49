"""When the logistics run as the compiled loop (`engine/loop.py`), and the packing of a `Logistics` into
its arrays and back.

A round without courier routes or trunks between labs, and not a forecast resuming mid-round, runs
compiled: the same events in the same order as the SimPy model, without a Python call per pickup, plate
or recall (docs/performance.md). Anything else runs in SimPy. Draws are read ahead with room to spare;
if a point or lab runs out (or the queues' arrays fill), the loop stops, the room is doubled and it runs
again from the start, so the answer never depends on the guess.
"""

from __future__ import annotations

import numpy as np

from sim.engine import heaps, loop
from sim.engine.draws import Draws
from sim.scenario.rules import TIME_TOLERANCE


def applies(logi) -> bool:
    """Whether the compiled loop carries every rule this replication's logistics need (and every lab has a
    PCR machine: the loop's pools assume one server at least)."""
    plain = not logi.routes and not logi.trunks and logi.resumed_at is None
    return plain and all(lab.lab.pcr_machines > 0 for lab in logi.labs) and all(isinstance(t, Draws) for t in logi.travel)


def run(logi) -> None:
    """The logistics of `logi`, compiled, its arrays and labs filled as `Logistics.run` would."""
    points = Points(logi)
    room = 1
    while True:
        out = _attempt(logi, points, room)
        if out is not None:
            _unpack(logi, points, *out)
            return
        room *= 2


class Points:
    """Per point (by index), what the loop reads: seal times in tube order, first tube, tubes, lab, key
    group, the pickup clock's origin and the point's group; each pooled tube's point; and how many travel draws it may need."""

    def __init__(self, logi):
        rnd, n = logi.rnd, len(logi.travel)
        self.seal = logi.seal_times()
        self.tube_point = np.zeros(logi.n_pooled, np.int64)
        self.first, self.size, self.lab = (np.zeros(n, np.int64) for _ in range(3))
        self.priority = np.zeros(n, np.int64)
        self.origin = np.full(n, rnd.open, float)
        self.group = np.array(logi.point_group, np.int64) if logi.point_group else np.full(n, -2, np.int64)
        ticking = []
        for p in logi.point_tubes.values():
            self.tube_point[p.first_tube : p.first_tube + p.seal.size] = p.index
            self.first[p.index], self.size[p.index], self.lab[p.index] = p.first_tube, p.seal.size, p.lab
            self.priority[p.index] = p.priority
            if p.open is not None:
                self.origin[p.index] = p.open
            if p.seal.size:
                ticking.append(p.index)
        self.ticking = np.array(ticking, np.int64)
        # Pickups: at most one per tick between the first and last seal, one per full box and the last
        # seal's; two draws each, and one per recalled pool of the point.
        has = self.size > 0
        span = np.zeros(n)
        span[has] = self.seal[self.first[has] + self.size[has] - 1] - self.seal[self.first[has]]
        trips = np.ceil(span / rnd.pickup_interval) + self.size // rnd.box_capacity + 3
        recalls = np.bincount(self.tube_point[np.array(sorted(logi.positive_tubes), np.int64)], minlength=n)[:n]
        self.travel_needed = np.where(has, 2 * trips + recalls, 0).astype(np.int64)


def _ahead(draws: list[Draws], needed: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each stream's first `needed` draws, end to end; offsets and counts."""
    parts = [d.ahead(int(k)) if k else np.empty(0) for d, k in zip(draws, needed, strict=True)]
    count = np.array([a.size for a in parts], np.int64)
    off = np.concatenate(([0], np.cumsum(count)[:-1])).astype(np.int64)
    return (np.concatenate(parts) if parts else np.empty(0)), off, count


def _attempt(logi, points: Points, room: int):
    """One run of the loop with `room` times the estimated draws and arrays; None if it ran out."""
    rnd, labs, n = logi.rnd, logi.labs, logi.n_pooled
    n_labs = len(labs)
    travel = _ahead(logi.travel, points.travel_needed * room)
    to_lab = np.bincount(points.lab, weights=points.size, minlength=n_labs)
    trips = np.bincount(points.lab, weights=points.travel_needed, minlength=n_labs) // 2
    recalled = np.array(sorted(logi.positive_tubes), np.int64)
    retest_tubes = int(logi.tube_size[recalled].sum())
    plates = (np.ceil(to_lab / [lab.lab.plate_size for lab in labs]) + trips + recalled.size + 1).astype(np.int64) * room
    ext = _ahead([lab.extraction_times for lab in labs], plates)
    pcr = _ahead([lab.pcr_times for lab in labs], plates)
    dr = (*travel, np.zeros(len(logi.travel), np.int64), *ext, np.zeros(n_labs, np.int64), *pcr, np.zeros(n_labs, np.int64))
    done = np.zeros(len(logi.travel), np.int64)
    pt = (points.seal, points.first, points.size, points.lab, points.priority, points.origin, points.group, done)
    handled = np.zeros((4, n), np.int32)
    retest_result = np.full(retest_tubes, np.nan)
    tb = (points.tube_point, logi.tube_size, logi.is_positive, logi.picked, logi.at_lab, logi.plated)
    tb += (logi.result, handled, logi.plate_of, logi.ran_at, retest_result, np.zeros(recalled.size, np.int64))
    lb = _labs(labs, rnd)
    plate_room = int(ext[2].sum()) + sum(lab.lab.extractors for lab in labs) + 1
    batch_room = (travel[0].size + recalled.size) * room + 1
    q = (np.zeros(batch_room), np.zeros((batch_room, 4), np.int64), np.full((n_labs, 3), -1, np.int64))
    q += (np.full((n_labs, 3), -1, np.int64), np.zeros((plate_room, 3), np.int64), np.zeros(plate_room))
    q += (np.zeros(n + retest_tubes, np.int64), np.zeros((travel[0].size // 2 + 2 * plate_room + 1, 4)))
    c = np.array([rnd.box_capacity, rnd.pickup_interval, rnd.open, rnd.recall_delay, TIME_TOLERANCE, n], float)
    slow = np.array([[s.start, s.end, s.lab, s.group, s.factor] for s in rnd.slowdowns], float).reshape(-1, 5)
    inst = [(1, u.lab, u.start, u.end, u.extractors, u.pcr_machines) for u in rnd.lab_surges]
    inst = np.array(inst + [(0, o.lab, o.start, o.end, o.extractors, o.pcr_machines) for o in rnd.lab_outages], float)
    s = np.zeros(16, np.int64)
    ev_room = (travel[0].size + 3 * plate_room + 4 * n_labs + 2 * len(inst) + 64) * room
    ev = (np.zeros(ev_room), np.zeros(ev_room, np.int64), np.zeros(ev_room, np.int64))
    ev += (np.zeros((ev_room, 5), np.int64), np.arange(ev_room, dtype=np.int64))
    tk = np.zeros((max(points.ticking.size, 1), 4))
    for a in (logi.picked, logi.at_lab, logi.plated, logi.result):
        a[:] = np.nan
    logi.plate_of[:], logi.ran_at[:] = -1, -1
    last = loop.run(
        pt, dr, tb, lb, q, c, slow, inst.reshape(-1, 6), s, ev, tk, points.ticking, logi.env.now, np.empty(5, np.int64)
    )
    if s[heaps.STATUS]:
        return None
    return handled, retest_result, tb[11], lb, q, s, done, last


def _labs(labs, rnd) -> tuple:
    """Per lab: its state (extractors free first), backlog peak time, plate rules, and its vehicles' and
    PCR machines' free times (every one free from the start; room for the machines surges add)."""
    n = len(labs)
    added = np.zeros(n, np.int64)
    for u in rnd.lab_surges:
        added[u.lab] += u.pcr_machines
    state = np.zeros((n, 10), np.int64)
    state[:, loop.FREE] = [lab.lab.extractors for lab in labs]
    vehicles = np.array([max(lab.lab.vehicles, 1) for lab in labs], np.int64)
    pcr = np.array([lab.lab.pcr_machines for lab in labs], np.int64)
    return (
        state,
        np.full(n, np.nan),
        np.array([lab.lab.plate_size for lab in labs], np.int64),
        np.array([lab.lab.max_plate_wait for lab in labs], float),
        np.array([lab.lab.report_delay for lab in labs], float),
        np.full(vehicles.sum(), -np.inf),
        np.concatenate(([0], np.cumsum(vehicles)[:-1])).astype(np.int64),
        vehicles,
        np.full((pcr + added).sum(), -np.inf),
        np.concatenate(([0], np.cumsum(pcr + added)[:-1])).astype(np.int64),
        pcr.copy(),
        pcr,
    )


def _unpack(logi, points: Points, handled, retest_result, recalled, lb, q, s, done, last) -> None:
    """What the SimPy model leaves behind: counts per tube step, retests in recall order, the labs' figures
    and busy intervals, the points' progress and the clock."""
    logi.handled = dict(zip(("picked", "at_lab", "plated", "result"), handled, strict=True))
    logi.pickups = int(s[heaps.PICKUPS])
    for tube in recalled[: s[heaps.RECALLS]].tolist():
        logi.retests.recall(int(points.tube_point[tube]), int(logi.tube_size[tube]), logi.positive_tubes[tube])
    k = int(s[heaps.RETESTS])
    logi.retests.reported(np.arange(k), retest_result[:k])
    state, peak_at = lb[0], lb[1]
    busy = q[7][: s[heaps.BUSY]]
    for li, lab in enumerate(logi.labs):
        lab.plates = int(state[li, loop.LAB_PLATES])
        lab.stats["received"], lab.stats["run"] = int(state[li, loop.RECEIVED]), int(state[li, loop.RUN])
        lab.stats["backlog_peak"], lab.stats["backlog_peak_at"] = int(state[li, loop.PEAK]), float(peak_at[li])
        lab.free_extractors, lab.waiting = int(state[li, loop.FREE]), int(state[li, loop.WAITING])
        for kind, name in enumerate(("vehicles", "extractors", "pcr_machines")):
            rows = busy[(busy[:, 0] == kind) & (busy[:, 1] == li)]
            lab.busy[name].start, lab.busy[name].end = rows[:, 2].tolist(), rows[:, 3].tolist()
    logi.done = {i: int(done[i]) for i in logi.point_tubes}
    logi.env._now = last  # the clock where SimPy's would stop: the last event

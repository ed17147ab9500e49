"""Tubes from points to results, event by event in SimPy (meaning rules 5, 6 and 7).

The crowd stage hands over, per point, the sorted seal times of its tubes. Each point runs one
process that works out its next pickup request analytically (box full, interval tick, or last
seal), so events scale with pickups and plates, not with residents or tubes.

This is the logistics' readable driver and the compiled loop's test oracle (`natsim run --engine
reference` runs it). The rules it applies (when a point requests a pickup, what a pickup takes, when a plate
is ready, slowdowns, the server pool) are `engine/rules.py`'s and `engine/servers.py`'s, called here and by
the compiled loop (`engine/loop.py`) alike; what is written here is the order of events, which the loop
follows event for event (`tests/engine/test_loop.py` holds the two identical).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property, partial

import numpy as np
import simpy

from sim.engine import compiled as engine_compiled
from sim.engine import pickups, rules
from sim.engine.couriers import couriers
from sim.engine.draws import Draws
from sim.engine.kernels import current
from sim.engine.retests import Retests
from sim.engine.rules import KEY_GROUPS, POOLED, RETESTS, TubeQueue
from sim.engine.servers import Busy, ServerPool, returned
from sim.engine.trunks import Trunk
from sim.scenario.round import Lab, Round
from sim.scenario.rules import TIME_TOLERANCE


@dataclass
class PointTubes:
    """What logistics needs of one point: its lab, sorted seal times and first global tube id."""

    index: int
    lab: int
    seal: np.ndarray
    first_tube: int
    priority: bool = False  # a key group's tubes go ahead of other pooled tubes
    open: float | None = (
        None  # when this point's pickups start ticking (a campaign's later rounds); default the round's
    )


@dataclass
class Restored:
    """What was under way when a forecast starts, in the order it is put back (`engine/resume.py` builds it;
    each driver starts from it): boxes on the road, plates on instruments, tubes in a lab's queue, vehicles."""

    boxes: list[tuple[float, int, np.ndarray, bool]] = field(default_factory=list)  # arrival, lab, tubes, key group
    retests: list[tuple[float, int, np.ndarray]] = field(default_factory=list)  # arrival, lab, retest tubes
    labs: list[tuple[str, int, np.ndarray, float | str, float | int]] = field(default_factory=list)
    vehicles: list[tuple[int, float]] = field(default_factory=list)  # lab, a box's arrival (`servers.returned`)

    def running(self, lab: int, ids: np.ndarray, step: str, left: float) -> None:
        """A plate in `step` ("extraction", "pcr" or "report") with `left` seconds to go (`LabSim.running`)."""
        self.labs.append(("running", lab, ids, step, left))

    def queued(self, lab: int, ids: np.ndarray, cls: int, since: float) -> None:
        """Tubes of queue class `cls` (`rules.RETESTS`, `KEY_GROUPS`, `POOLED`) in a lab's queue since `since`
        (`LabSim.deliver`)."""
        self.labs.append(("queued", lab, ids, since, cls))


class LabSim:
    """One lab: its vehicles, its tube queue, extractors and PCR machines (rule 6)."""

    def __init__(
        self,
        env: simpy.Environment,
        lab: Lab,
        stream: Callable[..., np.random.Generator],
        on_plate: Callable[[np.ndarray, float], None],
        on_result: Callable[[np.ndarray, float], None],
    ):
        self.env = env
        self.lab = lab
        # Extraction and PCR times each from a stream of their own, in the order plates start and leave
        # extraction (the compiled loop draws the same numbers ahead); a forecast's plates under way from a third.
        self.extraction_times = Draws(lab.extraction, stream)
        self.pcr_times = Draws(lab.pcr, partial(stream, 1))
        self._stream = stream
        self.on_plate = on_plate
        self.on_result = on_result
        self.vehicles = ServerPool(max(lab.vehicles, 1))
        self.pcr = ServerPool(lab.pcr_machines)
        self.free_extractors = lab.extractors
        self.queue = TubeQueue()
        self.plates = 0
        # For labs.csv: tubes arrived (from points and trunks), sent on, run here; the backlog's peak.
        self.stats = {
            "received": 0,
            "diverted_out": 0,
            "diverted_in": 0,
            "run": 0,
            "backlog_peak": 0,
            "backlog_peak_at": math.nan,
        }
        self.busy = {
            "vehicles": Busy(lab.vehicles),
            "extractors": Busy(lab.extractors),
            "pcr_machines": Busy(lab.pcr_machines),
        }
        self._wake = env.event()
        env.process(self._form_plates())

    @cached_property
    def rng(self) -> np.random.Generator:
        """A forecast's plates under way draw their durations here; made only when one asks."""
        return self._stream(2)

    def outage(self, start: float, end: float, extractors: int, pcr_machines: int):
        """Instruments out of service on [start, end); a plate under way is finished first."""
        yield self.env.timeout(max(start - self.env.now, 0.0))
        self.free_extractors -= extractors  # below zero until running plates finish: none start meanwhile
        for _ in range(min(pcr_machines, self.lab.pcr_machines)):
            self.pcr.out_of_service(self.env.now, end)
        yield self.env.timeout(max(end - self.env.now, 0.0))  # an outage over before the logistics start: none
        self.free_extractors += extractors
        self._poke()

    def surge(self, start: float, end: float, extractors: int, pcr_machines: int):
        """Instruments added on [start, end); an added extractor busy at the end finishes its plate."""
        yield self.env.timeout(max(start - self.env.now, 0.0))
        self.free_extractors += extractors
        for _step in range(pcr_machines):
            self.pcr.add(self.env.now)
        self._poke()
        yield self.env.timeout(max(end - self.env.now, 0.0))
        self.free_extractors -= extractors
        for _step in range(pcr_machines):
            self.pcr.out_of_service(self.env.now, math.inf)

    def deliver(
        self, ids: np.ndarray, single: bool = False, priority: bool = False, since: float | None = None
    ) -> None:
        """Tubes into the lab's queue; `since`: when they arrived, if before now (a forecast's backlog)."""
        when = self.env.now if since is None else since
        self.queue.add(when, ids, RETESTS if single else KEY_GROUPS if priority else POOLED)
        if self.waiting > self.stats["backlog_peak"]:
            self.stats["backlog_peak"], self.stats["backlog_peak_at"] = self.waiting, self.env.now
        # Plate forming need only look when this can start a plate or its timer: a full plate waits, or
        # these are the oldest tubes (the queue was empty, or they came earlier). Otherwise it has its timer.
        if self.free_extractors > 0 and (
            self.waiting >= self.lab.plate_size or self.waiting == ids.size or when < self.env.now
        ):
            self._poke()

    def over(self) -> bool:
        """Rule L1: this lab's backlog is at or over its overflow threshold."""
        o = self.lab.overflow
        return o is not None and o.over(self.waiting, self.lab)

    @property
    def waiting(self) -> int:
        """Tubes in the queue."""
        return self.queue.waiting

    def _poke(self) -> None:
        if not self._wake.triggered:
            self._wake.succeed()

    def _form_plates(self):
        env, lab = self.env, self.lab
        while True:
            while self.free_extractors > 0 and self.waiting:
                k = current(rules.plate_take)(
                    self.waiting, lab.plate_size, self.queue.oldest(), lab.max_plate_wait, env.now, TIME_TOLERANCE
                )
                if not k:
                    break
                self._extract(self.queue.take(k))
            self._wake = env.event()
            if self.free_extractors > 0 and self.waiting:
                yield self._wake | env.timeout(
                    current(rules.plate_timer)(self.queue.oldest(), lab.max_plate_wait, env.now)
                )
            else:
                yield self._wake

    def running(self, ids: np.ndarray, step: str, left: float) -> None:
        """A plate under way when a forecast starts (rule F4): `left` seconds to go in its `step`
        ("extraction", "pcr" on a machine, or "report")."""
        if step == "extraction":
            self._extract(ids, left)
            return
        self._count(ids)
        if step == "pcr":
            self._pcr(ids, left)
        else:
            self.on_result(ids, self.env.now + left)

    def _count(self, ids: np.ndarray) -> None:
        """A plate begins: counted, and its tubes marked plated now."""
        self.plates += 1
        self.stats["run"] += ids.size
        self.on_plate(ids, self.env.now)

    def _extract(self, ids: np.ndarray, extraction: float | None = None) -> None:
        """A plate takes an extractor now (for `extraction` seconds; None: a drawn duration)."""
        self.free_extractors -= 1
        self._count(ids)
        self.env.process(self._run_plate(ids, extraction))

    def _run_plate(self, ids: np.ndarray, extraction: float | None = None):
        env = self.env
        t0 = env.now
        yield env.timeout(self.extraction_times() if extraction is None else extraction)
        self.free_extractors += 1
        self.busy["extractors"].add(t0, env.now)
        self._poke()
        self._pcr(ids, self.pcr_times())

    def _pcr(self, ids: np.ndarray, duration: float) -> None:
        # PCR and the report need no events of their own: their times follow from the machines' queue.
        start, end = self.pcr.take(self.env.now, duration)
        self.busy["pcr_machines"].add(start, end)
        self.on_result(ids, end + self.lab.report_delay)


class Logistics:
    """Runs pickups, vehicles, labs and recalls for one replication; fills the per-tube arrays."""

    def __init__(
        self,
        rnd: Round,
        points: list[PointTubes],
        tube_size: np.ndarray,
        positive_tubes: dict[int, list[float]],
        tube_point: Callable[[int], int],
        lab_stream: Callable[..., np.random.Generator],
        travel: list[Callable[[], float]],
        point_group: list[int] | None = None,
        trunk_rng: Callable[[int, int], np.random.Generator] | None = None,
        route_rng: Callable[[int], np.random.Generator] | None = None,
        now: float = 0.0,
    ):
        self.rnd = rnd
        self.env = simpy.Environment(initial_time=now)  # a forecast starts at its status time
        self.clock = now  # the time of the last event, once run
        self.slowdowns = rules.slowdown_rows(rnd)
        self.resumed_at: float | None = None  # set by a forecast before anything runs
        self.restored = Restored()  # what a forecast puts back before anything runs
        n = tube_size.size
        self.n_pooled = n
        self.tube_size = tube_size
        self.positive_tubes = positive_tubes
        self.tube_point = tube_point
        self.travel = travel
        self.picked = np.full(n, np.nan)
        self.at_lab = np.full(n, np.nan)
        self.plated = np.full(n, np.nan)
        self.result = np.full(n, np.nan)
        # How often each tube passed each step: all ones in a correct run (checked by the invariant tests).
        self.handled = {step: np.zeros(n, np.int32) for step in ("picked", "at_lab", "plated", "result")}
        self.plate_of = np.full(n, -1, np.int64)
        self.is_positive = np.zeros(n, bool)
        self.is_positive[list(positive_tubes)] = True
        self.retests = Retests()
        self.pickups = 0  # vehicle trips to points, one transport box each (the bill)
        self.labs = [
            LabSim(
                self.env, lab, partial(lab_stream, i), lambda ids, t, i=i: self._on_plate(ids, t, i), self._on_result
            )
            for i, lab in enumerate(rnd.labs)
        ]
        trunk_rng = trunk_rng or (lambda i, t: np.random.default_rng((i, t)))
        self.ran_at = np.full(n, -1, np.int64)  # the lab that plated each pooled tube: its retests go there
        self.trunks = {
            (i, t): Trunk(self.env, lab.overflow, partial(trunk_rng, i, t), partial(self._arrive_by_trunk, t))
            for i, lab in enumerate(rnd.labs)
            if lab.overflow is not None
            for t in lab.overflow.to
        }
        for u in rnd.lab_surges:
            self.env.process(self.labs[u.lab].surge(u.start, u.end, u.extractors, u.pcr_machines))
        self.point_lab = {p.index: p.lab for p in points}
        for o in rnd.lab_outages:
            self.env.process(self.labs[o.lab].outage(o.start, o.end, o.extractors, o.pcr_machines))
        self.point_group = point_group
        self.point_tubes = {p.index: p for p in points}
        self.done = {p.index: 0 for p in points}  # tubes picked up so far, per point
        self.routes = couriers(self, rnd, points, route_rng or (lambda k: np.random.default_rng(k)))
        pickups.start(self, points)

    def run(self, compiled: bool = True) -> None:
        """Everything to the end: as one compiled loop when the round is plain enough (`engine/compiled.py`,
        the same events in the same order), else in SimPy."""
        if compiled and engine_compiled.applies(self):
            engine_compiled.run(self)
        else:
            self._put_back(self.restored)
            self.env.run()
            self.clock = self.env.now

    def _put_back(self, r: Restored) -> None:
        """A forecast's vehicles, boxes on the road, plates on instruments and queued tubes, as lab state and
        events."""
        for li, lab in enumerate(self.labs):
            lab.vehicles.free[: lab.vehicles.n] = returned(r.vehicles, li, lab.vehicles.n)
        for arrive, li, ids, priority in r.boxes:
            lab = self.labs[li]
            box = partial(self.unload, lab, ids, priority)
            self.env.timeout(arrive - self.env.now).callbacks.append(lambda _e, box=box: box())
        for arrive, li, ids in r.retests:  # as `_recall`'s retest tubes reach the lab
            retest = partial(self.labs[li].deliver, ids, True)
            self.env.timeout(arrive - self.env.now).callbacks.append(lambda _e, retest=retest: retest())
        for what, li, ids, a, b in r.labs:
            if what == "running":
                self.labs[li].running(ids, a, b)
            else:
                self.labs[li].deliver(ids, single=b == RETESTS, priority=b == KEY_GROUPS, since=a)

    def travel_time(self, point: int, at: float | None = None) -> float:
        """A travel-time draw (a vehicle's leg, or a retest box's trip), stretched by any slowdown in force
        now (or at `at`: a drive a forecast finds under way began then) for this point's lab or group."""
        group = self.point_group[point] if self.point_group else -2
        when = self.env.now if at is None else at
        return current(rules.slowed)(self.travel[point](), self.slowdowns, when, self.point_lab.get(point, -2), group)

    def collect(self, point: int, room: float = math.inf, at: float | None = None) -> np.ndarray:
        """The sealed tubes waiting at a point now (or at `at`, when nothing else collects there before
        then), at most `room`, picked up."""
        at = self.env.now if at is None else at
        p, done = self.point_tubes[point], self.done[point]
        upto = current(rules.picked_upto)(current(rules.sealed_by)(p.seal, 0, p.seal.size, at), done, room)
        first, last = p.first_tube + done, p.first_tube + upto
        self.picked[first:last] = at
        self.handled["picked"][first:last] += 1
        ids = np.arange(first, last)
        self.done[point] = upto
        return ids

    def unload(self, lab: LabSim, ids: np.ndarray, priority: bool = False) -> None:
        """A vehicle's box reaches its lab: queued there, or sent on by trunk (rule L1)."""
        lab.stats["received"] += ids.size
        target = self._divert(lab)
        if target is None:
            self._arrive(lab, ids, priority)
        else:
            lab.stats["diverted_out"] += ids.size
            self.trunks[self.labs.index(lab), target].send(ids, priority)

    def _divert(self, lab: LabSim) -> int | None:
        """Where a delivery goes on to: the first lab of the overflow list not over its own threshold
        (None: not over, or every lab on the list is over too, so the tubes stay)."""
        if not lab.over():
            return None
        return next((t for t in lab.lab.overflow.to if not self.labs[t].over()), None)

    def _arrive_by_trunk(self, target: int, ids: np.ndarray, priority: bool) -> None:
        self._arrive(self.labs[target], ids, priority, True)

    def _arrive(self, lab: LabSim, ids: np.ndarray, priority: bool, by_trunk: bool = False) -> None:
        """Tubes reach the lab that will run them (a trunk's arrivals are never sent on again)."""
        self.at_lab[ids] = self.env.now
        self.handled["at_lab"][ids] += 1
        if by_trunk:
            lab.stats["received"] += ids.size
            lab.stats["diverted_in"] += ids.size
        lab.deliver(ids, priority=priority)

    # --- rules 6 and 7: results and recalls -----------------------------------------------------
    def _on_plate(self, ids: np.ndarray, t: float, lab: int) -> None:
        pooled = ids[ids < self.n_pooled]
        self.ran_at[pooled] = lab
        self.plated[pooled] = t
        self.handled["plated"][pooled] += 1
        self.plate_of[pooled] = self.plates

    def _on_result(self, ids: np.ndarray, t: float) -> None:
        """Results of a plate, reported at time t (now or later: the plate's PCR end plus report delay)."""
        pooled = ids[ids < self.n_pooled]
        self.result[pooled] = t
        self.handled["result"][pooled] += 1
        self.retests.reported(ids[ids >= self.n_pooled] - self.n_pooled, t)
        if self.positive_tubes:
            hits = pooled[self.is_positive[pooled]]
            if hits.size:  # the plate's positive pools are recalled together: one event
                wait = t + self.rnd.recall_delay - self.env.now
                self.env.timeout(wait).callbacks.append(lambda _, hits=hits: [self._recall(int(h)) for h in hits])

    def _recall(self, tube: int) -> None:
        """Rule 7: the pool's members are swabbed again together, one tube each, and their tubes travel
        together (one draw, one event) to the lab that ran the pool (docs/labs.md)."""
        point = self.tube_point(tube)
        sids = self.n_pooled + self.retests.recall(point, int(self.tube_size[tube]), self.positive_tubes[tube])
        lab = self.labs[self.ran_at[tube]]
        travel = self.travel_time(point)
        self.env.timeout(travel).callbacks.append(lambda _, lab=lab, sids=sids: lab.deliver(sids, single=True))

    def seal_times(self) -> np.ndarray:
        """Every pooled tube's seal time, in tube order (each point's tubes follow the last point's)."""
        return np.concatenate([p.seal for p in self.point_tubes.values()]) if self.n_pooled else np.empty(0)

    @property
    def plates(self) -> int:
        """Plates started so far, all labs."""
        return sum(lab.plates for lab in self.labs)

"""Per-resident SimPy reference model of scenario meaning rules 1-8: obviously correct, not fast.

Every resident, table, tube and vehicle trip is its own event or process, written straight from the
spec and sharing no simulation code with the engine (only the model description and the
distribution objects). Tests compare the engine against it in distribution.
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np
import simpy

from sim.scenario.round import Round

TOL = 1e-7  # seconds: SimPy sums delays, so a wake-up meant for time t may land a hair before it


def in_pause(t: float, base: float, length: float, handover: float) -> bool:
    """Rule 3, read literally: is t inside [base + k*P + length, base + (k+1)*P) for some k >= 0?"""
    if t < base:
        return False
    period = length + handover
    k = math.floor((t - base) / period)
    return base + k * period + length <= t < base + (k + 1) * period - TOL


class _Point:
    def __init__(
        self,
        ref: Reference,
        p: int,
        group,
        tables: int,
        n: int,
        arrivals: list[float],
        walks: list[float] | None = None,
    ):
        self.ref, self.p, self.group, self.n = ref, p, group, n
        self.env = ref.env
        self.queue: deque[dict] = deque()
        self.idle = [True] * tables
        self.current_tube: list[list[dict]] = [[] for _ in range(tables)]
        self.served = 0
        self.uncollected: list[dict] = []
        self.outstanding = False
        self.done_sealing = n == 0
        self.lab = ref.labs[group.lab]
        sh = ref.rnd.shifts
        self.base = [
            ref.rnd.open + (j * (sh.length + sh.handover) / tables if sh and sh.stagger else 0.0) for j in range(tables)
        ]
        for a, w in zip(arrivals, walks or [0.0] * n, strict=True):
            self.env.process(self._resident(a, w))
        self.env.process(self._pause_ends())
        self.routed = p in ref.routed  # R1: its route collects it; it calls a vehicle only when on_full says so
        if not self.routed:
            self.env.process(self._ticks())

    def paused(self, j: int, t: float) -> bool:
        sh = self.ref.rnd.shifts
        return sh is not None and in_pause(t, self.base[j], sh.length, sh.handover)

    def _resident(self, a: float, walk: float):
        yield self.env.timeout(a - self.env.now)
        self.queue.append({"arrival": a, "point": self.p, "walk": walk})
        self.dispatch()
        self.ref.queue_seen = max(self.ref.queue_seen, len(self.queue))

    def dispatch(self) -> None:
        if self.env.now < self.ref.rnd.open - TOL:
            return
        for j in range(len(self.idle)):
            if self.queue and self.idle[j] and not self.paused(j, self.env.now):
                self.idle[j] = False
                self.env.process(self._serve(j, self.queue.popleft()))

    def _pause_ends(self):
        # Wake the point at the open and at every pause end, so waiting residents meet free tables.
        rnd = self.ref.rnd
        yield self.env.timeout(max(rnd.open - self.env.now, 0.0))
        self.dispatch()
        if rnd.shifts is None:
            return
        period = rnd.shifts.length + rnd.shifts.handover
        ends = sorted({b + (k + 1) * period for b in self.base for k in range(int(self.ref.horizon / period) + 2)})
        for t in ends:
            if self.done_sealing:
                return
            yield self.env.timeout(t - self.env.now)
            self.dispatch()

    def _serve(self, j: int, r: dict):
        r["start"] = self.env.now
        yield self.env.timeout(float(self.ref.rnd.service.sample(self.ref.rng, 1)[0]))
        r["end"] = self.env.now
        r["positive"] = self.ref.rng.random() < self.ref.rnd.prevalence
        self.ref.residents.append(r)
        tube = self.current_tube[j]
        tube.append(r)
        if len(tube) == self.ref.rnd.pool_size:
            self.seal(tube)
            self.current_tube[j] = []
        self.served += 1
        self.idle[j] = True
        if self.served == self.n:
            for k, partial in enumerate(self.current_tube):
                if partial:
                    self.seal(partial)
                    self.current_tube[k] = []
            self.done_sealing = True
            if not self.routed:
                self.maybe_request()
        self.dispatch()

    def seal(self, members: list[dict]) -> None:
        tube = {"members": members, "sealed": self.env.now, "point": self.p, "single": False}
        self.ref.tubes.append(tube)
        self.uncollected.append(tube)
        if len(self.uncollected) >= self.ref.rnd.box_capacity and (not self.routed or self.ref.rnd.on_full == "call"):
            self.maybe_request()

    def maybe_request(self) -> None:
        if self.uncollected and not self.outstanding:
            self.outstanding = True
            self.env.process(self._pickup())

    def _ticks(self):
        rnd = self.ref.rnd
        k = 1
        while not (self.done_sealing and not self.uncollected and not self.outstanding):
            yield self.env.timeout(rnd.open + k * rnd.pickup_interval - self.env.now)
            self.maybe_request()
            k += 1

    def _pickup(self):
        lab = self.lab
        with lab.vehicles.request() as req:
            yield req
            depart = self.env.now
            yield self.env.timeout(self.ref.travel(self.p))
            box, self.uncollected = self.uncollected, []
            for tube in box:
                tube["picked"] = self.env.now
            self.outstanding = False
            yield self.env.timeout(self.ref.travel(self.p))
            self.ref.vehicle_time += self.env.now - depart
            lab.unload(box)


class _Lab:
    def __init__(self, ref: Reference, spec):
        self.ref, self.spec, self.env = ref, spec, ref.env
        self.vehicles = simpy.Resource(self.env, max(spec.vehicles, 1))  # an external lab has none and needs none
        self.pcr = simpy.Resource(self.env, spec.pcr_machines)
        self.free = spec.extractors
        self.singles: deque[dict] = deque()  # retest tubes, served before pooled ones
        self.pooled: deque[dict] = deque()

    def waiting(self) -> int:
        return len(self.singles) + len(self.pooled)

    def over(self) -> bool:
        o = self.spec.overflow
        return o is not None and o.over(self.waiting(), self.spec)

    def unload(self, box: list[dict]) -> None:
        """L1: a box reaches this lab; when the lab is over its threshold the whole box goes on by trunk to
        the first lab of its list that is not over its own (or stays, when every one is)."""
        if self.over():
            for t in self.spec.overflow.to:
                if not self.ref.labs[t].over():
                    for tube in box:
                        tube["diverted"] = True
                        self.ref.trunk(self, t).send(tube)
                    return
        for tube in box:
            self.arrive(tube)

    def arrive(self, tube: dict) -> None:
        tube["at_lab"] = self.env.now
        tube["lab"] = self
        (self.singles if tube["single"] else self.pooled).append(tube)
        self.env.process(self._timer(tube))
        self.try_plate()

    def _timer(self, tube: dict):
        yield self.env.timeout(self.spec.max_plate_wait)
        self.try_plate()

    def try_plate(self) -> None:
        while self.free:
            waiting = len(self.singles) + len(self.pooled)
            oldest = min(q[0]["at_lab"] for q in (self.singles, self.pooled) if q) if waiting else None
            if waiting >= self.spec.plate_size:
                take = self.spec.plate_size
            elif waiting and self.env.now - oldest >= self.spec.max_plate_wait - TOL:
                take = waiting
            else:
                return
            plate = []
            for q in (self.singles, self.pooled):  # the head of the queue: singles first, then the oldest pooled
                while q and len(plate) < take:
                    plate.append(q.popleft())
            self.free -= 1
            self.ref.plates += 1
            self.env.process(self._run(plate))

    def _run(self, plate: list[dict]):
        yield self.env.timeout(float(self.spec.extraction.sample(self.ref.rng, 1)[0]))
        self.free += 1
        self.try_plate()
        with self.pcr.request() as req:
            yield req
            yield self.env.timeout(float(self.spec.pcr.sample(self.ref.rng, 1)[0]))
        yield self.env.timeout(self.spec.report_delay)
        for tube in plate:
            tube["result"] = self.env.now
            if not tube["single"] and any(m["positive"] for m in tube["members"]):
                self.env.process(self.ref.recall(tube))


class _Route:
    """R1: at every pickup tick a vehicle of the route (when one is in; else as soon as one is back)
    drives to each stop in turn, takes the sealed tubes waiting there up to its capacity, and brings
    each stop's box to the lab."""

    def __init__(self, ref, route):
        self.ref, self.r, self.env = ref, route, ref.env
        self.vehicles = simpy.Resource(self.env, route.vehicles)
        self.env.process(self._ticks())

    def done(self) -> bool:
        return all(self.ref.points[s].done_sealing and not self.ref.points[s].uncollected for s in self.r.stops)

    def _ticks(self):
        rnd, k = self.ref.rnd, 1
        while not self.done():
            yield self.env.timeout(rnd.open + k * rnd.pickup_interval - self.env.now)
            k += 1
            if not self.done():
                self.env.process(self._loop())

    def _loop(self):
        with self.vehicles.request() as req:
            yield req
            room = self.r.capacity or 10**12
            boxes = []
            for stop, leg in zip(self.r.stops, self.r.legs, strict=False):
                yield self.env.timeout(float(leg.sample(self.ref.rng, 1)[0]))
                point = self.ref.points[stop]
                box, point.uncollected = point.uncollected[:room], point.uncollected[room:]
                for tube in box:
                    tube["picked"] = self.env.now
                room -= len(box)
                boxes.append(box)
            yield self.env.timeout(float(self.r.legs[-1].sample(self.ref.rng, 1)[0]))
            for box in boxes:
                if box:
                    self.ref.labs[self.r.lab].unload(box)


class _Trunk:
    """L1's trunk, tube by tube: leaves at every multiple of `every` with what waits (at most its capacity),
    or at once when a load is full, and hands the tubes to the other lab after a drawn travel time."""

    def __init__(self, ref, o, target):
        self.ref, self.o, self.target, self.env = ref, o, target, ref.env
        self.queue: list[dict] = []
        self.ticking = False

    def send(self, tube: dict) -> None:
        self.queue.append(tube)
        if len(self.queue) >= self.o.capacity:
            self._depart()
        if self.queue and not self.ticking:
            self.ticking = True
            self.env.process(self._ticks())

    def _ticks(self):
        while self.queue:
            k = int(np.floor(self.env.now / self.o.every + 1e-9)) + 1
            yield self.env.timeout(k * self.o.every - self.env.now)
            if self.queue:
                self._depart()
        self.ticking = False

    def _depart(self) -> None:
        load, self.queue = self.queue[: self.o.capacity], self.queue[self.o.capacity :]
        self.env.process(self._drive(load))

    def _drive(self, load: list[dict]):
        yield self.env.timeout(float(self.o.travel.sample(self.ref.rng, 1)[0]))
        for tube in load:
            self.target.arrive(tube)


class Reference:
    def __init__(self, rnd: Round, seed: int, network=None):
        self.rnd = rnd
        self.network = network  # places.network's GeoJSON file, read by `_Streets` itself
        self.rng = np.random.default_rng(seed)
        self.env = simpy.Environment(initial_time=min(float(rnd.profile.times[0]), 0.0))  # early queue
        self.horizon = max(rnd.deadline, rnd.profile.times[-1]) * 4
        self.residents: list[dict] = []
        self.tubes: list[dict] = []
        self.singles: list[dict] = []
        self.plates = 0
        self.queue_seen = 0
        self.vehicle_time = 0.0
        self.labs = [_Lab(self, lab) for lab in rnd.labs]
        self.trunks: dict[tuple[int, int], _Trunk] = {}
        self.routed = {stop for r in rnd.routes for stop in r.stops}
        self.travel_dist = []
        self.points = []
        self.map = (
            _Map(rnd, _Streets(network, rnd) if network is not None else None) if rnd.places is not None else None
        )
        p = 0
        for g in rnd.groups:
            for _ in range(g.count):
                if g.catchment is not None:  # a site on the map: its compounds and trips from the map itself
                    s = self.map.site_of[g.names[0]]
                    arrivals, walks = [], []
                    for c in self.map.compounds_of(s):
                        for _ in range(int(self.rng.binomial(self.map.residents[c], rnd.turnout))):
                            walks.append(self.map.walk[c])
                            arrivals.append(self._arrival() + self.map.walk[c])  # P4: leave home, then walk
                    self.points.append(_Point(self, p, g, g.tables, len(arrivals), arrivals, walks))
                    self.travel_dist.append(self.map.trip(s))
                else:
                    n = int(self.rng.binomial(g.residents, rnd.turnout))
                    self.points.append(_Point(self, p, g, g.tables, n, [self._arrival() for _ in range(n)]))
                    self.travel_dist.append(g.travel)
                p += 1
        self.routes = [_Route(self, r) for r in rnd.routes]

    def _arrival(self) -> float:
        # Pick a profile interval with probability weight x length, then a uniform time inside it.
        t, w = self.rnd.profile.times, self.rnd.profile.weights
        mass = w[:-1] * np.diff(t)
        k = self.rng.choice(mass.size, p=mass / mass.sum())
        return float(self.rng.uniform(t[k], t[k + 1]))

    def travel(self, p: int) -> float:
        d = self.travel_dist[p]
        return d(self.rng) if callable(d) else float(d.sample(self.rng, 1)[0])

    def trunk(self, source: _Lab, target: int) -> _Trunk:
        key = (self.labs.index(source), target)
        if key not in self.trunks:
            self.trunks[key] = _Trunk(self, source.spec.overflow, self.labs[target])
        return self.trunks[key]

    def recall(self, tube: dict):
        """Rule 7: each member swabbed again into a single tube; the pool's tubes travel together (one
        draw) to the lab that ran the pool (docs/labs.md), never on by trunk."""
        yield self.env.timeout(self.rnd.recall_delay)
        singles = [{"single": True, "member": m, "point": tube["point"]} for m in tube["members"]]
        self.singles += singles
        yield self.env.timeout(self.travel(tube["point"]))
        for single in singles:
            tube["lab"].arrive(single)

    def run(self) -> dict[str, float | None]:
        self.env.run()
        return self.metrics()

    def metrics(self) -> dict[str, float | None]:
        res = self.residents
        if not res:
            return {"residents_arrived": 0.0}
        wait = np.array([r["start"] - r["arrival"] for r in res])
        result_of = {id(m): t["result"] for t in self.tubes for m in t["members"]}
        turnaround = np.array([result_of[id(r)] - r["end"] for r in res])
        ident = np.array([s["result"] - s["member"]["end"] for s in self.singles if s["member"]["positive"]])
        results = np.array([t["result"] for t in self.tubes])
        return {
            "residents_arrived": float(len(res)),
            "tubes": float(len(self.tubes)),
            "plates": float(self.plates),
            "sampling_complete_h": max(r["end"] for r in res) / 3600,
            "results_complete_h": results.max() / 3600,
            "wait_mean_min": wait.mean() / 60,
            "wait_p95_min": np.quantile(wait, 0.95) / 60,
            "wait_max_min": wait.max() / 60,
            "max_queue": float(self.queue_seen),
            "turnaround_mean_h": turnaround.mean() / 3600,
            "turnaround_p95_h": np.quantile(turnaround, 0.95) / 3600,
            "reported_by_deadline": float((turnaround + np.array([r["end"] for r in res]) <= self.rnd.deadline).mean()),
            "positives": float(sum(r["positive"] for r in res)),
            "identified_mean_h": ident.mean() / 3600 if ident.size else None,
            "identified_max_h": ident.max() / 3600 if ident.size else None,
            "diverted": float(sum(1 for t in self.tubes if t.get("diverted"))),
            "pickup_wait_mean_h": float(np.mean([t["picked"] - t["sealed"] for t in self.tubes])) / 3600,
        } | (self._walking(res) if self.map is not None else {})

    def _walking(self, res: list[dict]) -> dict[str, float]:
        walk = np.array([r["walk"] for r in res])
        journey = walk + np.array([r["end"] - r["arrival"] for r in res])
        return {
            "walk_mean_min": walk.mean() / 60,
            "walk_p95_min": np.quantile(walk, 0.95) / 60,
            "walk_max_min": walk.max() / 60,
            "within_walk_standard": float(np.mean(walk <= self.rnd.places.standard + 1e-9)),
            "journey_mean_min": journey.mean() / 60,
            "journey_p95_min": np.quantile(journey, 0.95) / 60,
        }


def run_reference(rnd: Round, seed: int, network=None) -> dict[str, float | None]:
    return Reference(rnd, seed, network).run()


# docs/streets.md's defaults for the classes the reference knows: walking at walking.speed on every
# walkable class; driving at these speeds (km/h).
_DRIVE_KMH = {"primary": 40, "secondary": 35, "tertiary": 30, "residential": 20, "service": 15, "unclassified": 25}
_NOT_WALKED = {"motorway", "motorway_link", "trunk", "trunk_link"}


class _Streets:
    """P2n and P5n written from docs/places.md, with networkx's Dijkstra, from the GeoJSON file itself
    (planar metres; one node per distinct point, ways joined where they share one)."""

    def __init__(self, path, rnd: Round):
        import json

        import networkx as nx

        m = rnd.places
        self.walk_speed, self.drive_speed = m.walk_speed, m.drive_speed
        self.walk, self.drive = nx.Graph(), nx.DiGraph()
        with open(path, encoding="utf-8") as file:
            features = json.load(file)["features"]
        for f in features:
            cls, oneway = f["properties"].get("highway"), f["properties"].get("oneway") == "yes"
            pts = [tuple(p) for p in f["geometry"]["coordinates"]]
            for a, b in zip(pts, pts[1:], strict=False):
                metres = math.hypot(a[0] - b[0], a[1] - b[1])
                if cls not in _NOT_WALKED:
                    self._edge(self.walk, a, b, metres / m.walk_speed)
                if cls in _DRIVE_KMH:
                    self._edge(self.drive, a, b, metres / (_DRIVE_KMH[cls] / 3.6))
                    if not oneway:
                        self._edge(self.drive, b, a, metres / (_DRIVE_KMH[cls] / 3.6))
        self.nx = nx

    @staticmethod
    def _edge(g, a, b, seconds) -> None:
        if not g.has_edge(a, b) or g[a][b]["weight"] > seconds:
            g.add_edge(a, b, weight=seconds)

    @staticmethod
    def snap(g, xy) -> tuple[tuple, float]:
        """The nearest node of the network, brute force, and its distance."""
        node = min(g.nodes, key=lambda n: (n[0] - xy[0]) ** 2 + (n[1] - xy[1]) ** 2)
        return node, math.hypot(node[0] - xy[0], node[1] - xy[1])

    def walks_from(self, site_xy) -> dict:
        """P2n from every node to the site: seconds along the streets plus the site's straight snap."""
        node, metres = self.snap(self.walk, site_xy)
        lengths = self.nx.single_source_dijkstra_path_length(self.walk, node)
        return {n: t + metres / self.walk_speed for n, t in lengths.items()}

    def walk_time(self, table: dict, xy) -> float:
        node, metres = self.snap(self.walk, xy)
        return table[node] + metres / self.walk_speed if node in table else math.inf

    def drive_time(self, a, b) -> float:
        """P5n: the mean of the drive there and the drive back, snaps at driving.speed."""
        (na, ma), (nb, mb) = self.snap(self.drive, a), self.snap(self.drive, b)
        there = self.nx.dijkstra_path_length(self.drive, na, nb)
        back = self.nx.dijkstra_path_length(self.drive, nb, na)
        return (there + back) / 2 + (ma + mb) / self.drive_speed


class _Map:
    """Places rules P1-P3, P5 and P6 written straight from the spec, brute force, from the raw map."""

    def __init__(self, rnd: Round, streets: _Streets | None = None):
        m = rnd.places
        self.m, self.streets = m, streets
        self.residents = m.compound_residents
        self.site_of = {name: s for s, name in enumerate(m.site_names)}
        open_sites = [s for s in range(len(m.site_names)) if m.site_tables[s] > 0]
        tables = {s: streets.walks_from(m.site_xy[s]) for s in open_sites} if streets is not None else {}
        self.assigned, self.walk = [], []
        for c in range(len(m.compound_names)):
            # P3: the open site with the smallest walk; ties to the one listed first (strict <).
            best, best_walk = -1, math.inf
            for s in open_sites:
                if streets is not None:
                    walk = streets.walk_time(tables[s], m.compound_xy[c])  # P2n
                else:
                    walk = self.distance(m.compound_xy[c], m.site_xy[s]) * m.walk_detour / m.walk_speed  # P2
                if walk < best_walk:
                    best, best_walk = s, walk
            self.assigned.append(best)
            self.walk.append(best_walk)

    def distance(self, a, b) -> float:
        """P1: haversine on a sphere of 6,371.0088 km, or Euclidean metres."""
        if not self.m.lonlat:
            return math.hypot(a[0] - b[0], a[1] - b[1])
        lon1, lat1, lon2, lat2 = map(math.radians, (a[0], a[1], b[0], b[1]))
        h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
        return 2 * 6_371_008.8 * math.asin(math.sqrt(h))

    def compounds_of(self, s: int) -> list[int]:
        return [c for c, a in enumerate(self.assigned) if a == s]

    def mean_drive(self, s: int, lab: int) -> float | None:
        """P5's mean: the matrix's minutes, else distance x detour / speed (None: no way to know)."""
        m = self.m
        key = (m.site_names[s], m.lab_names[lab])
        if key in m.matrix:
            return m.matrix[key]
        if lab not in m.lab_xy:
            return None
        if self.streets is not None:
            return self.streets.drive_time(m.site_xy[s], m.lab_xy[lab])  # P5n
        return self.distance(m.site_xy[s], m.lab_xy[lab]) * m.drive_detour / m.drive_speed

    def trip(self, s: int):
        """P6 (its own lab, else the nearest by driving time) and P5's lognormal draw around that mean."""
        m = self.m
        own = m.site_own_lab[s]
        labs = [m.lab_names.index(own)] if own is not None else range(len(m.lab_names))
        mean = min(t for t in (self.mean_drive(s, lab) for lab in labs) if t is not None)
        if m.drive_cv == 0:
            return lambda rng: mean
        sigma = math.sqrt(math.log(1 + m.drive_cv**2))
        return lambda rng: float(rng.lognormal(math.log(mean) - sigma**2 / 2, sigma))

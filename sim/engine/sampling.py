"""The sampling stage of one replication: every point's crowd (rules 1-4, and rule 7's draws), over arrays.

What it hands on (`Crowd`) is all the logistics stage needs, and the crowd's own figures. It depends on
arrivals, sampling and points only, so sizing vehicles and lab instruments can reuse it.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field, replace

import numpy as np
from numba import njit

from sim.core import streams
from sim.engine import group, kernels
from sim.engine.columns import Column
from sim.engine.crowd import PointCrowd, draws, first_span, simulate_point
from sim.engine.figures import grouped_quantile, lerp
from sim.engine.kernels import kernel
from sim.engine.logistics import PointTubes
from sim.engine.queue import queue_lengths_at
from sim.engine.tally import Tally
from sim.engine.timeline import Grid, add_into
from sim.scenario.places.map import Catchment
from sim.scenario.round import PointGroup, Round

BUSIEST = 5  # points whose queue is kept over time, for the plot
SERIES = ("arrived", "sampled", "tubes_sealed", "tubes_at_lab", "results_reported")
CROWD_SERIES = SERIES[:3]  # counted point by point as the crowd is simulated
POINT_STATS = ("arrived", "wait_mean_min", "wait_p95_min", "wait_max_min", "max_queue", "last_service_h")
COMPOUND_STATS = ("arrived", "wait_mean_min", "wait_p95_min", "journey_mean_min")
TRACE_KEYS = ("point", "table", "arrival", "start", "end", "tube", "tube_table")


@njit(cache=True, nogil=True)
def _any_nan(x) -> bool:
    for v in x:  # noqa: SIM110 (numba compiles this loop; a generator it would not)
        if np.isnan(v):
            return True
    return False


_ANY_NAN = kernel(_any_nan)


def round_key(k: int) -> tuple[int, ...]:
    """Stream-key suffix of a campaign's round k: none for the first, so it draws as a single round does."""
    return (k,) if k else ()


@dataclass
class Crowd:
    """What every point's crowd produced in one replication."""

    stats: dict[str, np.ndarray]
    timeline: dict[str, np.ndarray]
    waits: np.ndarray  # one per resident, point after point (float32; NaN: swabbed at home)
    swab_ends: np.ndarray  # one per resident: when their swab ended
    resident_tube: np.ndarray  # one per resident: their tube (int32)
    tube_size: np.ndarray
    tube_point: np.ndarray
    positive_tubes: dict[int, list[float]]
    point_tubes: list[PointTubes]
    busiest: list[tuple[int, int, str, np.ndarray]]
    kept: dict[str, list[np.ndarray]]
    home_end: float = -np.inf  # when the last home visit ended (-inf: none)
    rounds: int = 1  # a campaign's crowds one after the other: point p of round k is p + k * points
    compounds: dict[str, np.ndarray] = field(default_factory=dict)  # places: per compound, as COMPOUND_STATS
    walks: list[np.ndarray] = field(default_factory=list)  # places: each queued resident's walk (s)
    journeys: list[np.ndarray] = field(default_factory=list)  # ... and walk + wait + service (s)
    by_then: dict[str, np.ndarray] = field(default_factory=dict)  # per point: arrived, sampled by a time (`at`)

    def queued_waits(self) -> np.ndarray:
        """The waits of those who queued: home visits have none (NaN). No copy when nobody was swabbed at home."""
        return self.waits[~np.isnan(self.waits)] if _ANY_NAN(self.waits) else self.waits


def simulate_crowd(rnd: Round, rep: int, grid: Grid, trace: bool = False, at: float | None = None) -> Crowd:
    """Every point's crowd; a campaign's rounds one after the other. With `at`, also how many residents
    of each point had arrived and been sampled by then (the plan a forecast compares with)."""
    with kernels.compiled(kernels.pays(residents(rnd))):
        if not rnd.campaign:
            return _round_crowd(rnd, rep, grid, trace, at=at)
        return _merge([_round_crowd(rnd.round_view(k), rep, grid, trace, k) for k in range(rnd.rounds)], rnd.n_points)


def residents(rnd: Round) -> int:
    """Residents of one round's points: everyone who could come."""
    return sum(g.count * g.people for g in rnd.groups)


@dataclass
class _Collector:
    """Gathers the points' crowds, point by point, into one `Crowd`."""

    n_points: int
    grid: Grid
    trace: bool
    stats: dict[str, np.ndarray] = field(init=False)
    timeline: dict[str, np.ndarray] = field(default_factory=lambda: {k: np.zeros(1) for k in SERIES})
    expected: int = 0  # residents who could come: room for the columns
    sizes: list = field(default_factory=list)
    tube_points: list = field(default_factory=list)  # (point, its tubes), to be spread out once at the end
    positive_tubes: dict[int, list[float]] = field(default_factory=dict)
    point_tubes: list[PointTubes] = field(default_factory=list)
    busiest: list = field(default_factory=list)
    kept: dict[str, list[np.ndarray]] = field(default_factory=lambda: {k: [] for k in TRACE_KEYS})
    n_tubes: int = 0
    home_end: float = -np.inf
    n_compounds: int = 0
    compounds: dict[str, np.ndarray] = field(init=False)
    walks: list = field(default_factory=list)
    journeys: list = field(default_factory=list)
    at: float | None = None
    by_then: dict[str, np.ndarray] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.stats = {k: np.full(self.n_points, np.nan) for k in POINT_STATS}
        self.waits = Column(np.float32, self.expected)
        self.swab_ends = Column(np.float64, self.expected)
        self.resident_tube = Column(np.int32, self.expected)
        self.tally = Tally(self.grid, int(2 * 86400 / self.grid.step))  # two days of rows to start with
        if self.at is not None:
            self.by_then = {k: np.zeros(self.n_points, np.int64) for k in ("arrived", "sampled")}
        self.compounds = {k: np.full(self.n_compounds, np.nan) for k in COMPOUND_STATS} if self.n_compounds else {}

    def add(
        self, p: int, name: str, lab: int, priority: bool, opens: float, c: PointCrowd, catch: Catchment | None
    ) -> None:
        if not self._came(p, c, catch):
            return
        n = c.arrived
        *figures, longest = self.tally.add(
            c, self.waits.next(n), self.swab_ends.next(n), self.resident_tube.next(n), self.n_tubes
        )
        self._tallied(p, name, lab, priority, opens, c, figures, longest)

    def add_group(
        self,
        p: int,
        g: PointGroup,
        gi: int,
        i0: int,
        rnd: Round,
        drawn: list[tuple[np.ndarray, np.ndarray, np.ndarray]],
    ) -> None:
        """Consecutive points of group `g` from `p` on (the group's point `i0` on), from their draws (arrivals,
        services, positives): their queues, tubes and tally in one call (`group.serve_points`), the rest as
        `add`."""
        lo = np.concatenate(([0], np.cumsum([d[0].size for d in drawn]))).astype(np.int64)
        total = int(lo[-1])
        arrival = np.concatenate([d[0] for d in drawn]) if drawn else np.empty(0)
        service = np.concatenate([d[1] for d in drawn]) if drawn else np.empty(0)
        tables = np.full(len(drawn), g.tables, np.int64)
        pool = rnd.pool_size_of(g) or rnd.pool_size
        waits, ends, tubes = self.waits.next(total), self.swab_ends.next(total), self.resident_tube.next(total)
        spans = None
        if rnd.shifts is not None:  # from each point's own arrays, as `serve_point` computes them
            spans = np.array([first_span(rnd, d[0], d[1], gi, rnd.open) for d in drawn], float).reshape(-1)
        windows = group.Windows(rnd, gi, tables, spans)
        got = group.serve_points(
            arrival, service, lo, tables, pool, rnd.open, self.tally, waits, ends, tubes, self.n_tubes, windows
        )
        for i, (_arrival, _service, positive) in enumerate(drawn):
            a, b, c, d = lo[i], lo[i + 1], got.tube_lo[i], got.tube_lo[i + 1]
            crowd = PointCrowd(
                int(b - a),
                arrival[a:b],
                got.start[a:b],
                got.swab_end[a:b],
                got.table[a:b],
                got.tube[a:b],
                got.seal[c:d],
                got.tube_size[c:d],
                got.tube_table[c:d],
                positive,
                float(got.last_end[i]),
            )
            if not self._came(p + i, crowd, None):
                continue
            figures = (got.mean[i], got.top[i], lerp(got.a[i], got.b[i], float(got.t[i])))
            self._tallied(p + i, g.point_name(i0 + i), g.lab, g.priority, rnd.open, crowd, figures, int(got.longest[i]))

    def _came(self, p: int, c: PointCrowd, catch: Catchment | None) -> bool:
        """A point's figures before its tally; whether anybody came to be tallied."""
        if catch is not None:
            self._compounds(c, catch)
        if c.home_last_end is not None:
            self.home_end = max(self.home_end, c.home_last_end)
        self.stats["arrived"][p] = c.arrived
        if self.at is not None:
            self.by_then["arrived"][p] = np.searchsorted(c.arrival, self.at, side="right")
            self.by_then["sampled"][p] = np.count_nonzero(c.swab_end <= self.at)
        return bool(c.seal.size)  # not: nobody came (a forecast's point may have tubes but nobody still to come)

    def _tallied(
        self, p: int, name: str, lab: int, priority: bool, opens: float, c: PointCrowd, figures, longest: int
    ) -> None:
        """A tallied point's figures, tubes and trace."""
        n = c.arrived
        if n:
            self._stats(p, c, *figures, longest)
            self._busiest(p, name, c, longest)
        self.sizes.append(c.tube_size)
        self.tube_points.append((p, c.seal.size))
        for r in c.positive:
            self.positive_tubes.setdefault(self.n_tubes + int(c.tube[r]), []).append(float(c.swab_end[r]))
        for t, swabs in (c.positive_before or {}).items():
            self.positive_tubes.setdefault(self.n_tubes + t, []).extend(swabs)
        self.point_tubes.append(PointTubes(p, lab, c.seal, self.n_tubes, priority, opens))
        if self.trace:
            self._keep(p, c)
        self.n_tubes += c.seal.size

    def _stats(
        self, p: int, c: PointCrowd, mean: float | None, top: float | None, p95: float | None, longest: int
    ) -> None:
        """A point's figures: the mean, maximum and 95th percentile of the waits of those who queued."""
        if mean is not None:  # everyone may have been swabbed at home
            self.stats["wait_mean_min"][p] = mean / 60
            self.stats["wait_p95_min"][p] = p95 / 60
            self.stats["wait_max_min"][p] = top / 60
        self.stats["max_queue"][p] = longest
        self.stats["last_service_h"][p] = c.last_end / 3600

    def _compounds(self, c: PointCrowd, catch: Catchment) -> None:
        """Per compound: residents sampled, their wait and journey; and each queued resident's walk."""
        ids = catch.compounds
        arrived = np.bincount(c.compound, minlength=ids.size) if c.arrived else np.zeros(ids.size)
        self.compounds["arrived"][ids] = arrived
        if not c.arrived:
            return
        q = c.queued
        local, wait = c.compound[q], (c.start - c.arrival)[q]
        walk = catch.walk[local]
        journey = walk + (c.swab_end - c.arrival)[q]
        came = np.bincount(local, minlength=ids.size)
        with np.errstate(invalid="ignore", divide="ignore"):
            self.compounds["wait_mean_min"][ids] = np.bincount(local, wait, ids.size) / came / 60
            self.compounds["journey_mean_min"][ids] = np.bincount(local, journey, ids.size) / came / 60
        self.compounds["wait_p95_min"][ids] = grouped_quantile(wait, local, ids.size, 0.95) / 60
        self.walks.append(walk.astype(np.float32))
        self.journeys.append(journey.astype(np.float32))

    def _keep(self, p: int, c: PointCrowd) -> None:
        values = (np.full(c.arrived, p), c.table, c.arrival, c.start, c.swab_end, c.tube + self.n_tubes, c.tube_table)
        for key, v in zip(TRACE_KEYS, values, strict=True):
            self.kept[key].append(v)

    def _busiest(self, p: int, name: str, c: PointCrowd, longest: int) -> None:
        if len(self.busiest) < BUSIEST or longest > self.busiest[0][0]:
            rows = int(self.grid.row(c.last_end)) + 1
            series = queue_lengths_at(c.arrival[c.queued], c.start[c.queued], self.grid.times(rows))
            item = (longest, -p, name, series)
            (heapq.heappush if len(self.busiest) < BUSIEST else heapq.heapreplace)(self.busiest, item)

    def crowd(self) -> Crowd:
        self.timeline |= {k: self.tally.series(i) for i, k in enumerate(CROWD_SERIES)}
        tube_size = np.concatenate(self.sizes) if self.sizes else np.empty(0, np.int64)
        points, tubes = np.array(self.tube_points, np.int64).reshape(-1, 2).T
        tube_point = np.repeat(points.astype(np.int32), tubes)
        return Crowd(
            self.stats,
            self.timeline,
            self.waits.array(),
            self.swab_ends.array(),
            self.resident_tube.array(),
            tube_size,
            tube_point,
            self.positive_tubes,
            self.point_tubes,
            self.busiest,
            self.kept,
            self.home_end,
            compounds=self.compounds,
            walks=self.walks,
            journeys=self.journeys,
            by_then=self.by_then,
        )


def collector(rnd: Round, grid: Grid, trace: bool = False, at: float | None = None) -> _Collector:
    """An empty collector for one round's points, in point order."""
    compounds = len(rnd.places.compound_names) if rnd.places else 0
    return _Collector(rnd.n_points, grid, trace, n_compounds=compounds, at=at, expected=residents(rnd))


def _round_crowd(
    rnd: Round, rep: int, grid: Grid, trace: bool = False, round_index: int = 0, at: float | None = None
) -> Crowd:
    out = collector(rnd, grid, trace, at)
    shared = streams.Streams(rnd.seed)
    p = 0
    for gi, g in enumerate(rnd.groups):
        batched = group.allows(rnd, g, gi)
        drawn, first, held = [], 0, 0
        for i in range(g.count):
            rng = shared.at(rep, streams.CROWD, gi, i, *round_key(round_index))
            if batched:  # the draws now, in their streams and order; the rest in one call per chunk
                arrival, _compound, service, positive = draws(rnd, g.residents, rng)
                drawn.append((arrival, service, positive))
                held += arrival.size
                if held >= group.CHUNK or i == g.count - 1:
                    out.add_group(p - i + first, g, gi, first, rnd, drawn)
                    drawn, first, held = [], i + 1, 0
            else:
                c = simulate_point(
                    rnd, g.tables, g.residents, rng, gi, i, rnd.pool_size_of(g), g.home, g.calls, g.catchment
                )
                out.add(p, g.point_name(i), g.lab, g.priority, rnd.open, c, g.catchment)
            p += 1
    return out.crowd()


def _merge(crowds: list[Crowd], n_points: int) -> Crowd:
    """A campaign's crowds as one: round k's points and tubes numbered after those of earlier rounds."""
    tube_offsets = np.cumsum([0] + [c.tube_size.size for c in crowds])
    timeline: dict[str, np.ndarray] = {k: np.zeros(1) for k in crowds[0].timeline}
    positive_tubes: dict[int, list[float]] = {}
    busiest, point_tubes = [], []
    kept: dict[str, list[np.ndarray]] = {k: [] for k in crowds[0].kept}
    for k, (c, off) in enumerate(zip(crowds, tube_offsets, strict=False)):
        shift = k * n_points
        for key, series in c.timeline.items():
            timeline[key] = add_into(timeline[key], series)
        positive_tubes.update({t + int(off): v for t, v in c.positive_tubes.items()})
        point_tubes += [
            replace(pt, index=pt.index + shift, first_tube=pt.first_tube + int(off)) for pt in c.point_tubes
        ]
        busiest += [(q, p - shift, f"{name}, round {k + 1}", series) for q, p, name, series in c.busiest]
        for key, parts in c.kept.items():
            add = shift if key == "point" else int(off) if key == "tube" else 0
            kept[key] += [v + add for v in parts]
    return Crowd(
        stats={key: np.concatenate([c.stats[key] for c in crowds]) for key in crowds[0].stats},
        timeline=timeline,
        waits=np.concatenate([c.waits for c in crowds]),
        swab_ends=np.concatenate([c.swab_ends for c in crowds]),
        resident_tube=np.concatenate(
            [c.resident_tube + np.int32(off) for c, off in zip(crowds, tube_offsets, strict=False)]
        ),
        tube_size=np.concatenate([c.tube_size for c in crowds]),
        tube_point=np.concatenate([c.tube_point + k * n_points for k, c in enumerate(crowds)]).astype(np.int32),
        positive_tubes=positive_tubes,
        point_tubes=point_tubes,
        busiest=heapq.nlargest(BUSIEST, busiest),
        kept=kept,
        home_end=max(c.home_end for c in crowds),
        rounds=len(crowds),
        compounds={k: np.concatenate([c.compounds[k] for c in crowds]) for k in crowds[0].compounds},
        walks=[w for c in crowds for w in c.walks],
        journeys=[j for c in crowds for j in c.journeys],
    )

"""One replication of a round: the crowd at every point (arrays), then logistics (SimPy).

`run_replication(rnd, rep)` is a pure function of the round and the replication number: its random
streams come from `sim.streams`, so replications can run anywhere, in any order.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, field, replace

import numpy as np

from sim import streams
from sim.crowd import simulate_point
from sim.logistics import Logistics, PointTubes
from sim.model import Round
from sim.queue import queue_lengths_at
from sim.timeline import Grid, add_into, utilisation

WAIT_BIN_S = 30.0  # waiting-time histogram bin
BUSIEST = 5  # points whose queue is kept over time, for the plot
SERIES = ("arrived", "sampled", "tubes_sealed", "tubes_at_lab", "results_reported")
RESOURCES = ("vehicles", "extractors", "pcr_machines")


@dataclass
class ReplicationResult:
    metrics: dict[str, float | None]
    timeline: dict[str, np.ndarray]  # events per grid row (not cumulative)
    points: dict[str, np.ndarray]  # one value per point
    wait_hist: np.ndarray  # residents per WAIT_BIN_S of waiting
    busiest: list[tuple[int, str, np.ndarray]]  # (max queue, point name, queue per grid row)
    utilisation: dict[str, np.ndarray]  # busy share per grid row, all labs together
    stages: dict[str, float | None] = field(default_factory=dict)  # mean hours a tube spends in each stage
    trace: Trace | None = None  # every resident and tube, when asked for (drill logs, invariant checks)
    groups: dict[str, dict[str, float | None]] = field(default_factory=dict)  # figures per point group
    rounds: list[dict[str, float | None]] = field(default_factory=list)  # a campaign's figures per round


@dataclass
class Trace:
    """Per-resident and per-tube records of one replication. Residents are in point order, then arrival
    order; tube ids index the `tubes` arrays."""

    residents: dict[str, np.ndarray]  # point, table, arrival, start, end, tube
    tubes: dict[str, np.ndarray]  # point, table, size, sealed, picked, at_lab, plated, plate, result, and *_count
    point_names: list[str]
    singles: list  # retest tubes (sim.logistics.SingleTube)


class _Travel:
    """A point's travel-time draws, with its generator made on first use (most points need few)."""

    __slots__ = ("dist", "key", "rng")

    def __init__(self, dist, key):
        self.dist, self.key, self.rng = dist, key, None

    def __call__(self) -> float:
        if self.rng is None:
            self.rng = streams.stream(*self.key)
        return float(self.dist.sample(self.rng, 1)[0])


def worst_point(values: np.ndarray) -> float | None:
    """The largest of a per-point figure (None where no point has one: nobody came)."""
    return float(np.nanmax(values)) if np.isfinite(values).any() else None


def _round_key(k: int) -> tuple[int, ...]:
    """Stream-key suffix of a campaign's round k: none for the first, so it draws as a single round does."""
    return (k,) if k else ()


def _quantile(x: np.ndarray, q: float) -> float | None:
    return float(np.quantile(x, q)) if x.size else None


@dataclass
class Crowd:
    """What every point's crowd produced in one replication: all the logistics stage needs, and the
    crowd's own figures. It depends on arrivals, sampling and points only, so sizing vehicles and lab
    instruments can reuse it."""

    stats: dict[str, np.ndarray]
    timeline: dict[str, np.ndarray]
    waits: list[np.ndarray]
    swab_ends: list[np.ndarray]
    resident_tube: list[np.ndarray]
    tube_size: np.ndarray
    tube_point: np.ndarray
    positive_tubes: dict[int, list[float]]
    point_tubes: list[PointTubes]
    busiest: list[tuple[int, int, str, np.ndarray]]
    kept: dict[str, list[np.ndarray]]
    home_end: float = -np.inf  # when the last home visit ended (-inf: none)
    rounds: int = 1  # a campaign's crowds one after the other: point p of round k is p + k * points


def run_replication(rnd: Round, rep: int, grid: Grid | None = None, trace: bool = False) -> ReplicationResult:
    grid = grid or Grid.for_round(rnd)
    return finish_replication(rnd, rep, grid, simulate_crowd(rnd, rep, grid, trace), trace)


def simulate_crowd(rnd: Round, rep: int, grid: Grid, trace: bool = False) -> Crowd:
    """Rules 1-4 and 7's draws at every point, over arrays; a campaign's rounds one after the other."""
    if not rnd.campaign:
        return _round_crowd(rnd, rep, grid, trace)
    return _merge([_round_crowd(rnd.round_view(k), rep, grid, trace, k) for k in range(rnd.rounds)], rnd.n_points)


def _round_crowd(rnd: Round, rep: int, grid: Grid, trace: bool = False, round_index: int = 0) -> Crowd:
    n_points = rnd.n_points
    stats = {
        k: np.full(n_points, np.nan)
        for k in ("arrived", "wait_mean_min", "wait_p95_min", "wait_max_min", "max_queue", "last_service_h")
    }
    timeline = {k: np.zeros(1) for k in SERIES}
    waits, swab_ends, resident_tube, sizes, tube_points = [], [], [], [], []
    positive_tubes: dict[int, list[float]] = {}
    point_tubes: list[PointTubes] = []
    busiest: list[tuple[int, int, str, np.ndarray]] = []
    n_tubes = 0
    p = 0
    home_end = -np.inf
    kept: dict[str, list[np.ndarray]] = {k: [] for k in ("point", "table", "arrival", "start", "end", "tube", "tube_table")}
    for gi, g in enumerate(rnd.groups):
        for i in range(g.count):
            c = simulate_point(
                rnd,
                g.tables,
                g.residents,
                streams.stream(rnd.seed, rep, streams.CROWD, gi, i, *_round_key(round_index)),
                _blocks(rnd, gi, i, g.tables),
                g.pool_size,
                g.home,
                g.calls,
            )
            if c.home_last_end is not None:
                home_end = max(home_end, c.home_last_end)
            stats["arrived"][p] = c.arrived
            if c.arrived:
                w = c.wait
                if w.size:  # everyone may have been swabbed at home
                    stats["wait_mean_min"][p] = w.mean() / 60
                    stats["wait_p95_min"][p] = np.quantile(w, 0.95) / 60
                    stats["wait_max_min"][p] = w.max() / 60
                stats["max_queue"][p] = c.max_queue
                stats["last_service_h"][p] = c.last_end / 3600
                waits.append(c.wait_all.astype(np.float32))
                swab_ends.append(c.swab_end)
                resident_tube.append(c.tube + n_tubes)
                sizes.append(c.tube_size)
                tube_points.append(np.full(c.seal.size, p, np.int32))
                for r in c.positive:
                    positive_tubes.setdefault(n_tubes + int(c.tube[r]), []).append(float(c.swab_end[r]))
                timeline["arrived"] = add_into(timeline["arrived"], grid.counts(c.arrival))
                timeline["sampled"] = add_into(timeline["sampled"], grid.counts(c.swab_end))
                timeline["tubes_sealed"] = add_into(timeline["tubes_sealed"], grid.counts(c.seal))
                point_tubes.append(PointTubes(p, g.lab, c.seal, n_tubes, g.priority, rnd.open))
                if trace:
                    for k, v in (
                        ("point", np.full(c.arrived, p)),
                        ("table", c.table),
                        ("arrival", c.arrival),
                        ("start", c.start),
                        ("end", c.swab_end),
                        ("tube", c.tube + n_tubes),
                        ("tube_table", c.tube_table),
                    ):
                        kept[k].append(v)
                n_tubes += c.seal.size
                if len(busiest) < BUSIEST or c.max_queue > busiest[0][0]:
                    rows = int(grid.row(c.swab_end.max())) + 1
                    item = (
                        c.max_queue,
                        -p,
                        g.point_name(i),
                        queue_lengths_at(c.arrival[c.queued], c.start[c.queued], grid.times(rows)),
                    )
                    (heapq.heappush if len(busiest) < BUSIEST else heapq.heapreplace)(busiest, item)
            p += 1

    tube_size = np.concatenate(sizes) if sizes else np.empty(0, np.int64)
    tube_point = np.concatenate(tube_points) if tube_points else np.empty(0, np.int32)
    return Crowd(
        stats,
        timeline,
        waits,
        swab_ends,
        resident_tube,
        tube_size,
        tube_point,
        positive_tubes,
        point_tubes,
        busiest,
        kept,
        home_end,
    )


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
        point_tubes += [replace(pt, index=pt.index + shift, first_tube=pt.first_tube + int(off)) for pt in c.point_tubes]
        busiest += [(q, p - shift, f"{name}, round {k + 1}", series) for q, p, name, series in c.busiest]
        for key, parts in c.kept.items():
            add = shift if key == "point" else int(off) if key == "tube" else 0
            kept[key] += [v + add for v in parts]
    return Crowd(
        stats={key: np.concatenate([c.stats[key] for c in crowds]) for key in crowds[0].stats},
        timeline=timeline,
        waits=[w for c in crowds for w in c.waits],
        swab_ends=[e for c in crowds for e in c.swab_ends],
        resident_tube=[t + int(off) for c, off in zip(crowds, tube_offsets, strict=False) for t in c.resident_tube],
        tube_size=np.concatenate([c.tube_size for c in crowds]),
        tube_point=np.concatenate([c.tube_point + k * n_points for k, c in enumerate(crowds)]).astype(np.int32),
        positive_tubes=positive_tubes,
        point_tubes=point_tubes,
        busiest=heapq.nlargest(BUSIEST, busiest),
        kept=kept,
        home_end=max(c.home_end for c in crowds),
        rounds=len(crowds),
    )


def finish_replication(rnd: Round, rep: int, grid: Grid, crowd: Crowd, trace: bool = False) -> ReplicationResult:
    """Rules 5-8 from a replication's crowd: pickups, vehicles, labs, recalls; then the figures."""
    c = crowd
    stats, waits, swab_ends, resident_tube = c.stats, c.waits, c.swab_ends, c.resident_tube
    tube_size, tube_point, positive_tubes, point_tubes, busiest, kept = (
        c.tube_size,
        c.tube_point,
        c.positive_tubes,
        c.point_tubes,
        c.busiest,
        c.kept,
    )
    timeline = dict(c.timeline)
    n_tubes = tube_size.size
    rounds = range(c.rounds)
    travel = [
        _Travel(g.travel, (rnd.seed, rep, streams.TRAVEL, gi, i, *_round_key(k)))
        for k in rounds
        for gi, g in enumerate(rnd.groups)
        for i in range(g.count)
    ]
    lab_rngs = [streams.stream(rnd.seed, rep, streams.LAB, li) for li in range(len(rnd.labs))]
    group_of_point = np.array([gi for _ in rounds for gi, g in enumerate(rnd.groups) for _ in range(g.count)], dtype=np.int64)
    # Each tube is due by its own round's deadline.
    tube_round = tube_point // rnd.n_points if tube_point.size else np.empty(0, np.int64)
    tube_deadline = np.array([rnd.deadline_of(k) for k in rounds])[tube_round]
    logi = Logistics(
        rnd, point_tubes, tube_size, positive_tubes, lambda t: int(tube_point[t]), lab_rngs, travel, group_of_point.tolist()
    )
    logi.run()

    timeline["tubes_at_lab"] = grid.counts(logi.at_lab)
    timeline["results_reported"] = grid.counts(logi.result, tube_size.astype(float))
    rows = max(a.size for a in timeline.values())
    util = {}
    for kind in RESOURCES:
        starts = [s for lab in logi.labs for s in lab.busy[kind].start]
        ends = [e for lab in logi.labs for e in lab.busy[kind].end]
        util[kind] = utilisation(grid, np.array(starts), np.array(ends), sum(lab.busy[kind].capacity for lab in logi.labs), rows)

    wait_all = np.concatenate(waits) if waits else np.empty(0, np.float32)  # NaN: swabbed at home
    wait = wait_all[~np.isnan(wait_all)]  # residents who queued
    arrived = sum(e.size for e in swab_ends)  # every resident sampled, at a point or at home
    queued = wait.size
    # Turnaround per resident: their tube's result minus their own swab.
    turnaround = logi.result[np.concatenate(resident_tube)] - np.concatenate(swab_ends) if arrived else np.empty(0)
    identified = np.array([s.result - s.first_swab for s in logi.singles if s.positive])
    results_complete = float(logi.result.max()) / 3600 if tube_size.size else None
    metrics: dict[str, float | None] = {
        "residents_arrived": float(arrived),
        "tubes": float(tube_size.size),
        "plates": float(logi.plates),
        "sampling_complete_h": float(np.nanmax(stats["last_service_h"])) if arrived else None,
        "results_complete_h": results_complete,
        "wait_mean_min": float(wait.mean(dtype=np.float64)) / 60 if queued else None,
        "wait_p95_min": _quantile(wait, 0.95) / 60 if queued else None,
        "wait_max_min": float(wait.max()) / 60 if queued else None,
        "max_queue": float(np.nanmax(stats["max_queue"])) if arrived else None,
        "turnaround_mean_h": float(turnaround.mean()) / 3600 if arrived else None,
        "turnaround_p95_h": _quantile(turnaround, 0.95) / 3600 if arrived else None,
        "reported_by_deadline": float(tube_size[logi.result <= tube_deadline].sum() / arrived) if arrived else None,
        "positives": float(sum(len(v) for v in positive_tubes.values())),
        "identified_mean_h": float(identified.mean()) / 3600 if identified.size else None,
        "identified_max_h": float(identified.max()) / 3600 if identified.size else None,
        "last_tube_at_lab_h": float(np.max(logi.at_lab)) / 3600 if tube_size.size else None,
        "home_visits_complete_h": crowd.home_end / 3600 if np.isfinite(crowd.home_end) else None,
    }
    stages = {
        "queue_at_point": float(wait.mean(dtype=np.float64)) / 3600 if queued else None,
        "waiting_for_pickup": _mean_h(logi.picked - _seal_times(point_tubes, n_tubes)),
        "in_transit": _mean_h(logi.at_lab - logi.picked),
        "lab_queue": _mean_h(logi.plated - logi.at_lab),
        "lab_run": _mean_h(logi.result - logi.plated),
    }
    audit = None
    if trace:
        ints = ("point", "table", "tube", "tube_table")
        cat = {k: np.concatenate(v) if v else np.empty(0, np.int64 if k in ints else float) for k, v in kept.items()}
        tubes = {
            "point": tube_point,
            "table": cat.pop("tube_table"),
            "size": tube_size,
            "sealed": _seal_times(point_tubes, n_tubes),
            "picked": logi.picked,
            "at_lab": logi.at_lab,
            "plated": logi.plated,
            "plate": logi.plate_of,
            "result": logi.result,
            **{f"{k}_count": v for k, v in logi.handled.items()},
        }
        names = [g.point_name(i) for _ in rounds for g in rnd.groups for i in range(g.count)]
        audit = Trace(cat, tubes, names, logi.singles)
    all_resident_tube = np.concatenate(resident_tube) if arrived else np.empty(0, np.int64)
    by_group = _group_figures(
        rnd, group_of_point, tube_point, tube_size, logi.result, all_resident_tube, wait_all, turnaround, tube_deadline
    )
    by_round = (
        _round_figures(rnd, stats, tube_round, tube_size, logi, all_resident_tube, wait_all, tube_deadline)
        if rnd.campaign
        else []
    )
    return ReplicationResult(
        metrics=metrics,
        timeline=timeline,
        points=_per_point(stats, c.rounds),
        wait_hist=np.bincount((wait // WAIT_BIN_S).astype(np.int64)) if arrived else np.zeros(1),
        busiest=[(q, name, series) for q, _, name, series in sorted(busiest, reverse=True)],
        utilisation=util,
        stages=stages,
        trace=audit,
        groups=by_group,
        rounds=by_round,
    )


def _per_point(stats: dict[str, np.ndarray], rounds: int) -> dict[str, np.ndarray]:
    """One value per point over a campaign's rounds: residents summed, the worst of the rest, the mean wait
    weighted by residents."""
    if rounds == 1:
        return stats
    by = {k: v.reshape(rounds, -1) for k, v in stats.items()}
    out = {k: np.fmax.reduce(v, axis=0) for k, v in by.items()}  # fmax skips NaN (a round nobody came to)
    out["arrived"] = arrived = np.nansum(by["arrived"], axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.nansum(by["wait_mean_min"] * np.nan_to_num(by["arrived"]), axis=0) / arrived
    out["wait_mean_min"] = np.where(arrived > 0, mean, np.nan)
    return out


def _round_figures(rnd, stats, tube_round, tube_size, logi, resident_tube, wait, tube_deadline) -> list[dict]:
    """Each round of a campaign against its own deadline (times on the campaign's clock, and since the round's start)."""
    out = []
    last_service = stats["last_service_h"].reshape(rnd.rounds, -1)
    resident_round = tube_round[resident_tube] if resident_tube.size else np.empty(0, np.int64)
    for k, plan in enumerate(rnd.campaign):
        t = tube_round == k
        r = resident_round == k
        w = wait[r]
        w = w[np.isfinite(w)]
        done = float(logi.result[t].max()) / 3600 if t.any() else None
        n = int(tube_size[t].sum())
        out.append(
            {
                "start_h": plan.offset / 3600,
                "deadline_h": rnd.deadline_of(k) / 3600,
                "residents_arrived": float(n),
                "tubes": float(t.sum()),
                "sampling_complete_h": worst_point(last_service[k]),
                "results_complete_h": done,
                "completion_after_start_h": done - plan.offset / 3600 if done is not None else None,
                "deadline_met": float(done is None or done * 3600 <= rnd.deadline_of(k) + 1e-9),
                "wait_mean_min": float(w.mean(dtype=np.float64)) / 60 if w.size else None,
                "wait_p95_min": _quantile(w, 0.95) / 60 if w.size else None,
                "reported_by_deadline": float(tube_size[t][logi.result[t] <= tube_deadline[t]].sum() / n) if n else None,
                # Tubes of earlier rounds still without a result when this round opens: the lab's carried backlog.
                "backlog_at_start_tubes": float(np.sum((tube_round < k) & (logi.result > plan.offset))),
            }
        )
    return out


def _group_figures(rnd, group_of_point, tube_point, tube_size, result, resident_tube, wait, turnaround, deadline) -> dict:
    """Each point group's own figures (key groups are reported separately)."""
    out = {}
    tube_group = group_of_point[tube_point] if tube_point.size else np.empty(0, np.int64)
    resident_group = tube_group[resident_tube] if resident_tube.size else np.empty(0, np.int64)
    names = [g.name for g in rnd.groups]
    for name in dict.fromkeys(names):  # rows of one points CSV share their file's name: one entry for them
        ids = [gi for gi, n in enumerate(names) if n == name]
        t = np.isin(tube_group, ids)
        r = np.isin(resident_group, ids)
        n = int(r.sum())
        out[name] = {
            "residents_arrived": float(n),
            "tubes": float(t.sum()),
            "results_complete_h": float(result[t].max()) / 3600 if t.any() else None,
            "wait_mean_min": float(np.nanmean(wait[r].astype(np.float64))) / 60 if np.isfinite(wait[r]).any() else None,
            "turnaround_mean_h": float(turnaround[r].mean()) / 3600 if n else None,
            "reported_by_deadline": float(tube_size[t][result[t] <= deadline[t]].sum() / n) if n else None,
        }
    return out


def _blocks(rnd: Round, group: int, point: int, tables: int) -> tuple[np.ndarray, np.ndarray] | None:
    """Each table's blocked windows at one point (closures, tables down), padded with inf."""
    mine = [b for b in rnd.blocked if b.group == group and b.point in (-1, point)]
    if not mine:
        return None
    per_table: list[list[tuple[float, float]]] = [[] for _ in range(tables)]
    for b in mine:
        first = 0 if b.tables == 0 else max(tables - b.tables, 0)
        for j in range(first, tables):
            per_table[j].append((b.start, b.end))
    width = max(len(w) for w in per_table)
    start = np.full((tables, width), np.inf)
    end = np.full((tables, width), np.inf)
    for j, windows in enumerate(per_table):
        for k, (s, e) in enumerate(sorted(windows)):
            start[j, k], end[j, k] = s, e
    return start, end


def _seal_times(point_tubes: list[PointTubes], n: int) -> np.ndarray:
    return np.concatenate([pt.seal for pt in point_tubes]) if n else np.empty(0)


def _mean_h(x: np.ndarray) -> float | None:
    return float(x.mean()) / 3600 if x.size and not math.isnan(x.mean()) else None

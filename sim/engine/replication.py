"""One replication of a round: the sampling stage (arrays), then logistics (events: the compiled loop, or the
SimPy model where the loop does not reach, `engine/compiled.applies`), then its figures.

`run_replication(rnd, rep)` is a pure function of the round and the replication number: its random
streams come from `sim.core.streams`, so replications can run anywhere, in any order. Sizing calls the
two halves itself (`simulate_crowd`, then `finish_replication`) to reuse a crowd.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

import numpy as np
from numba import njit

from sim.core import streams
from sim.engine import figures, kernels
from sim.engine.draws import Draws
from sim.engine.kernels import kernel
from sim.engine.logistics import Logistics
from sim.engine.retests import Retests
from sim.engine.sampling import Crowd, residents, round_key, simulate_crowd
from sim.engine.timeline import Grid, utilisation
from sim.scenario.round import Round

WAIT_BIN_S = 30.0  # waiting-time histogram bin
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
    deadline_met: bool = True  # every pooled result by its round's deadline (`Round.deadline_met`)
    compounds: dict[str, np.ndarray] = field(default_factory=dict)  # places: one value per compound
    labs: dict[str, np.ndarray] = field(default_factory=dict)  # one value per lab (figures.LAB_FIGURES)
    routes: dict[str, np.ndarray] = field(default_factory=dict)  # one value per route (figures.ROUTE_FIGURES)


@dataclass
class Trace:
    """Per-resident and per-tube records of one replication. Residents are in point order, then arrival
    order; tube ids index the `tubes` arrays."""

    residents: dict[str, np.ndarray]  # point, table, arrival, start, end, tube
    tubes: dict[str, np.ndarray]  # point, table, size, sealed, picked, at_lab, plated, plate, result, and *_count
    point_names: list[str]
    retests: Retests  # retest tubes


def run_replication(rnd: Round, rep: int, grid: Grid | None = None, trace: bool = False) -> ReplicationResult:
    grid = grid or Grid.for_round(rnd)
    return finish_replication(rnd, rep, grid, simulate_crowd(rnd, rep, grid, trace), trace)


def logistics(
    rnd: Round, rep: int, c: Crowd, now: float = 0.0, restore: Callable[[Logistics], None] | None = None
) -> tuple[Logistics, np.ndarray]:
    """Rules 5-8: pickups, vehicles, labs, recalls. Also returns each point's group. A forecast starts
    the clock at `now` and `restore`s what was under way then before anything runs."""
    logi, group_of_point = prepare_logistics(rnd, rep, c, now)
    if restore is not None:
        logi.resumed_at = now
        restore(logi)
    logi.run(compiled=kernels.is_compiled())
    return logi, group_of_point


def prepare_logistics(rnd: Round, rep: int, c: Crowd, now: float = 0.0) -> tuple[Logistics, np.ndarray]:
    """The logistics of a replication's crowd, with its random streams, ready to run; each point's group."""
    rounds = range(c.rounds)
    travel = [
        Draws(g.travel, partial(streams.stream, rnd.seed, rep, streams.TRAVEL, gi, i, *round_key(k)))
        for k in rounds
        for gi, g in enumerate(rnd.groups)
        for i in range(g.count)
    ]
    group_of_point = np.array(
        [gi for _ in rounds for gi, g in enumerate(rnd.groups) for _ in range(g.count)], dtype=np.int64
    )
    tube_point = c.tube_point
    logi = Logistics(
        rnd,
        c.point_tubes,
        c.tube_size,
        c.positive_tubes,
        lambda t: int(tube_point[t]),
        partial(streams.stream, rnd.seed, rep, streams.LAB),
        travel,
        group_of_point.tolist(),
        lambda i, t: streams.stream(rnd.seed, rep, streams.TRUNK, i, t),
        lambda k: streams.stream(rnd.seed, rep, streams.ROUTE, k),
        now,
    )
    return logi, group_of_point


def finish_replication(rnd: Round, rep: int, grid: Grid, crowd: Crowd, trace: bool = False) -> ReplicationResult:
    """Logistics from a replication's crowd, then the figures."""
    with kernels.compiled(kernels.pays(residents(rnd))):
        return _finish(rnd, rep, grid, crowd, trace)


def _finish(rnd: Round, rep: int, grid: Grid, crowd: Crowd, trace: bool) -> ReplicationResult:
    c = crowd
    logi, group_of_point = logistics(rnd, rep, c)
    # Each tube is due by its own round's deadline.
    tube_round = c.tube_point // rnd.n_points if c.tube_point.size else np.empty(0, np.int64)
    tube_deadline = np.array([rnd.deadline_of(k) for k in range(c.rounds)])[tube_round]
    timeline = dict(c.timeline)
    timeline["tubes_at_lab"] = grid.counts(logi.at_lab)
    timeline["results_reported"] = grid.counts(logi.result, c.tube_size.astype(float))
    wait_all, wait, turnaround = _residents(c, logi.result)
    arrived = turnaround.size  # every resident sampled, at a point or at home
    positives = sum(len(v) for v in c.positive_tubes.values())
    seal = logi.seal_times()
    metrics = figures.metrics(
        c.stats, logi, c.tube_size, tube_deadline, wait, turnaround, arrived, positives, c.home_end
    )
    if rnd.places is not None:
        metrics |= figures.walking_metrics(c.walks, c.journeys, rnd.places.standard)
    labs = figures.lab_figures(logi)
    metrics["tubes_sent_on"] = float(labs["diverted_out"].sum())
    stages = figures.stage_means(logi, seal, wait)
    metrics["pickup_wait_mean_h"] = stages["waiting_for_pickup"]
    return ReplicationResult(
        metrics=metrics,
        timeline=timeline,
        points=figures.per_point(c.stats, c.rounds),
        wait_hist=wait_histogram(wait_all) if arrived else np.zeros(1),
        busiest=[(q, name, series) for q, _, name, series in sorted(c.busiest, reverse=True)],
        utilisation=_utilisation(grid, logi, max(a.size for a in timeline.values())),
        stages=stages,
        trace=_trace(rnd, c, logi, seal) if trace else None,
        groups=figures.group_figures(
            rnd,
            group_of_point,
            c.stats["arrived"],
            c.tube_point,
            c.tube_size,
            logi.result,
            wait_all,
            turnaround,
            tube_deadline,
        ),
        rounds=figures.round_figures(
            rnd, c.stats, tube_round, c.tube_size, logi, c.resident_tube, wait_all, tube_deadline
        )
        if rnd.campaign
        else [],
        deadline_met=rnd.deadline_met(figures.last_result_by_round(rnd, tube_round, logi.result)),
        compounds=figures.per_point(c.compounds, c.rounds, ("wait_mean_min", "journey_mean_min"))
        if c.compounds
        else {},
        labs=labs,
        routes=figures.route_figures(logi, seal) if logi.routes else {},
    )


def _residents(c: Crowd, result: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every resident's wait (NaN: swabbed at home), the waits of those who queued, and every resident's
    turnaround: their tube's result minus their own swab."""
    return c.waits, c.queued_waits(), _TURNAROUND(result, c.resident_tube, c.swab_ends)


@njit(cache=True, nogil=True)
def _turnaround(result, tube, swab_end):
    """result[tube] - swab_end in one pass: no 200 MB gathered copy first (a city's 25 million)."""
    out = np.empty(swab_end.size)
    for i in range(swab_end.size):
        out[i] = result[tube[i]] - swab_end[i]
    return out


def wait_histogram(wait_all: np.ndarray) -> np.ndarray:
    """Residents per WAIT_BIN_S of waiting, of those who queued (NaN: swabbed at home). The bin is the float32
    wait over a float32 bin, truncated (waits are >= 0, so truncation floors). Compiled, one pass: a city's
    25 million waits through numpy's temporaries took a third of a second."""
    return _HISTOGRAM(wait_all.astype(np.float32, copy=False), np.float32(WAIT_BIN_S))


@njit(cache=True, nogil=True)
def _histogram(wait, width):
    top = -1
    for w in wait:
        if not np.isnan(w):
            top = max(top, int(w / width))
    counts = np.zeros(top + 1, np.int64)
    for w in wait:
        if not np.isnan(w):
            counts[int(w / width)] += 1
    return counts


_TURNAROUND, _HISTOGRAM = kernel(_turnaround), kernel(_histogram)


def _utilisation(grid: Grid, logi: Logistics, rows: int) -> dict[str, np.ndarray]:
    util = {}
    for kind in RESOURCES:
        starts = [s for lab in logi.labs for s in lab.busy[kind].start]
        ends = [e for lab in logi.labs for e in lab.busy[kind].end]
        util[kind] = utilisation(
            grid, np.array(starts), np.array(ends), sum(lab.busy[kind].capacity for lab in logi.labs), rows
        )
    if len(logi.labs) > 1:  # each lab's PCR machines too, for the plot per lab
        for li, lab in enumerate(logi.labs):
            b = lab.busy["pcr_machines"]
            util[f"pcr_machines@{li}"] = utilisation(grid, np.array(b.start), np.array(b.end), max(b.capacity, 1), rows)
    return util


def _trace(rnd: Round, c: Crowd, logi: Logistics, seal: np.ndarray) -> Trace:
    ints = ("point", "table", "tube", "tube_table")
    cat = {k: np.concatenate(v) if v else np.empty(0, np.int64 if k in ints else float) for k, v in c.kept.items()}
    tubes = {
        "point": c.tube_point,
        "table": cat.pop("tube_table"),
        "size": c.tube_size,
        "sealed": seal,
        "picked": logi.picked,
        "at_lab": logi.at_lab,
        "plated": logi.plated,
        "plate": logi.plate_of,
        "result": logi.result,
        "lab": logi.ran_at,  # the lab that ran it (-1: not run)
        **{f"{k}_count": v for k, v in logi.handled.items()},
    }
    names = [g.point_name(i) for _ in range(c.rounds) for g in rnd.groups for i in range(g.count)]
    return Trace(cat, tubes, names, logi.retests)

"""A replication's figures from what its stages produced: results-v1 metrics, per point, per group, per
round of a campaign, and the mean time a tube spends in each stage."""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from sim.engine.kernels import kernel
from sim.engine.select import order_stats
from sim.scenario.places.map import within_standard
from sim.scenario.round import Round
from sim.scenario.rules import on_time

SELECT_FROM = 100_000  # from this many values a quantile selects without copying (engine/select.py)


@njit(cache=True, nogil=True)
def _wait_sums(wait, starts):
    """Per point (its residents from starts[k] to the next start): the sum of the float32 waits in float64,
    in order, as `np.add.reduceat(..., dtype=np.float64)` adds them, and how many; NaN (home) left out.
    One pass: numpy first made a float64 copy of a city's waits and two masks."""
    sums, counts = np.zeros(starts.size), np.zeros(starts.size)
    for k in range(starts.size):
        end = starts[k + 1] if k + 1 < starts.size else wait.size
        for i in range(starts[k], end):
            if not np.isnan(wait[i]):
                sums[k] += np.float64(wait[i])
                counts[k] += 1
    return sums, counts


@njit(cache=True, nogil=True)
def pairwise_sum(a, lo, n):
    """numpy's own float64 summation, so means agree to the bit: halves (cut at a multiple of 8) down to
    blocks of at most 128, each summed with eight accumulators, then left + right all the way up. Written
    with an explicit stack: numba's cache crashes on loading a recursive function."""
    start, length, stage = np.empty(64, np.int64), np.empty(64, np.int64), np.empty(64, np.int64)
    left = np.empty(64)
    start[0], length[0], stage[0], depth = lo, n, 0, 1
    while True:
        top = depth - 1
        if stage[top] == 0 and length[top] > 128:  # split: the left half first
            half = length[top] // 2
            half -= half % 8
            stage[top] = 1
            start[depth], length[depth], stage[depth] = start[top], half, 0
            depth += 1
            continue
        value = _block_sum(a, start[top], length[top])
        depth -= 1
        while depth:  # hand the value up: a left half waits for its right, a right half completes its parent
            parent = depth - 1
            if stage[parent] == 1:
                half = length[parent] // 2
                half -= half % 8
                left[parent], stage[parent] = value, 2
                start[depth], length[depth], stage[depth] = start[parent] + half, length[parent] - half, 0
                depth += 1
                break
            value = left[parent] + value
            depth -= 1
        if depth == 0:
            return value


@njit(cache=True, nogil=True)
def _block_sum(a, lo, n):
    if n < 8:
        res = 0.0
        for i in range(n):
            res += a[lo + i]
        return res
    r = a[lo : lo + 8].copy()
    i = 8
    while i < n - (n % 8):
        for j in range(8):
            r[j] += a[lo + i + j]
        i += 8
    res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
    while i < n:
        res += a[lo + i]
        i += 1
    return res


_WAIT_SUMS, _ORDER_STATS = kernel(_wait_sums), kernel(order_stats)

WALK_METRICS = (
    "walk_mean_min",
    "walk_p95_min",
    "walk_max_min",
    "within_walk_standard",
    "journey_mean_min",
    "journey_p95_min",
)


def worst_point(values: np.ndarray) -> float | None:
    """The largest of a per-point figure (None where no point has one: nobody came)."""
    return float(np.nanmax(values)) if np.isfinite(values).any() else None


def grouped_quantile(values: np.ndarray, groups: np.ndarray, n_groups: int, q: float) -> np.ndarray:
    """np.quantile(values[groups == g], q) for every g at once (linear interpolation; NaN for an empty group)."""
    out = np.full(n_groups, np.nan)
    if values.size == 0:
        return out
    # One sort on a combined key (group first, then value) is much cheaper than a two-key lexsort.
    v = np.asarray(values, np.float64)
    span = float(v.max() - v.min()) + 1.0
    order = np.argsort(groups * span + (v - v.min()))
    v, g = v[order], groups[order]
    counts = np.bincount(g, minlength=n_groups)
    first = np.concatenate(([0], np.cumsum(counts)[:-1]))
    has = counts > 0
    pos = q * (counts[has] - 1)
    lo = np.floor(pos).astype(np.int64)
    hi = np.minimum(lo + 1, counts[has] - 1)
    frac = pos - lo
    base = first[has]
    a, b = v[base + lo], v[base + hi]
    out[has] = a + (b - a) * frac
    return out


def walking_metrics(walks: list[np.ndarray], journeys: list[np.ndarray], standard: float) -> dict[str, float | None]:
    """Places metrics over the residents who came to a point (not those swabbed at home)."""
    walk = np.concatenate(walks).astype(np.float64) if walks else np.empty(0)
    journey = np.concatenate(journeys).astype(np.float64) if journeys else np.empty(0)
    if not walk.size:
        return dict.fromkeys(WALK_METRICS)
    return {
        "walk_mean_min": float(walk.mean()) / 60,
        "walk_p95_min": quantile(walk, 0.95) / 60,
        "walk_max_min": float(walk.max()) / 60,
        "within_walk_standard": float(np.mean(within_standard(walk, standard))),
        "journey_mean_min": float(journey.mean()) / 60,
        "journey_p95_min": quantile(journey, 0.95) / 60,
    }


def quantile(x: np.ndarray, q: float) -> float | None:
    """np.quantile(x, q) (linear), bit for bit, without its general machinery: a fifth of the time on a
    point's few thousand waits, which counts at 20,000 points; on a city's millions, the two order
    statistics found without a copy (`engine/select.py`). None when x is empty."""
    n = x.size
    if not n:
        return None
    lo, hi, t = quantile_ranks(n, q)
    if n >= SELECT_FROM:
        a, b, found = _ORDER_STATS(x, lo, hi)
        if found:  # numba hands back Python floats; the lerp is in x's own type
            return lerp(x.dtype.type(a), x.dtype.type(b), t)
    part = np.partition(x, (lo, hi) if hi > lo else lo)
    return lerp(part[lo], part[hi], t)


def quantile_ranks(n: int, q: float) -> tuple[int, int, float]:
    """np.quantile's linear rule: the two order statistics that bound the q-th quantile of n values and
    the weight between them."""
    virtual = (n - 1) * q
    lo = math.floor(virtual)
    return lo, min(lo + 1, n - 1), virtual - lo


def lerp(a, b, t: float) -> float:
    """numpy's own interpolation between two order statistics (in their own type: float32 stays float32)."""
    return float(b - (b - a) * (1 - t) if t >= 0.5 else a + (b - a) * t)


def mean_h(x: np.ndarray) -> float | None:
    return float(x.mean()) / 3600 if x.size and not math.isnan(x.mean()) else None


def metrics(stats, logi, tube_size, tube_deadline, wait, turnaround, arrived, n_positives, home_end) -> dict:
    """The results-v1 metrics of one replication (and two of natsim's own)."""
    queued = wait.size
    identified = logi.retests.identified()
    tubes = tube_size.size
    return {
        "residents_arrived": float(arrived),
        "tubes": float(tubes),
        "plates": float(logi.plates),
        "sampling_complete_h": float(np.nanmax(stats["last_service_h"])) if arrived else None,
        **logistics_ends(logi),
        "wait_mean_min": float(wait.mean(dtype=np.float64)) / 60 if queued else None,
        "wait_p95_min": quantile(wait, 0.95) / 60 if queued else None,
        "wait_max_min": float(wait.max()) / 60 if queued else None,
        "max_queue": float(np.nanmax(stats["max_queue"])) if arrived else None,
        "turnaround_mean_h": float(turnaround.mean()) / 3600 if arrived else None,
        "turnaround_p95_h": quantile(turnaround, 0.95) / 3600 if arrived else None,
        "reported_by_deadline": float(tube_size[logi.result <= tube_deadline].sum() / arrived) if arrived else None,
        "positives": float(n_positives),
        "identified_mean_h": float(identified.mean()) / 3600 if identified.size else None,
        "identified_max_h": float(identified.max()) / 3600 if identified.size else None,
        "home_visits_complete_h": home_end / 3600 if np.isfinite(home_end) else None,
        "retests": float(len(logi.retests)),
        "pickups": float(logi.pickups),
    }


def logistics_ends(logi) -> dict[str, float | None]:
    """When the last pooled result was reported and the last tube reached a lab (hours; None: no tubes).
    Sizing judges a plan on these alone, so it reads them without the other figures."""
    tubes = logi.result.size
    return {
        "results_complete_h": float(logi.result.max()) / 3600 if tubes else None,
        "last_tube_at_lab_h": float(np.max(logi.at_lab)) / 3600 if tubes else None,
    }


def stage_means(logi, seal: np.ndarray, wait: np.ndarray) -> dict[str, float | None]:
    """Mean hours a resident queues, and a tube spends in each stage after sealing."""
    return {
        "queue_at_point": float(wait.mean(dtype=np.float64)) / 3600 if wait.size else None,
        "waiting_for_pickup": mean_h(logi.picked - seal),
        "in_transit": mean_h(logi.at_lab - logi.picked),
        "lab_queue": mean_h(logi.plated - logi.at_lab),
        "lab_run": mean_h(logi.result - logi.plated),
    }


def per_point(
    stats: dict[str, np.ndarray], rounds: int, weighted: tuple[str, ...] = ("wait_mean_min",)
) -> dict[str, np.ndarray]:
    """One value per point (or compound) over a campaign's rounds: residents summed, means weighted by
    residents, the worst of the rest."""
    if rounds == 1:
        return stats
    by = {k: v.reshape(rounds, -1) for k, v in stats.items()}
    out = {k: np.fmax.reduce(v, axis=0) for k, v in by.items()}  # fmax skips NaN (a round nobody came to)
    out["arrived"] = arrived = np.nansum(by["arrived"], axis=0)
    for key in weighted:
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.nansum(by[key] * np.nan_to_num(by["arrived"]), axis=0) / arrived
        out[key] = np.where(arrived > 0, mean, np.nan)
    return out


def last_result_by_round(rnd: Round, tube_round: np.ndarray, result: np.ndarray) -> list[float | None]:
    """Each round's last pooled result (seconds on the campaign's clock; None: no tube that round)."""
    return [float(result[tube_round == k].max()) if np.any(tube_round == k) else None for k in range(rnd.rounds)]


def round_figures(rnd, stats, tube_round, tube_size, logi, resident_tube, wait, tube_deadline) -> list[dict]:
    """Each round of a campaign against its own deadline (times on the campaign's clock, and since the round's
    start)."""
    out = []
    last_service = stats["last_service_h"].reshape(rnd.rounds, -1)
    resident_round = tube_round[resident_tube] if resident_tube.size else np.empty(0, np.int64)
    for k, (plan, last) in enumerate(
        zip(rnd.campaign, last_result_by_round(rnd, tube_round, logi.result), strict=True)
    ):
        t = tube_round == k
        w = wait[resident_round == k]
        w = w[np.isfinite(w)]
        done = last / 3600 if last is not None else None
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
                "deadline_met": float(on_time(last, rnd.deadline_of(k))),
                "wait_mean_min": float(w.mean(dtype=np.float64)) / 60 if w.size else None,
                "wait_p95_min": quantile(w, 0.95) / 60 if w.size else None,
                "reported_by_deadline": float(tube_size[t][logi.result[t] <= tube_deadline[t]].sum() / n)
                if n
                else None,
                # Tubes of earlier rounds still without a result when this round opens: the lab's carried backlog.
                "backlog_at_start_tubes": float(np.sum((tube_round < k) & (logi.result > plan.offset))),
            }
        )
    return out


def group_figures(rnd, group_of_point, arrived, tube_point, tube_size, result, wait, turnaround, deadline) -> dict:
    """Each point group's own figures (key groups are reported separately). Residents are kept point after
    point (`arrived` of each), so sums over each point's residents (one pass, `np.add.reduceat`) add up to
    any group's: no per-resident mask per group, which cost a second on Shanghai's 25 million."""
    n_points = group_of_point.size
    people = np.nan_to_num(arrived).astype(np.int64)
    kept = people > 0
    starts = (np.cumsum(people) - people)[kept]

    wait_sum, wait_n, turnaround_sum = np.zeros(n_points), np.zeros(n_points), np.zeros(n_points)
    if wait.size:
        wait_sum[kept], wait_n[kept] = _WAIT_SUMS(wait, starts)  # residents swabbed at home have no wait
        turnaround_sum[kept] = np.add.reduceat(turnaround, starts, dtype=np.float64)
    tube_group = group_of_point[tube_point] if tube_point.size else np.empty(0, np.int64)
    names = [g.name for g in rnd.groups]
    out = {}
    for name in dict.fromkeys(names):  # rows of one points CSV share their file's name: one entry for them
        ids = [gi for gi, n in enumerate(names) if n == name]
        g = np.isin(group_of_point, ids)
        t = np.isin(tube_group, ids)
        n = int(people[g].sum())
        queued_n = wait_n[g].sum()
        out[name] = {
            "residents_arrived": float(n),
            "tubes": float(t.sum()),
            "results_complete_h": float(result[t].max()) / 3600 if t.any() else None,
            "wait_mean_min": float(wait_sum[g].sum() / queued_n) / 60 if queued_n else None,
            "turnaround_mean_h": float(turnaround_sum[g].sum() / n) / 3600 if n else None,
            "reported_by_deadline": float(tube_size[t][result[t] <= deadline[t]].sum() / n) if n else None,
        }
    return out


LAB_FIGURES = ("received", "diverted_out", "diverted_in", "run", "backlog_peak", "backlog_peak_h", "last_result_h")


def lab_figures(logi) -> dict[str, np.ndarray]:
    """Per lab (docs/labs.md): tubes received, sent on and taken in, run; the backlog's peak and when;
    the last pooled result it reported."""
    n = len(logi.labs)
    out = {k: np.array([lab.stats[k] for lab in logi.labs], float) for k in LAB_FIGURES[:5]}
    out["backlog_peak_h"] = np.array([lab.stats["backlog_peak_at"] for lab in logi.labs], float) / 3600
    last = np.full(n, np.nan)
    ran = logi.ran_at >= 0
    if ran.any():
        np.fmax.at(last, logi.ran_at[ran], logi.result[ran] / 3600)
    out["last_result_h"] = last
    return out


ROUTE_FIGURES = ("loops", "loop_mean_h", "tubes", "busiest_stop", "busiest_stop_wait_h")


def route_figures(logi, seal: np.ndarray) -> dict[str, np.ndarray]:
    """Per route (docs/routes.md): loops driven, their mean time, tubes carried, and the stop whose tubes
    waited longest for pickup on average (its index in the route, and that mean wait)."""
    out = {k: np.full(len(logi.routes), np.nan) for k in ROUTE_FIGURES}
    wait = logi.picked - seal
    for i, c in enumerate(logi.routes):
        out["loops"][i], out["tubes"][i] = c.loops, c.tubes
        out["loop_mean_h"][i] = c.driving / c.loops / 3600 if c.loops else np.nan
        # A stop's mean wait over its tubes in every round: the tubes' waits summed, then divided.
        sums = [sum(float(np.nansum(wait[_tubes(logi.point_tubes[p])])) for p in stop) for stop in c.copies]
        counts = [sum(logi.point_tubes[p].seal.size for p in stop) for stop in c.copies]
        means = [t / n if n else np.nan for t, n in zip(sums, counts, strict=True)]
        if means and np.isfinite(means).any():
            k = int(np.nanargmax(means))
            out["busiest_stop"][i], out["busiest_stop_wait_h"][i] = k, means[k] / 3600
    return out


def _tubes(p) -> slice:
    """A point's tubes (`PointTubes`) in the replication's tube arrays."""
    return slice(p.first_tube, p.first_tube + p.seal.size)

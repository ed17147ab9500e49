"""Validation cases: the engine against closed forms of queueing theory and of the lab and pooling rules.

Each case returns a `Case` with the expected value, the simulated value and its 95% interval, and
whether it passes. Steady-state cases pass when the expected value lies in the simulated 99.9% Student-t
interval (replications with fixed seeds); closed forms for fixed times must match exactly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import partial

import numpy as np
from scipy import stats

from sim.core.distributions import Fixed
from sim.core.queueing import erlang_c, mmc_queue_length, mmc_wait
from sim.core.streams import stream
from sim.engine.crowd import simulate_point
from sim.engine.logistics import Logistics, PointTubes
from sim.engine.replication import run_replication
from sim.scenario.build import round_from_text
from sim.scenario.round import Shifts

REPS = 8
RESIDENTS = 150_000  # per replication: long enough that the start-up transient is a small share
WARM_UP = 0.1  # share of the arrival period discarded as start-up
NEGLIGIBLE = 1e-3  # of a service time


@dataclass
class Case:
    name: str
    expected: float
    simulated: float
    ci95: tuple[float, float]
    passed: bool
    unit: str = ""


def _mmc_round(tables: int, service_s: float):
    return round_from_text(f"""
        name: M/M/c
        deadline: 30d
        arrivals: {{profile: [[0h, 1], [1h, 0]]}}
        sampling: {{service_time: {{dist: exponential, mean: {service_s}s}}, pool_size: 10}}
        points: [{{name: p, residents: 1, tables: {tables}, lab: l, travel_time: 10m}}]
        transport: {{vehicles: {{l: 1}}}}
        labs: [{{name: l, extractors: 1, pcr_machines: 1, extraction_time: 1h, pcr_time: 1h}}]
        """)


def _steady_state(tables: int, arrival_rate: float, service_s: float, seed: int, quantile: float | None = None):
    """(mean wait, time-average number waiting) in [warm-up, end of arrivals], one replication; with
    `quantile`, that quantile of the wait instead of the mean."""
    rnd = _mmc_round(tables, service_s)
    horizon = RESIDENTS / arrival_rate
    rnd = rnd.with_(profile=type(rnd.profile)(np.array([0.0, horizon]), np.array([1.0, 0.0])))
    c = simulate_point(rnd, tables, RESIDENTS, stream(seed, 0, 0, tables))
    t0 = WARM_UP * horizon
    keep = c.arrival >= t0
    wait = (c.start - c.arrival)[keep]
    # Time-average queue on [t0, horizon]: each resident waits on [arrival, start].
    area = np.clip(np.minimum(c.start, horizon) - np.maximum(c.arrival, t0), 0, None).sum()
    return (wait.mean() if quantile is None else float(np.quantile(wait, quantile))), area / (horizon - t0)


def _case(name: str, expected: float, samples: list[float], unit: str) -> Case:
    x = np.asarray(samples)
    m = float(x.mean())
    sem = float(x.std(ddof=1)) / math.sqrt(x.size)
    ci95 = (m - stats.t.ppf(0.975, x.size - 1) * sem, m + stats.t.ppf(0.975, x.size - 1) * sem)
    half999 = stats.t.ppf(0.9995, x.size - 1) * sem
    return Case(name, expected, m, ci95, abs(m - expected) <= half999, unit)


def mmc_cases() -> list[Case]:
    cases = []
    service_s = 30.0
    for tables in (1, 2, 10, 50, 200):
        for rho in (0.5, 0.7, 0.9):
            lam = rho * tables / service_s
            waits = [_steady_state(tables, lam, service_s, seed)[0] for seed in range(REPS)]
            expected = mmc_wait(lam, 1 / service_s, tables)
            name = f"M/M/{tables}, utilisation {rho:.1f}: mean wait"
            if expected < NEGLIGIBLE * service_s:
                # Waiting is too rare to estimate its mean from any finite run (Erlang C gives < 1e-3 of a
                # service time); what can be checked is that the simulated wait is negligible too.
                m = float(np.mean(waits))
                cases.append(
                    Case(name + " (negligible)", expected, m, (min(waits), max(waits)), m < NEGLIGIBLE * service_s, "s")
                )
            else:
                cases.append(_case(name, expected, waits, "s"))
    # The 95th percentile tells first-come-first-served from other orders (the mean does not):
    # FCFS gives P(W > t) = C(c, a) exp(-(c mu - lambda) t).
    for tables, rho in ((1, 0.7), (2, 0.9), (10, 0.9), (50, 0.95)):
        lam = rho * tables / service_s
        mu = 1 / service_s
        expected = math.log(erlang_c(tables, lam / mu) / 0.05) / (tables * mu - lam)
        p95 = [_steady_state(tables, lam, service_s, 200 + seed, quantile=0.95)[0] for seed in range(REPS)]
        cases.append(_case(f"M/M/{tables}, utilisation {rho:.2f}: 95th percentile wait (FCFS)", expected, p95, "s"))
    # Published: lambda = 9, mu = 5 per time unit (here a minute).
    for tables, lq, w in ((2, 7.674, 1.053), (4, 0.105, 0.212)):
        runs = [_steady_state(tables, 9 / 60, 12.0, 100 + seed) for seed in range(REPS)]
        assert math.isclose(mmc_queue_length(9, 5, tables), lq, abs_tol=5e-4)
        cases.append(_case(f"M/M/{tables}, lambda=9, mu=5: mean number waiting", lq, [r[1] for r in runs], ""))
        cases.append(
            _case(
                f"M/M/{tables}, lambda=9, mu=5: mean response time", w, [(r[0] + 12.0) / 60 for r in runs], "time units"
            )
        )
    return cases


def littles_law_cases() -> list[Case]:
    """Little's law on simulated output: area under the queue-length curve = sum of waits, exactly."""
    rnd = round_from_text(LITTLE)
    cases = []
    for seed in range(3):
        t = run_replication(rnd, seed, trace=True).trace.residents
        for p in np.unique(t["point"]):
            at = t["point"] == p
            a, s = t["arrival"][at], t["start"][at]
            times = np.concatenate([a, s])
            steps = np.concatenate([np.ones(a.size), -np.ones(s.size)])
            order = np.lexsort((steps, times))  # a start before an arrival at the same instant
            queue = np.cumsum(steps[order])
            area = float(np.sum(queue[:-1] * np.diff(times[order])))
            waits = float((s - a).sum())
            rel = abs(area - waits) / waits
            cases.append(
                Case(
                    f"Little's law, point {p}, replication {seed}: queue area = total wait (relative error)",
                    0.0,
                    rel,
                    (rel, rel),
                    rel < 1e-9,
                    "",
                )
            )
    return cases


LITTLE = """
name: Little
deadline: 12h
arrivals: {profile: [[-30m, 3], [0h, 5], [2h, 2], [5h, 0]]}
sampling: {service_time: {dist: gamma, mean: 40s, sd: 20s}, shifts: {length: 1h, handover: 10m, stagger: true}}
points: [{name: p, count: 3, residents: 900, tables: 2, lab: l, travel_time: 10m}]
transport: {vehicles: {l: 2}}
labs: [{name: l, extractors: 2, pcr_machines: 2, extraction_time: 1h, pcr_time: 1h}]
"""


def lab_cases() -> list[Case]:
    """N tubes reach the lab together, fixed times, PCR never the bottleneck (P >= E, pcr <= extraction):
    plate k of the full plates starts extraction at t0 + floor(k/E) e and reports at + e + p + r; a partial
    last plate starts when its extractor slot frees, but not before the oldest tube waited max_plate_wait."""
    cases = []
    e, p, r, mpw, t0 = 3600.0, 1800.0, 900.0, 2700.0, 1200.0
    for n, extractors, size in ((94, 1, 94), (500, 2, 94), (1000, 3, 94), (250, 4, 50), (10, 1, 94), (95, 1, 94)):
        rnd = round_from_text(_LAB.format(extractors=extractors, size=size))
        logi = Logistics(
            rnd,
            [PointTubes(0, 0, np.zeros(n), 0)],
            np.ones(n, np.int64),
            {},
            lambda t: 0,
            partial(stream, 0, 0, 2),
            [lambda: 600.0],
        )
        logi.run()
        plates = math.ceil(n / size)
        full = n // size
        done = [t0 + (k // extractors + 1) * e + p + r for k in range(full)]
        if n % size:
            slot = t0 + ((plates - 1) // extractors) * e
            done.append(max(slot, t0 + mpw) + e + p + r)
        cases.append(
            Case(
                f"lab: {n} tubes together, {extractors} extractor(s), plates of {size}: plates",
                plates,
                logi.plates,
                (logi.plates, logi.plates),
                logi.plates == plates,
            )
        )
        last = float(logi.result.max())
        cases.append(
            Case(
                f"lab: {n} tubes together, {extractors} extractor(s), plates of {size}: last result",
                max(done) / 3600,
                last / 3600,
                (last / 3600, last / 3600),
                math.isclose(last, max(done)),
                "h",
            )
        )
    return cases


_LAB = """
name: lab closed form
deadline: 2d
arrivals: {{profile: [[0h, 1], [1h, 0]]}}
sampling: {{service_time: 30s}}
points: [{{name: p, residents: 1, tables: 1, lab: l, travel_time: 10m}}]
transport: {{pickup_interval: 10h, vehicles: {{l: 1}}}}
labs: [{{name: l, extractors: {extractors}, pcr_machines: 8, plate_size: {size}, extraction_time: 1h, pcr_time: 30m,
         max_plate_wait: 45m, report_delay: 15m}}]
"""


def shift_cases() -> list[Case]:
    """N residents queued at the open, one table, fixed service s, shifts of length L and handover H:
    a table starts q = ceil(L / s) services per work period (the last one runs into the pause), so the
    last swab ends at k (L + H) + m s + s with k, m = divmod(N - 1, q)."""
    cases = []
    for n, s, length, handover in ((100, 60.0, 1800.0, 600.0), (37, 45.0, 1000.0, 300.0), (500, 30.0, 3600.0, 900.0)):
        rnd = round_from_text(LITTLE).with_(
            profile=type(round_from_text(LITTLE).profile)(np.array([-600.0, -300.0]), np.array([1.0, 0.0])),
            shifts=Shifts(length, handover, False),
            service=Fixed(s),
            turnout=1.0,
        )
        c = simulate_point(rnd, 1, n, stream(0, 0, 0, n))
        q = math.ceil(length / s)
        k, m = divmod(n - 1, q)
        expected = (k * (length + handover) + m * s + s) / 3600
        got = c.last_end / 3600
        cases.append(
            Case(
                f"shifts: {n} queued at the open, 1 table, {s:g} s service, {length / 60:g} min work + "
                f"{handover / 60:g} min handover: last swab",
                expected,
                got,
                (got, got),
                math.isclose(got, expected),
                "h",
            )
        )
    return cases


def pooling_cases() -> list[Case]:
    """Tubes filled at each table = ceiling(residents served there / pool size), for every table."""
    cases = []
    for pool in (1, 5, 10, 20):
        rnd = round_from_text(LITTLE).with_(pool_size=pool)
        t = run_replication(rnd, 0, trace=True).trace
        served = np.zeros((3, 2), int)
        np.add.at(served, (t.residents["point"], t.residents["table"]), 1)
        tubes = np.zeros((3, 2), int)
        np.add.at(tubes, (t.tubes["point"], t.tubes["table"]), 1)
        expected = -(-served // pool)
        ok = bool((tubes == expected).all())
        cases.append(
            Case(
                f"pooling {pool}-in-1: tubes per table = ceil(served / pool), all 6 tables (total)",
                float(expected.sum()),
                float(tubes.sum()),
                (float(tubes.sum()),) * 2,
                ok,
            )
        )
    return cases


def all_cases() -> list[Case]:
    return mmc_cases() + littles_law_cases() + shift_cases() + lab_cases() + pooling_cases()

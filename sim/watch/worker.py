"""Forecasts in a worker process, so that intake and the page never wait for one.

A job is plain data (the scenario's path, the snapshot's files and time, the options): the worker loads
the scenario once, reads the status as intake did (`intake.read_snapshot`) and runs `natsim forecast`'s
own `run_forecast`, options included (common random numbers). The result is forecast.json's content.
"""

from __future__ import annotations

import multiprocessing
import time
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from sim.watch.intake import Snapshot, read_snapshot


@dataclass(frozen=True)
class Job:
    scenario: Path
    files: dict[str, bytes]
    at: float
    replications: int
    adds: tuple[str, ...] = ()
    lang: str = "en"


@dataclass
class Done:
    result: dict | None
    error: str | None
    seconds: float = field(default=0.0)


@cache
def _loaded(path: Path, mtime: float):
    from sim.scenario.build import build_round
    from sim.scenario.load import load_scenario

    loaded = load_scenario(path)
    return loaded, build_round(loaded)


def run_job(job: Job) -> Done:
    """One forecast, as `natsim forecast SCENARIO STATUS --at TIME -r N --add ...` would make it."""
    from sim.core.i18n import set_language
    from sim.drill.forecast import ForecastError, parse_adds, run_forecast
    from sim.drill.log import DrillLogError
    from sim.drill.status import StatusError

    set_language(job.lang)
    began = time.perf_counter()
    loaded, rnd = _loaded(job.scenario, job.scenario.stat().st_mtime)
    try:
        status = read_snapshot(Snapshot(job.files), rnd, loaded.spec.start, job.at)
        result = run_forecast(rnd, status, job.replications, parse_adds(list(job.adds), rnd))
    except (StatusError, DrillLogError, ForecastError) as exc:
        return Done(None, str(exc), time.perf_counter() - began)
    result.pop("_outlooks")
    result.pop("_plans")
    return Done(result, None, time.perf_counter() - began)


class Worker:
    """One forecast at a time, in a spawned process (numba and threads do not survive a fork well)."""

    def __init__(self):
        self._pool = self._new()

    @staticmethod
    def _new() -> ProcessPoolExecutor:
        return ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))

    def submit(self, job: Job) -> Future:
        try:
            return self._pool.submit(run_job, job)
        except RuntimeError:  # the pool broke (its process was killed): a new one
            self._pool = self._new()
            return self._pool.submit(run_job, job)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

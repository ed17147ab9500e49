"""Forecasts in a worker process, so that intake and the page never wait for one.

A job is plain data (the scenario's path, the snapshot's files and time, the options): the worker loads
the scenario once, reads the status as intake did (`intake.read_snapshot`) and runs `natsim forecast`'s
own `run_forecast`, options included (common random numbers). The result is forecast.json's content.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
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
    from sim.feeds.log import DrillLogError
    from sim.feeds.status import StatusError
    from sim.forecast.outlook import ForecastError, parse_adds, run_forecast

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


def _leave_with(parent: int) -> None:
    """In the worker: end when the watch does, even when it was killed (SIGKILL leaves no time to say so)."""

    def check() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=check, daemon=True).start()


class Worker:
    """One forecast at a time, in a spawned process (numba and threads do not survive a fork well)."""

    def __init__(self):
        self._pool = self._new()
        self._processes: set = set()

    @staticmethod
    def _new() -> ProcessPoolExecutor:
        ctx = multiprocessing.get_context("spawn")
        return ProcessPoolExecutor(max_workers=1, mp_context=ctx, initializer=_leave_with, initargs=(os.getpid(),))

    def submit(self, job: Job) -> Future:
        before = set(multiprocessing.active_children())
        try:
            future = self._pool.submit(run_job, job)
        except RuntimeError:  # the pool broke (its process was killed): a new one
            self._pool = self._new()
            future = self._pool.submit(run_job, job)
        self._processes |= set(multiprocessing.active_children()) - before  # this pool's, to end on close
        return future

    def close(self) -> None:
        """Stop now: a forecast under way is abandoned (it has no result, so the next start runs it again)."""
        self._pool.shutdown(wait=False, cancel_futures=True)
        for child in self._processes:
            if child.is_alive():
                child.terminate()

"""Where sizing simulates: processes that keep the crowds they computed, and one lab part per task.

A task always goes to the same process for the same lab part and replication, so that process still
holds the crowd when only vehicles or instruments change. The crowds all processes keep together are
bounded by `CROWD_CACHE_RESIDENTS`, shared out evenly (least recently used dropped first).
"""

from __future__ import annotations

import multiprocessing as mp
from collections import OrderedDict
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np

from sim.engine import replication
from sim.engine.figures import logistics_ends, worst_point
from sim.engine.replication import run_replication
from sim.engine.sampling import Crowd, simulate_crowd
from sim.engine.timeline import Grid
from sim.report.bill import BILL_METRICS
from sim.scenario.round import Round

# Crowds kept by all local processes together (a crowd is about 24 bytes a resident, so at most about 3.8 GB): the
# plan being varied on every verification replication and its neighbours. Xi'an's 10 verification
# replications are 123 million residents; 60 million a process (two processes) dropped and re-simulated
# crowds whenever a check went round every lab.
CROWD_CACHE_RESIDENTS = 160_000_000
_crowds: OrderedDict[tuple, tuple[int, Crowd]] = OrderedDict()
_kept = 60_000_000  # this process's share: local processes are told theirs (`Workers`); a Dask worker keeps this


def keep_crowds(residents: int) -> None:
    """This process keeps crowds of at most this many residents (its share of `CROWD_CACHE_RESIDENTS`)."""
    global _kept
    _kept = residents


@dataclass(frozen=True)
class Outcome:
    """One lab's part of a plan in one replication (None: not simulated, or nobody there)."""

    worst_p95_wait_min: float | None
    sampling_complete_h: float | None
    results_complete_h: float | None = None
    last_tube_at_lab_h: float | None = None
    bill_inputs: tuple[dict, np.ndarray] | None = (
        None  # a whole round's figures for the bill, and each point's last swab
    )


def evaluate_part(part: Round, key: tuple, rep: int, logistics: bool) -> Outcome:
    """Simulate one lab's part of a plan (`Round.for_lab`) in one replication: its crowd (kept for the
    next call with the same points and tables) and, if asked, its logistics."""
    grid = Grid.for_round(part)
    entry = _crowds.pop((key, rep), None)
    crowd = entry[1] if entry else simulate_crowd(part, rep, grid)
    _crowds[(key, rep)] = (part.residents, crowd)
    while len(_crowds) > 1 and sum(n for n, _ in _crowds.values()) > _kept:
        _crowds.popitem(last=False)
    worst, sampled = worst_point(crowd.stats["wait_p95_min"]), worst_point(crowd.stats["last_service_h"])
    if not logistics:
        return Outcome(worst, sampled)
    ends = logistics_ends(replication.logistics(part, rep, crowd)[0])  # the other figures would be thrown away
    return Outcome(worst, sampled, ends["results_complete_h"], ends["last_tube_at_lab_h"])


def evaluate_whole(rnd: Round, rep: int) -> Outcome:
    """The whole round in one replication, as `natsim run` of the plan would simulate it."""
    m = run_replication(rnd, rep)
    return Outcome(
        worst_point(m.points["wait_p95_min"]),
        m.metrics["sampling_complete_h"],
        m.metrics["results_complete_h"],
        m.metrics["last_tube_at_lab_h"],
        ({k: m.metrics.get(k) for k in BILL_METRICS}, m.points["last_service_h"]),
    )


class Workers:
    """Processes that simulate plans. A task always goes to the same process for the same lab and
    replication, so that process still holds the crowd when only vehicles or instruments change. With a
    Dask scheduler address, tasks go to that cluster's workers instead (each keeps its own crowds; which
    worker runs a task changes where time is spent, never an answer: every task is a pure function)."""

    def __init__(self, jobs: int = 1, dask: str | None = None):
        self.jobs = max(1, jobs)
        self.dask = dask
        self._pools: list[ProcessPoolExecutor] = []
        self._client = None
        if self.jobs == 1 and not dask:
            keep_crowds(CROWD_CACHE_RESIDENTS)  # simulated here: this process keeps them all

    def run(self, fn, tasks: list[tuple[int, tuple]]) -> list:
        if self.dask:
            return self._on_dask(fn, tasks)
        if self.jobs == 1:
            return [fn(*args) for _, args in tasks]
        if not self._pools:
            ctx = mp.get_context("spawn")  # no fork of a process that may hold threads (numba, SimPy)
            share = (CROWD_CACHE_RESIDENTS // self.jobs,)
            self._pools = [
                ProcessPoolExecutor(1, mp_context=ctx, initializer=keep_crowds, initargs=share)
                for _ in range(self.jobs)
            ]
        futures = [self._pools[affinity % self.jobs].submit(fn, *args) for affinity, args in tasks]
        return [f.result() for f in futures]

    def _on_dask(self, fn, tasks: list[tuple[int, tuple]]) -> list:
        if self._client is None:
            try:
                from distributed import Client
            except ImportError as exc:
                raise RuntimeError("--dask needs the optional Dask extra: pip install 'natsim[dask]'") from exc
            self._client = Client(self.dask)
        futures = [self._client.submit(fn, *args, pure=False) for _, args in tasks]
        return self._client.gather(futures)

    def close(self) -> None:
        for pool in self._pools:
            pool.shutdown(cancel_futures=True)
        self._pools = []
        if self._client is not None:
            self._client.close()
            self._client = None


def crowd_share() -> int:
    """This process's share of the crowd budget, in residents (what `keep_crowds` set)."""
    return _kept


def clear_crowds() -> None:
    """Forget this process's crowds (they are keyed by values, not by scenario)."""
    _crowds.clear()

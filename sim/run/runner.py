"""Where replications run: in this process, on local worker processes, or on a Dask cluster.

A replication is a pure function of (round, replication number), so the results are the same
whichever way they run and in whatever order they finish; they are returned in replication order.
"""

from __future__ import annotations

import math
import multiprocessing
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager, nullcontext

from sim.core.stats import mean_ci95
from sim.engine.replication import ReplicationResult, run_replication
from sim.engine.timeline import Grid
from sim.report.summary import RunResult
from sim.scenario.round import Round

Progress = Callable[[int], None]  # called with the number of replications finished so far
Task = Callable[[Round, int, Grid], object]  # one replication's work


class Interrupted(Exception):
    """Ctrl-C or SIGTERM during replications; `finished` holds those completed, in replication order."""

    def __init__(self, finished: list[ReplicationResult]):
        super().__init__(f"interrupted after {len(finished)} replication(s)")
        self.finished = finished


# Set by a signal handler (natsim run's SIGTERM): the runs stop after the replication under way, so an
# interruption never lands inside numba or numpy, and what finished is kept.
STOP = threading.Event()


def replicate(
    rnd: Round,
    reps: Sequence[int],
    *,
    jobs: int = 1,
    dask: str | None = None,
    progress: Progress | None = None,
    grid: Grid | None = None,
    task: Task = run_replication,
    pool: ProcessPoolExecutor | None = None,
) -> list:
    """`task(rnd, rep, grid)` for every replication number (by default a whole replication; a forecast
    passes its own), in replication order. A task for processes or Dask must be picklable. `pool`: local
    workers kept across calls (`workers`), used in place of `jobs` fresh ones."""
    grid = grid or Grid.for_round(rnd)
    reps = list(reps)
    if dask:
        return _on_dask(rnd, reps, grid, dask, progress, task)
    if (pool is not None or jobs > 1) and len(reps) > 1:
        return _on_processes(rnd, reps, grid, jobs, progress, task, pool)
    out = []
    try:
        for k, rep in enumerate(reps, 1):
            out.append(task(rnd, rep, grid))
            if progress:
                progress(k)
            if STOP.is_set():
                raise KeyboardInterrupt
    except KeyboardInterrupt:
        raise Interrupted(out) from None
    return out


@contextmanager
def workers(jobs: int) -> Iterator[ProcessPoolExecutor | None]:
    """`jobs` local worker processes for several `replicate` calls in turn (a forecast's plan runs, then its
    replications): each starts, imports and loads the compiled kernels once, not once per call. None for one
    job (the replications run in this process)."""
    if jobs <= 1:
        yield None
        return
    with _pool(jobs) as pool:
        yield pool


def _pool(jobs: int) -> ProcessPoolExecutor:
    # spawn, not fork: workers start clean whatever threads the parent holds (the numba cache is on disk).
    return ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn"))


def _on_processes(rnd, reps, grid, jobs, progress, task, kept: ProcessPoolExecutor | None = None) -> list:
    with nullcontext(kept) if kept is not None else _pool(min(jobs, len(reps))) as pool:
        futures = {pool.submit(task, rnd, rep, grid): i for i, rep in enumerate(reps)}
        out: list[ReplicationResult | None] = [None] * len(reps)
        try:
            for k, f in enumerate(as_completed(futures), 1):
                out[futures[f]] = f.result()
                if progress:
                    progress(k)
                if STOP.is_set():
                    raise KeyboardInterrupt
        except KeyboardInterrupt:
            for f in futures:
                f.cancel()
            pool.shutdown(wait=False, cancel_futures=True)
            raise Interrupted(_leading(out)) from None
    return out  # type: ignore[return-value]


def _leading(out: list) -> list[ReplicationResult]:
    """The finished replications up to the first unfinished one, so kept results stay 0..k-1."""
    done = []
    for r in out:
        if r is None:
            break
        done.append(r)
    return done


def _on_dask(rnd, reps, grid, address, progress, task) -> list:
    try:
        from distributed import Client
        from distributed import as_completed as dask_completed
    except ImportError as exc:
        raise RuntimeError("--dask needs the optional Dask extra: pip install 'natsim[dask]'") from exc
    with Client(address) as client:
        futures = client.map(task, [rnd] * len(reps), reps, [grid] * len(reps), pure=False)
        try:
            for k, _ in enumerate(dask_completed(futures), 1):
                if progress:
                    progress(k)
                if STOP.is_set():
                    raise KeyboardInterrupt
        except KeyboardInterrupt:
            finished = _leading([f.result() if f.status == "finished" else None for f in futures])
            client.cancel(futures)
            raise Interrupted(finished) from None
        return client.gather(futures)


def run(
    rnd: Round,
    replications: int | None = None,
    *,
    jobs: int = 1,
    dask: str | None = None,
    progress: Progress | None = None,
) -> RunResult:
    grid = Grid.for_round(rnd)
    n = replications or rnd.replications
    return RunResult(rnd, grid, replicate(rnd, range(n), jobs=jobs, dask=dask, progress=progress, grid=grid))


def precise_enough(values: Sequence[float], relative: float) -> bool:
    """Is the 95% interval's half-width within `relative` of the mean?"""
    if len(values) < 2:
        return False
    m, (lo, hi) = mean_ci95(values)
    return (hi - lo) / 2 <= relative * abs(m)


def run_to_precision(
    rnd: Round,
    relative: float,
    start: int,
    cap: int,
    *,
    jobs: int = 1,
    dask: str | None = None,
    progress: Progress | None = None,
    metric: str = "results_complete_h",
) -> RunResult:
    """Add replications, a batch at a time, until the 95% interval of `metric` is within +-relative of
    its mean, or `cap` replications have run. The first batch is `start` (at least 2); each further one adds
    at least max(jobs, 2), up to the count the interval's shrinking as 1/sqrt(n) suggests."""
    grid = Grid.for_round(rnd)
    reps: list[ReplicationResult] = []
    n = max(start, 2)
    while True:
        done = len(reps)
        try:
            reps += replicate(
                rnd,
                range(done, n),
                jobs=jobs,
                dask=dask,
                grid=grid,
                progress=(lambda k, d=done: progress(d + k)) if progress else None,
            )
        except Interrupted as stop:
            raise Interrupted(reps + stop.finished) from None
        values = [r.metrics[metric] for r in reps if r.metrics[metric] is not None]
        if precise_enough(values, relative) or n >= cap:
            return RunResult(rnd, grid, reps)
        # Half-width shrinks as 1/sqrt(n): aim for the n that would reach the target, step at least a batch.
        m, (lo, hi) = mean_ci95(values)
        wanted = math.ceil(n * (((hi - lo) / 2) / (relative * abs(m) or 1)) ** 2)
        step = max(jobs, 2)
        n = min(cap, max(n + step, math.ceil(wanted / step) * step))

"""Replications give the same values however they run: in process, on processes, on Dask."""

from __future__ import annotations

import json

import pytest

from sim.core.stats import mean_ci95
from sim.run import runner
from sim.scenario.build import round_from_text


def _values(result) -> str:
    return json.dumps({k: v["values"] for k, v in result.summary()["metrics"].items()})


@pytest.fixture(scope="module")
def rnd(small_text):
    return round_from_text(small_text)


@pytest.fixture(scope="module")
def serial(rnd):
    return runner.run(rnd, 4)


def test_local_processes_give_identical_values(rnd, serial):
    assert _values(runner.run(rnd, 4, jobs=2)) == _values(serial)


def test_dask_cluster_gives_identical_values(rnd, serial):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        assert _values(runner.run(rnd, 4, dask=cluster.scheduler_address)) == _values(serial)


def test_replications_are_independent_and_reproducible(rnd, serial):
    # Replication 2 alone is the same as replication 2 of a longer run: streams are keyed, not sequential.
    alone = runner.replicate(rnd, [2])[0]
    assert alone.metrics == serial.reps[2].metrics
    assert len({r.metrics["wait_mean_min"] for r in serial.reps}) == 4


def test_progress_counts_up_to_the_total(rnd):
    seen = []
    runner.run(rnd, 3, progress=seen.append)
    assert seen == [1, 2, 3]


def test_precision_adds_replications_until_the_interval_is_narrow(rnd):
    result = runner.run_to_precision(rnd, 0.01, start=2, cap=40)
    values = [r.metrics["results_complete_h"] for r in result.reps]
    m, (lo, hi) = mean_ci95(values)
    assert len(values) > 2
    assert (hi - lo) / 2 <= 0.01 * m or len(values) == 40
    assert not runner.precise_enough(values[:2], 0.01)  # the start alone was not precise: it had to add


def test_precision_stops_at_the_cap(rnd):
    assert len(runner.run_to_precision(rnd, 1e-6, start=2, cap=5).reps) == 5

"""The watch's forecast is `natsim forecast`'s: the same numbers from the same status."""

from __future__ import annotations

import time

from sim.feeds.read import read_status
from sim.forecast.outlook import parse_adds, run_forecast
from sim.watch.worker import Job, Worker, run_job

H = 3600.0


def test_a_job_gives_what_run_forecast_gives(drill, scenario, export, tmp_path):
    rnd, _folder = drill
    snap = export(2.0)
    done = run_job(Job(scenario, snap.files, 2 * H, 4, ("vehicles.lab=2",)))
    assert done.error is None and done.seconds > 0
    for name, data in snap.files.items():
        (tmp_path / name).write_bytes(data)
    direct = run_forecast(rnd, read_status(tmp_path, rnd, 2 * H), 4, parse_adds(["vehicles.lab=2"], rnd))
    assert done.result["last_result_h"]["values"] == direct["last_result_h"]["values"]
    assert done.result["options"][0]["last_result_h"]["values"] == direct["options"][0]["last_result_h"]["values"]


def test_a_refused_option_or_status_is_a_result_that_says_so(scenario):
    done = run_job(Job(scenario, {"points.csv": b"point,time\n"}, 2 * H, 4))
    assert done.result is None and "missing column" in done.error


def test_the_worker_process_is_ended_with_the_watch(scenario, export):
    worker = Worker()
    future = worker.submit(Job(scenario, export(1.0).files, 1 * H, 2))
    assert future.result(timeout=300).error is None
    procs = list(worker._processes)
    worker.close()
    deadline = time.monotonic() + 20
    while any(p.is_alive() for p in procs) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert procs and not any(p.is_alive() for p in procs)

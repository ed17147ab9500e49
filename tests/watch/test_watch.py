"""Intake keeps time moving forward and takes each snapshot once; the scheduler forecasts the latest."""

from __future__ import annotations

import time

from sim.watch.intake import Snapshot
from sim.watch.state import state_json
from sim.watch.watch import Clock, Settings, Watch

H = 3600.0


def _wait_for_forecast(watch: Watch, timeout: float = 120.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = watch.tick()
        if done is not None:
            return done
        time.sleep(0.2)
    raise AssertionError("no forecast finished")


def test_older_snapshots_are_kept_but_do_not_move_time_back(scenario, drill_round, export, tmp_path):
    watch = Watch(Settings(scenario, tmp_path / "w", every=0, replications=2), drill_round, None)
    try:
        assert watch.take(export(2.0)).state == "accepted"
        assert watch.take(export(1.0)).state == "older"
        assert watch.take(export(2.0, "again")).state == "duplicate"
        assert watch.take(Snapshot({"points.csv": b"point,time\n"})).state == "refused"
        assert watch.store.latest_accepted().at_s == 2 * H
        assert len(watch.store.snapshots()) == 3
        assert "taken once" in watch.store.events("duplicate")[0][2]
    finally:
        watch.close()


def test_the_latest_snapshot_wins_and_at_most_one_forecast_per_every(scenario, drill_round, export, tmp_path):
    clock = Clock(None, replay_from=10 * H)  # the round's clock at 10 h
    watch = Watch(Settings(scenario, tmp_path / "w", every=4 * H, replications=2), drill_round, None, clock)
    try:
        watch.take(export(1.0))
        watch.tick()  # starts at once: nothing ran before
        watch.take(export(1.5))
        watch.take(export(2.0))
        first = _wait_for_forecast(watch)
        assert first.result["at_h"] == 1.0
        assert watch.tick() is None and watch.running() is None  # less than `every` since the first began
        watch.settings.every = 0.0  # as if four hours had passed
        second = _wait_for_forecast(watch)
        assert second.result["at_h"] == 2.0  # 1.5 h was never forecast: the latest won
        made = [f.snapshot for f in watch.store.forecasts()]
        assert made == [1, 3]
        state = state_json(watch).decode()
        assert '"forecasts":2' in state and '"clock_h":' in state
    finally:
        watch.close()


def test_an_interrupted_forecast_is_noted_and_run_again(scenario, drill_round, export, tmp_path):
    folder = tmp_path / "w"
    watch = Watch(Settings(scenario, folder, every=0, replications=2), drill_round, None)
    watch.take(export(1.0))
    watch.store.start_forecast(1)  # as if killed while it ran
    watch.close()
    again = Watch(Settings(scenario, folder, every=0, replications=2), drill_round, None)
    try:
        assert "forecast 1 of snapshot 1 was interrupted" in again.store.events("interrupted")[0][2]
        assert _wait_for_forecast(again).error is None
        assert [(f.snapshot, f.finished is not None) for f in again.store.forecasts()] == [(1, False), (1, True)]
    finally:
        again.close()
    assert len(Watch(Settings(scenario, folder), drill_round, None).store.events("interrupted")) == 1  # noted once


def test_the_clock_is_the_rounds():
    import datetime as dt

    started = dt.datetime.now() - dt.timedelta(hours=2)
    assert abs(Clock(started).now() - 2 * H) < 60
    aware = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))) - dt.timedelta(hours=3)
    assert abs(Clock(aware).now() - 3 * H) < 60
    assert Clock(None).now() is None
    replaying = Clock(None, speed=60.0, replay_from=5 * H)
    assert 5 * H <= replaying.now() < 5 * H + 600

"""The watch itself: takes snapshots in (checked, stored), keeps one forecast running for the latest,
and answers what the page shows. Threads: intake (HTTP and the feed folder), the scheduler; forecasts
run in the worker process."""

from __future__ import annotations

import datetime as dt
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path

from sim.core.i18n import _, language
from sim.scenario.round import Round
from sim.watch.feed import Feed
from sim.watch.intake import Snapshot, check
from sim.watch.store import Store
from sim.watch.worker import Done, Job, Worker


@dataclass
class Clock:
    """The watch's clock on the round's time: the wall clock against the scenario's start, or a replay's
    accelerated clock. `every` and "a snapshot from the future" are measured on it."""

    start: dt.datetime | None
    speed: float = 1.0
    replay_from: float | None = None  # round seconds at `wall0` when replaying
    wall0: float = field(default_factory=time.monotonic)

    def now(self) -> float | None:
        if self.replay_from is not None:
            return self.replay_from + (time.monotonic() - self.wall0) * self.speed
        if self.start is None:
            return None  # durations since a start nobody stated: no clock to compare with
        return (dt.datetime.now(self.start.tzinfo) - self.start).total_seconds()  # local time, or the start's zone

    def elapsed(self, since_wall: float) -> float:
        """Round seconds since a moment of the wall clock (time.monotonic)."""
        return (time.monotonic() - since_wall) * self.speed


@dataclass(frozen=True)
class Intake:
    """What became of a snapshot: its row, `accepted`, `older`, `refused` or `duplicate`, and why."""

    id: int | None
    state: str
    at: float | None
    problems: list[str]


@dataclass
class Settings:
    scenario: Path
    folder: Path
    every: float = 900.0
    replications: int = 20
    adds: tuple[str, ...] = ()


class Watch:
    def __init__(self, settings: Settings, rnd: Round, start: dt.datetime | None, clock: Clock | None = None):
        self.settings, self.rnd, self.start = settings, rnd, start
        self.clock = clock or Clock(start)
        self.store = Store(settings.folder)
        self.feed = Feed(settings.folder, {s.removeprefix("folder:") for s in self.store.sources()})
        self._intake = threading.Lock()
        self._schedule = threading.Lock()
        self._running: tuple[int, int, Future] | None = None  # forecast id, snapshot id, its future
        self._last_start: float | None = None
        self._worker: Worker | None = None
        self._stop = threading.Event()
        self.cache: tuple | None = None  # the page's data and what it was built from (sim.watch.state)
        self.cache_lock = threading.Lock()
        self._note_interrupted()

    def _note_interrupted(self) -> None:
        for f in self.store.forecasts():
            if f.finished is None and not any(
                e[2].startswith(f"forecast {f.id} ") for e in self.store.events("interrupted")
            ):
                self.store.log("interrupted", f"forecast {f.id} of snapshot {f.snapshot} was interrupted; run again")

    # --- intake ---------------------------------------------------------------------------------
    def take(self, snapshot: Snapshot) -> Intake:
        """Check and store one snapshot; the same content twice is taken once."""
        digest = snapshot.digest
        with self._intake:
            dup = self.store.snapshot_by_digest(digest)
            if dup is not None:
                self.store.log("duplicate", f"{snapshot.source}: the same as snapshot {dup}; taken once")
                return Intake(dup, "duplicate", None, [])
            checked = check(snapshot, self.rnd, self.start, self.clock.now())
            latest = self.store.latest_accepted()
            if checked.problems:
                state = "refused"
            elif latest is not None and checked.at < latest.at_s:
                state = "older"  # kept; the state now stays the latest's
            else:
                state = "accepted"
            sid = self.store.add_snapshot(snapshot.source, digest, checked.at, state, checked.problems, snapshot.files)
        return Intake(sid, state, checked.at, checked.problems)

    def refuse(self, source: str, problem: str) -> Intake:
        """A snapshot refused before it could be read (too large): kept with its reason, without its files."""
        sid = self.store.add_snapshot(source, None, None, "refused", [problem], {})
        return Intake(sid, "refused", None, [problem])

    def poll_feed(self) -> list[Intake]:
        return [self.take(s) for s in self.feed.scan()]

    # --- forecasts ------------------------------------------------------------------------------
    def tick(self) -> Done | None:
        """Collect a finished forecast; start one for the latest snapshot when due. The finished one, if any."""
        with self._schedule:
            done = self._collect()
            if self._running is not None:
                return done
            target = self.store.latest_accepted()
            if target is None or target.id in self.store.finished_snapshots():
                return done
            if self._last_start is not None and self.clock.elapsed(self._last_start) < self.settings.every:
                return done
            s = self.settings
            job = Job(s.scenario, self.store.files(target.id), target.at_s, s.replications, s.adds, language())
            fid = self.store.start_forecast(target.id)
            self._worker = self._worker or Worker()
            self._running = (fid, target.id, self._worker.submit(job))
            self._last_start = time.monotonic()
            return done

    def _collect(self) -> Done | None:
        if self._running is None or not self._running[2].done():
            return None
        fid, _sid, future = self._running
        self._running = None
        try:
            done = future.result()
        except Exception as exc:  # the worker process died or the job raised: a result that says so
            done = Done(None, _("the forecast failed: {error}").format(error=repr(exc)))
        self.store.finish_forecast(fid, done.seconds, done.result, done.error)
        return done

    def running(self) -> tuple[int, int] | None:
        return None if self._running is None else self._running[:2]

    def loop(self, poll: float = 0.5, on_done=None) -> None:
        """The feed and the scheduler until `stop()`."""
        while not self._stop.is_set():
            self.poll_feed()
            done = self.tick()
            if done is not None and on_done is not None:
                on_done(done)
            self._stop.wait(poll)

    def stop(self) -> None:
        self._stop.set()

    def stopped(self) -> bool:
        return self._stop.is_set()

    def close(self) -> None:
        self.stop()
        if self._worker is not None:
            self._worker.close()
        self.store.close()

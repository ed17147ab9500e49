"""Fixtures of the watch's tests: the drill round as a scenario file, its simulated log, exports of it."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

from sim.feeds.log import format_time
from sim.scenario.build import round_from_text
from sim.watch.intake import Snapshot
from sim.watch.replay import export_at, read_rows

H = 3600.0


@pytest.fixture
def scenario(tmp_path, drill_text) -> Path:
    path = tmp_path / "drill.yaml"
    path.write_text(drill_text, encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def log_rows(drill):
    """The drill fixture's complete log as rows (no start: times since the round's start)."""
    _rnd, folder = drill
    return read_rows(folder, None)


@pytest.fixture
def export(log_rows):
    """export(hours) -> the snapshot a scanner system exports at that time (no row or time after it)."""

    def make(hours: float, source: str = "test") -> Snapshot:
        return Snapshot(export_at(log_rows, hours * H), format_time(hours * H, None), source)

    return make


@pytest.fixture
def drill_round(drill_text):
    return round_from_text(drill_text)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Running:
    """A `natsim watch` process serving on localhost, its token, and helpers to talk to it."""

    def __init__(self, started: Callable[..., subprocess.Popen], scenario: Path, feed: Path, args: tuple[str, ...]):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.token_file = feed.parent / f"{feed.name}.token"
        self.proc = started(
            "watch",
            str(scenario),
            "--feed",
            str(feed),
            "--serve",
            f"127.0.0.1:{self.port}",
            "--token-file",
            str(self.token_file),
            *args,
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                self.state()
                break
            except OSError:
                assert self.proc.poll() is None, self.proc.stdout.read().decode()
                time.sleep(0.2)
        self.token = self.token_file.read_text().strip()

    def state(self) -> dict:
        with urllib.request.urlopen(self.url + "/api/state", timeout=30) as r:
            return json.loads(r.read())

    def post(self, snap: Snapshot, token: str | None = None) -> tuple[int, str]:
        """POST the snapshot's files (multipart, as curl -F does); (status, body)."""
        boundary = "natsimtestboundary"
        parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="at"\r\n\r\n{snap.at_text}\r\n'.encode()]
        for name, data in snap.files.items():
            head = f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{name}"\r\n'
            parts.append(head.encode() + b"Content-Type: text/csv\r\n\r\n" + data + b"\r\n")
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        req = urllib.request.Request(self.url + "/api/snapshots", data=body, method="POST")
        req.add_header("Content-Type", f"multipart/form-data; boundary={boundary}")
        req.add_header("Authorization", f"Bearer {token or self.token}")
        try:
            with urllib.request.urlopen(req, timeout=120) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def wait(self, test, timeout: float = 240.0) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            s = self.state()
            if test(s):
                return s
            time.sleep(0.3)
        raise AssertionError(f"the watch never got there: {self.state()}")

    def kill(self) -> None:
        """SIGKILL, as a power cut or the OOM killer would; the worker then ends by itself."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)


@pytest.fixture
def start_watch(natsim_started):
    """start_watch(scenario, feed, *args) -> a running `natsim watch --serve`; every one is ended after the test."""
    started: list[Running] = []

    def start(scenario: Path, feed: Path, *args: str) -> Running:
        started.append(Running(natsim_started, scenario, feed, args))
        return started[-1]

    yield start
    for w in started:
        w.stop()

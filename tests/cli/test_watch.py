"""`natsim watch` as an operator starts it: bad options exit 2 with a message, never a traceback; the
folder alone (no page) takes a replayed drill and prints each forecast."""

from __future__ import annotations

import os
import signal
import time

import pytest


@pytest.fixture
def scenario(tmp_path, drill_text):
    path = tmp_path / "drill.yaml"
    path.write_text(drill_text)
    return path


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--add", "vehicles.nowhere=2"), "no lab named 'nowhere'"),
        (("--serve", "localhost:http"), "--serve localhost:http: write HOST:PORT"),
        (("--every", "15"), "--every"),
        (("--replay", "no/such/folder"), "--replay no/such/folder: no such folder"),
    ],
)
def test_bad_options_exit_2_with_a_message(natsim, scenario, tmp_path, args, message):
    r = natsim("watch", str(scenario), "--feed", str(tmp_path / "feed"), *args)
    assert r.returncode == 2 and message in r.stderr and "Traceback" not in r.stderr


def test_a_replay_into_the_folder_alone_prints_the_forecasts(natsim_started, scenario, drill, tmp_path):
    _rnd, log = drill
    feed = tmp_path / "feed"
    proc = natsim_started(
        "watch",
        str(scenario),
        "--feed",
        str(feed),
        "--replay",
        str(log),
        "--speed",
        "3600",
        "--replay-step",
        "30m",
        "--every",
        "0s",
        "-r",
        "2",
        text=True,
    )
    try:
        lines = []
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and sum("met with probability" in x for x in lines) < 2:
            lines.append(proc.stdout.readline())
        assert sum("met with probability" in x for x in lines) >= 2, "".join(lines)
        assert lines[0].startswith("Token for posting snapshots (shown once")
        assert any(p.name.startswith("replay-") for p in feed.iterdir())
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)

"""`natsim watch` under load, as a command room uses it: 20 screens reading the page and its data while a
city system posts a snapshot every 5 s for 2 minutes, on the county-town example (a places scenario,
176,000 residents). Snapshots are counts at successive times from one traced replication, 20 minutes of
the round apart. Reports failed requests, the data's latency (median, p95, max), and each forecast's
time against --every. Run (nice: the machine is shared):

    nice .venv/bin/python benchmarks/watch.py [SECONDS] [CLIENTS]
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np

from sim.engine.replication import run_replication
from sim.feeds.counts import write_counts
from sim.scenario.build import build_round
from sim.scenario.load import load_scenario
from sim.watch.store import Store

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "county-town-map.yaml"
EVERY = 30.0  # seconds: --every
POST_EVERY = 5.0
STEP_H = 1 / 3  # round hours between snapshots


def post(url: str, token: str, files: dict[str, bytes]) -> int:
    boundary = "natsimbenchmark"
    parts = []
    for name, data in files.items():
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{name}"\r\n\r\n'
        parts.append(head.encode() + data + b"\r\n")
    req = urllib.request.Request(url + "/api/snapshots", data=b"".join(parts) + f"--{boundary}--\r\n".encode())
    req.add_header("Content-Type", f"multipart/form-data; boundary={boundary}")
    req.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(req, timeout=60) as r:
        return r.status


def reader(url: str, stop: threading.Event, latencies: list[float], failures: list[str]) -> None:
    """One screen: the page once, then its data every second, as the page's script polls it."""
    try:
        urllib.request.urlopen(url + "/", timeout=30).read()
    except OSError as exc:
        failures.append(f"page: {exc}")
    while not stop.is_set():
        t0 = time.perf_counter()
        try:
            with urllib.request.urlopen(url + "/api/state", timeout=30) as r:
                json.loads(r.read())
            latencies.append(time.perf_counter() - t0)
        except (OSError, ValueError) as exc:
            failures.append(f"data: {exc}")
        stop.wait(1.0)


def _lags(feed: Path) -> list[float]:
    """Seconds from each forecast's snapshot arriving to its result."""
    store = Store(feed)
    received = {s.id: dt.datetime.fromisoformat(s.received) for s in store.snapshots()}
    out = [
        (dt.datetime.fromisoformat(f.finished) - received[f.snapshot]).total_seconds()
        for f in store.forecasts()
        if f.finished
    ]
    store.close()
    return out


def main(seconds: float, clients: int) -> None:
    rnd = build_round(load_scenario(SCENARIO))
    trace = run_replication(rnd, 0, trace=True).trace
    with tempfile.TemporaryDirectory() as tmp, socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        url, token_file = f"http://127.0.0.1:{port}", Path(tmp) / "token"
        cmd = [
            sys.executable,
            "-m",
            "sim",
            "watch",
            str(SCENARIO),
            "--feed",
            str(Path(tmp) / "feed"),
            "--serve",
            f"127.0.0.1:{port}",
            "--every",
            f"{EVERY:g}s",
            "--token-file",
            str(token_file),
            "-r",
            "20",
        ]
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            while True:
                try:
                    urllib.request.urlopen(url + "/api/state", timeout=5).read()
                    break
                except OSError:
                    time.sleep(0.3)
            token = token_file.read_text().strip()
            stop, latencies, failures = threading.Event(), [], []
            threads = [threading.Thread(target=reader, args=(url, stop, latencies, failures)) for _ in range(clients)]
            for t in threads:
                t.start()
            begin, k, posted = time.monotonic(), 0, 0
            while time.monotonic() - begin < seconds:
                k += 1
                folder = Path(tmp) / f"s{k}"
                write_counts(trace, rnd, (1 + k * STEP_H) * 3600, folder)
                try:
                    posted += (
                        post(url, token, {n: (folder / n).read_bytes() for n in ("points.csv", "labs.csv")}) == 200
                    )
                except (OSError, urllib.error.HTTPError) as exc:
                    failures.append(f"post: {exc}")
                time.sleep(max(0.0, begin + k * POST_EVERY - time.monotonic()))
            time.sleep(EVERY)  # the last forecast started may finish
            stop.set()
            for t in threads:
                t.join()
            state = json.loads(urllib.request.urlopen(url + "/api/state", timeout=30).read())
            lags = _lags(Path(tmp) / "feed")
        finally:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    lat = np.array(latencies) * 1000
    took = [t["seconds"] for t in state["track"]]
    print(
        f"{SCENARIO.name}: {clients} clients for {seconds:g} s; {posted} of {k} snapshots accepted, one every "
        f"{POST_EVERY:g} s"
    )
    print(f"requests: {lat.size} data reads, {len(failures)} failed" + (f" (first: {failures[0]})" if failures else ""))
    print(f"data latency: median {np.median(lat):.1f} ms, p95 {np.percentile(lat, 95):.1f} ms, max {lat.max():.1f} ms")
    print(
        f"forecasts: {len(took)} made (--every {EVERY:g}s), each took {min(took):.1f}-{max(took):.1f} s "
        f"(mean {np.mean(took):.1f} s); within --every: {sum(t <= EVERY for t in took)} of {len(took)}"
    )
    print(
        "each forecast: "
        + ", ".join(f"{t:.1f} s" for t in took)
        + " (the first includes loading the scenario in the worker)"
    )
    print("from its snapshot's arrival to its result: " + ", ".join(f"{x:.1f} s" for x in lags))
    print(
        f"the latest forecast is from the status at {state['now']['at_h']:.2f} h; the latest snapshot at "
        f"{state['latest']['at_h']:.2f} h"
    )


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 120.0, int(sys.argv[2]) if len(sys.argv) > 2 else 20)

"""The page speaks English and Chinese from the catalog, fetches nothing from elsewhere, and (in headless
Chromium) shows a new forecast after a snapshot is posted, without a reload."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import socket
import subprocess
import time
import urllib.request

import pytest

from sim.watch.page import LABELS, labels, page_html
from sim.watch.watch import Settings, Watch

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def test_every_word_of_the_page_is_translated(scenario, drill_round, tmp_path):
    en, zh = labels("en"), labels("zh")
    assert en == dict(LABELS)
    untranslated = [k for k in LABELS if zh[k] == en[k]]
    assert not untranslated
    for k in LABELS:  # the placeholders the script fills survive translation
        assert set(re.findall(r"\{(\w+)\}", zh[k])) == set(re.findall(r"\{(\w+)\}", en[k])), k
    watch = Watch(Settings(scenario, tmp_path / "w"), drill_round, None)
    page = page_html(watch, "zh")
    watch.close()
    assert "实时预测" in page and '<html lang="zh-CN">' in page
    assert not re.findall(r"(?:src|href)=[\"']?(?:https?:)?//", page)  # nothing from the internet
    assert "@font-face" in page and "data:font/woff;base64," in page  # Chinese without a system font


def _evaluate(ws_url: str, expression: str):
    """One Runtime.evaluate over the DevTools protocol (tornado's websocket client, from the test extras)."""
    from tornado.websocket import websocket_connect

    async def run():
        conn = await websocket_connect(ws_url)
        conn.write_message(
            json.dumps(
                {"id": 1, "method": "Runtime.evaluate", "params": {"expression": expression, "returnByValue": True}}
            )
        )
        while True:
            msg = json.loads(await conn.read_message())
            if msg.get("id") == 1:
                conn.close()
                return msg["result"]["result"].get("value")

    return asyncio.run(run())


def _browser(url: str, profile):
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("CI needs Chromium for the page test (.ci/run installs Debian's chromium)")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    args = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        f"--remote-debugging-port={port}",
        url,
    ]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=5) as r:
                pages = [p for p in json.loads(r.read()) if p.get("type") == "page"]
            if pages:
                return proc, pages[0]["webSocketDebuggerUrl"]
        except OSError:
            pass
        time.sleep(0.3)
    proc.kill()
    raise AssertionError("Chromium did not start")


def _until(ws: str, expression: str, timeout: float = 240.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = _evaluate(ws, expression)
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"never true in the page: {expression}; page: {_evaluate(ws, 'document.body.innerText')}")


def test_the_page_shows_a_new_forecast_without_a_reload(scenario, export, tmp_path, start_watch):
    w = start_watch(scenario, tmp_path / "feed", "--every", "0s", "-r", "4")
    assert w.post(export(1.0))[0] == 200
    w.wait(lambda s: s["counts"]["forecasts"] == 1)
    browser, ws = _browser(w.url + "/?lang=en", tmp_path / "profile")
    try:
        _until(ws, "document.body.dataset.forecasts === '1'")
        first = _evaluate(ws, "document.getElementById('made-line').textContent")
        assert "From the status at 1.0 h" in first
        _evaluate(ws, "window.notReloaded = 42")
        assert w.post(export(2.5))[0] == 200
        _until(ws, "document.body.dataset.forecasts === '2'")
        assert _evaluate(ws, "window.notReloaded") == 42
        assert "From the status at 2.5 h" in _evaluate(ws, "document.getElementById('made-line').textContent")
        assert _evaluate(ws, "document.querySelectorAll('#track-svg circle.track-point').length") == 2
        assert "Deadline 12 h met with probability" in _evaluate(
            ws, "document.getElementById('verdict-line').textContent"
        )
        hosts = _evaluate(ws, "performance.getEntriesByType('resource').map(e => new URL(e.name).host)")
        assert hosts and set(hosts) == {f"127.0.0.1:{w.port}"}  # the page asks only the watch
    finally:
        browser.kill()
        browser.wait(timeout=30)

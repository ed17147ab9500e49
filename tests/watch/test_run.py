"""Killed (SIGKILL) in the middle of intake and of a forecast, the watch restarts with every snapshot it
acknowledged and every finished forecast, and runs the interrupted forecast again."""

from __future__ import annotations

import sqlite3
import threading

from sim.watch.store import Store


def test_killed_during_intake_and_during_a_forecast_nothing_is_lost(scenario, export, tmp_path, start_watch):
    feed = tmp_path / "feed"
    args = ("--every", "0s", "-r", "4")
    w = start_watch(scenario, feed, *args)
    acknowledged: dict[float, int] = {}

    def send(hours: float) -> None:
        try:
            code, body = w.post(export(hours))
        except OSError:  # killed before it answered: not acknowledged, so the sender sends it again
            return
        if code == 200:
            acknowledged[hours] = int(body.split('"snapshot":')[1].split(",")[0])

    send(0.5)
    threads = [threading.Thread(target=send, args=(0.5 + 0.25 * k,), daemon=True) for k in range(1, 12)]
    for t in threads:
        t.start()
    while not len(acknowledged) > 1:  # intake under way: kill while the rest are being checked and stored
        threads[0].join(0.01)
    w.kill()
    before = dict(acknowledged)

    w = start_watch(scenario, feed, *args)
    s = w.wait(lambda s: s["counts"]["forecasts"] >= 1)
    kept = {x.id: x for x in Store(feed).snapshots()}
    assert all(sid in kept and kept[sid].state == "accepted" for sid in before.values())
    db = sqlite3.connect(feed / "watch.sqlite")
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    with_files = {r[0] for r in db.execute("SELECT DISTINCT snapshot FROM snapshot_files")}
    assert all(
        sid in with_files for sid, x in kept.items() if x.state == "accepted"
    )  # a snapshot and its files, or neither
    finished = {t["forecast"] for t in s["track"]}

    w.post(export(4.0))  # a new latest: its forecast starts; kill it while it runs
    running = w.wait(lambda s: s["running"] is not None and s["running"]["at_h"] == 4.0)["running"]
    w.kill()

    w = start_watch(scenario, feed, *args)
    s = w.wait(lambda s: any(t["snapshot"] == running["snapshot"] and t["error"] is None for t in s["track"]))
    assert finished <= {t["forecast"] for t in s["track"]}
    assert running["forecast"] not in {t["forecast"] for t in s["track"]}  # it never finished; it ran again
    assert (
        f"forecast {running['forecast']} of snapshot {running['snapshot']} was interrupted; run again"
        in s["interrupted"]
    )
    assert s["now"]["at_h"] == 4.0
    code, _body = w.post(export(4.5))
    assert code == 200  # and the watch goes on

"""The store keeps everything, rewrites nothing, and survives being reopened."""

from __future__ import annotations

import sqlite3

import pytest

from sim.watch.store import Store


def test_rows_come_back_after_a_reopen_and_cannot_be_changed(tmp_path):
    store = Store(tmp_path)
    sid = store.add_snapshot("post:x", "abc", 7200.0, "accepted", [], {"points.csv": b"a,b\n1,2\n"})
    bad = store.add_snapshot("folder:y", "def", None, "refused", ["points.csv:2: point: unknown point 'q'"], {})
    fid = store.start_forecast(sid)
    store.finish_forecast(fid, 1.5, {"deadline_met_probability": 1.0}, None)
    running = store.start_forecast(sid)
    store.close()

    again = Store(tmp_path)
    assert [s.state for s in again.snapshots()] == ["accepted", "refused"]
    assert again.snapshots("refused")[0].problems == ["points.csv:2: point: unknown point 'q'"]
    assert again.files(sid) == {"points.csv": b"a,b\n1,2\n"} and again.files(bad) == {}
    done, interrupted = again.forecasts()
    assert done.result == {"deadline_met_probability": 1.0} and done.seconds == 1.5
    assert interrupted.id == running and interrupted.finished is None
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        again._db.execute("UPDATE snapshots SET state = 'accepted' WHERE id = ?", (bad,))
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        again._db.execute("DELETE FROM results")
    assert again._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_the_latest_accepted_is_by_time_then_arrival(tmp_path):
    store = Store(tmp_path)
    a = store.add_snapshot("a", "1", 5.0, "accepted", [], {})
    store.add_snapshot("b", "2", 3.0, "older", [], {})
    b = store.add_snapshot("c", "3", 5.0, "accepted", [], {})
    assert store.latest_accepted().id == b != a
    with pytest.raises(sqlite3.IntegrityError):  # one row per content
        store.add_snapshot("d", "1", 6.0, "accepted", [], {})
    assert len(store.snapshots()) == 3  # the failed insert left nothing behind


def test_the_track_reads_only_what_it_draws(tmp_path):
    store = Store(tmp_path)
    sid = store.add_snapshot("a", "1", 3600.0, "accepted", [], {})
    big = {
        "deadline_met_probability": 0.5,
        "deadline_met_ci95": [0.1, 0.9],
        "points": [{"point": "p"}] * 1000,
        "last_result_h": {"mean": 11.0, "prediction95": [10.0, 12.0], "values": [11.0] * 20},
    }
    ok = store.start_forecast(sid)
    store.finish_forecast(ok, 1.0, big, None)
    failed = store.start_forecast(sid)
    store.finish_forecast(failed, 0.1, None, "the forecast failed")
    store.start_forecast(sid)  # running: not on the track
    a, b = store.track()
    assert a.result == {
        "deadline_met_probability": 0.5,
        "deadline_met_ci95": [0.1, 0.9],
        "last_result_h": {"mean": 11.0, "prediction95": [10.0, 12.0]},
    }
    assert b.error == "the forecast failed" and b.result["last_result_h"]["mean"] is None
    assert store.result(ok) == big and store.result(failed) is None
    assert store.finished_snapshots() == {sid}

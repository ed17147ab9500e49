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

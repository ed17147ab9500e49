"""The watch's memory: one SQLite file (stdlib sqlite3, WAL) in the feed folder, append-only.

Every snapshot (accepted, older or refused, with its problems and its files), every forecast started
and every result is a row inserted in a transaction; triggers refuse UPDATE and DELETE, so nothing the
watch was told is ever lost or rewritten. A forecast started and without a result was interrupted
(the process was killed): the watch runs it again at its next start.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import threading
import zlib
from dataclasses import dataclass
from pathlib import Path

DATABASE = "watch.sqlite"
TABLES = ("snapshots", "snapshot_files", "forecasts", "results", "events", "tokens")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS snapshots(
    id INTEGER PRIMARY KEY, received TEXT NOT NULL, source TEXT NOT NULL, digest TEXT UNIQUE,
    at_s REAL, state TEXT NOT NULL CHECK (state IN ('accepted', 'older', 'refused')), problems TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS snapshot_files(
    snapshot INTEGER NOT NULL REFERENCES snapshots(id), name TEXT NOT NULL, data BLOB NOT NULL,
    PRIMARY KEY (snapshot, name));
CREATE TABLE IF NOT EXISTS forecasts(
    id INTEGER PRIMARY KEY, snapshot INTEGER NOT NULL REFERENCES snapshots(id), started TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS results(
    forecast INTEGER PRIMARY KEY REFERENCES forecasts(id), finished TEXT NOT NULL, seconds REAL NOT NULL,
    result TEXT, error TEXT);
CREATE TABLE IF NOT EXISTS events(id INTEGER PRIMARY KEY, time TEXT NOT NULL, kind TEXT NOT NULL, text TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tokens(id INTEGER PRIMARY KEY, created TEXT NOT NULL, sha256 TEXT NOT NULL);
"""


def _append_only(table: str) -> str:
    return "".join(
        f"CREATE TRIGGER IF NOT EXISTS {table}_no_{op} BEFORE {op.upper()} ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END;"
        for op in ("update", "delete")
    )


def now_utc() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class SnapshotRow:
    id: int
    received: str
    source: str
    digest: str | None
    at_s: float | None
    state: str
    problems: list[str]


@dataclass(frozen=True)
class ForecastRow:
    id: int
    snapshot: int
    started: str
    finished: str | None
    seconds: float | None
    result: dict | None
    error: str | None


class Store:
    """The database; one connection, used under a lock by the watch's threads."""

    def __init__(self, folder: Path):
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / DATABASE
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._lock = threading.Lock()
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")  # a committed row survives a power cut too
            self._db.execute("PRAGMA foreign_keys=ON")
            self._db.executescript(_SCHEMA + "".join(_append_only(t) for t in TABLES))

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _insert(self, statements: list[tuple[str, tuple]]) -> int:
        """Run inserts in one transaction; the first one's row id."""
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                first = None
                for sql, args in statements:
                    cur = self._db.execute(sql, args)
                    first = cur.lastrowid if first is None else first
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return int(first)

    def _rows(self, sql: str, args: tuple = ()) -> list[tuple]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    # --- snapshots ------------------------------------------------------------------------------
    def add_snapshot(
        self,
        source: str,
        digest: str | None,
        at_s: float | None,
        state: str,
        problems: list[str],
        files: dict[str, bytes],
    ) -> int:
        """The snapshot and its files (compressed), in one transaction."""
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                cur = self._db.execute(
                    "INSERT INTO snapshots(received, source, digest, at_s, state, problems) VALUES (?, ?, ?, ?, ?, ?)",
                    (now_utc(), source, digest, at_s, state, json.dumps(problems, ensure_ascii=False)),
                )
                sid = int(cur.lastrowid)
                self._db.executemany(
                    "INSERT INTO snapshot_files(snapshot, name, data) VALUES (?, ?, ?)",
                    [(sid, name, zlib.compress(data, 6)) for name, data in sorted(files.items())],
                )
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return sid

    def snapshot_by_digest(self, digest: str) -> int | None:
        rows = self._rows("SELECT id FROM snapshots WHERE digest = ?", (digest,))
        return int(rows[0][0]) if rows else None

    def snapshots(self, state: str | None = None) -> list[SnapshotRow]:
        sql = "SELECT id, received, source, digest, at_s, state, problems FROM snapshots"
        rows = self._rows(
            sql + (" WHERE state = ? ORDER BY id" if state else " ORDER BY id"), (state,) if state else ()
        )
        return [SnapshotRow(*r[:6], json.loads(r[6])) for r in rows]

    def sources(self) -> set[str]:
        return {r[0] for r in self._rows("SELECT source FROM snapshots")}

    def files(self, snapshot: int) -> dict[str, bytes]:
        rows = self._rows("SELECT name, data FROM snapshot_files WHERE snapshot = ?", (snapshot,))
        return {name: zlib.decompress(data) for name, data in rows}

    def latest_accepted(self) -> SnapshotRow | None:
        """The state now: the accepted snapshot with the latest TIME (the later one on a tie)."""
        rows = self.snapshots("accepted")
        return max(rows, key=lambda s: (s.at_s, s.id)) if rows else None

    # --- forecasts ------------------------------------------------------------------------------
    def start_forecast(self, snapshot: int) -> int:
        return self._insert([("INSERT INTO forecasts(snapshot, started) VALUES (?, ?)", (snapshot, now_utc()))])

    def finish_forecast(self, forecast: int, seconds: float, result: dict | None, error: str | None) -> None:
        text = None if result is None else json.dumps(result, ensure_ascii=False)
        self._insert(
            [
                (
                    "INSERT INTO results(forecast, finished, seconds, result, error) VALUES (?, ?, ?, ?, ?)",
                    (forecast, now_utc(), seconds, text, error),
                )
            ]
        )

    def finished_snapshots(self) -> set[int]:
        """Snapshots with a finished forecast (a result or an error)."""
        return {r[0] for r in self._rows("SELECT f.snapshot FROM forecasts f JOIN results r ON r.forecast = f.id")}

    def track(self) -> list[ForecastRow]:
        """Every finished forecast with only what the track draws (SQLite reads it out of the JSON): a day of a
        city's forecasts is too much to parse whole every time the page's data changes."""
        rows = self._rows(
            "SELECT f.id, f.snapshot, f.started, r.finished, r.seconds, "
            "json_object('deadline_met_probability', json_extract(r.result, '$.deadline_met_probability'), "
            "'deadline_met_ci95', json_extract(r.result, '$.deadline_met_ci95'), "
            "'last_result_h', json_object('mean', json_extract(r.result, '$.last_result_h.mean'), "
            "'prediction95', json_extract(r.result, '$.last_result_h.prediction95'))), r.error "
            "FROM forecasts f JOIN results r ON r.forecast = f.id ORDER BY f.id"
        )
        return [ForecastRow(*r[:5], json.loads(r[5]) if r[5] else None, r[6]) for r in rows]

    def result(self, forecast: int) -> dict | None:
        rows = self._rows("SELECT result FROM results WHERE forecast = ?", (forecast,))
        return json.loads(rows[0][0]) if rows and rows[0][0] else None

    def forecasts(self) -> list[ForecastRow]:
        rows = self._rows(
            "SELECT f.id, f.snapshot, f.started, r.finished, r.seconds, r.result, r.error "
            "FROM forecasts f LEFT JOIN results r ON r.forecast = f.id ORDER BY f.id"
        )
        return [ForecastRow(*r[:5], json.loads(r[5]) if r[5] else None, r[6]) for r in rows]

    # --- events and the token -------------------------------------------------------------------
    def log(self, kind: str, text: str) -> None:
        self._insert([("INSERT INTO events(time, kind, text) VALUES (?, ?, ?)", (now_utc(), kind, text))])

    def events(self, kind: str | None = None) -> list[tuple[str, str, str]]:
        sql = "SELECT time, kind, text FROM events" + (" WHERE kind = ?" if kind else "") + " ORDER BY id"
        return self._rows(sql, (kind,) if kind else ())

    def token_hash(self) -> str | None:
        rows = self._rows("SELECT sha256 FROM tokens ORDER BY id DESC LIMIT 1")
        return rows[0][0] if rows else None

    def set_token_hash(self, sha256: str) -> None:
        self._insert([("INSERT INTO tokens(created, sha256) VALUES (?, ?)", (now_utc(), sha256))])

    def version(self) -> tuple[int, int, int]:
        """Changes whenever anything the page shows does: (snapshots, forecasts, results)."""
        row = self._rows(
            "SELECT (SELECT COUNT(*) FROM snapshots), (SELECT COUNT(*) FROM forecasts), (SELECT COUNT(*) FROM results)"
        )[0]
        return int(row[0]), int(row[1]), int(row[2])

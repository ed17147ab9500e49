"""A snapshot of the round's status as it arrives: its files (a counts folder's points.csv and labs.csv,
or a drill log export's swabs.csv and tubes.csv, docs/forecast.md), when it was read, and whether the
forecast can use it.

The status is read by the forecast's own reader (`sim.feeds.read.read_status`, called in one place:
`read_snapshot`), so a snapshot is refused for exactly what `natsim forecast` refuses, with the same
`file:line: column: message` problems. The watch adds what only a stream of snapshots can get wrong: no
time at all, and a time after the watch's clock (a snapshot from the future).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import math
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sim.core.durations import DurationError
from sim.core.i18n import _
from sim.feeds.log import DrillLogError, parse_time
from sim.feeds.read import read_status
from sim.feeds.status import Status, StatusError
from sim.scenario.round import Round

# The files a status holds, and the columns of each that carry times (docs/forecast.md, docs/drill-log.md).
TIME_COLUMNS = {
    "points.csv": ("time",),
    "labs.csv": ("time",),
    "swabs.csv": ("joined", "swabbed"),
    "tubes.csv": ("sealed", "picked_up", "at_lab", "reported"),
}
AT_FILE = "at.txt"  # optional, in a folder: the time the status was read (as `natsim forecast --at`)
FUTURE_SLACK = 300.0  # seconds a snapshot's time may run ahead of the watch's clock (clocks differ)


@dataclass(frozen=True)
class Snapshot:
    """What came in: file name -> bytes, the time it was read when the sender said so, where it came from."""

    files: dict[str, bytes]
    at_text: str = ""
    source: str = ""

    @property
    def digest(self) -> str:
        """The content's hash: the same files (and stated time) sent twice are one snapshot."""
        h = hashlib.sha256(self.at_text.strip().encode())
        for name in sorted(self.files):
            h.update(b"\0" + name.encode() + b"\0" + hashlib.sha256(self.files[name]).digest())
        return h.hexdigest()


@dataclass(frozen=True)
class Checked:
    """The verdict on a snapshot: its time (seconds on the round's clock) and its problems (none: usable)."""

    at: float | None
    problems: list[str]


def from_folder(folder: Path) -> Snapshot:
    files = {name: (folder / name).read_bytes() for name in TIME_COLUMNS if (folder / name).is_file()}
    at = (folder / AT_FILE).read_text(encoding="utf-8").strip() if (folder / AT_FILE).is_file() else ""
    return Snapshot(files, at, f"folder:{folder.name}")


def read_snapshot(snapshot: Snapshot, rnd: Round, start: dt.datetime | None, at: float) -> Status:
    """The status the forecast reads from these files at `at` (StatusError or DrillLogError if it cannot)."""
    with tempfile.TemporaryDirectory(prefix="natsim-snapshot-") as tmp:
        folder = Path(tmp)
        for name, data in snapshot.files.items():
            (folder / name).write_bytes(data)
        try:
            return read_status(folder, rnd, at, start)
        except DrillLogError as exc:  # its message names the file by its path: name it as the sender did
            raise DrillLogError(str(exc).replace(f"{folder}/", "")) from None
        except StatusError as exc:
            raise StatusError([p.replace(f"{folder}/", "") for p in exc.problems]) from None


def latest_time(snapshot: Snapshot, start: dt.datetime | None) -> tuple[float, str] | None:
    """The latest time in the snapshot's rows and where it is (`file:line: column`); None if it has none."""
    best: tuple[float, str] | None = None
    for name, data in sorted(snapshot.files.items()):
        try:
            reader = csv.DictReader(io.StringIO(data.decode("utf-8-sig")))
            for line, row in enumerate(reader, start=2):
                for col in TIME_COLUMNS[name]:
                    try:
                        t = parse_time(row.get(col) or "", start)
                    except (ValueError, DurationError):
                        continue  # the status reader names it
                    if not math.isnan(t) and (best is None or t > best[0]):
                        best = (t, f"{name}:{line}: {col}")
        except (UnicodeDecodeError, csv.Error):
            continue
    return best


def check(snapshot: Snapshot, rnd: Round, start: dt.datetime | None, now: float | None) -> Checked:
    """Everything `natsim forecast` would refuse in this status, and a time missing or in the future."""
    unknown = [n for n in snapshot.files if n not in TIME_COLUMNS]
    if unknown or not snapshot.files:
        names = ", ".join(TIME_COLUMNS)
        return Checked(
            None,
            [_("{file}: not a status file; a snapshot holds {names}").format(file=f, names=names) for f in unknown]
            or [_("no files: a snapshot holds {names}").format(names=names)],
        )
    bad = [n for n, data in snapshot.files.items() if not _utf8(data)]
    if bad:
        return Checked(None, [_("{file}:1: not UTF-8 text (export the CSV as UTF-8)").format(file=n) for n in bad])
    at, where = _time(snapshot, start)
    if isinstance(at, str):
        return Checked(None, [at])
    if now is not None and at > now + FUTURE_SLACK:
        return Checked(
            at,
            [
                _("{where}: {time} is after the watch's clock ({now}): a snapshot from the future").format(
                    where=where, time=_clock(at, start), now=_clock(now, start)
                )
            ],
        )
    try:
        read_snapshot(snapshot, rnd, start, at)
    except DrillLogError as exc:
        return Checked(at, [str(exc)])
    except StatusError as exc:
        return Checked(at, list(exc.problems))
    return Checked(at, [])


def _time(snapshot: Snapshot, start: dt.datetime | None) -> tuple[float | str, str]:
    """The snapshot's time (the sender's `at`, else the latest in its rows) and where it was read; or a problem."""
    if snapshot.at_text.strip():
        try:
            at = parse_time(snapshot.at_text, start)
        except (ValueError, DurationError) as exc:
            return _("at: unreadable time {text!r}: {error}").format(text=snapshot.at_text, error=exc), ""
        return at, "at"
    found = latest_time(snapshot, start)
    if found is None:
        return _("no time in any row: give the time the status was read (at)"), ""
    return found


def _utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _clock(seconds: float, start: dt.datetime | None) -> str:
    if start is None:
        return _("{h:.2f} h").format(h=seconds / 3600)
    return (start + dt.timedelta(seconds=seconds)).isoformat(timespec="minutes")

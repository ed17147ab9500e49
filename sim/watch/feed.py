"""The feed folder: each sub-folder a city's system drops there is one snapshot (docs/watch.md).

A folder is taken once its files have stopped changing between two scans (a system that writes the
files in place is not read half-written; one that writes elsewhere and renames is taken at the next
scan). Folders whose names start with `.` or `_` are the sender's own (work in progress) and skipped.
"""

from __future__ import annotations

from pathlib import Path

from sim.watch.intake import AT_FILE, TIME_COLUMNS, Snapshot, from_folder


def _signature(folder: Path) -> tuple:
    out = []
    for name in (*TIME_COLUMNS, AT_FILE):
        p = folder / name
        if p.is_file():
            s = p.stat()
            out.append((name, s.st_size, s.st_mtime_ns))
    return tuple(out)


class Feed:
    """New, settled sub-folders of `folder`, each returned once (those in `taken` never)."""

    def __init__(self, folder: Path, taken: set[str]):
        self.folder = folder
        self.taken = set(taken)
        self._seen: dict[str, tuple] = {}

    def scan(self) -> list[Snapshot]:
        ready = []
        for sub in sorted(p for p in self.folder.iterdir() if p.is_dir() and p.name[0] not in "._"):
            if sub.name in self.taken:
                continue
            sig = _signature(sub)
            if sig and self._seen.get(sub.name) == sig:
                ready.append(from_folder(sub))
                self.taken.add(sub.name)
                self._seen.pop(sub.name)
            else:
                self._seen[sub.name] = sig
        return ready

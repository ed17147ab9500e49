"""Results folders read back (`natsim report`, compare from folders): one checked reader for the JSON and
CSV files natsim wrote, so that a damaged folder (invalid or truncated JSON, keys missing, a CSV cut short)
is refused with what is wrong in it, at its file and line, instead of a traceback or a page of empty
tables."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from pathlib import Path

from sim.core.i18n import _
from sim.scenario.problems import Problem

# The keys every results file's page reads (dotted: nested), checked before a page is drawn.
SUMMARY_KEYS = ("scenario", "replications", "deadline_h", "deadline_met_fraction", "metrics", "plan")
POINTS_COLUMNS = ("name", "lab", "residents", "arrived", "wait_p95_min")


class FolderError(Exception):
    """A results folder natsim cannot read back: every problem found, one per line."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FolderError([Problem(str(path), None, (), _("missing: the folder is not complete"))]) from None
    except OSError as exc:
        raise FolderError(
            [Problem(str(path), None, (), _("cannot read the file: {reason}").format(reason=exc.strerror))]
        ) from None
    except UnicodeDecodeError:
        raise FolderError([Problem(str(path), None, (), _("not UTF-8 text: the file is damaged"))]) from None


def read_json(path: Path, keys: Sequence[str] = ()) -> dict:
    """A JSON object with every key of `keys` (dotted for nested keys), or FolderError."""
    text = _text(path)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        where = _("not valid JSON ({error}, column {column}): the file is damaged or cut short").format(
            error=exc.msg, column=exc.colno
        )
        raise FolderError([Problem(str(path), exc.lineno, (), where)]) from None
    except (ValueError, RecursionError) as exc:
        raise FolderError([Problem(str(path), None, (), _("not valid JSON: {error}").format(error=exc))]) from None
    if not isinstance(data, dict):
        raise FolderError([Problem(str(path), None, (), _("not a JSON object: the file is damaged"))])
    missing = [k for k in keys if not _has(data, k.split("."))]
    if missing:
        message = _("missing key(s) {keys}: the file is damaged or not natsim's").format(keys=", ".join(missing))
        raise FolderError([Problem(str(path), None, (), message)])
    return data


def _has(data: object, parts: list[str]) -> bool:
    for part in parts:
        if not isinstance(data, dict) or part not in data:
            return False
        data = data[part]
    return True


def read_csv(path: Path, columns: Sequence[str] = (), optional: bool = True, rows: bool = False) -> list[dict]:
    """A results CSV as rows (dicts by column). `optional`: a missing file is no rows; `columns` must be in
    the header; `rows`: at least one row. A row with fewer or more cells than the header, or a last line
    with no line end (natsim ends every line), is a file cut short: FolderError at that line."""
    if optional and not path.exists():
        return []
    text = _text(path)
    shown = str(path)
    problems: list[Problem] = []
    reader = csv.reader(io.StringIO(text, newline=""))
    lines: list[tuple[int, list[str]]] = []  # (line the record ends on, its cells)
    try:
        for cells in reader:
            lines.append((reader.line_num, cells))
    except csv.Error as exc:
        raise FolderError(
            [Problem(shown, reader.line_num, (), _("not a readable CSV: {error}").format(error=exc))]
        ) from None
    if not lines or not any(lines[0][1]):
        raise FolderError([Problem(shown, 1, (), _("no header: the file is empty or damaged"))])
    header = [c.strip() for c in lines[0][1]]
    if missing := [c for c in columns if c not in header]:
        problems.append(
            Problem(
                shown,
                1,
                (),
                _("missing column(s) {missing}; the file has {have}").format(
                    missing=", ".join(missing), have=", ".join(header)
                ),
            )
        )
    out = []
    for line, cells in lines[1:]:
        if not cells:  # a blank line
            continue
        if len(cells) != len(header):
            problems.append(
                Problem(
                    shown,
                    line,
                    (),
                    _("{n} of {m} cells: the file is cut short or damaged").format(n=len(cells), m=len(header)),
                )
            )
            continue
        out.append(dict(zip(header, cells, strict=True)))
    if text and not text.endswith(("\n", "\r")) and not problems:
        problems.append(Problem(shown, lines[-1][0], (), _("the last line has no line end: the file is cut short")))
    if rows and not out and not problems:
        problems.append(Problem(shown, None, (), _("no rows: the file is cut short")))
    if problems:
        raise FolderError(problems)
    return out


def expect_rows(path: Path, rows: list[dict], n: object, source: str) -> None:
    """A table whose rows another file counts (points.csv against summary.json's plan): a file cut at a
    line end has fewer rows and no other mark."""
    if isinstance(n, int) and not isinstance(n, bool) and len(rows) != n:
        message = _("{rows:,} rows where {source} counts {n:,}: the file is cut short or damaged").format(
            rows=len(rows), source=source, n=n
        )
        raise FolderError([Problem(str(path), None, (), message)])


def damaged(path: Path, exc: Exception) -> FolderError:
    """A page that could not be drawn from a file that passed its checks (a value of the wrong kind, a
    nested key missing): the file named, never a traceback."""
    what = (
        _("a key is missing: {key}").format(key=exc.args[0] if exc.args else exc)
        if isinstance(exc, KeyError)
        else _("a value of the wrong kind ({error})").format(error=exc)
    )
    return FolderError(
        [
            Problem(
                str(path),
                None,
                (),
                _("cannot be read back, {what}: the file is damaged or not natsim's").format(what=what),
            )
        ]
    )

"""A problem in a scenario (or one of its files): where, which key, what is wrong, in a planner's words."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    path: tuple[str | int, ...]
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        key = format_path(self.path)
        return f"{where}: {key}: {self.message}" if key else f"{where}: {self.message}"


class ScenarioError(Exception):
    """One or more problems in a scenario file; `str()` lists them one per line."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def format_path(path: tuple[str | int, ...]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def line_for(lines: dict[tuple, int], path: tuple) -> int | None:
    """The line of a key path, or of the nearest key above it that has one."""
    while path not in lines and path:
        path = path[:-1]
    return lines.get(path)


def csv_problems(shown: str, line: int, rows_errors: list[dict]) -> list[Problem]:
    """pydantic errors of one CSV row as problems at that row."""
    return [Problem(shown, line, tuple(err["loc"]), err["msg"].removeprefix("Value error, ")) for err in rows_errors]

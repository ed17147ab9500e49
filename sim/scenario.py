"""Load a scenario file: safe YAML with line numbers -> `spec.Scenario` -> cross-key checks.

Every problem becomes a `Problem(file, line, key path, message)`; `ScenarioError` carries them all so
a planner fixes the whole file in one go instead of one error per run.
"""

from __future__ import annotations

import csv
import difflib
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from sim import spec

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_YAML_NODES = 200_000  # guards against alias bombs as well as plain huge files
_UNION_TAGS = {"group", "file", *spec.EVENT_KINDS}


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


@dataclass(frozen=True)
class LoadedScenario:
    spec: spec.Scenario
    path: Path
    text: str
    points_files: dict[str, list[tuple[int, spec.PointGroup]]]  # file name -> (line, validated row)


# --- YAML with line numbers -------------------------------------------------------------------


def _line_map(node: yaml.Node, file: str) -> tuple[dict[tuple, int], list[Problem]]:
    """Map each key path to its 1-based line; also report duplicate keys, which YAML hides."""
    lines: dict[tuple, int] = {}
    problems: list[Problem] = []
    visits = 0
    stack: list[tuple[yaml.Node, tuple]] = [(node, ())]
    while stack:
        n, path = stack.pop()
        visits += 1
        if visits > MAX_YAML_NODES:
            raise ScenarioError(
                [
                    Problem(
                        file,
                        None,
                        (),
                        f"the file has more than {MAX_YAML_NODES:,} YAML values "
                        "(or aliases that expand to that many); refusing to read it",
                    )
                ]
            )
        lines.setdefault(path, n.start_mark.line + 1)
        if isinstance(n, yaml.MappingNode):
            seen: set = set()
            for k, v in n.value:
                key = k.value if isinstance(k, yaml.ScalarNode) else str(k.value)
                if key in seen:
                    problems.append(Problem(file, k.start_mark.line + 1, path + (key,), "key given twice"))
                seen.add(key)
                lines[path + (key,)] = k.start_mark.line + 1
                stack.append((v, path + (key,)))
        elif isinstance(n, yaml.SequenceNode):
            for i, v in enumerate(n.value):
                stack.append((v, path + (i,)))
    return lines, problems


def _read_yaml(text: str, file: str) -> tuple[Any, dict[tuple, int]]:
    loader = None
    try:
        loader = yaml.SafeLoader(text)  # the reader already refuses control characters here
        node = loader.get_single_node()
        if node is None:
            raise ScenarioError([Problem(file, None, (), "the file is empty")])
        lines, problems = _line_map(node, file)
        if problems:
            raise ScenarioError(problems)
        data = loader.construct_document(node)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        what = getattr(exc, "problem", None) or str(exc)
        raise ScenarioError([Problem(file, mark.line + 1 if mark else None, (), f"not valid YAML: {what}")]) from None
    except RecursionError:
        raise ScenarioError([Problem(file, None, (), "the YAML is nested too deeply to be a scenario")]) from None
    finally:
        if loader is not None:
            loader.dispose()
    return data, lines


def _line_for(lines: dict[tuple, int], path: tuple) -> int | None:
    while path not in lines and path:
        path = path[:-1]
    return lines.get(path)


# --- pydantic errors -> planner's messages -----------------------------------------------------


def _model_at(path: tuple) -> list[type[BaseModel]]:
    """The model classes whose keys are allowed at `path` (for 'did you mean ...')."""
    models: list[Any] = [spec.Scenario]
    for part in path:
        nxt: list[Any] = []
        for m in models:
            if isinstance(part, int):
                nxt.extend(_models_in(m))
            elif isinstance(m, type) and issubclass(m, BaseModel) and part in m.model_fields:
                nxt.extend(_models_in(m.model_fields[part].annotation))
        models = nxt
    return [m for m in models if isinstance(m, type) and issubclass(m, BaseModel)]


def _models_in(tp: Any) -> list[Any]:
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return [tp]
    out: list[Any] = []
    for arg in typing.get_args(tp):
        out.extend(_models_in(arg))
    return out


def _problem_from_error(err: dict, file: str, lines: dict[tuple, int]) -> Problem:
    path = tuple(p for p in err["loc"] if not (isinstance(p, str) and p in _UNION_TAGS))
    msg = err["msg"].removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        key = path[-1]
        known = sorted({k for m in _model_at(path[:-1]) for k in m.model_fields})
        guess = difflib.get_close_matches(str(key), known, n=1, cutoff=0.5)
        msg = f"unknown key '{key}'" + (f" (did you mean '{guess[0]}'?)" if guess else f"; known keys: {', '.join(known)}")
    elif err["type"] == "missing":
        msg = "required key is missing"
    elif err["type"] == "greater_than" and err.get("ctx", {}).get("gt") == 0:
        msg = f"must be positive (got {err.get('input')!r})"
    elif err["type"].startswith(("greater_than", "less_than")):
        msg = f"{msg} (got {err.get('input')!r})"
    return Problem(file, _line_for(lines, path), path, msg)


# --- cross-key checks --------------------------------------------------------------------------


def _points_file(entry: spec.PointFile, base: Path, file: str, line: int | None, at: tuple) -> tuple[list, list[Problem]]:
    csv_path = base / entry.file
    shown = str(csv_path)
    try:
        text = csv_path.read_text(encoding="utf-8")
    except OSError as exc:
        return [], [Problem(file, line, at + ("file",), f"cannot read points file {shown}: {exc.strerror}")]
    rows: list[tuple[int, spec.PointGroup]] = []
    problems: list[Problem] = []
    reader = csv.DictReader(text.splitlines())
    wanted = ["name", "residents", "tables", "lab", "travel_time"]
    missing = [c for c in wanted if c not in (reader.fieldnames or [])]
    if missing:
        return [], [Problem(shown, 1, (), f"missing column(s) {', '.join(missing)}; columns are {','.join(wanted)}")]
    for i, row in enumerate(reader, start=2):
        raw = {k: (row[k] or "").strip() for k in wanted}
        if raw["travel_time"].startswith("{"):
            raw["travel_time"] = yaml.safe_load(raw["travel_time"])
        try:
            group = spec.PointGroup.model_validate(raw)
        except ValidationError as exc:
            for err in exc.errors():
                problems.append(Problem(shown, i, tuple(err["loc"]), err["msg"].removeprefix("Value error, ")))
            continue
        rows.append((i, group))
    if not rows and not problems:
        problems.append(Problem(shown, None, (), "the points file has no rows"))
    return rows, problems


def _cross_checks(sc: spec.Scenario, base: Path, file: str, lines: dict[tuple, int]) -> tuple[dict, list[Problem]]:
    problems: list[Problem] = []

    def add(path: tuple, message: str) -> None:
        problems.append(Problem(file, _line_for(lines, path), path, message))

    lab_names = [lab.name for lab in sc.labs]
    for i, name in enumerate(lab_names):
        if name in lab_names[:i]:
            add(("labs", i, "name"), f"lab '{name}' is defined twice")
    files: dict[str, list[tuple[int, spec.PointGroup]]] = {}
    used_labs: dict[str, tuple] = {}
    group_names: set[str] = set()
    for i, entry in enumerate(sc.points):
        if isinstance(entry, spec.PointFile):
            rows, file_problems = _points_file(entry, base, file, _line_for(lines, ("points", i)), ("points", i))
            problems.extend(file_problems)
            files[entry.file] = rows
            for row_line, row in rows:
                if row.lab not in lab_names:
                    problems.append(Problem(str(base / entry.file), row_line, ("lab",), _no_lab(row.lab, lab_names)))
                used_labs.setdefault(row.lab, ("points", i, "file"))
            continue
        if entry.name in group_names:
            add(("points", i, "name"), f"point group '{entry.name}' is defined twice")
        group_names.add(entry.name)
        if entry.lab not in lab_names:
            add(("points", i, "lab"), _no_lab(entry.lab, lab_names))
        used_labs.setdefault(entry.lab, ("points", i, "lab"))
        if entry.call_slots is not None:
            called = [s.share_of(entry.residents) for s in entry.call_slots.slots]
            if sum(called) > 1 + 1e-9:
                add(
                    ("points", i, "call_slots", "slots"),
                    f"the slots call {sum(called):.0%} of the point's {entry.residents:,} residents: at most 100%",
                )
    for lab, where in used_labs.items():
        if lab in lab_names and sc.transport.vehicles.get(lab, 0) <= 0:
            add(
                ("transport", "vehicles"),
                f"lab '{lab}' receives tubes (see {format_path(where)}) but has no vehicles: "
                f"add '{lab}: N' under transport.vehicles",
            )
    point_names = {g.name for g in sc.points if isinstance(g, spec.PointGroup)}
    point_names |= {
        f"{g.name}-{i + 1:04d}" for g in sc.points if isinstance(g, spec.PointGroup) for i in range(min(g.count, 100_000))
    }
    point_names |= {row.name for rows in files.values() for _, row in rows} | {Path(f).stem for f in files}
    for i, ev in enumerate(sc.events):
        at = ("events", i)
        if isinstance(ev, spec.ClosePoints):
            for name in ev.points:
                if name not in point_names:
                    add((*at, "points"), f"no point or point group named '{name}'")
        if isinstance(ev, spec.TablesDown | spec.TravelSlowdown) and ev.group is not None and ev.group not in group_names:
            add((*at, "group"), f"no point group named '{ev.group}'")
        if isinstance(ev, spec.LabOutage | spec.TravelSlowdown) and ev.lab is not None and ev.lab not in lab_names:
            add((*at, "lab"), _no_lab(ev.lab, lab_names))
        if isinstance(ev, spec.TravelSlowdown) and (ev.lab is None) == (ev.group is None):
            add(at, "a travel_slowdown names either a lab or a group")
    if sc.campaign is not None:
        seen: set[int] = set()
        for i, c in enumerate(sc.campaign.changes):
            if c.round > sc.campaign.rounds:
                add(("campaign", "changes", i, "round"), f"round {c.round}: the campaign has {sc.campaign.rounds} rounds")
            if c.round in seen:
                add(("campaign", "changes", i, "round"), f"round {c.round} is changed twice")
            seen.add(c.round)
    for lab in sc.transport.vehicles:
        if lab not in lab_names:
            add(("transport", "vehicles", lab), _no_lab(lab, lab_names))
    residents = sum(e.count * e.residents for e in sc.points if isinstance(e, spec.PointGroup))
    residents += sum(g.residents for rows in files.values() for _, g in rows)
    points = sum(e.count for e in sc.points if isinstance(e, spec.PointGroup)) + sum(len(r) for r in files.values())
    if residents > spec.LIMITS["residents"]:
        add(("points",), f"{residents:,} residents in all: natsim's limit is {spec.LIMITS['residents']:,} per round")
    if points > spec.LIMITS["points"]:
        add(("points",), f"{points:,} points in all: natsim's limit is {spec.LIMITS['points']:,} per round")
    return files, problems


def _no_lab(name: str, lab_names: list[str]) -> str:
    guess = difflib.get_close_matches(name, lab_names, n=1, cutoff=0.5)
    hint = f" (did you mean '{guess[0]}'?)" if guess else f"; labs are: {', '.join(lab_names)}"
    return f"no lab named '{name}'{hint}"


# --- entry point -------------------------------------------------------------------------------


def load_scenario(path: str | Path) -> LoadedScenario:
    """Read, parse and validate a scenario file, or raise `ScenarioError` listing every problem."""
    path = Path(path)
    file = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ScenarioError(
                [
                    Problem(
                        file,
                        None,
                        (),
                        f"the file is {size / 1e6:.0f} MB; scenarios are limited to "
                        f"{MAX_FILE_BYTES // 2**20} MiB (put long point lists in a points CSV)",
                    )
                ]
            )
        raw = path.read_bytes()
    except OSError as exc:
        raise ScenarioError([Problem(file, None, (), f"cannot read the file: {exc.strerror}")]) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ScenarioError([Problem(file, None, (), "not a text file (not UTF-8): is this really a scenario?")]) from None
    return parse_scenario(text, file=file, base=path.parent, path=path)


def parse_scenario(text: str, *, file: str = "<scenario>", base: Path = Path("."), path: Path | None = None) -> LoadedScenario:
    data, lines = _read_yaml(text, file)
    if not isinstance(data, dict):
        raise ScenarioError([Problem(file, 1, (), "a scenario is a YAML mapping of keys (name:, deadline:, points:, ...)")])
    data = {str(k): v for k, v in data.items()}
    try:
        sc = spec.Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError([_problem_from_error(e, file, lines) for e in exc.errors()]) from None
    files, problems = _cross_checks(sc, base, file, lines)
    if problems:
        raise ScenarioError(problems)
    return LoadedScenario(spec=sc, path=path or Path(file), text=text, points_files=files)

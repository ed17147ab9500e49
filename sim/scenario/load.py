"""Load a scenario file: safe YAML with line numbers -> `spec.Scenario` -> cross-key checks.

Every problem becomes a `Problem(file, line, key path, message)`; `ScenarioError` carries them all so
a planner fixes the whole file in one go instead of one error per run.
"""

from __future__ import annotations

import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from sim.core.i18n import _
from sim.scenario import spec
from sim.scenario.checks import cross_checks
from sim.scenario.places.files import PlaceFiles
from sim.scenario.places.map import PlacesMap
from sim.scenario.problems import Problem, ScenarioError, did_you_mean, line_for, pydantic_message
from sim.scenario.routes import RouteRow

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_YAML_NODES = 200_000  # guards against alias bombs as well as plain huge files
_UNION_TAGS = {"group", "file", *spec.EVENT_KINDS}


@dataclass(frozen=True)
class LoadedScenario:
    spec: spec.Scenario
    path: Path
    text: str
    points_files: dict[str, list[tuple[int, spec.PointGroup]]]  # file name -> (line, validated row)
    place_files: PlaceFiles | None = None  # a places scenario's rows
    places_map: PlacesMap | None = None  # ... and its map (assignment, walks, labs)
    warnings: tuple[Problem, ...] = ()  # what is allowed but probably not meant
    routes: tuple[RouteRow, ...] = ()  # transport.routes' rows, checked


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
                        _(
                            "the file has more than {n:,} YAML values (or aliases that expand to that many); refusing "
                            "to read it"
                        ).format(n=MAX_YAML_NODES),
                    )
                ]
            )
        lines.setdefault(path, n.start_mark.line + 1)
        if isinstance(n, yaml.MappingNode):
            seen: set = set()
            for k, v in n.value:
                key = k.value if isinstance(k, yaml.ScalarNode) else str(k.value)
                if key in seen:
                    problems.append(Problem(file, k.start_mark.line + 1, path + (key,), _("key given twice")))
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
            raise ScenarioError([Problem(file, None, (), _("the file is empty"))])
        lines, problems = _line_map(node, file)
        if problems:
            raise ScenarioError(problems)
        data = loader.construct_document(node)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        what = getattr(exc, "problem", None) or str(exc)
        raise ScenarioError(
            [Problem(file, mark.line + 1 if mark else None, (), _("not valid YAML: {what}").format(what=what))]
        ) from None
    except RecursionError:
        raise ScenarioError([Problem(file, None, (), _("the YAML is nested too deeply to be a scenario"))]) from None
    finally:
        if loader is not None:
            loader.dispose()
    return data, lines


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
    msg = pydantic_message(err)
    if err["type"] == "extra_forbidden":
        key = path[-1]
        kind = next((p for p in err["loc"] if isinstance(p, str) and p in spec.EVENT_CLASSES), None)
        models = [spec.EVENT_CLASSES[kind]] if kind else _model_at(path[:-1])  # an event: its own kind's keys
        known = sorted({(f.alias or k) for m in models for k, f in m.model_fields.items()} - {"kind"})
        msg = (_("unknown key '{key}' of a {kind} event") if kind else _("unknown key '{key}'")).format(
            key=key, kind=kind
        ) + (did_you_mean(str(key), known) or _("; its keys are {keys}").format(keys=", ".join(known)))
    elif err["type"] == "missing":
        msg = _("required key is missing")
    elif err["type"] == "greater_than" and err.get("ctx", {}).get("gt") == 0:
        msg = _("must be positive (got {value!r})").format(value=err.get("input"))
    elif err["type"].startswith(("greater_than", "less_than")):
        msg = _("{message} (got {value!r})").format(message=msg, value=err.get("input"))
    return Problem(file, line_for(lines, path), path, msg)


# --- cross-key checks --------------------------------------------------------------------------


# --- entry point -------------------------------------------------------------------------------


def load_scenario(path: str | Path, *, siting: bool = False) -> LoadedScenario:
    """Read, parse and validate a scenario file, or raise `ScenarioError` listing every problem. With
    `siting`, a map whose sites are all closed (candidates only, a green field) is allowed: `natsim site`
    opens them."""
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
                        _(
                            "the file is {size:.0f} MB; scenarios are limited to {limit} MiB "
                            "(put long point lists in a points CSV)"
                        ).format(size=size / 1e6, limit=MAX_FILE_BYTES // 2**20),
                    )
                ]
            )
        raw = path.read_bytes()
    except OSError as exc:
        raise ScenarioError(
            [Problem(file, None, (), _("cannot read the file: {reason}").format(reason=exc.strerror))]
        ) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ScenarioError(
            [Problem(file, None, (), _("not a text file (not UTF-8): is this really a scenario?"))]
        ) from None
    return parse_scenario(text, file=file, base=path.parent, path=path, siting=siting)


def parse_scenario(
    text: str, *, file: str = "<scenario>", base: Path = Path("."), path: Path | None = None, siting: bool = False
) -> LoadedScenario:
    data, lines = _read_yaml(text, file)
    if not isinstance(data, dict):
        raise ScenarioError(
            [Problem(file, 1, (), _("a scenario is a YAML mapping of keys (name:, deadline:, points:, ...)"))]
        )
    data = {str(k): v for k, v in data.items()}
    try:
        sc = spec.Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError([_problem_from_error(e, file, lines) for e in exc.errors()]) from None
    checked = cross_checks(sc, base, file, lines, siting=siting)
    if checked.problems:
        raise ScenarioError(checked.problems)
    return LoadedScenario(
        spec=sc,
        path=path or Path(file),
        text=text,
        points_files=checked.points_files,
        place_files=checked.place_files,
        places_map=checked.places_map,
        warnings=tuple(checked.warnings),
        routes=tuple(checked.routes),
    )

"""The one way natsim writes a scenario file from another: read the YAML, change keys, write it back.

`natsim size` (plan.yaml), `natsim slots` (slots.yaml), `natsim drill review` (calibrated.yaml) and the
cells of `natsim sweep` each describe their changes as a function of the scenario's data; the reading,
the writing (key order kept, Chinese names kept as written) and the heading comment live here.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import yaml


class EditError(ValueError):
    """A change that does not fit the scenario (a key path it does not have)."""


def edit_scenario(
    text: str, change: Callable[[dict], None], head: str = "", moved: tuple[Path, Path] | None = None
) -> str:
    """The scenario `text` with `change(data)` applied to its data, as YAML, after the comment `head`.
    `moved` = (the scenario's folder, the new file's folder): the files it names are named from there."""
    data = copy.deepcopy(yaml.safe_load(text))
    if moved is not None:
        _rebase(data, *moved)
    change(data)
    comment = "".join(f"# {line}\n" if line else "#\n" for line in head.splitlines())
    return comment + yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def _rebase(data: dict, source: Path, target: Path) -> None:
    """Every file a scenario names (points CSVs, the map's CSVs, a routes file), relative to `target`."""
    places = data.get("places") or {}
    slots = [(entry, "file") for entry in data.get("points", []) if isinstance(entry, dict) and "file" in entry]
    slots += [(places, key) for key in ("compounds", "sites") if key in places]
    slots += [(places.get("driving") or {}, "matrix")]
    slots += [((data.get("transport") or {}).get("routes") or {}, "file")]
    for node, key in slots:
        value = node.get(key)
        if isinstance(value, str) and not Path(value).is_absolute():
            node[key] = os.path.relpath(Path(source).resolve() / value, Path(target).resolve())


def point_groups(data: dict) -> Iterator[dict]:
    """The scenario's point groups written in the YAML (not those listed in a points CSV), in order."""
    return (entry for entry in data.get("points", []) if "file" not in entry)


def set_key(data: dict, path: tuple[str | int, ...], value: Any) -> None:
    """Set the key at `path` (e.g. ("points", 0, "tables")); the sections on the way must exist."""
    node: Any = data
    for i, part in enumerate(path[:-1]):
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            raise EditError(f"the scenario has no {'.'.join(map(str, path[: i + 1]))}") from None
    last = path[-1]
    if isinstance(node, list) and not (isinstance(last, int) and last < len(node)):
        raise EditError(f"index {last} is out of range")
    if not isinstance(node, (dict, list)):
        raise EditError(f"{'.'.join(map(str, path[:-1]))} is not a section")
    node[last] = value

"""Point names: the one rule for what a point is called and which point a name means.

A point group NAME of `count` identical points names them NAME-0001, NAME-0002, ... (four digits at
least, more when the group is larger); a points CSV gives each row's own name, and the file's stem
names all its points. Validation, events and every table of results go through here, so a name that
validates is a name the engine finds, at any group size.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

_NUMBERED = re.compile(r"^(?P<group>.+)-(?P<number>\d{4,})$")


def point_name(group: str, index: int) -> str:
    """The name of point `index` (from 0) of an identical-point group."""
    return f"{group}-{index + 1:04d}"


@dataclass(frozen=True)
class NamedGroup:
    """What naming needs of a point group: its name, its number of points, and its CSV names if any."""

    name: str
    count: int
    names: tuple[str, ...] | None = None


def resolve(name: str, groups: Sequence[NamedGroup]) -> list[tuple[int, int]]:
    """The points a name means, as (group index, point index or -1 for every point of the group):
    a group's name, a points CSV's stem (all its rows' groups), a CSV row's name, or NAME-NNNN. Empty
    when the name means no point."""
    whole = [(gi, -1) for gi, g in enumerate(groups) if g.name == name]
    if whole:
        return whole
    for gi, g in enumerate(groups):
        if g.names and name in g.names:
            return [(gi, g.names.index(name))]
    m = _NUMBERED.match(name)
    if m:
        number = int(m["number"])
        for gi, g in enumerate(groups):
            if (
                g.names is None
                and g.name == m["group"]
                and 1 <= number <= g.count
                and point_name(g.name, number - 1) == name
            ):
                return [(gi, number - 1)]
    return []

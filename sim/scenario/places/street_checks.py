"""Checks of a places scenario on streets: the network near the places, every compound able to walk to a
site, and the places far from any street (warnings naming them)."""

from __future__ import annotations

import numpy as np

from sim.core.i18n import _
from sim.scenario import spec
from sim.scenario.places.files import PlaceFiles
from sim.scenario.places.map import PlacesMap
from sim.scenario.problems import Problem

LISTED = 5  # names listed in one message; the rest are counted


def _names(names: list[str]) -> str:
    return ", ".join(names[:LISTED]) + (
        _(" and {n:,} more").format(n=len(names) - LISTED) if len(names) > LISTED else ""
    )


def check_streets(checks, p: spec.Places, files: PlaceFiles, m: PlacesMap) -> None:
    """Problems: a network far from every compound, a compound that reaches no open site (when the
    scenario has no candidate sites to open; with candidates, siting names it as out of reach). Warnings:
    places farther than `snap_warning` from any street, ways left out, a network in pieces."""
    sm, net = m.streets, p.network
    shown = str(checks.base / net.file)
    near = sm.compound.metres
    if near.size and np.min(near) > net.snap_warning:
        k = int(np.argmin(near))
        checks.problems.append(
            Problem(
                shown,
                None,
                ("places", "network"),
                _(
                    "the street network is far from every compound: the nearest, '{name}', is {km:.1f} km from any "
                    "street "
                    "(another town, or longitude and latitude swapped?)"
                ).format(name=m.compound_names[k], km=near[k] / 1000),
            )
        )
        return
    for note in files.streets.notes:
        checks.warnings.append(Problem(shown, None, ("places", "network"), note))
    for what, names, metres in (
        (_("compound"), m.compound_names, sm.compound.metres),
        (_("site"), m.site_names, sm.site_walk.metres),
    ):
        far = np.flatnonzero(metres > net.snap_warning)
        if far.size:
            listed = [f"'{names[i]}' ({metres[i]:.0f} m)" for i in far]
            checks.warnings.append(
                Problem(
                    shown,
                    None,
                    ("places", "network", "snap_warning"),
                    _(
                        "{n:,} {what}(s) farther than {limit:g} m from any street, walked there straight: {names}"
                    ).format(n=far.size, what=what, limit=net.snap_warning, names=_names(listed)),
                )
            )
    for li, (_node, metres) in sm.lab_drive.items():
        if metres > net.snap_warning:
            checks.warnings.append(
                Problem(
                    shown,
                    None,
                    ("places", "labs", m.lab_names[li]),
                    _("lab '{name}' is {m:.0f} m from any drivable street").format(name=m.lab_names[li], m=metres),
                )
            )
    _unreachable(checks, files, m, shown)


def _unreachable(checks, files: PlaceFiles, m: PlacesMap, shown: str) -> None:
    """A compound with residents whose walking network joins no open site."""
    lost = np.flatnonzero(((m.assigned < 0) | ~np.isfinite(m.walk)) & (m.compound_residents > 0))
    if not lost.size:
        return
    candidates = any(s.candidate for s in files.sites)
    for c in lost[: LISTED * 4]:
        row = files.compounds[c]
        message = _("compound '{name}' at ({x:g}, {y:g}) cannot walk to any open site on the street network").format(
            name=row.name, x=row.xy[0], y=row.xy[1]
        )
        if candidates:  # natsim site may open a site it reaches, or names it as out of reach
            checks.warnings.append(Problem(files.shown["compounds"], row.line, ("name",), message))
        else:
            checks.problems.append(Problem(files.shown["compounds"], row.line, ("name",), message))
    if lost.size > LISTED * 4:
        more = _("{n:,} more compounds cannot walk to any open site").format(n=lost.size - LISTED * 4)
        (checks.warnings if candidates else checks.problems).append(Problem(files.shown["compounds"], None, (), more))

"""Checks of a places scenario across its files and keys (every problem at its file, line and key; a
site nobody walks to is a warning, not a refusal)."""

from __future__ import annotations

from pathlib import Path

from sim.core.i18n import _
from sim.scenario import spec
from sim.scenario.places import PlacesMap
from sim.scenario.places_build import make_map
from sim.scenario.places_files import PlaceFiles, read_compounds, read_matrix, read_sites
from sim.scenario.problems import Problem


def check_places(checks, p: spec.Places, siting: bool = False) -> tuple[PlaceFiles, PlacesMap | None, dict[str, tuple]]:
    """Read the files and check them; returns them, the map (None when the files have problems) and the
    labs that receive tubes from open sites (for the vehicles check). `siting`: no site need be open
    (`natsim site` opens them from the candidates)."""
    base, lonlat = checks.base, p.coordinates == "lonlat"
    files = PlaceFiles()
    read_compounds(base / p.compounds, lonlat, files)
    read_sites(base / p.sites, lonlat, files)
    if p.driving.matrix:
        read_matrix(base / p.driving.matrix, files)
    checks.problems.extend(files.problems)
    for name, xy in p.labs.items():
        if name not in checks.lab_names:
            checks.add(("places", "labs", name), _("no lab named '{name}' in labs:").format(name=name))
        elif lonlat and not (-180 <= xy[0] <= 180 and -90 <= xy[1] <= 90):
            checks.add(("places", "labs", name), _("{value} is not [longitude, latitude]").format(value=list(xy)))
    for s in files.sites:
        if s.lab is not None and s.lab not in checks.lab_names:
            checks.problems.append(Problem(files.shown["sites"], s.line, ("lab",), f"no lab named '{s.lab}'"))
    if files.problems or checks.problems:
        return files, None, {}
    m = make_map(p, files, checks.lab_names)
    _assignment(checks, p, files, m, siting)
    used = _labs(checks, files, m)
    _groups(checks, p, files, m)
    return files, m, used


def _assignment(checks, p: spec.Places, files: PlaceFiles, m: PlacesMap, siting: bool = False) -> None:
    shown = files.shown["compounds"]
    if p.assignment == "nearest" and not m.open_sites.size:
        if not siting:
            message = _("no site is open: every site has tables 0")
            if any(s.candidate for s in files.sites):
                message += _("; to open sites from its candidates, run `natsim site` first and run its plan.yaml")
            checks.problems.append(Problem(files.shown["sites"], None, (), message))
        return
    if p.assignment == "file":
        index = {s.name: i for i, s in enumerate(files.sites)}
        for c in files.compounds:
            if c.site is None:
                checks.problems.append(
                    Problem(shown, c.line, ("site",), _("assignment: file needs the site this compound goes to"))
                )
            elif c.site not in index:
                checks.problems.append(
                    Problem(
                        shown,
                        c.line,
                        ("site",),
                        _("no site named '{name}' in {file}").format(name=c.site, file=files.shown["sites"]),
                    )
                )
            elif files.sites[index[c.site]].tables == 0:
                checks.problems.append(
                    Problem(shown, c.line, ("site",), _("site '{name}' is closed (tables 0)").format(name=c.site))
                )
    for s in m.open_sites:
        if not m.served(s).size:
            row = files.sites[s]
            checks.warnings.append(
                Problem(files.shown["sites"], row.line, ("name",), _("no compound walks to site '{name}'").format(name=row.name))
            )


def _labs(checks, files: PlaceFiles, m: PlacesMap) -> dict[str, tuple]:
    used: dict[str, tuple] = {}
    for s in m.open_sites:
        row = files.sites[s]
        if m.site_lab[s] < 0:
            what = _("lab '{name}'").format(name=row.lab) if row.lab else _("any lab")
            checks.problems.append(
                Problem(
                    files.shown["sites"], row.line, ("lab",),
                    _(
                        "no driving time to {what}: give the lab coordinates under places.labs, or a row in the travel matrix"
                    ).format(what=what),
                )
            )  # fmt: skip
        else:
            used.setdefault(m.lab_names[m.site_lab[s]], ("places", "sites"))
    return used


def _groups(checks, p: spec.Places, files: PlaceFiles, m: PlacesMap) -> None:
    named = {m.site_groups[s] for s in m.open_sites}
    for name, group in p.groups.items():
        if name not in named:
            checks.warnings.append(
                Problem(checks.file, None, ("places", "groups", name), _("no open site is in group '{name}'").format(name=name))
            )
        slots = group.call_slots.slots if group.call_slots else []
        known = set(m.compound_names)
        for k, slot in enumerate(slots):
            for b in slot.buildings or []:
                if b not in known:
                    at = ("places", "groups", name, "call_slots", "slots", k, "buildings")
                    checks.add(
                        at, _("no compound named '{name}' in {file}").format(name=b, file=Path(files.shown["compounds"]).name)
                    )

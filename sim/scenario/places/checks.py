"""Checks of a places scenario across its files and keys (every problem at its file, line and key; a
site nobody walks to is a warning, not a refusal)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sim.core.geo import distance
from sim.core.i18n import _
from sim.scenario import spec
from sim.scenario.lab_checks import no_lab
from sim.scenario.places.build import make_map
from sim.scenario.places.files import PlaceFiles, lonlat_problem, read_compounds, read_matrix, read_sites
from sim.scenario.places.map import PlacesMap
from sim.scenario.places.street_checks import check_streets
from sim.scenario.places.streets import read_streets
from sim.scenario.problems import Problem, did_you_mean

FARTHEST_WALK_M = 100_000.0  # a compound farther than this from its site: its coordinates are wrong (nobody walks it)


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
    if p.network is not None:
        files.streets, trouble = read_streets(base / p.network.file, lonlat, str(base / p.network.file))
        checks.problems.extend(trouble)
    checks.problems.extend(files.problems)
    for name, xy in p.labs.items():
        if name not in checks.lab_names:
            checks.add(("places", "labs", name), _("no lab named '{name}' in labs:").format(name=name))
        elif lonlat and (why := lonlat_problem(*xy)):
            checks.add(
                ("places", "labs", name),
                _("{value} is not [longitude, latitude]: {why}").format(value=list(xy), why=why),
            )
    for s in files.sites:
        if s.lab is not None and s.lab not in checks.lab_names:
            checks.problems.append(Problem(files.shown["sites"], s.line, ("lab",), no_lab(s.lab, checks.lab_names)))
    _matrix_names(checks, files)
    if files.problems or checks.problems:
        return files, None, {}
    m = make_map(p, files, checks.lab_names)
    if m.streets is not None:
        check_streets(checks, p, files, m)
        if checks.problems:
            return files, None, {}
    _assignment(checks, p, files, m, siting)
    _too_far(checks, files, m)
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
                        _("no site named '{name}' in {file}").format(name=c.site, file=files.shown["sites"])
                        + did_you_mean(c.site, index),
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
                Problem(
                    files.shown["sites"],
                    row.line,
                    ("name",),
                    _("no compound walks to site '{name}'").format(name=row.name),
                )
            )


def _matrix_names(checks, files: PlaceFiles) -> None:
    """A travel-matrix row naming no site or lab is a problem: it would be ignored, and the run's figures
    be those without it."""
    known = [*(s.name for s in files.sites), *checks.lab_names]
    rows: dict[int, tuple[str, str]] = {}
    for pair, line in files.matrix_lines.items():  # each row is there both ways: from, to first
        rows.setdefault(line, pair)
    for line, (a, b) in sorted(rows.items()):
        for column, name in (("from", a), ("to", b)):
            if name not in known:
                checks.problems.append(
                    Problem(
                        files.shown["matrix"],
                        line,
                        (column,),
                        _("no site or lab named '{name}'").format(name=name) + did_you_mean(name, known),
                    )
                )


def _too_far(checks, files: PlaceFiles, m: PlacesMap) -> None:
    """A compound farther than FARTHEST_WALK_M from the site it goes to: wrong coordinates, not a walk."""
    sites = m.assigned
    if not len(m.site_xy):
        return
    far = distance(m.compound_xy, m.site_xy[np.maximum(sites, 0)], m.lonlat)
    for c, row in enumerate(files.compounds):
        if sites[c] >= 0 and far[c] > FARTHEST_WALK_M:
            checks.problems.append(
                Problem(
                    files.shown["compounds"],
                    row.line,
                    tuple(["lon", "lat"] if m.lonlat else ["x", "y"]),
                    _(
                        "compound '{name}' is {km:,.0f} km from its site '{site}': wrong coordinates? (natsim refuses "
                        "a walk "
                        "of more than {most:,.0f} km)"
                    ).format(name=row.name, km=far[c] / 1000, site=m.site_names[sites[c]], most=FARTHEST_WALK_M / 1000),
                )
            )


def _labs(checks, files: PlaceFiles, m: PlacesMap) -> dict[str, tuple]:
    """The labs open sites send tubes to; a site whose lab is external or cannot be reached is a problem
    at its line of sites.csv (and the lab is not counted as receiving tubes: one message, not three)."""
    used: dict[str, tuple] = {}
    external = {lab.name for lab in checks.sc.labs if lab.external}
    for s in m.open_sites:
        row = files.sites[s]
        if m.site_lab[s] < 0:
            what = _("lab '{name}'").format(name=row.lab) if row.lab else _("any lab")
            message = _(
                "no driving time to {what}: give the lab coordinates under places.labs, or a row in the travel matrix"
            ).format(what=what)
            checks.problems.append(Problem(files.shown["sites"], row.line, ("lab",), message))
        elif (lab := m.lab_names[m.site_lab[s]]) in external:
            message = (
                _("lab '{name}' is external (reached only by other labs' overflow): no site may send tubes to it")
                if row.lab
                else _(
                    "the nearest lab, '{name}', is external (reached only by other labs' overflow): name this site's "
                    "lab"
                )
            ).format(name=lab)
            checks.problems.append(Problem(files.shown["sites"], row.line, ("lab",), message))
        else:
            used.setdefault(lab, ("places", "sites"))
    return used


def _groups(checks, p: spec.Places, files: PlaceFiles, m: PlacesMap) -> None:
    named = {m.site_groups[s] for s in m.open_sites}
    for name, group in p.groups.items():
        if name not in named:
            checks.warnings.append(
                Problem(
                    checks.file,
                    None,
                    ("places", "groups", name),
                    _("no open site is in group '{name}'").format(name=name),
                )
            )
        slots = group.call_slots.slots if group.call_slots else []
        known = set(m.compound_names)
        for k, slot in enumerate(slots):
            for b in slot.buildings or []:
                if b not in known:
                    at = ("places", "groups", name, "call_slots", "slots", k, "buildings")
                    checks.add(
                        at,
                        _("no compound named '{name}' in {file}").format(
                            name=b, file=Path(files.shown["compounds"]).name
                        )
                        + did_you_mean(b, known),
                    )

"""Checks across keys of a validated scenario: every name it uses exists, every lab with tubes has
vehicles, shares add up, limits hold, and the points CSVs it names read cleanly."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pydantic import ValidationError

from sim.core.i18n import _
from sim.scenario import spec
from sim.scenario.lab_checks import check_lab_network, no_lab
from sim.scenario.names import NamedGroup, resolve
from sim.scenario.places.checks import check_places
from sim.scenario.places.files import PlaceFiles
from sim.scenario.places.map import PlacesMap
from sim.scenario.problems import Problem, csv_problems, format_path, line_for
from sim.scenario.routes import RouteRow, auto_routes, check_routes, labs_without_trips, read_routes


def _points_file(
    entry: spec.PointFile, base: Path, file: str, line: int | None, at: tuple
) -> tuple[list, list[Problem]]:
    csv_path = base / entry.file
    shown = str(csv_path)
    try:
        text = csv_path.read_text(encoding="utf-8")
    except OSError as exc:
        return [], [
            Problem(
                file,
                line,
                at + ("file",),
                _("cannot read points file {file}: {reason}").format(file=shown, reason=exc.strerror),
            )
        ]
    rows: list[tuple[int, spec.PointGroup]] = []
    problems: list[Problem] = []
    reader = csv.DictReader(text.splitlines())
    wanted = ["name", "residents", "tables", "lab", "travel_time"]
    missing = [c for c in wanted if c not in (reader.fieldnames or [])]
    if missing:
        return [], [
            Problem(
                shown,
                1,
                (),
                _("missing column(s) {missing}; columns are {wanted}").format(
                    missing=", ".join(missing), wanted=",".join(wanted)
                ),
            )
        ]
    for i, row in enumerate(reader, start=2):
        raw = {k: (row[k] or "").strip() for k in wanted}
        if raw["travel_time"].startswith("{"):
            raw["travel_time"] = yaml.safe_load(raw["travel_time"])
        try:
            group = spec.PointGroup.model_validate(raw)
        except ValidationError as exc:
            problems.extend(csv_problems(shown, i, exc.errors()))
            continue
        rows.append((i, group))
    if not rows and not problems:
        problems.append(Problem(shown, None, (), _("the points file has no rows")))
    return rows, problems


class _Checks:
    """Collects the problems of one scenario file, each at its key's line."""

    def __init__(self, sc: spec.Scenario, base: Path, file: str, lines: dict[tuple, int]):
        self.sc, self.base, self.file, self.lines = sc, base, file, lines
        self.problems: list[Problem] = []
        self.lab_names = [lab.name for lab in sc.labs]
        self.files: dict[str, list[tuple[int, spec.PointGroup]]] = {}
        self.group_names: set[str] = set()
        self.warnings: list[Problem] = []
        self.place_files: PlaceFiles | None = None
        self.places_map: PlacesMap | None = None

    def add(self, path: tuple, message: str) -> None:
        self.problems.append(Problem(self.file, line_for(self.lines, path), path, message))

    def labs(self) -> None:
        for i, name in enumerate(self.lab_names):
            if name in self.lab_names[:i]:
                self.add(("labs", i, "name"), _("lab '{name}' is defined twice").format(name=name))

    def points(self) -> dict[str, tuple]:
        """Point groups and points files; returns each lab that receives tubes, with where it is named."""
        used: dict[str, tuple] = {}
        for i, entry in enumerate(self.sc.points):
            if isinstance(entry, spec.PointFile):
                line = line_for(self.lines, ("points", i))
                rows, file_problems = _points_file(entry, self.base, self.file, line, ("points", i))
                self.problems.extend(file_problems)
                self.files[entry.file] = rows
                for row_line, row in rows:
                    if row.lab not in self.lab_names:
                        self.problems.append(
                            Problem(str(self.base / entry.file), row_line, ("lab",), no_lab(row.lab, self.lab_names))
                        )
                    used.setdefault(row.lab, ("points", i, "file"))
                continue
            if entry.name in self.group_names:
                self.add(("points", i, "name"), _("point group '{name}' is defined twice").format(name=entry.name))
            self.group_names.add(entry.name)
            if entry.lab not in self.lab_names:
                self.add(("points", i, "lab"), no_lab(entry.lab, self.lab_names))
            used.setdefault(entry.lab, ("points", i, "lab"))
            if entry.call_slots is not None:
                called = sum(s.share_of(entry.residents) for s in entry.call_slots.slots)
                if called > 1 + 1e-9:
                    at = ("points", i, "call_slots", "slots")
                    self.add(
                        at,
                        _("the slots call {called:.0%} of the point's {residents:,} residents: at most 100%").format(
                            called=called, residents=entry.residents
                        ),
                    )
        return used

    def vehicles(self, used: dict[str, tuple]) -> None:
        for lab, where in used.items():
            if lab in self.lab_names and self.sc.transport.vehicles.get(lab, 0) <= 0:
                self.add(
                    ("transport", "vehicles"),
                    _(
                        "lab '{lab}' receives tubes (see {where}) but has no vehicles: add '{lab}: N' under "
                        "transport.vehicles"
                    ).format(lab=lab, where=format_path(where)),
                )

    def vehicle_labs(self) -> None:
        for lab in self.sc.transport.vehicles:
            if lab not in self.lab_names:
                self.add(("transport", "vehicles", lab), no_lab(lab, self.lab_names))

    def events(self) -> None:
        named = [NamedGroup(e.name, e.count) for e in self.sc.points if isinstance(e, spec.PointGroup)]
        named += [NamedGroup(Path(f).stem, 1, (row.name,)) for f, rows in self.files.items() for _line, row in rows]
        m = self.places_map
        if m is not None:
            named += [NamedGroup(m.site_groups[s], 1, (m.site_names[s],)) for s in m.open_sites]
        groups, labs = self.group_names, self.lab_names
        for i, ev in enumerate(self.sc.events):
            at = ("events", i)
            if isinstance(ev, spec.ClosePoints):
                for name in ev.points:
                    if not resolve(name, named):
                        self.add((*at, "points"), _("no point or point group named '{name}'").format(name=name))
            if (
                isinstance(ev, spec.TablesDown | spec.TravelSlowdown)
                and ev.group is not None
                and ev.group not in groups
            ):
                self.add((*at, "group"), _("no point group named '{name}'").format(name=ev.group))
            if (
                isinstance(ev, spec.LabOutage | spec.TravelSlowdown | spec.LabSurge)
                and ev.lab is not None
                and ev.lab not in labs
            ):
                self.add((*at, "lab"), no_lab(ev.lab, self.lab_names))
            if isinstance(ev, spec.LabOutage) and ev.lab in labs:
                lab = self.sc.labs[labs.index(ev.lab)]
                for what, out, has in (
                    ("extractors", ev.extractors, lab.extractors),
                    ("pcr_machines", ev.pcr_machines, lab.pcr_machines),
                ):
                    if out > has:
                        self.add(
                            (*at, what),
                            _("{out} {what} out of service, but lab '{lab}' has {has}").format(
                                out=out, what=what.replace("_", " "), lab=ev.lab, has=has
                            ),
                        )
            if isinstance(ev, spec.TravelSlowdown) and (ev.lab is None) == (ev.group is None):
                self.add(at, _("a travel_slowdown names either a lab or a group"))

    def deadline(self) -> None:
        if self.sc.deadline <= self.sc.sampling.open:
            self.add(
                ("deadline",),
                _(
                    "the deadline ({deadline:g} h) comes before the tables open ({open:g} h): no result can be in by "
                    "then"
                ).format(deadline=self.sc.deadline / 3600, open=self.sc.sampling.open / 3600),
            )

    def campaign(self) -> None:
        if self.sc.campaign is None:
            return
        seen: set[int] = set()
        for i, c in enumerate(self.sc.campaign.changes):
            if c.round > self.sc.campaign.rounds:
                self.add(
                    ("campaign", "changes", i, "round"),
                    _("round {round}: the campaign has {rounds} rounds").format(
                        round=c.round, rounds=self.sc.campaign.rounds
                    ),
                )
            if c.round in seen:
                self.add(("campaign", "changes", i, "round"), _("round {round} is changed twice").format(round=c.round))
            seen.add(c.round)

    def limits(self) -> None:
        groups = [e for e in self.sc.points if isinstance(e, spec.PointGroup)]
        residents = sum(e.count * e.residents for e in groups) + sum(
            g.residents for rows in self.files.values() for _line, g in rows
        )
        points = sum(e.count for e in groups) + sum(len(r) for r in self.files.values())
        if self.place_files is not None:
            residents += sum(c.residents for c in self.place_files.compounds)
            points += sum(s.tables > 0 for s in self.place_files.sites)
        if residents > spec.LIMITS["residents"]:
            message = _("{n:,} residents in all: natsim's limit is {limit:,} per round").format(
                n=residents, limit=spec.LIMITS["residents"]
            )
            compounds = self.place_files.compounds if self.place_files is not None else []
            if compounds and not self.sc.points:  # the compounds hold them all: the largest's line
                big = max(compounds, key=lambda c: c.residents)
                more = _(" (the largest: compound '{name}', {n:,})").format(name=big.name, n=big.residents)
                self.problems.append(
                    Problem(self.place_files.shown["compounds"], big.line, ("residents",), message + more)
                )
            else:
                self.add(("points",), message)
        if points > spec.LIMITS["points"]:
            self.add(
                ("points",),
                _("{n:,} points in all: natsim's limit is {limit:,} per round").format(
                    n=points, limit=spec.LIMITS["points"]
                ),
            )


@dataclass
class Checked:
    """What the checks read besides the scenario file, and what they found."""

    points_files: dict[str, list[tuple[int, spec.PointGroup]]]
    place_files: PlaceFiles | None
    places_map: PlacesMap | None
    problems: list[Problem]
    warnings: list[Problem]
    routes: list[RouteRow] = field(default_factory=list)


def cross_checks(sc: spec.Scenario, base: Path, file: str, lines: dict[tuple, int], siting: bool = False) -> Checked:
    """Every problem across keys, the points CSVs read (file name -> (line, validated row)) and, for a
    places scenario, its files and map (with `siting`, a map with no site open yet)."""
    checks = _Checks(sc, base, file, lines)
    checks.labs()
    used = checks.points()
    if sc.places is not None:
        checks.place_files, checks.places_map, from_sites = check_places(checks, sc.places, siting)
        used.update({lab: where for lab, where in from_sites.items() if lab not in used})
        checks.group_names |= (
            {checks.places_map.site_groups[s] for s in checks.places_map.open_sites} if checks.places_map else set()
        )
    routes = _routes(checks)
    checks.vehicles({lab: where for lab, where in used.items() if lab not in _no_trips(checks, routes)})
    check_lab_network(checks, used)
    checks.events()
    checks.deadline()
    checks.campaign()
    checks.vehicle_labs()
    checks.limits()
    return Checked(checks.files, checks.place_files, checks.places_map, checks.problems, checks.warnings, routes)


def _no_trips(checks: _Checks, routes: list[RouteRow]) -> set[str]:
    """Labs whose points all wait for their couriers (`labs_without_trips`): they need no vehicles."""
    r, m = checks.sc.transport.routes, checks.places_map
    points = [(e.name, e.lab) for e in checks.sc.points if isinstance(e, spec.PointGroup)]
    points += [(g.name, g.lab) for rows in checks.files.values() for _line, g in rows]
    if m is not None:
        points += [(m.site_names[s], m.lab_names[m.site_lab[s]]) for s in m.open_sites if m.site_lab[s] >= 0]
    routed = {stop for row in routes for stop in row.stops}
    return labs_without_trips(points, routed, r.on_full if r else "wait", checks.lab_names)


def _routes(checks: _Checks) -> list[RouteRow]:
    """transport.routes: the routes file read and checked against the map (docs/routes.md)."""
    r = checks.sc.transport.routes
    if r is None:
        return []
    if checks.places_map is None:
        if checks.sc.places is None:
            checks.add(
                ("transport", "routes"), _("routes need a places scenario: the sites' coordinates give the driving")
            )
        return []
    if r.auto is not None:
        return auto_routes(checks.sc, checks.places_map, checks.add)
    path = checks.base / r.file
    rows, problems = read_routes(path, str(path))
    external = frozenset(lab.name for lab in checks.sc.labs if lab.external)
    more, warnings = check_routes(rows, str(path), checks.places_map, checks.lab_names, r.max_loop, external)
    checks.problems += problems + more
    checks.warnings += warnings
    return rows

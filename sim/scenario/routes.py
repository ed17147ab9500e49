"""Courier routes (docs/routes.md): routes.csv read row by row, checked against the map, and each route
as the engine runs it: its lab, vehicles, stops (point indices) and one driving time per leg (P5)."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim.core import distributions as d
from sim.core.durations import format_duration
from sim.core.i18n import _
from sim.scenario.places import PlacesMap, drive_seconds
from sim.scenario.places_build import trip
from sim.scenario.problems import Problem
from sim.scenario.spec import pool_size_rule

COLUMNS = ("route", "vehicles", "lab", "stops")


@dataclass(frozen=True)
class RouteRow:
    line: int
    name: str
    vehicles: int
    lab: str
    stops: tuple[str, ...]
    capacity: int  # tubes a vehicle carries; 0: no limit


@dataclass(frozen=True)
class Route:
    """Rule R1: a vehicle leaves `lab`, drives `legs[0]` to the first stop, `legs[k]` to stop k, and the
    last leg back."""

    name: str
    lab: int
    vehicles: int
    stops: tuple[int, ...]  # point indices, in order
    legs: tuple[d.Distribution, ...]  # len(stops) + 1
    capacity: int = 0

    @property
    def planned_loop(self) -> float:
        return sum(leg.mean for leg in self.legs)


def labs_without_trips(points: Iterable[tuple[str, str]], routed: set[str], on_full: str, labs: Iterable[str]) -> set[str]:
    """R2's consequence: a lab makes trips of its own for each of its points (name, lab name) on no route,
    and, with `on_full: call`, for its routed points too. The labs left make none and need no vehicles
    (a lab with no points makes none)."""
    return set(labs) - {lab for name, lab in points if on_full != "wait" or name not in routed}


def read_routes(path: Path, shown: str) -> tuple[list[RouteRow], list[Problem]]:
    """Every row that can be used, and a problem for each that cannot (file:line: column: what)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        return [], [Problem(shown, None, (), _("cannot read the file: {reason}").format(reason=exc.strerror))]
    reader = csv.DictReader(text.splitlines())
    if missing := [c for c in COLUMNS if c not in (reader.fieldnames or [])]:
        return [], [Problem(shown, 1, (), _("missing column(s) {missing}; columns are {wanted}").format(
            missing=", ".join(missing), wanted=",".join((*COLUMNS, "capacity")))
        )]  # fmt: skip
    rows, problems, seen = [], [], {}
    for line, row in enumerate(reader, start=2):
        name = (row["route"] or "").strip()
        stops = tuple(s.strip() for s in (row["stops"] or "").split(";") if s.strip())
        numbers = {}
        for column in ("vehicles", "capacity"):
            raw = (row.get(column) or "").strip().replace("_", "")
            if column == "capacity" and not raw:
                numbers[column] = 0
            elif raw.isdigit() and (int(raw) > 0 or column == "capacity"):
                numbers[column] = int(raw)
            else:
                problems.append(Problem(shown, line, (column,), _("{text!r}: a whole number is needed").format(text=raw)))
        if not name or name in seen:
            why = _("a route needs a name") if not name else _("route '{name}' is listed twice (first at line {line})")
            problems.append(Problem(shown, line, ("route",), why.format(name=name, line=seen.get(name))))
        if not stops:
            problems.append(Problem(shown, line, ("stops",), _("a route needs at least one stop")))
        if len(numbers) == 2 and name and name not in seen and stops:
            rows.append(RouteRow(line, name, numbers["vehicles"], (row["lab"] or "").strip(), stops, numbers["capacity"]))
        seen.setdefault(name, line)
    return rows, problems


def check_routes(rows: list[RouteRow], shown: str, m: PlacesMap, labs: list[str], max_loop: float | None) -> tuple[list, list]:
    """Problems (a stop that is no open site, a site on two routes, an unknown lab) and warnings (a loop
    longer than max_loop)."""
    problems, warnings = [], []
    open_sites = {m.site_names[s] for s in m.open_sites}
    on_route: dict[str, str] = {}
    for r in rows:
        before = len(problems)
        if r.lab not in labs:
            problems.append(Problem(shown, r.line, ("lab",), _("no lab named '{name}'").format(name=r.lab)))
        for stop in r.stops:
            if stop not in open_sites:
                problems.append(Problem(shown, r.line, ("stops",), _("no open site named '{name}'").format(name=stop)))
            elif stop in on_route:
                problems.append(Problem(shown, r.line, ("stops",), _("site '{name}' is on two routes: {a} and {b}").format(
                    name=stop, a=on_route[stop], b=r.name)))  # fmt: skip
            on_route.setdefault(stop, r.name)
        if len(problems) > before:  # this row's stops or lab are wrong: its legs cannot be judged
            continue
        means = leg_means(r, m, labs.index(r.lab))
        if None in means:
            k, lab_name = means.index(None), m.lab_names[labs.index(r.lab)]
            a, b = [lab_name, *r.stops, lab_name][k : k + 2]
            problems.append(Problem(shown, r.line, ("stops",), _(
                "no driving time between {a} and {b}: give the lab coordinates under places.labs, or a row in the travel matrix"
            ).format(a=a, b=b)))  # fmt: skip
        elif max_loop is not None:
            loop = sum(means)
            if loop > max_loop + 1e-9:
                warnings.append(Problem(shown, r.line, ("stops",), _(
                    "route '{name}' takes {loop} to drive, longer than max_loop ({most})").format(
                    name=r.name, loop=format_duration(loop), most=format_duration(max_loop))))  # fmt: skip
    return problems, warnings


def leg_means(r: RouteRow, m: PlacesMap, lab: int) -> list[float | None]:
    """P5's mean time of every leg of the loop, lab -> first stop -> ... -> last stop -> lab (None: no
    coordinates and no matrix entry for that leg)."""
    index = {name: s for s, name in enumerate(m.site_names)}
    lab_name, lab_xy = m.lab_names[lab], m.lab_xy.get(lab)
    places = [(lab_name, lab_xy)] + [(stop, tuple(m.site_xy[index[stop]])) for stop in r.stops] + [(lab_name, lab_xy)]
    out = []
    for (a, xa), (b, xb) in zip(places, places[1:], strict=False):
        if xa is None:  # drive_seconds needs the first place's coordinates; the matrix goes both ways
            xa, xb, a, b = xb, xa, b, a
        out.append(
            drive_seconds((a, b), xa, xb, m.lonlat, m.drive_speed, m.drive_detour, m.matrix)
            if xa is not None
            else m.matrix.get((a, b))
        )
    return out


def route(r: RouteRow, m: PlacesMap, labs: list[str], point_of: dict[str, int]) -> Route:
    """A checked row as the engine runs it."""
    lab = labs.index(r.lab)
    legs = tuple(trip(t or 0.0, m.drive_cv) for t in leg_means(r, m, lab))
    return Route(r.name, lab, r.vehicles, tuple(point_of[s] for s in r.stops), legs, r.capacity)


def auto_routes(sc, m: PlacesMap, add) -> list[RouteRow]:
    """`routes: auto`: loops for every open site, lab by lab (sim.scenario.route_solver); `add(key, message)`
    reports what makes it impossible (a site too far for any loop, a lab without coordinates)."""
    from sim.scenario.route_solver import network, peak_tubes, solve, too_far

    a = sc.transport.routes.auto
    at = ("transport", "routes", "auto", "max_loop")
    open_sites = m.open_sites
    residents = np.array([m.compound_residents[m.served(s)].sum() for s in range(len(m.site_names))], float)
    groups = sc.places.groups if sc.places is not None else {}
    pools = np.array(
        [
            pool_size_rule(getattr(groups.get(m.site_group(s)), "pool_size", None), sc.sampling.pool_size)
            for s in range(len(m.site_names))
        ]
    )
    demand = peak_tubes(residents, sc.arrivals.turnout, pools, sc.arrivals.profile, sc.transport.pickup_interval)
    rows, total = [], max(open_sites.size, 1)
    for lab, name in enumerate(m.lab_names):
        sites = open_sites[m.site_lab[open_sites] == lab]
        if not sites.size:
            continue
        if lab not in m.lab_xy:
            add(("places", "labs"), _("routes: auto needs the coordinates of lab '{name}' under places.labs").format(name=name))
            continue
        net = network(m, lab, sites, demand[sites])
        if far := too_far(net, a.max_loop):
            names = ", ".join(m.site_names[s] for s in far[:5]) + (" ..." if len(far) > 5 else "")
            add(at, _("no loop within max_loop ({most}) can reach {sites}: out and back alone takes longer").format(
                most=format_duration(a.max_loop), sites=names))  # fmt: skip
            continue
        loops, _how = solve(net, a.max_loop, a.capacity, a.stops_max, a.time_limit * sites.size / total)
        for k, loop in enumerate(loops, start=1):
            stops = tuple(m.site_names[s] for s in loop.stops)
            rows.append(RouteRow(0, f"{name}-{k:03d}", a.vehicles, name, stops, a.capacity))
    return rows

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
from sim.core.routing import Network
from sim.scenario.lab_checks import no_lab
from sim.scenario.places.build import trip
from sim.scenario.places.files import whole_number
from sim.scenario.places.map import PlacesMap, drive_leg, drive_matrix
from sim.scenario.problems import Problem, did_you_mean
from sim.scenario.rules import pool_size_rule

COLUMNS = ("route", "vehicles", "lab", "stops")


@dataclass(frozen=True)
class RouteRow:
    line: int
    name: str
    vehicles: int
    lab: str
    stops: tuple[str, ...]
    capacity: int  # tubes a vehicle carries; 0 (an empty cell): no limit; a written 0 is refused


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


def labs_without_trips(
    points: Iterable[tuple[str, str]], routed: set[str], on_full: str, labs: Iterable[str]
) -> set[str]:
    """R2's consequence: a lab makes trips of its own for each of its points (name, lab name) on no route,
    and, with `on_full: call`, for its routed points too. The labs left make none and need no vehicles
    (a lab with no points makes none)."""
    return set(labs) - {lab for name, lab in points if on_full != "wait" or name not in routed}


def _count(raw: str | None, column: str) -> int:
    """A route's vehicles (1 or more) or capacity (1 or more tubes; an empty cell: no limit, 0), or ValueError."""
    text = (raw or "").strip()
    if column == "capacity" and not text:
        return 0
    try:
        return whole_number(text, low=1)
    except ValueError as exc:
        if text.replace("_", "") in ("0", "0.0"):
            raise ValueError(
                _("'0': a route needs at least 1 vehicle")
                if column == "vehicles"
                else _("'0': a vehicle carries at least 1 tube; leave the cell empty for no limit")
            ) from None
        raise exc


def read_routes(path: Path, shown: str) -> tuple[list[RouteRow], list[Problem]]:
    """Every row that can be used, and a problem for each that cannot (file:line: column: what)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        return [], [Problem(shown, None, (), _("cannot read the file: {reason}").format(reason=exc.strerror))]
    except UnicodeDecodeError:
        return [], [Problem(shown, None, (), _("not UTF-8 text: save the CSV as UTF-8"))]
    reader = csv.DictReader(text.splitlines())
    if missing := [c for c in COLUMNS if c not in (reader.fieldnames or [])]:
        message = _("missing column(s) {missing}; columns are {wanted}").format(
            missing=", ".join(missing), wanted=",".join((*COLUMNS, "capacity"))
        )
        return [], [Problem(shown, 1, (), message)]
    rows, problems, seen = [], [], {}
    for line, row in enumerate(reader, start=2):
        name = (row["route"] or "").strip()
        stops = tuple(s.strip() for s in (row["stops"] or "").split(";") if s.strip())
        numbers = {}
        for column in ("vehicles", "capacity"):
            try:
                numbers[column] = _count(row.get(column), column)
            except ValueError as exc:
                problems.append(Problem(shown, line, (column,), str(exc)))
        if not name or name in seen:
            why = _("a route needs a name") if not name else _("route '{name}' is listed twice (first at line {line})")
            problems.append(Problem(shown, line, ("route",), why.format(name=name, line=seen.get(name))))
        if not stops:
            problems.append(Problem(shown, line, ("stops",), _("a route needs at least one stop")))
        for stop in sorted({s for s in stops if stops.count(s) > 1}, key=stops.index):
            problems.append(
                Problem(
                    shown,
                    line,
                    ("stops",),
                    _("site '{name}' is listed twice on route '{route}'").format(name=stop, route=name),
                )
            )
        if len(numbers) == 2 and name and name not in seen and stops and len(set(stops)) == len(stops):
            rows.append(
                RouteRow(line, name, numbers["vehicles"], (row["lab"] or "").strip(), stops, numbers["capacity"])
            )
        seen.setdefault(name, line)
    return rows, problems


def check_routes(
    rows: list[RouteRow],
    shown: str,
    m: PlacesMap,
    labs: list[str],
    max_loop: float | None,
    external: frozenset[str] = frozenset(),
) -> tuple[list, list]:
    """Problems (a stop that is no open site, a site on two routes, an unknown or external lab) and
    warnings (a loop longer than max_loop)."""
    problems, warnings = [], []
    open_sites = {m.site_names[s] for s in m.open_sites}
    on_route: dict[str, str] = {}
    for r in rows:
        mine = _row_problems(r, labs, external, open_sites, on_route)
        problems += [Problem(shown, r.line, (column,), message) for column, message in mine]
        if mine:  # this row's stops or lab are wrong: its legs cannot be judged
            continue
        means = leg_means(r, m, labs.index(r.lab))
        if None in means:
            k, lab_name = means.index(None), m.lab_names[labs.index(r.lab)]
            a, b = [lab_name, *r.stops, lab_name][k : k + 2]
            message = _(
                "no driving time between {a} and {b}: give the lab coordinates under places.labs, or a row in the "
                "travel matrix"
            ).format(a=a, b=b)
            problems.append(Problem(shown, r.line, ("stops",), message))
        elif max_loop is not None and (loop := sum(means)) > max_loop + 1e-9:
            message = _("route '{name}' takes {loop} to drive, longer than max_loop ({most})").format(
                name=r.name, loop=format_duration(loop), most=format_duration(max_loop)
            )
            warnings.append(Problem(shown, r.line, ("stops",), message))
    return problems, warnings


def _row_problems(
    r: RouteRow, labs: list[str], external: frozenset[str], open_sites: set[str], on_route: dict[str, str]
) -> list[tuple[str, str]]:
    """(column, message) for a route's lab and stops; `on_route` learns its stops."""
    out = []
    if r.lab not in labs:
        out.append(("lab", no_lab(r.lab, labs)))
    elif r.lab in external:
        message = _("lab '{name}' is external (reached only by other labs' overflow): no route may bring tubes to it")
        out.append(("lab", message.format(name=r.lab)))
    for stop in r.stops:
        if stop not in open_sites:
            out.append(("stops", _("no open site named '{name}'").format(name=stop) + did_you_mean(stop, open_sites)))
        elif stop in on_route:
            message = _("site '{name}' is on two routes: {a} and {b}").format(name=stop, a=on_route[stop], b=r.name)
            out.append(("stops", message))
        on_route.setdefault(stop, r.name)
    return out


def leg_means(r: RouteRow, m: PlacesMap, lab: int) -> list[float | None]:
    """P5's mean time of every leg of the loop, lab -> first stop -> ... -> last stop -> lab (None: no
    coordinates and no matrix entry for that leg)."""
    index = {name: s for s, name in enumerate(m.site_names)}
    places = [("lab", lab)] + [("site", index[stop]) for stop in r.stops] + [("lab", lab)]
    return [drive_leg(m, a, b) for a, b in zip(places, places[1:], strict=False)]


def route(r: RouteRow, m: PlacesMap, labs: list[str], point_of: dict[str, int]) -> Route:
    """A checked row as the engine runs it."""
    lab = labs.index(r.lab)
    legs = tuple(trip(t or 0.0, m.drive_cv) for t in leg_means(r, m, lab))
    return Route(r.name, lab, r.vehicles, tuple(point_of[s] for s in r.stops), legs, r.capacity)


def auto_routes(sc, m: PlacesMap, add) -> list[RouteRow]:
    """`routes: auto`: loops for every open site, lab by lab (`sim.core.routing`); `add(key, message)`
    reports what makes it impossible (a site too far for any loop, a lab without coordinates)."""
    from sim.core.routing import peak_tubes, solve, too_far  # OR-Tools is imported only for routes: auto

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
            add(
                ("places", "labs"),
                _("routes: auto needs the coordinates of lab '{name}' under places.labs").format(name=name),
            )
            continue
        net = Network(lab, sites, drive_matrix(m, lab, sites), demand[sites])  # P5 (P5n on streets)
        if far := too_far(net, a.max_loop):
            names = ", ".join(m.site_names[s] for s in far[:5]) + (" ..." if len(far) > 5 else "")
            message = _("no loop within max_loop ({most}) can reach {sites}: out and back alone takes longer")
            add(at, message.format(most=format_duration(a.max_loop), sites=names))
            continue
        loops, _how = solve(net, a.max_loop, a.capacity, a.stops_max, a.time_limit * sites.size / total)
        for k, loop in enumerate(loops, start=1):
            stops = tuple(m.site_names[s] for s in loop.stops)
            rows.append(RouteRow(0, f"{name}-{k:03d}", a.vehicles, name, stops, a.capacity))
    return rows

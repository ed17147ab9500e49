"""A sizing plan as numbers per group and lab, what it totals, and first guesses from queueing theory.

A plan is a dict of lists: `points` and `tables` per point group, `vehicles`, `extractors` and
`pcr_machines` per lab, and `route_vehicles` per courier route. `apply_plan` makes the `Round` it
describes.
"""

from __future__ import annotations

import math
from dataclasses import replace

from sim.core.profile import peak_share
from sim.core.queueing import tables_for_wait
from sim.scenario.round import Round


def samplers_per_table(rnd: Round) -> int:
    """Staff at a table across the day: with shift handovers, two samplers rotate (the national
    guidance's population / 360 is about two per table); without shifts, one."""
    return 2 if rnd.shifts else 1


def apply_plan(base: Round, plan: dict[str, list[int]]) -> Round:
    """The round with these points and tables per group and these vehicles and instruments per lab;
    a group's residents are re-divided over its points (rounded up, so nobody is dropped)."""
    groups = []
    for g, points, tables in zip(base.groups, plan["points"], plan["tables"], strict=True):
        total = g.count * g.residents
        if g.names:  # points listed one by one in a CSV keep their count
            groups.append(replace(g, tables=tables))
        else:
            groups.append(replace(g, count=points, residents=math.ceil(total / points), tables=tables))
    labs = tuple(
        replace(lab, vehicles=v, extractors=e, pcr_machines=p)
        for lab, v, e, p in zip(base.labs, plan["vehicles"], plan["extractors"], plan["pcr_machines"], strict=True)
    )
    routes = tuple(replace(r, vehicles=v) for r, v in zip(base.routes, plan.get("route_vehicles", []), strict=False))
    return base.with_(groups=tuple(groups), labs=labs, routes=routes or base.routes)


def plan_of(rnd: Round) -> dict[str, list[int]]:
    return {
        "points": [g.count for g in rnd.groups],
        "tables": [g.tables for g in rnd.groups],
        "vehicles": [lab.vehicles for lab in rnd.labs],
        "extractors": [lab.extractors for lab in rnd.labs],
        "pcr_machines": [lab.pcr_machines for lab in rnd.labs],
        "route_vehicles": [r.vehicles for r in rnd.routes],
    }


def totals(rnd: Round, plan: dict[str, list[int]]) -> dict[str, int]:
    tables = sum(p * t for p, t in zip(plan["points"], plan["tables"], strict=True))
    return {
        "points": sum(plan["points"]),
        "tables": tables,
        "samplers": tables * samplers_per_table(rnd),
        "vehicles": sum(plan["vehicles"]) + sum(plan.get("route_vehicles", [])),
        "extractors": sum(plan["extractors"]),
        "pcr_machines": sum(plan["pcr_machines"]),
    }


def analytic_bounds(rnd: Round, max_wait: float | None) -> dict[str, list[int]]:
    """First guesses from queueing theory and throughput; simulation confirms and tightens them."""
    share_at_peak = peak_share(rnd.profile.times, rnd.profile.weights)
    mu = 1 / rnd.service.mean
    window = max(rnd.deadline - max(rnd.open, 0.0), 3600.0)
    tables, tubes_per_lab = [], [0.0] * len(rnd.labs)
    trips_h = [0.0] * len(rnd.labs)
    span = max(rnd.profile.times[-1] - rnd.open, rnd.pickup_interval)
    for g in rnd.groups:
        lam = g.residents * rnd.turnout * share_at_peak  # per second at one point
        wait = max_wait if max_wait is not None else window / 4
        tables.append(max(1, tables_for_wait(lam, mu, wait)) if lam > 0 else 1)
        tubes_per_lab[g.lab] += g.count * g.residents * rnd.turnout / rnd.pool_size_of(g)
        trips = max(span / rnd.pickup_interval, g.residents * rnd.turnout / rnd.pool_size_of(g) / rnd.box_capacity) + 1
        trips_h[g.lab] += g.count * trips * 2 * g.travel.mean / 3600
    lab_window = [max(window - 2 * 3600 - lab.pcr.mean - lab.report_delay, 3600.0) for lab in rnd.labs]
    plates = [tubes / lab.plate_size for tubes, lab in zip(tubes_per_lab, rnd.labs, strict=True)]
    return {
        "points": [g.count for g in rnd.groups],
        "tables": tables,
        "vehicles": [max(1, math.ceil(h * 3600 / window)) for h in trips_h],
        "extractors": [
            max(1, math.ceil(p * lab.extraction.mean / w))
            for p, lab, w in zip(plates, rnd.labs, lab_window, strict=True)
        ],
        "pcr_machines": [
            max(1, math.ceil(p * lab.pcr.mean / w)) for p, lab, w in zip(plates, rnd.labs, lab_window, strict=True)
        ],
        # A route keeps its timetable with as many vehicles as loops are out at once.
        "route_vehicles": [max(1, math.ceil(r.planned_loop / rnd.pickup_interval)) for r in rnd.routes],
    }

"""Scenario file -> `Round`: the validated spec turned into seconds, indices and distribution objects."""

from __future__ import annotations

import math
import textwrap
from dataclasses import replace
from pathlib import Path

from sim.core import distributions as d
from sim.scenario import spec
from sim.scenario.lab_network import LabSurge, Overflow
from sim.scenario.load import LoadedScenario, parse_scenario
from sim.scenario.names import NamedGroup, resolve
from sim.scenario.places.build import catchment, trip
from sim.scenario.places.map import Catchment, PlacesMap
from sim.scenario.round import (
    Blocked,
    CallSlots,
    Event,
    HomeVisits,
    Lab,
    LabOutage,
    PointGroup,
    Profile,
    Round,
    RoundPlan,
    Shifts,
    Slowdown,
    shift_arrivals,
)
from sim.scenario.routes import Route, route
from sim.scenario.staffing import Staffing


def distribution(ds: spec.DistSpec) -> d.Distribution:
    match ds.dist:
        case "fixed":
            return d.Fixed(ds.value)
        case "exponential":
            return d.Exponential(ds.mean)
        case "lognormal":
            return d.Lognormal(ds.mean, ds.sd)
        case "gamma":
            return d.Gamma(ds.mean, ds.sd)
        case "triangular":
            return d.Triangular(ds.low, ds.mode, ds.high)
        case "uniform":
            return d.Uniform(ds.low, ds.high)
        case "empirical":
            return d.Empirical(tuple(ds.values))
    raise ValueError(ds.dist)  # unreachable: spec.DistKind lists the kinds


def _calls(spec_calls: spec.CallSlots | None, residents: int, catch: Catchment | None = None) -> CallSlots | None:
    """A group's call slots for a point of `residents`; at a site, slots that name compounds call those
    compounds' residents (their share is what those compounds hold of the site's residents)."""
    if spec_calls is None:
        return None
    shares = []
    for k, s in enumerate(spec_calls.slots):
        if catch is not None and catch.slot is not None and s.share is None:
            shares.append(float(catch.residents[catch.slot == k].sum()) / residents)
        else:
            shares.append(s.share_of(residents) if isinstance(s, spec.CallSlot) else s.share)
    return CallSlots(
        tuple(shares),
        tuple(s.from_ for s in spec_calls.slots),
        tuple(s.to for s in spec_calls.slots),
        distribution(spec_calls.spread),
        spec_calls.ignore_share,
        distribution(spec_calls.late),
    )


def _campaign(sc: spec.Scenario, turnout: float, profile: Profile) -> tuple[RoundPlan, ...]:
    """Each round's turnout and profile; arrival shifts (times on the campaign's clock) apply to the
    round they fall in."""
    if sc.campaign is None:
        return ()
    shifts = [ev for ev in sc.events if isinstance(ev, spec.ArrivalShift)]
    changes = {c.round: c for c in sc.campaign.changes}
    plans = []
    for k in range(sc.campaign.rounds):
        c = changes.get(k + 1)
        own = Profile.from_pairs(c.profile) if c is not None and c.profile is not None else profile
        t = c.turnout if c is not None and c.turnout is not None else turnout
        offset = k * sc.campaign.every
        for ev in shifts:
            if ev.to - offset > own.times[0] and ev.from_ - offset < own.times[-1]:
                own = shift_arrivals(own, ev.from_ - offset, ev.to - offset, ev.factor)
        plans.append(RoundPlan(offset, t, own, changed=c is not None))
    return tuple(plans)


def _home(spec_home: spec.HomeVisits | None) -> HomeVisits | None:
    if spec_home is None:
        return None
    return HomeVisits(
        spec_home.share, spec_home.teams, distribution(spec_home.visit_time), distribution(spec_home.travel_time)
    )


def _horizon(sc: spec.Scenario) -> float:
    """How far staffed shifts are laid out: two days past the last deadline, beyond any lab's last plate."""
    rounds = sc.campaign.rounds if sc.campaign else 1
    return (rounds - 1) * (sc.campaign.every if sc.campaign else 0.0) + sc.deadline + 48 * 3600.0


def build_round(loaded: LoadedScenario) -> Round:
    sc = loaded.spec
    lab_index = {lab.name: i for i, lab in enumerate(sc.labs)}
    groups = _point_groups(loaded, lab_index) + _site_groups(loaded)
    routes, groups = _routes(loaded, groups)
    # `free`: the profile before arrival shifts, from which a campaign shifts each round's own.
    free = Profile.from_pairs(sc.arrivals.profile)
    ev = _events(sc, groups, lab_index, free)
    sh = sc.sampling.shifts
    return Round(
        name=sc.name,
        deadline=sc.deadline,
        seed=sc.seed,
        replications=sc.replications,
        turnout=sc.arrivals.turnout,
        profile=ev["profile"],
        open=sc.sampling.open,
        service=distribution(sc.sampling.service_time),
        pool_size=sc.sampling.pool_size,
        shifts=Shifts(sh.length, sh.handover, sh.stagger) if sh else None,
        groups=tuple(groups),
        pickup_interval=sc.transport.pickup_interval,
        box_capacity=sc.transport.box_capacity,
        labs=_labs(sc),
        prevalence=sc.positives.prevalence if sc.positives else 0.0,
        recall_delay=sc.positives.recall_delay if sc.positives else 0.0,
        blocked=tuple(ev["blocked"]),
        lab_outages=tuple(ev["outages"] + lab_stops(sc, _horizon(sc))),
        lab_surges=tuple(ev["surges"]),
        slowdowns=tuple(ev["slowdowns"]),
        events=tuple(ev["events"]),
        campaign=_campaign(sc, sc.arrivals.turnout, free),
        description=sc.description or "",
        start_label=sc.start.isoformat(timespec="minutes") if sc.start else None,
        source=loaded.path,
        staffing=Staffing.from_spec(sc.staffing, sh.length if sh else None),
        routes=routes,
        on_full=sc.transport.routes.on_full if sc.transport.routes else "wait",
        places=loaded.places_map,
    )


def _point_groups(loaded: LoadedScenario, lab_index: dict[str, int]) -> list[PointGroup]:
    groups: list[PointGroup] = []
    for entry in loaded.spec.points:
        if isinstance(entry, spec.PointFile):
            # One group per CSV row keeps each row's own residents, tables, lab and travel time.
            stem = Path(entry.file).stem
            for _, g in loaded.points_files[entry.file]:
                travel = distribution(g.travel_time)
                row = PointGroup(stem, 1, g.residents, g.tables, lab_index[g.lab], travel, names=(g.name,))
                groups.append(replace(row, pool_size=g.pool_size, priority=g.priority))
            continue
        groups.append(
            PointGroup(
                entry.name,
                entry.count,
                entry.residents,
                entry.tables,
                lab_index[entry.lab],
                distribution(entry.travel_time),
                pool_size=entry.pool_size,
                priority=entry.priority,
                home=_home(entry.home_visits),
                calls=_calls(entry.call_slots, entry.residents),
            )
        )
    return groups


def _routes(loaded: LoadedScenario, groups: list[PointGroup]) -> tuple[tuple[Route, ...], list[PointGroup]]:
    """The routes as the engine runs them; a site on a route sends its tubes to the route's lab."""
    if not loaded.routes:
        return (), groups
    labs = [lab.name for lab in loaded.spec.labs]
    first, point_of, group_of = 0, {}, {}
    for gi, g in enumerate(groups):
        for i in range(g.count):
            point_of[g.point_name(i)] = first + i
            group_of[g.point_name(i)] = gi
        first += g.count
    routes = tuple(route(r, loaded.places_map, labs, point_of) for r in loaded.routes)
    groups = list(groups)
    for r, row in zip(routes, loaded.routes, strict=True):
        for stop in row.stops:
            groups[group_of[stop]] = replace(groups[group_of[stop]], lab=r.lab)
    return routes, groups


def _site_groups(loaded: LoadedScenario) -> list[PointGroup]:
    """Places: each open site is a point of its group, serving the compounds assigned to it (P3), its
    trips lognormal around the driving time to its lab (P5, P6)."""
    m = loaded.places_map
    if loaded.spec.places is None or m is None:
        return []
    return [site_point(loaded, m, s) for s in m.open_sites]


def site_point(loaded: LoadedScenario, m: PlacesMap, s: int) -> PointGroup:
    """Site s of map m (which may be a plan other than the scenario's, e.g. while siting) as a point."""
    p = loaded.spec.places
    group = m.site_group(s)
    keys = p.groups.get(group) or spec.PlaceGroup()
    c = catchment(m, s, keys.call_slots)
    residents = int(c.residents.sum())
    point = PointGroup(
        group, 1, residents, int(m.site_tables[s]), int(m.site_lab[s]), trip(m.site_drive[s], m.drive_cv)
    )
    calls = _calls(keys.call_slots, max(residents, 1), c) if keys.call_slots else None
    extra = {"pool_size": keys.pool_size, "priority": keys.priority, "home": _home(keys.home_visits), "calls": calls}
    return replace(point, names=(m.site_names[s],), catchment=c, **extra)


def _labs(sc: spec.Scenario) -> tuple[Lab, ...]:
    index = {lab.name: i for i, lab in enumerate(sc.labs)}
    return tuple(
        Lab(
            lab.name,
            lab.extractors,
            lab.pcr_machines,
            lab.plate_size,
            distribution(lab.extraction_time),
            distribution(lab.pcr_time),
            lab.max_plate_wait,
            lab.report_delay,
            sc.transport.vehicles.get(lab.name, 0),
            lab.external,
            _overflow(lab.overflow, index),
        )
        for lab in sc.labs
    )


def _overflow(o: spec.Overflow | None, index: dict[str, int]) -> Overflow | None:
    if o is None:
        return None
    value, unit = o.when
    t = o.trunk
    return Overflow(value, unit, tuple(index[name] for name in o.to), distribution(t.travel_time), t.every, t.capacity)


def lab_stops(sc: spec.Scenario, horizon: float) -> list[LabOutage]:
    """When a lab's instruments stand still besides disruptions: before it opens (`available_from`) and at
    each staff handover (`staffed`), up to `horizon`; as outages, so one rule stops them (rule L2)."""
    out = []
    for i, lab in enumerate(sc.labs):
        if lab.available_from > 0:
            out.append(LabOutage(i, -math.inf, lab.available_from, lab.extractors, lab.pcr_machines))
        if lab.staffed is not None:
            t = lab.available_from + lab.staffed.length
            while t < horizon:
                out.append(LabOutage(i, t, t + lab.staffed.handover, lab.extractors, lab.pcr_machines))
                t += lab.staffed.length + lab.staffed.handover
    return out


def _events(sc: spec.Scenario, groups: list[PointGroup], lab_index: dict[str, int], profile: Profile) -> dict:
    """Disruptions as the engine takes them (blocked windows, outages, slowdowns, the reshaped profile),
    and each as planners named it, for plots."""
    group_index: dict[str, list[int]] = {}
    for i, g in enumerate(groups):
        group_index.setdefault(g.name, []).append(i)
    named = [NamedGroup(g.name, g.count, g.names) for g in groups]
    out: dict = {"blocked": [], "outages": [], "slowdowns": [], "events": [], "profile": profile, "surges": []}
    for ev in sc.events:
        what = ev.kind.replace("_", " ")
        if isinstance(ev, spec.ClosePoints):
            for name in ev.points:
                out["blocked"] += [Blocked(gi, i, ev.from_, ev.to) for gi, i in resolve(name, named)]
            what = f"points closed: {', '.join(ev.points)}"
        elif isinstance(ev, spec.TablesDown):  # every group of that name: a CSV's rows, a places group's sites
            out["blocked"] += [Blocked(gi, -1, ev.from_, ev.to, ev.tables) for gi in group_index.get(ev.group, [])]
            what = f"{ev.tables} table(s) per point down: {ev.group}"
        elif isinstance(ev, spec.LabOutage):
            out["outages"].append(LabOutage(lab_index[ev.lab], ev.from_, ev.to, ev.extractors, ev.pcr_machines))
            what = f"lab outage: {ev.lab}"
        elif isinstance(ev, spec.TravelSlowdown):
            lab = lab_index.get(ev.lab, -1)
            for group in group_index.get(ev.group, [-1]):
                out["slowdowns"].append(Slowdown(ev.from_, ev.to, ev.factor, lab, group))
            what = f"travel x{ev.factor:g}: {ev.lab or ev.group}"
        elif isinstance(ev, spec.LabSurge):
            out["surges"].append(LabSurge(lab_index[ev.lab], ev.from_, ev.to, ev.extractors, ev.pcr_machines))
            what = f"lab surge: {ev.lab}"
        elif isinstance(ev, spec.ArrivalShift):
            out["profile"] = shift_arrivals(out["profile"], ev.from_, ev.to, ev.factor)
            what = f"arrivals x{ev.factor:g}, the rest later"
        out["events"].append(Event(ev.kind, ev.from_, ev.to, what))
    return out


def round_from_text(text: str, file: str = "<text>") -> Round:
    """A `Round` straight from scenario YAML (indented text is dedented), e.g. in a notebook or a test;
    bad input raises `ScenarioError` as a file would."""
    return build_round(parse_scenario(textwrap.dedent(text), file=file))

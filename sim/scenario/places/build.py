"""From a places scenario's spec and files to the plain map and the point groups of its open sites."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from sim.core import distributions as d
from sim.scenario import spec
from sim.scenario.places.files import PlaceFiles
from sim.scenario.places.map import Catchment, PlacesMap, assign_nearest, labs_of_sites, nearest_open, walking_times
from sim.scenario.places.street_map import StreetMap, street_map


def streets_of(p: spec.Places, files: PlaceFiles, c_xy: np.ndarray, s_xy: np.ndarray, lab_xy: dict) -> StreetMap | None:
    """The networks of `places.network` with every place snapped, and the walks within the standard."""
    if p.network is None or files.streets is None:
        return None
    st, net = files.streets, p.network
    walk = st.speeds("walk", p.walking.speed, net.walking_speeds)
    drive = st.speeds("drive", p.driving.speed, net.driving_speeds)
    base = (p.walking.speed, p.driving.speed)
    sm = street_map(st, p.coordinates == "lonlat", walk, drive, base, c_xy, s_xy, lab_xy)
    sm.within(p.walking.standard)
    return sm


def make_map(p: spec.Places, files: PlaceFiles, lab_names: list[str]) -> PlacesMap:
    """Rules P1-P3, P5 and P6 applied to the rows read: each compound's site and walk, each site's lab."""
    lonlat = p.coordinates == "lonlat"
    comps, sites = files.compounds, files.sites
    c_xy = np.array([c.xy for c in comps], float).reshape(-1, 2)
    s_xy = np.array([s.xy for s in sites], float).reshape(-1, 2)
    tables = np.array([s.tables for s in sites], np.int64)
    site_index = {s.name: i for i, s in enumerate(sites)}
    lab_xy = {i: tuple(p.labs[n]) for i, n in enumerate(lab_names) if n in p.labs}
    sm = streets_of(p, files, c_xy, s_xy, lab_xy)
    walk = np.full(len(comps), np.nan)
    if p.assignment == "file":
        assigned = np.array([site_index.get(c.site or "", -1) for c in comps], np.int64)
    elif sm is not None:
        assigned, walk = sm.nearest(tables > 0)
    else:
        assigned = assign_nearest(c_xy, s_xy, tables > 0, lonlat)
    ok = assigned >= 0
    if sm is not None:
        if p.assignment == "file":  # nearest: the search found the walks
            walk[ok] = sm.walks(np.flatnonzero(ok), assigned[ok])
    else:
        walk[ok] = walking_times(c_xy[ok], s_xy[assigned[ok]], lonlat, p.walking.speed, p.walking.detour)
    site_lab, drive = labs_of_sites(
        tuple(s.name for s in sites),
        s_xy,
        [s.lab for s in sites],
        tuple(lab_names),
        lab_xy,
        lonlat,
        p.driving.speed,
        p.driving.detour,
        files.matrix,
        sm,
    )
    return PlacesMap(
        lonlat=lonlat,
        compound_names=tuple(c.name for c in comps),
        compound_xy=c_xy,
        compound_residents=np.array([c.residents for c in comps], np.int64),
        site_names=tuple(s.name for s in sites),
        site_xy=s_xy,
        site_tables=tables,
        lab_names=tuple(lab_names),
        lab_xy=lab_xy,
        walk_speed=p.walking.speed,
        walk_detour=p.walking.detour,
        standard=p.walking.standard,
        drive_speed=p.driving.speed,
        drive_detour=p.driving.detour,
        drive_cv=p.driving.cv,
        matrix=files.matrix,
        assigned=assigned,
        walk=walk,
        site_own_lab=tuple(s.lab for s in sites),
        site_own_group=tuple(s.group for s in sites),
        compound_group=tuple(c.group for c in comps),
        site_lab=site_lab,
        site_drive=drive,
        streets=sm,
    )


def trip(mean: float, cv: float) -> d.Distribution:
    """P5: a trip's time, lognormal with this mean and coefficient of variation (fixed when cv is 0)."""
    return d.Lognormal(mean, cv * mean) if cv > 0 and mean > 0 else d.Fixed(mean)


def catchment(m: PlacesMap, s: int, slots: spec.PlaceCallSlots | None) -> Catchment:
    served = m.served(s)
    slot = None
    if slots is not None and any(x.buildings for x in slots.slots):
        by_name = {name: k for k, x in enumerate(slots.slots) for name in (x.buildings or [])}
        slot = np.array([by_name.get(m.compound_names[c], -1) for c in served], np.int64)
    return Catchment(served, m.compound_residents[served], m.walk[served], slot)


def reassign(m: PlacesMap, tables: np.ndarray) -> PlacesMap:
    """The same map with other sites open (those with tables > 0): P3 and P2 again; labs and trips stay."""
    assigned, walk = nearest_open(m, np.arange(len(m.compound_names)), np.asarray(tables) > 0)
    return replace(m, site_tables=np.asarray(tables, np.int64), assigned=assigned, walk=walk)

"""The round on a map (places v1): compounds, sites and labs as plain arrays, and rules P1-P3, P5, P6.

- P1 distance: great circle for longitude/latitude, Euclidean for metres (`sim.core.geo`).
- P2 walking time = distance x walking.detour / walking.speed.
- P3 assignment: each compound goes whole to the open site with the smallest walking time (ties: the
  site listed first), or to the site its row names.
- P5 driving: a trip's mean is distance x driving.detour / driving.speed, or the matrix's minutes.
- P6 a site's lab: its `lab` column, else the lab with the smallest driving time.
- With `places.network`, P2n and P5n (`sim.scenario.places.street_map`) take the place of P2 and P5: callers
  ask `walks`, `nearest_open`, `reach`, `drive_leg` and `drive_matrix` here, which choose.
- Within the walking standard: `within_standard` (one test for every caller).

P4 (residents reach the point a walking time after they leave home) is the engine's: see
`sim.engine.crowd`. Nothing here knows YAML or pydantic.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from sim.core import geo

if TYPE_CHECKING:
    from sim.scenario.places.street_map import StreetMap

TOLERANCE = 1e-9  # seconds: a walk this close to the standard is within it (sums of floats differ by less)


def within_standard(walk: np.ndarray, standard: float) -> np.ndarray:
    """The one test of "within the walking standard": walk <= standard, to the tolerance."""
    return np.asarray(walk) <= standard + TOLERANCE


@dataclass(frozen=True, eq=False)
class Catchment:
    """The compounds a site serves: who comes from where, and how long they walk."""

    compounds: np.ndarray  # compound indices (into PlacesMap's arrays)
    residents: np.ndarray  # residents of each
    walk: np.ndarray  # seconds from each to the site
    slot: np.ndarray | None = None  # call slot of each compound (-1: follows the profile), when called by compound


@dataclass(frozen=True, eq=False)
class PlacesMap:
    """Everything on the map, as plain arrays; sites are listed as in sites.csv (closed ones too)."""

    lonlat: bool
    compound_names: tuple[str, ...]
    compound_xy: np.ndarray  # (n, 2)
    compound_residents: np.ndarray
    site_names: tuple[str, ...]
    site_xy: np.ndarray  # (m, 2)
    site_tables: np.ndarray
    lab_names: tuple[str, ...]
    lab_xy: dict[int, tuple[float, float]]  # labs that have coordinates
    walk_speed: float  # m/s
    walk_detour: float
    standard: float  # seconds: the walking standard
    drive_speed: float
    drive_detour: float
    drive_cv: float
    matrix: dict[tuple[str, str], float]  # (from, to) -> seconds, both ways
    assigned: np.ndarray  # site index per compound (-1: none)
    walk: np.ndarray  # seconds per compound to its site
    site_own_lab: tuple[str | None, ...]  # the sites' `lab` column, as written
    site_own_group: tuple[str | None, ...]  # the sites' `group` column, as written
    compound_group: tuple[str | None, ...]  # the compounds' `group` column, as written
    site_lab: np.ndarray  # lab index per site (-1: none reachable)
    site_drive: np.ndarray  # mean seconds one way, site <-> its lab
    streets: StreetMap | None = None  # places.network: walks and drives along the streets (P2n, P5n)
    # Each compound's nearest sites, for a map whose open sites change plan after plan (`with_neighbours`)
    neighbours: geo.Neighbours | None = None

    @property
    def residents_within_standard(self) -> float:
        """The share of the compounds' residents (all of them, not only those who come) assigned to a site
        within the walking standard: a plan's figure, where `within_walk_standard` of a run's metrics is the
        share of the residents who came."""
        people = self.compound_residents
        served = self.assigned >= 0
        ok = served & within_standard(np.where(served, self.walk, np.inf), self.standard)
        return float(people[ok].sum() / max(people.sum(), 1))

    @property
    def open_sites(self) -> np.ndarray:
        return np.flatnonzero(self.site_tables > 0)

    def served(self, site: int) -> np.ndarray:
        """The compounds that go to `site` (in the order listed). From every site's list when some caller
        has asked for all of them; else found alone (siting makes thousands of plans, each asked for few)."""
        members = self.__dict__.get("_members")
        if members is None:
            if site < 0:
                return np.empty(0, np.int64)
            asked = self.__dict__.setdefault("_served", {})  # a plan is asked of the same site many times
            if site not in asked:
                asked[site] = np.flatnonzero(self.assigned == site)
            return asked[site]
        return members[site] if 0 <= site < len(members) else np.empty(0, np.int64)

    @cached_property
    def _members(self) -> list[np.ndarray]:
        """Each site's compounds, found in one sort (a plan is a new map, so this never goes stale)."""
        order = np.argsort(self.assigned, kind="stable")
        counts = np.bincount(self.assigned[self.assigned >= 0], minlength=len(self.site_names))
        start = int(np.sum(self.assigned < 0))
        return np.split(order[start:], np.cumsum(counts)[:-1])

    @cached_property
    def site_groups(self) -> tuple[str, ...]:
        """Each site's group (`site_group`)."""
        self._members  # noqa: B018  (every site's compounds, in one sort)
        return tuple(self.site_group(s) for s in range(len(self.site_own_group)))

    def site_group(self, s: int) -> str:
        """Site s's group: its own column; else the one group all its compounds name; else `sites`."""
        own = self.site_own_group[s]
        named = {self.compound_group[c] for c in self.served(s)}
        return own or (named.pop() if len(named) == 1 and None not in named else "sites")


def walking_times(m_xy: np.ndarray, s_xy: np.ndarray, lonlat: bool, speed: float, detour: float) -> np.ndarray:
    """P2 for pairs: seconds from m_xy[i] to s_xy[i]."""
    return geo.distance(m_xy, s_xy, lonlat) * detour / speed


def walks(m: PlacesMap, compounds: np.ndarray, sites: np.ndarray, within: float | None = None) -> np.ndarray:
    """P2 (or P2n on the streets) for pairs: seconds from compounds[i] to sites[i]. With `within`, a pair
    beyond that many seconds on the streets may come back as inf (only the near ones are wanted)."""
    compounds, sites = np.asarray(compounds, np.int64), np.asarray(sites, np.int64)
    if m.streets is None:
        return walking_times(m.compound_xy[compounds], m.site_xy[sites], m.lonlat, m.walk_speed, m.walk_detour)
    return m.streets.walks(compounds, sites, within)


def nearest_open(m: PlacesMap, compounds: np.ndarray, open_: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """P3 with `nearest` for some compounds among the sites where `open_`: (site per compound, -1 for none;
    walk, nan for none)."""
    compounds = np.asarray(compounds, np.int64)
    if m.streets is not None:
        assigned, walk = m.streets.nearest(open_)
        return assigned[compounds], walk[compounds]
    if m.neighbours is not None:
        assigned = m.neighbours.nearest_open(compounds, open_)
    else:
        assigned = assign_nearest(m.compound_xy[compounds], m.site_xy, open_, m.lonlat)
    walk = np.full(len(compounds), np.nan)
    ok = assigned >= 0
    walk[ok] = walks(m, compounds[ok], assigned[ok])
    return assigned, walk


def with_neighbours(m: PlacesMap) -> PlacesMap:
    """Map m with each compound's nearest sites found once, so that P3 for any set of open sites
    (`nearest_open`) is a look along rows: the same answers, for a caller that tries thousands of plans."""
    if m.streets is not None or m.neighbours is not None:
        return m
    return replace(m, neighbours=geo.Neighbours.of(m.compound_xy, m.site_xy, m.lonlat))


def reach(m: PlacesMap, compounds: np.ndarray, sites: np.ndarray, limit: float) -> list[np.ndarray]:
    """For each compound, the positions (into `sites`) of the sites within `limit` seconds of walking,
    nearest first (ties: the position first)."""
    compounds, sites = np.asarray(compounds, np.int64), np.asarray(sites, np.int64)
    if m.streets is None:
        radius = limit * m.walk_speed / m.walk_detour  # straight-line metres
        near = geo.within(m.compound_xy[compounds], m.site_xy[sites], m.lonlat, radius)
        out = []
        for c, cand in zip(compounds, near, strict=True):
            walk = walks(m, np.full(cand.size, c), sites[cand])
            cand, walk = cand[within_standard(walk, limit)], walk[within_standard(walk, limit)]
            out.append(cand[np.argsort(walk, kind="stable")])
        return out
    w = m.streets.within(limit)
    position = np.full(len(m.site_names), -1, np.int64)
    position[sites] = np.arange(len(sites))
    keep = position[w.site] >= 0
    c, pos, t = w.compound[keep], position[w.site[keep]], w.seconds[keep]
    order = np.lexsort((pos, t, c))
    c, pos = c[order], pos[order]
    lo, hi = np.searchsorted(c, compounds, "left"), np.searchsorted(c, compounds, "right")
    return [pos[a:b] for a, b in zip(lo, hi, strict=True)]


def assign_nearest(compound_xy: np.ndarray, site_xy: np.ndarray, open_: np.ndarray, lonlat: bool) -> np.ndarray:
    """P3 with `nearest`: the site index for each compound (-1 when no site is open). Walking time is
    distance times one factor for everyone, so the nearest site is the one with the smallest walk."""
    candidates = np.flatnonzero(open_)
    if candidates.size == 0:
        return np.full(len(compound_xy), -1, np.int64)
    return candidates[geo.nearest(compound_xy, site_xy[candidates], lonlat)]


def drive_seconds(
    names: tuple[str, str],
    a: tuple[float, float],
    b: tuple[float, float] | None,
    lonlat: bool,
    speed: float,
    detour: float,
    matrix,
) -> float | None:
    """P5's mean trip between two named places (None: neither coordinates nor a matrix entry)."""
    if names in matrix:
        return matrix[names]
    if b is None:
        return None
    return float(geo.distance(np.array(a), np.array(b), lonlat)) * detour / speed


def drive_leg(m: PlacesMap, a: tuple[str, int], b: tuple[str, int]) -> float | None:
    """P5 (or P5n) for one leg from a to b, each ("site", index) or ("lab", index): the matrix's minutes
    for the pair, else the streets', else the straight line (None: none of them knows the pair)."""
    names = tuple(m.lab_names[i] if kind == "lab" else m.site_names[i] for kind, i in (a, b))
    if names in m.matrix:
        return m.matrix[names]
    if m.streets is not None and m.streets.drive is not None:
        t = m.streets.leg(a, b)
        return t if t is not None and np.isfinite(t) else None
    xa, xb = (m.lab_xy.get(i) if kind == "lab" else tuple(m.site_xy[i]) for kind, i in (a, b))
    if xa is None or xb is None:
        return None
    return float(geo.distance(np.array(xa), np.array(xb), m.lonlat)) * m.drive_detour / m.drive_speed


def drive_matrix(m: PlacesMap, lab: int, sites: np.ndarray) -> np.ndarray:
    """P5 (or P5n) among a lab (index 0) and sites: [i, j] is the mean drive from i to j; the matrix's
    minutes where it has the pair."""
    if m.streets is not None and m.streets.drive is not None:
        times = m.streets.drive_matrix(lab, sites)
    else:
        xy = np.vstack([np.array(m.lab_xy[lab], float).reshape(1, 2), m.site_xy[sites]])
        times = geo.distance(xy[:, None, :], xy[None, :, :], m.lonlat) * m.drive_detour / m.drive_speed
    names = [m.lab_names[lab]] + [m.site_names[s] for s in sites]
    if m.matrix:
        for i, a_name in enumerate(names):
            for j, b_name in enumerate(names):
                if (a_name, b_name) in m.matrix:
                    times[i, j] = m.matrix[a_name, b_name]
    return times


def labs_of_sites(
    site_names, site_xy, site_lab_column, lab_names, lab_xy, lonlat, speed, detour, matrix, streets=None
) -> tuple[np.ndarray, np.ndarray]:
    """P6 and P5 (P5n with `streets`) for every site: its lab (its own column, else the nearest by driving
    time) and the mean one-way trip to it in seconds (-1 and nan where no lab can be reached)."""
    lab_index = {n: i for i, n in enumerate(lab_names)}
    on_streets = streets is not None and streets.drive is not None
    every = np.arange(len(site_names))
    net = {li: streets.drive_site_lab(every, li) for li in range(len(lab_names))} if on_streets else {}
    labs = np.full(len(site_names), -1, np.int64)
    drive = np.full(len(site_names), np.nan)
    for s, (name, xy, own) in enumerate(zip(site_names, site_xy, site_lab_column, strict=True)):
        options = (
            [lab_index[own]] if own is not None and own in lab_index else range(len(lab_names)) if own is None else []
        )
        best = None
        for li in options:
            if on_streets and (name, lab_names[li]) not in matrix:
                t = float(net[li][s]) if np.isfinite(net[li][s]) else None
            else:
                t = drive_seconds((name, lab_names[li]), tuple(xy), lab_xy.get(li), lonlat, speed, detour, matrix)
            if t is not None and (best is None or t < best[1]):
                best = (li, t)
        if best is not None:
            labs[s], drive[s] = best
    return labs, drive

"""The round on a map (places v1): compounds, sites and labs as plain arrays, and rules P1-P3, P5, P6.

- P1 distance: great circle for longitude/latitude, Euclidean for metres (`sim.core.geo`).
- P2 walking time = distance x walking.detour / walking.speed.
- P3 assignment: each compound goes whole to the open site with the smallest walking time (ties: the
  site listed first), or to the site its row names.
- P5 driving: a trip's mean is distance x driving.detour / driving.speed, or the matrix's minutes.
- P6 a site's lab: its `lab` column, else the lab with the smallest driving time.

P4 (residents reach the point a walking time after they leave home) is the engine's: see
`sim.engine.crowd`. Nothing here knows YAML or pydantic.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from sim.core import geo


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

    @property
    def open_sites(self) -> np.ndarray:
        return np.flatnonzero(self.site_tables > 0)

    def served(self, site: int) -> np.ndarray:
        """The compounds that go to `site` (in the order listed). From every site's list when some caller
        has asked for all of them; else found alone (siting makes thousands of plans, each asked for few)."""
        members = self.__dict__.get("_members")
        if members is None:
            return np.flatnonzero(self.assigned == site) if site >= 0 else np.empty(0, np.int64)
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


def labs_of_sites(
    site_names, site_xy, site_lab_column, lab_names, lab_xy, lonlat, speed, detour, matrix
) -> tuple[np.ndarray, np.ndarray]:
    """P6 and P5 for every site: its lab (its own column, else the nearest by driving time) and the mean
    one-way trip to it in seconds (-1 and nan where no lab can be reached)."""
    lab_index = {n: i for i, n in enumerate(lab_names)}
    labs = np.full(len(site_names), -1, np.int64)
    drive = np.full(len(site_names), np.nan)
    for s, (name, xy, own) in enumerate(zip(site_names, site_xy, site_lab_column, strict=True)):
        options = [lab_index[own]] if own is not None and own in lab_index else range(len(lab_names)) if own is None else []
        best = None
        for li in options:
            t = drive_seconds((name, lab_names[li]), tuple(xy), lab_xy.get(li), lonlat, speed, detour, matrix)
            if t is not None and (best is None or t < best[1]):
                best = (li, t)
        if best is not None:
            labs[s], drive[s] = best
    return labs, drive

"""Distances on a map and the nearest of many places (places rules P1 and P3).

Coordinates are either longitude/latitude in degrees (WGS84; distances along the great circle,
haversine, Earth radius 6,371.0088 km) or planar metres (Euclidean). The nearest-site search uses
scipy's k-d tree: on unit vectors for longitude/latitude, where the straight (chord) distance orders
points exactly as the great-circle distance does.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

EARTH_RADIUS_M = 6_371_008.8


def distance(a: np.ndarray, b: np.ndarray, lonlat: bool) -> np.ndarray:
    """Metres between points a[i] and b[i] (arrays of shape (n, 2), or broadcastable)."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    if not lonlat:
        return np.hypot(a[..., 0] - b[..., 0], a[..., 1] - b[..., 1])
    lon1, lat1, lon2, lat2 = (np.radians(v) for v in (a[..., 0], a[..., 1], b[..., 0], b[..., 1]))
    h = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def _space(xy: np.ndarray, lonlat: bool) -> np.ndarray:
    """Coordinates in which Euclidean distance orders pairs as the true distance does."""
    xy = np.asarray(xy, float).reshape(-1, 2)
    if not lonlat:
        return xy
    lon, lat = np.radians(xy[:, 0]), np.radians(xy[:, 1])
    return np.column_stack((np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)))


def chord_metres(xy: np.ndarray, lonlat: bool) -> np.ndarray:
    """Coordinates in metres in which the straight distance orders pairs as the true distance does and never
    exceeds it (for longitude/latitude: points on a sphere of the Earth's radius, distances along chords)."""
    return _space(xy, lonlat) * (EARTH_RADIUS_M if lonlat else 1.0)


def nearest(points: np.ndarray, sites: np.ndarray, lonlat: bool, ties: int = 8) -> np.ndarray:
    """For each point, the index of the nearest site; among sites at the same distance, the one listed
    first. `ties` neighbours are compared, which is enough unless more sites than that are equally near."""
    points, sites = np.asarray(points, float).reshape(-1, 2), np.asarray(sites, float).reshape(-1, 2)
    if len(sites) == 0 or len(points) == 0:
        return np.full(len(points), -1, np.int64)
    idx, d = _k_nearest(points, sites, lonlat, ties)
    return _first_of_nearest(idx, d)


def _k_nearest(points: np.ndarray, sites: np.ndarray, lonlat: bool, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Each point's k nearest sites (by the k-d tree) and the distances to them, shapes (points, k)."""
    k = min(k, len(sites))
    from scipy.spatial import cKDTree  # 0.2 s to import: only rounds on a map need it

    _, idx = cKDTree(_space(sites, lonlat)).query(_space(points, lonlat), k=k)
    idx = idx.reshape(len(points), k)
    return idx, distance(points[:, None, :], sites[idx], lonlat)


def _tie(best: np.ndarray) -> np.ndarray:
    """The distance up to which a site is as near as `best` (sums of floats differ by less)."""
    return best * (1 + 1e-12) + 1e-9


def _first_of_nearest(idx: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Per row, the site at the smallest distance; among those as near, the one listed first (-1: none)."""
    best = d.min(axis=1, keepdims=True)
    pick = np.where(d <= _tie(best), idx, np.iinfo(np.int64).max).min(axis=1)
    return np.where(np.isfinite(best[:, 0]), pick, -1)


@dataclass(frozen=True, eq=False)
class Neighbours:
    """Each point's `k` nearest sites of one fixed list, with their distances: the nearest OPEN site for
    plan after plan of the same map (siting tries thousands) is then a look along each point's row, not a
    k-d tree over the open sites built again. The answer is `nearest`'s among the open sites: a row whose
    nearest open site is not nearer than its last neighbour (an open site beyond the row could tie it or
    be the only one) asks `nearest` itself."""

    points: np.ndarray  # (n, 2)
    sites: np.ndarray  # (m, 2)
    lonlat: bool
    idx: np.ndarray  # (n, k) site indices, nearest first
    dist: np.ndarray  # (n, k) metres to them

    @classmethod
    def of(cls, points: np.ndarray, sites: np.ndarray, lonlat: bool, k: int = 16) -> Neighbours:
        points, sites = np.asarray(points, float).reshape(-1, 2), np.asarray(sites, float).reshape(-1, 2)
        idx, d = _k_nearest(points, sites, lonlat, k)
        return cls(points, sites, lonlat, idx, d)

    def may_be_nearer(self, site: int, current: np.ndarray) -> np.ndarray:
        """The points to which `site` may be nearer than their `current` sites (-1: none): those with `site`
        among their neighbours, and those whose current site is not (it may lie beyond every neighbour). For
        any other point the current site is a neighbour and `site` is not, so it is at least as far."""
        return np.flatnonzero((self.idx == site).any(axis=1) | ~(self.idx == current[:, None]).any(axis=1))

    def nearest_open(self, rows: np.ndarray, open_: np.ndarray) -> np.ndarray:
        """For points `rows`, the index of the nearest site where `open_` (ties: listed first; -1: none open)."""
        rows = np.asarray(rows, np.int64)
        idx = self.idx[rows]
        d = np.where(open_[idx], self.dist[rows], np.inf)
        pick = _first_of_nearest(idx, d)
        whole = self.idx.shape[1] == len(self.sites)  # every site is in every row
        unsure = np.zeros(rows.size, bool) if whole else ~(_tie(_tie(d.min(axis=1))) < self.dist[rows, -1])
        if unsure.any():
            some = np.flatnonzero(open_)
            found = nearest(self.points[rows[unsure]], self.sites[some], self.lonlat) if some.size else None
            pick[unsure] = -1 if found is None else some[found]
        return pick


def within(points: np.ndarray, sites: np.ndarray, lonlat: bool, metres: float) -> list[np.ndarray]:
    """For each point, the indices of the sites at most `metres` away (sorted by index)."""
    points, sites = np.asarray(points, float).reshape(-1, 2), np.asarray(sites, float).reshape(-1, 2)
    if not len(points) or not len(sites):
        return [np.empty(0, np.int64) for _ in range(len(points))]
    # On the unit sphere the k-d tree measures chords: a great-circle radius r is a chord 2 sin(r / 2R).
    reach = 2 * math.sin(min(metres / EARTH_RADIUS_M, math.pi) / 2) if lonlat else metres
    from scipy.spatial import cKDTree

    near = cKDTree(_space(sites, lonlat)).query_ball_point(_space(points, lonlat), reach * (1 + 1e-9))
    return [np.array(sorted(n), np.int64) for n in near]

"""The round on a map with streets (`places.network`): rules P2n, P3 and P5n on the network.

- **P2n.** A walk from compound c to site s: the straight line from c to its nearest node of the walking
  network at walking.speed, the quickest way along the network (each way at its class's walking speed),
  and the straight line from the site's nearest node to the site.
- **P3 on streets.** `nearest` assignment takes the site with the smallest P2n walk (one search from
  every open site at once).
- **P5n.** A drive between a site and a lab: the same on the driving network (one-way streets bind),
  snaps at driving.speed; a site's trip mean is the mean of the drive there and the drive back. A
  matrix row still overrides it.

The walks within a limit (siting's reach, ties, within the standard) come from a search bounded by
that limit from every site (`sim.core.graph.bounded`), computed once per limit and kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.core import graph
from sim.scenario.places.streets import CLASSES, MAIN, Streets


@dataclass(frozen=True)
class WithinLimit:
    """Every (compound, site) pair whose P2n walk is within `limit` seconds, sorted by compound then site."""

    limit: float
    compound: np.ndarray
    site: np.ndarray
    seconds: np.ndarray


@dataclass(frozen=True, eq=False)
class StreetMap:
    walk: graph.StreetGraph
    drive: graph.StreetGraph | None  # None: the network has no drivable way (P5 in straight lines)
    walk_speed: float  # m/s: the snaps' speed
    drive_speed: float
    compound: graph.Snap  # on the walking network
    site_walk: graph.Snap
    site_drive: graph.Snap | None
    lab_drive: dict[int, tuple[int, float]]  # lab index -> (node, metres) on the driving network
    segments: np.ndarray  # (k, 2, 2) every way's edges, for drawing
    main: np.ndarray  # bool per segment: a main road (drawn heavier)
    _within: dict = field(default_factory=dict, repr=False)

    # -- walking (P2n, P3) --

    def site_start(self) -> np.ndarray:
        return self.site_walk.metres / self.walk_speed

    def compound_start(self) -> np.ndarray:
        return self.compound.metres / self.walk_speed

    def nearest(self, open_: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """P3 with `nearest` on the network: each compound's site (-1: no open site reachable) and walk (nan).
        From the walks already found within a limit (ties: the site listed first); compounds with no open
        site within it, by one search from every open site at once."""
        n = len(self.compound.node)
        assigned, walk = np.full(n, -1, np.int64), np.full(n, np.nan)
        w = self._cached()
        if w is not None and len(w.compound):
            keep = open_[w.site]
            c, s, t = w.compound[keep], w.site[keep], w.seconds[keep]  # sorted by compound, then site
            if len(c):
                starts = np.flatnonzero(np.r_[True, c[1:] != c[:-1]])
                best = np.repeat(np.minimum.reduceat(t, starts), np.diff(np.r_[starts, len(c)]))
                near = np.flatnonzero(t <= best * (1 + 1e-9) + 1e-6)  # as near, to the microsecond
                first = near[np.r_[True, c[near][1:] != c[near][:-1]]]  # of those, the site listed first
                assigned[c[first]], walk[c[first]] = s[first], t[first]
        rest = np.flatnonzero(assigned < 0)
        sites = np.flatnonzero(open_)
        if rest.size and sites.size:
            dist, source = graph.nearest_source(self.walk, self.site_walk.node[sites], self.site_start()[sites])
            src = source[self.compound.node[rest]]
            ok = src >= 0
            assigned[rest[ok]] = sites[src[ok]]
            walk[rest[ok]] = dist[self.compound.node[rest[ok]]] + self.compound_start()[rest[ok]]
        return assigned, walk

    def _cached(self) -> WithinLimit | None:
        return max(self._within.values(), key=lambda w: w.limit) if self._within else None

    def within(self, limit: float) -> WithinLimit:
        """Every compound-site walk (P2n) within `limit` seconds, every listed site (open or not)."""
        have = [w for w in self._within.values() if w.limit >= limit]
        if have:
            w = min(have, key=lambda x: x.limit)
            keep = w.seconds <= limit
            return WithinLimit(limit, w.compound[keep], w.site[keep], w.seconds[keep])
        targets = np.unique(self.compound.node)
        r = graph.bounded(self.walk, self.site_walk.node, self.site_start(), limit, targets)
        order = np.argsort(self.compound.node, kind="stable")
        sorted_nodes = self.compound.node[order]
        lo, hi = np.searchsorted(sorted_nodes, r.node, "left"), np.searchsorted(sorted_nodes, r.node, "right")
        counts = hi - lo
        pair = np.repeat(np.arange(len(r.node)), counts)
        offset = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
        comp = order[np.repeat(lo, counts) + offset]
        secs = r.seconds[pair] + self.compound_start()[comp]
        ok = secs <= limit
        comp, site, secs = comp[ok], r.source[pair][ok], secs[ok]
        o = np.lexsort((site, comp))
        w = WithinLimit(limit, comp[o], site[o], secs[o])
        self._within[limit] = w
        return w

    def walks(self, compounds: np.ndarray, sites: np.ndarray, within: float | None = None) -> np.ndarray:
        """P2n for pairs: seconds from compounds[i] to sites[i] (inf: the network does not join them; with
        `within` no more than the walks kept within a limit are looked up, the rest may be inf)."""
        compounds, sites = np.asarray(compounds, np.int64), np.asarray(sites, np.int64)
        out = np.full(len(compounds), np.inf)
        w = self._cached()
        if w is not None and len(w.compound):
            key = w.compound * (len(self.site_walk.node) + 1) + w.site
            want = compounds * (len(self.site_walk.node) + 1) + sites
            at = np.searchsorted(key, want)
            found = (at < len(key)) & (key[np.minimum(at, len(key) - 1)] == want)
            out[found] = w.seconds[at[found]]
        todo = np.flatnonzero(np.isinf(out))
        if within is not None and w is not None and within <= w.limit:
            return out
        if todo.size:
            uniq, inv = np.unique(sites[todo], return_inverse=True)
            table = graph.from_each(
                self.walk, self.site_walk.node[uniq], np.unique(self.compound.node[compounds[todo]])
            )
            cols = np.searchsorted(np.unique(self.compound.node[compounds[todo]]), self.compound.node[compounds[todo]])
            out[todo] = table[inv, cols] + self.site_start()[sites[todo]] + self.compound_start()[compounds[todo]]
        return out

    def walk_path(self, compound: int, site: int) -> np.ndarray:
        """The coordinates of compound -> its node -> ... -> the site's node -> site, for drawing."""
        a, b = int(self.compound.node[compound]), int(self.site_walk.node[site])
        nodes = graph.path(self.walk, b, a)[::-1]  # walking is both ways: search from the site, bounded
        return self.walk.xy[nodes]

    # -- driving (P5n) --

    def drive_site_lab(self, sites: np.ndarray, lab: int) -> np.ndarray:
        """P5n's mean trip for each site to the lab and back, halved (inf: not joined; nan: no lab node)."""
        if self.drive is None or self.site_drive is None or lab not in self.lab_drive:
            return np.full(len(sites), np.nan)
        node, metres = self.lab_drive[lab]
        snaps = self.site_drive.metres[sites] / self.drive_speed + metres / self.drive_speed
        there = graph.from_each(self.drive, [node], self.site_drive.node[sites], backwards=True)[0]
        back = graph.from_each(self.drive, [node], self.site_drive.node[sites])[0]
        return (there + back) / 2 + snaps

    def drive_matrix(self, lab: int, sites: np.ndarray) -> np.ndarray:
        """P5n among the lab (index 0) and the sites, one way each: [i, j] is the drive from i to j."""
        node, metres = self.lab_drive[lab]
        nodes = np.concatenate([[node], self.site_drive.node[sites]])
        start = np.concatenate([[metres], self.site_drive.metres[sites]]) / self.drive_speed
        times = graph.from_each(self.drive, nodes, nodes) + start[:, None] + start[None, :]
        np.fill_diagonal(times, 0.0)
        return times

    def leg(self, a: tuple[str, int], b: tuple[str, int]) -> float | None:
        """P5n for one leg between places ("site", index) or ("lab", index), in that direction."""
        if self.drive is None or self.site_drive is None:
            return None
        ends = []
        for kind, i in (a, b):
            if kind == "lab":
                if i not in self.lab_drive:
                    return None
                ends.append(self.lab_drive[i])
            else:
                ends.append((int(self.site_drive.node[i]), float(self.site_drive.metres[i])))
        t = graph.from_each(self.drive, [ends[0][0]], [ends[1][0]])[0, 0]
        return float(t + (ends[0][1] + ends[1][1]) / self.drive_speed)


def street_map(
    s: Streets,
    lonlat: bool,
    walk_speeds: np.ndarray,
    drive_speeds: np.ndarray,
    base: tuple[float, float],
    compound_xy: np.ndarray,
    site_xy: np.ndarray,
    lab_xy: dict[int, tuple[float, float]],
) -> StreetMap:
    """The two networks built from the ways read, and every place snapped to its nearest node."""
    w = s.walk
    walk = graph.build(s.xy, s.u[w], s.v[w], s.metres[w], walk_speeds[w], np.zeros(int(w.sum()), bool), lonlat)
    d = s.drive
    drive = graph.build(s.xy, s.u[d], s.v[d], s.metres[d], drive_speeds[d], s.oneway[d], lonlat) if d.any() else None
    lab_drive = {}
    site_drive = None
    if drive is not None:
        site_drive = graph.snap(drive, site_xy)
        for li, xy in lab_xy.items():
            sn = graph.snap(drive, np.array([xy], float))
            lab_drive[li] = (int(sn.node[0]), float(sn.metres[0]))
    main = np.isin(np.array(CLASSES)[s.cls], list(MAIN))
    return StreetMap(
        walk=walk,
        drive=drive,
        walk_speed=base[0],
        drive_speed=base[1],
        compound=graph.snap(walk, compound_xy),
        site_walk=graph.snap(walk, site_xy),
        site_drive=site_drive,
        lab_drive=lab_drive,
        segments=np.stack([s.xy[s.u], s.xy[s.v]], axis=1),
        main=main,
    )

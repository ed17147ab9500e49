"""A street network as a weighted directed graph, and the searches places need on it (rules P2n, P5n).

Nodes have coordinates (longitude/latitude or metres); an edge's weight is the seconds it takes. The
shortest paths are scipy's (`scipy.sparse.csgraph.dijkstra`), the nearest node a k-d tree's
(`scipy.spatial.cKDTree`); nothing here is a hand-written search. Three searches:

- `nearest_source`: from many sources at once (each with a head start), for every node the source that
  reaches it first and when: one Dijkstra over a graph with a virtual node per source.
- `bounded`: from every source, the nodes it reaches within a time limit. Each source's search runs on
  the part of the network within reach (the limit times the fastest edge's speed, a straight-line bound
  no path within the limit can leave), sources taken cell by cell, so a city of 20,000 sites never
  holds a dense (sources x nodes) table.
- `from_each`: from a few sources (labs, one lab's route stops), to given targets, in batches.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from sim.core import geo

TIES = 4  # nodes compared when snapping: of nodes at the same distance, the one first in the file
BATCH = 32  # sources per unbounded Dijkstra call (a dense batch x nodes table)


@dataclass(frozen=True, eq=False)
class StreetGraph:
    """One mode's network: `seconds[u, v]` is the time from node u to node v along one edge."""

    xy: np.ndarray  # (n, 2) node coordinates
    lonlat: bool
    seconds: object  # scipy.sparse.csr_matrix (n, n)
    on: np.ndarray  # nodes with an edge of this mode: the ones places are snapped to
    fastest: float  # metres per second of the fastest edge (the bound of `bounded`)
    _cache: dict = field(default_factory=dict, repr=False)

    @property
    def nodes(self) -> int:
        return len(self.xy)

    @property
    def edges(self) -> int:
        return int(self.seconds.nnz)

    @cached_property
    def reverse(self):
        """The graph with every edge turned round (for times *to* a place on one-way streets)."""
        return self.seconds.T.tocsr()

    @cached_property
    def space(self) -> np.ndarray:
        """Node coordinates in which straight distance never exceeds the true one (chord metres)."""
        return geo.chord_metres(self.xy, self.lonlat)

    @cached_property
    def _tree(self):
        from scipy.spatial import cKDTree

        return cKDTree(self.space[self.on])

    @cached_property
    def _every_node(self):
        from scipy.spatial import cKDTree

        return cKDTree(self.space)


def build(
    xy: np.ndarray,
    u: np.ndarray,
    v: np.ndarray,
    metres: np.ndarray,
    speed: np.ndarray,
    oneway: np.ndarray,
    lonlat: bool,
) -> StreetGraph:
    """The graph of edges u -> v (and v -> u unless `oneway`), each taking metres / speed seconds. Of two
    edges between the same nodes, the quicker counts."""
    from scipy.sparse import csr_matrix

    u, v = np.asarray(u, np.int64), np.asarray(v, np.int64)
    secs = np.asarray(metres, float) / np.asarray(speed, float)
    back = ~np.asarray(oneway, bool)
    a, b, w = np.concatenate([u, v[back]]), np.concatenate([v, u[back]]), np.concatenate([secs, secs[back]])
    keep = a != b
    a, b, w = a[keep], b[keep], w[keep]
    order = np.lexsort((w, b, a))
    a, b, w = a[order], b[order], w[order]
    first = np.ones(len(a), bool)
    first[1:] = (a[1:] != a[:-1]) | (b[1:] != b[:-1])
    a, b, w = a[first], b[first], np.maximum(w[first], 1e-6)  # csgraph reads a stored 0 as no edge
    n = len(xy)
    seconds = csr_matrix((w, (a, b)), shape=(n, n))
    on = np.zeros(n, bool)
    on[a] = on[b] = True
    fast = float(np.max(np.asarray(speed, float))) if len(speed) else 1.0
    return StreetGraph(np.asarray(xy, float).reshape(-1, 2), lonlat, seconds, on, fast)


@dataclass(frozen=True)
class Snap:
    """Each point's nearest node of the network (ties: the node first in the file) and how far it is
    (metres, straight)."""

    node: np.ndarray
    metres: np.ndarray


def snap(g: StreetGraph, points: np.ndarray) -> Snap:
    points = np.asarray(points, float).reshape(-1, 2)
    if not len(points) or not g.on.any():
        return Snap(np.full(len(points), -1, np.int64), np.full(len(points), np.inf))
    on = np.flatnonzero(g.on)
    k = min(TIES, len(on))
    _, idx = g._tree.query(geo.chord_metres(points, g.lonlat), k=k)
    cand = on[np.asarray(idx, np.int64).reshape(len(points), k)]
    d = geo.distance(points[:, None, :], g.xy[cand], g.lonlat)
    tied = d <= d.min(axis=1, keepdims=True) * (1 + 1e-12) + 1e-9
    node = np.where(tied, cand, np.iinfo(np.int64).max).min(axis=1)  # ties: the node listed first
    return Snap(node, geo.distance(points, g.xy[node], g.lonlat))


def nearest_source(g: StreetGraph, nodes: np.ndarray, start: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For every node, the seconds from the quickest source (source i sets off `start[i]` seconds late from
    node `nodes[i]`) and which source that is (-1: none reaches it)."""
    from scipy.sparse import csr_matrix, vstack
    from scipy.sparse.csgraph import dijkstra

    n, k = g.nodes, len(nodes)
    if k == 0:
        return np.full(n, np.inf), np.full(n, -1, np.int64)
    virtual = csr_matrix((np.maximum(np.asarray(start, float), 1e-9), (np.arange(k), nodes)), shape=(k, n + k))
    wide = csr_matrix((g.seconds.data, g.seconds.indices, g.seconds.indptr), shape=(n, n + k))
    graph = vstack([wide, virtual]).tocsr()
    dist, _, source = dijkstra(graph, indices=np.arange(n, n + k), min_only=True, return_predecessors=True)
    source = np.where(np.isfinite(dist[:n]), source[:n] - n, -1)
    return dist[:n], source.astype(np.int64)


@dataclass(frozen=True)
class Reached:
    """Pairs (source, node) with the seconds from the source to the node, within a limit."""

    source: np.ndarray
    node: np.ndarray
    seconds: np.ndarray


def bounded(g: StreetGraph, nodes: np.ndarray, start: np.ndarray, limit: float, targets: np.ndarray) -> Reached:
    """From each source (node `nodes[i]`, setting off `start[i]` late), every target node it reaches within
    `limit` seconds (start included)."""
    from scipy.sparse.csgraph import dijkstra

    nodes, start = np.asarray(nodes, np.int64), np.asarray(start, float)
    radius = limit * g.fastest  # no path of `limit` seconds leaves this straight-line radius
    is_target = np.zeros(g.nodes, bool)
    is_target[targets] = True
    out: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    live = np.flatnonzero(start <= limit)
    if not live.size or radius <= 0:
        return Reached(np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0))
    space = g.space
    cell = np.floor(space[nodes[live]] / max(radius, 1.0)).astype(np.int64)
    _, group = np.unique(cell, axis=0, return_inverse=True)
    order = np.argsort(group.ravel(), kind="stable")
    bounds = np.flatnonzero(np.diff(group.ravel()[order])) + 1
    tree = g._every_node
    for members in np.split(live[order], bounds):
        at = space[nodes[members]]
        centre = (at.min(axis=0) + at.max(axis=0)) / 2
        reach = float(np.max(np.linalg.norm(at - centre, axis=1))) + radius
        local = np.asarray(tree.query_ball_point(centre, reach * (1 + 1e-9) + 1e-6), np.int64)
        local.sort()
        sub = g.seconds[local][:, local]
        src = np.searchsorted(local, nodes[members])
        dist = dijkstra(sub, indices=src, limit=limit - float(start[members].min()) + 1e-9)
        dist += start[members][:, None]
        hit = np.isfinite(dist) & (dist <= limit) & is_target[local][None, :]
        i, j = np.nonzero(hit)
        out.append((members[i], local[j], dist[i, j]))
    if not out:
        return Reached(np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0))
    return Reached(*(np.concatenate(x) for x in zip(*out, strict=True)))


def from_each(g: StreetGraph, sources: np.ndarray, targets: np.ndarray, backwards: bool = False) -> np.ndarray:
    """Seconds from each source node to each target node (inf: no path), (len(sources), len(targets));
    `backwards`: from each target to each source instead, still indexed [source, target]."""
    from scipy.sparse.csgraph import dijkstra

    graph = g.reverse if backwards else g.seconds
    sources, targets = np.asarray(sources, np.int64), np.asarray(targets, np.int64)
    out = np.full((len(sources), len(targets)), np.inf)
    for k in range(0, len(sources), BATCH):
        out[k : k + BATCH] = dijkstra(graph, indices=sources[k : k + BATCH])[:, targets]
    return out


def path(g: StreetGraph, a: int, b: int, seconds: float = np.inf) -> np.ndarray:
    """The nodes of a quickest path from a to b (empty: none); `seconds`, when known, bounds the search."""
    from scipy.sparse.csgraph import dijkstra

    limit = seconds * (1 + 1e-9) + 1e-6 if np.isfinite(seconds) else np.inf
    dist, pred = dijkstra(g.seconds, indices=int(a), return_predecessors=True, limit=limit)
    if not np.isfinite(dist[b]):
        return np.empty(0, np.int64)
    nodes = [int(b)]
    while nodes[-1] != a:
        nodes.append(int(pred[nodes[-1]]))
    return np.array(nodes[::-1], np.int64)


def components(g: StreetGraph) -> np.ndarray:
    """The sizes (nodes) of the network's connected pieces (streets joined either way), largest first;
    nodes without an edge of this mode are not counted."""
    from scipy.sparse.csgraph import connected_components

    has = np.diff(g.seconds.indptr) > 0
    has[g.seconds.indices] = True
    _, label = connected_components(g.seconds, directed=True, connection="weak")
    sizes = np.bincount(label[has])
    return np.sort(sizes[sizes > 0])[::-1]

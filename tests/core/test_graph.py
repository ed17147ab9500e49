"""The street graph: closed forms on a square grid, one-way streets, bounded searches against full ones."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse.csgraph import dijkstra

from sim.core import graph

SPEED = 4 / 3.6  # m/s


def grid(n: int = 8, step: float = 100.0, oneway_row: int | None = None):
    """An n x n grid of streets `step` apart, metres; nodes numbered row by row."""
    xy = np.array([(i * step, j * step) for j in range(n) for i in range(n)], float)
    u, v, one = [], [], []
    for j in range(n):
        for i in range(n):
            k = j * n + i
            if i + 1 < n:
                u.append(k), v.append(k + 1), one.append(j == oneway_row)
            if j + 1 < n:
                u.append(k), v.append(k + n), one.append(False)
    u, v = np.array(u), np.array(v)
    metres = np.hypot(*(xy[u] - xy[v]).T)
    return graph.build(xy, u, v, metres, np.full(len(u), SPEED), np.array(one), lonlat=False)


def test_on_a_square_grid_the_walk_is_the_manhattan_distance_over_the_speed():
    g = grid()
    dist, _ = graph.nearest_source(g, np.array([0]), np.array([0.0]))
    manhattan = g.xy[:, 0] + g.xy[:, 1]
    np.testing.assert_allclose(dist, manhattan / SPEED, rtol=1e-12, atol=1e-6)


def test_the_nearest_source_with_head_starts_and_which_source():
    g = grid()
    far_corner = 63
    dist, src = graph.nearest_source(g, np.array([0, far_corner]), np.array([0.0, 300.0]))
    manhattan = g.xy[:, 0] + g.xy[:, 1]
    expect = np.minimum(manhattan / SPEED, 300 + (1400 - manhattan) / SPEED)
    np.testing.assert_allclose(dist, expect, rtol=1e-12, atol=1e-6)
    assert src[0] == 0 and src[far_corner] == 1


def test_bounded_search_finds_exactly_what_a_full_search_finds_within_the_limit():
    rng = np.random.default_rng(4)
    g = grid(n=20, step=50.0)
    sources = rng.choice(g.nodes, 30, replace=False)
    start = rng.uniform(0, 100, 30)
    limit = 600.0
    r = graph.bounded(g, sources, start, limit, np.arange(g.nodes))
    full = dijkstra(g.seconds, indices=sources) + start[:, None]
    want = {(i, n) for i, n in zip(*np.nonzero(full <= limit), strict=True)}
    assert {(int(i), int(n)) for i, n in zip(r.source, r.node, strict=True)} == want
    np.testing.assert_allclose(r.seconds, full[r.source, r.node], rtol=1e-12)


def test_one_way_streets_bind_one_direction_and_the_reverse_graph_turns_them():
    g = grid(n=2, step=100.0, oneway_row=0)  # 0 -> 1 only along the bottom row
    there = graph.from_each(g, [0], [1])[0, 0]
    back = graph.from_each(g, [1], [0])[0, 0]
    assert there == pytest.approx(100 / SPEED) and back == pytest.approx(300 / SPEED)
    assert graph.from_each(g, [0], [1], backwards=True)[0, 0] == pytest.approx(back)


def test_snap_path_and_components():
    g = grid(n=3)
    s = graph.snap(g, np.array([[10.0, 190.0], [260.0, 0.0]]))
    assert s.node.tolist() == [6, 2] and s.metres.tolist() == pytest.approx([np.hypot(10, 10), 60.0])
    p = graph.path(g, 0, 8)
    assert p[0] == 0 and p[-1] == 8 and len(p) == 5
    assert graph.components(g).tolist() == [9]


def test_a_network_in_pieces_is_counted_and_a_stray_piece_reaches_nothing():
    xy = np.array([[0, 0], [100, 0], [200, 0], [1000, 0], [1010, 0]], float)
    g = graph.build(
        xy, np.array([0, 1, 3]), np.array([1, 2, 4]), np.array([100, 100, 10.0]), np.ones(3), np.zeros(3, bool), False
    )
    assert graph.components(g).tolist() == [3, 2]
    assert graph.snap(g, np.array([[1005.0, 0.0]])).node.tolist() == [3]
    assert np.isinf(graph.from_each(g, [3], [0])[0, 0])

"""`natsim places import --kind streets`: a city's street network cut to a scenario's map (its compounds,
sites and labs, plus a margin), written as GeoJSON lines natsim reads back, with what a planner must
know of it: nodes, edges, and the connected pieces (a network in pieces is the commonest data problem)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim.core import graph
from sim.scenario.places.streets import CLASSES, Streets

M_PER_DEGREE = 111_320.0


@dataclass(frozen=True)
class NetworkReport:
    nodes: int
    edges: int
    walk_edges: int
    drive_edges: int
    pieces: int  # connected pieces of the walking network
    largest_share: float  # of the walking network's nodes, in its largest piece


def box(xy: np.ndarray, lonlat: bool, margin: float) -> tuple[np.ndarray, np.ndarray]:
    """The places' bounding box widened by `margin` metres on every side."""
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    if lonlat:
        pad = np.array([margin / (M_PER_DEGREE * np.cos(np.radians((lo[1] + hi[1]) / 2))), margin / M_PER_DEGREE])
    else:
        pad = np.array([margin, margin])
    return lo - pad, hi + pad


def report(s: Streets, lonlat: bool) -> NetworkReport:
    ones = np.ones(int(s.walk.sum()))
    g = graph.build(s.xy, s.u[s.walk], s.v[s.walk], s.metres[s.walk], ones, np.zeros(len(ones), bool), lonlat)
    sizes = graph.components(g)
    share = float(sizes[0] / sizes.sum()) if sizes.size else 0.0
    return NetworkReport(len(s.xy), len(s.u), int(s.walk.sum()), int(s.drive.sum()), int(sizes.size), share)


def write_geojson(s: Streets, path: Path) -> None:
    """One LineString per edge, with its `highway` class and `oneway` (yes when cars go one way only)."""
    features = [
        {
            "type": "Feature",
            "properties": {
                "highway": CLASSES[c],
                **({"oneway": "yes"} if one else {}),
                **({} if w else {"foot": "no"}),
            },
            "geometry": {"type": "LineString", "coordinates": [s.xy[a].round(7).tolist(), s.xy[b].round(7).tolist()]},
        }
        for a, b, c, one, w in zip(s.u, s.v, s.cls, s.oneway, s.walk, strict=True)
    ]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}, separators=(",", ":")) + "\n")


def places_xy(rnd_places) -> np.ndarray:
    """Every compound, site and lab of a map, for the box."""
    m = rnd_places
    labs = np.array(list(m.lab_xy.values()), float).reshape(-1, 2)
    return np.vstack([m.compound_xy, m.site_xy, labs])

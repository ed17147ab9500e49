"""Small siting instances where greedy covering is not optimal, with their minimum found by brute force."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pytest

WALK_SPEED, DETOUR, STANDARD = 4000 / 3600, 1.3, 900.0  # 4 km/h, detour 1.3, 15 minutes
REACH = STANDARD * WALK_SPEED / DETOUR  # straight-line metres within the walk


@dataclass(frozen=True)
class CoverTown:
    compound_xy: np.ndarray  # metres
    residents: np.ndarray
    site_xy: np.ndarray
    reach: np.ndarray  # (compound, site): within the walking standard
    minimum: int  # the fewest sites that put every compound within its walk (brute force)
    greedy: int  # sites greedy covering opens (the candidate covering most uncovered compounds first)


def cover_town(seed: int, compounds: int = 30, sites: int = 14, size: float = 2600.0) -> CoverTown:
    """Compounds within a walk of some candidate (drawn again until they are), residents few enough that
    queues stay far inside any standard."""
    rng = np.random.default_rng(seed)
    site_xy = rng.uniform(0, size, (sites, 2))
    xy = []
    while len(xy) < compounds:
        c = rng.uniform(0, size, 2)
        if (np.hypot(*(site_xy - c).T) <= REACH * 0.999).any():
            xy.append(c)
    compound_xy = np.array(xy)
    reach = np.hypot(*(compound_xy[:, None, :] - site_xy[None, :, :]).transpose(2, 0, 1)) <= REACH * 0.999
    return CoverTown(compound_xy, rng.integers(50, 150, compounds), site_xy, reach, _minimum(reach), _greedy(reach))


def _minimum(reach: np.ndarray) -> int:
    n = reach.shape[1]
    for k in range(1, n + 1):
        for subset in itertools.combinations(range(n), k):
            if reach[:, subset].any(axis=1).all():
                return k
    raise AssertionError("some compound has no candidate")


def _greedy(reach: np.ndarray) -> int:
    uncovered, opened = np.ones(reach.shape[0], bool), 0
    while uncovered.any():
        s = int(np.argmax(reach[uncovered].sum(axis=0)))
        uncovered &= ~reach[:, s]
        opened += 1
    return opened


@pytest.fixture(name="cover_town")
def cover_town_fixture():
    """cover_town(seed): a town and its brute-force minimum. Seeds 6, 7, 10, 20 and 24 are towns greedy
    covering does not solve (found by trying seeds in turn); each test asserts it again."""
    return cover_town


@pytest.fixture
def cover_scenario(tmp_path, cover_town):
    """cover_scenario(seed): a green-field places scenario (every candidate closed) of that town, on disk;
    returns (folder, town)."""

    def make(seed: int):
        town = cover_town(seed)
        rows = ["name,x,y,residents"] + [
            f"c{i},{x:.3f},{y:.3f},{r}"
            for i, ((x, y), r) in enumerate(zip(town.compound_xy, town.residents, strict=True))
        ]
        (tmp_path / "compounds.csv").write_text("\n".join(rows) + "\n")
        sites = ["name,x,y,tables,candidate,max_tables"] + [
            f"k{i},{x:.3f},{y:.3f},0,true,8" for i, (x, y) in enumerate(town.site_xy)
        ]
        (tmp_path / "sites.csv").write_text("\n".join(sites) + "\n")
        (tmp_path / "town.yaml").write_text(COVER_TOWN)
        return tmp_path, town

    return make


COVER_TOWN = """name: a green field to site
deadline: 12h
seed: 4
arrivals: {profile: [[0h, 1], [4h, 0]]}
sampling: {service_time: {dist: lognormal, mean: 30s, sd: 10s}}
places:
  coordinates: metres
  compounds: compounds.csv
  sites: sites.csv
  labs: {L: [0, 0]}
  walking: {speed: 4km/h, detour: 1.3, standard: 15m}
transport: {vehicles: {L: 4}}
labs: [{name: L, extractors: 2, pcr_machines: 2, extraction_time: 40m, pcr_time: 1h}]
"""

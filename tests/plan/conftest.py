"""Siting's test maps: a map in metres as siting sees it, and small instances where greedy covering is not
optimal, with their minimum found by brute force."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pytest

from sim.plan.site_model import Candidates, SitingProblem, capacities
from sim.scenario.places.map import PlacesMap

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


def metres_map(
    compound_xy: np.ndarray,
    residents: np.ndarray,
    site_xy: np.ndarray,
    walk_speed: float = WALK_SPEED,
    walk_detour: float = DETOUR,
    drive_speed: float = 30000 / 3600,
    drive_detour: float = 1.4,
) -> PlacesMap:
    """A map in metres as siting sees it: no site open yet, one lab L at the origin, no compound assigned,
    a 15-minute walking standard."""
    n, k = len(compound_xy), len(site_xy)
    return PlacesMap(
        lonlat=False,
        compound_names=tuple(f"c{i}" for i in range(n)),
        compound_xy=compound_xy,
        compound_residents=residents,
        site_names=tuple(f"s{i}" for i in range(k)),
        site_xy=site_xy,
        site_tables=np.zeros(k, np.int64),
        lab_names=("L",),
        lab_xy={0: (0.0, 0.0)},
        walk_speed=walk_speed,
        walk_detour=walk_detour,
        standard=STANDARD,
        drive_speed=drive_speed,
        drive_detour=drive_detour,
        drive_cv=0.25,
        matrix={},
        assigned=np.full(n, -1),
        walk=np.full(n, np.nan),
        site_own_lab=(None,) * k,
        site_own_group=(None,) * k,
        compound_group=(None,) * n,
        site_lab=np.zeros(k, np.int64),
        site_drive=np.ones(k),
    )


@pytest.fixture(name="metres_map")
def metres_map_fixture():
    """metres_map(compound_xy, residents, site_xy, walk_speed=..., ...): a siting map in metres (see above)."""
    return metres_map


@pytest.fixture
def cover_problem():
    """cover_problem(town): the siting problem of a cover town, every candidate up to 8 tables, a quarter of the
    residents an hour at the peak, 30 s a swab, half an hour's wait, fewest points first."""

    def make(town: CoverTown) -> SitingProblem:
        m = metres_map(town.compound_xy, town.residents, town.site_xy)
        k = len(town.site_xy)
        cands = Candidates(np.arange(k), np.full(k, 8), np.zeros(k, np.int64))
        rate = m.compound_residents * 0.25 / 3600  # a quarter of the residents an hour at the peak
        return SitingProblem(m, cands, rate, capacities(8, 30.0, 1800.0), 900.0, "points")

    return make


@pytest.fixture(name="cover_town")
def cover_town_fixture():
    """cover_town(seed): a town and its brute-force minimum. Seeds 6, 7, 10, 20 and 24 are towns greedy
    covering does not solve (found by trying seeds in turn); each test asserts it again."""
    return cover_town


@pytest.fixture
def cover_scenario(tmp_path, cover_town, siting_yaml):
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
        (tmp_path / "town.yaml").write_text(
            siting_yaml("a green field to site", "{speed: 4km/h, detour: 1.3, standard: 15m}")
        )
        return tmp_path, town

    return make

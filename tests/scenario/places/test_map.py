import numpy as np
import pytest

from sim.scenario.places.map import assign_nearest, drive_seconds, labs_of_sites, walking_times


def test_walking_time_is_distance_times_detour_over_speed():
    t = walking_times(np.array([[0.0, 0.0]]), np.array([[300.0, 400.0]]), False, 1.0, 1.3)
    assert t.tolist() == [pytest.approx(650.0)]


def test_closed_sites_take_nobody():
    sites = np.array([[0.0, 0.0], [100.0, 0.0]])
    assert assign_nearest(np.array([[1.0, 0.0]]), sites, np.array([False, True]), False).tolist() == [1]
    assert assign_nearest(np.array([[1.0, 0.0]]), sites, np.array([False, False]), False).tolist() == [-1]


def test_a_site_goes_to_its_own_lab_else_the_nearest_by_driving():
    labs, drive = labs_of_sites(
        ("a", "b", "c"),
        np.array([[0.0, 0.0], [900.0, 0.0], [500.0, 0.0]]),
        [None, None, "west"],
        ("west", "east"),
        {0: (0.0, 100.0), 1: (1000.0, 0.0)},
        False,
        10.0,
        1.0,
        {("a", "east"): 5.0},
    )
    assert labs.tolist() == [1, 1, 0]  # a: the matrix's 5 s beats 10 s; b: east is nearer; c: its own lab
    assert drive.tolist() == pytest.approx([5.0, 10.0, np.hypot(500, 100) / 10])
    assert drive_seconds(("x", "y"), (0, 0), None, False, 1.0, 1.0, {}) is None


def test_the_walking_standard_test_has_one_home():
    """`walk <= standard + 1e-9` is written once (places.within_standard); issue 26 found it in seven."""
    import re
    from pathlib import Path

    sim = Path(__file__).resolve().parents[3] / "sim"
    rule = re.compile(r"(walk|standard)[\w.\[\]]*\s*[<>]=?\s*[\w.]*(standard|walk)[\w.]*\s*\+\s*1e-9")
    restated = [str(p.relative_to(sim)) for p in sim.rglob("*.py") if rule.search(p.read_text(encoding="utf-8"))]
    assert restated == []

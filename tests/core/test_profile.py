import pytest

from sim.core.profile import peak_share


def test_the_peak_share_is_the_busiest_segments_rate_over_the_profiles_mass():
    # 2 an hour for 1 h, then 1 for 2 h: mass 4 units, the peak gets 2 of them per hour
    assert peak_share([0, 3600, 10800], [2, 1, 0]) == pytest.approx(2 / (4 * 3600))
    assert peak_share([0, 3600], [0, 0]) == 0.0


def test_the_peak_share_has_one_home():
    """The busiest segment's share is computed here only (issue 26 found it in four modules)."""
    from pathlib import Path

    sim = Path(__file__).resolve().parents[2] / "sim"
    homes = [str(p.relative_to(sim)) for p in sim.rglob("*.py") if "[:-1].max()" in p.read_text(encoding="utf-8")]
    assert homes == ["core/profile.py"]

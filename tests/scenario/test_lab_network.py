"""Rule L1's threshold: tubes waiting, or hours of work at the lab's strength."""

from __future__ import annotations

from sim.core.distributions import Fixed
from sim.scenario.lab_network import Overflow
from sim.scenario.round import Lab


def lab(overflow: Overflow) -> Lab:
    # 2 extractors of 1 h and 3 PCR machines of 1 h: 2 plates an hour, 188 tubes an hour.
    return Lab("a", 2, 3, 94, Fixed(3600.0), Fixed(3600.0), 1800.0, 0.0, 1, overflow=overflow)


def test_a_count_threshold_counts_tubes_waiting():
    o = Overflow(500, "tubes", (1,), Fixed(3600.0), 7200.0, 1000)
    assert not o.over(499, lab(o)) and o.over(500, lab(o))


def test_a_duration_threshold_is_hours_of_work_at_the_labs_strength():
    o = Overflow(2 * 3600.0, "hours", (1,), Fixed(3600.0), 7200.0, 1000)
    a = lab(o)
    assert a.tubes_per_hour() == 188
    assert not o.over(375, a) and o.over(376, a)  # 376 tubes are two hours of work

import pytest

from sim.core.speeds import SpeedError, parse_speed


def test_units():
    assert parse_speed("4km/h") == pytest.approx(4000 / 3600)
    assert parse_speed("1.1m/s") == 1.1 and parse_speed("70m/min") == pytest.approx(70 / 60)


@pytest.mark.parametrize("bad", [4, "4", "4 mph", "-3km/h", "0km/h", True])
def test_bare_numbers_and_other_units_are_refused(bad):
    with pytest.raises(SpeedError):
        parse_speed(bad)

import pytest

from sim.core.durations import DurationError, format_duration, parse_duration


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("45s", 45),
        ("15m", 900),
        ("1.5h", 5400),
        ("2h30m", 9000),
        ("1d", 86400),
        ("1d2h", 93600),
        (".5h", 1800),
        ("0h", 0),
    ],
)
def test_parses_durations_with_units(text, seconds):
    assert parse_duration(text) == seconds


def test_negative_only_where_allowed():
    assert parse_duration("-30m", allow_negative=True) == -1800
    with pytest.raises(DurationError, match="cannot be negative"):
        parse_duration("-30m")


@pytest.mark.parametrize("bad", [30, 1.5, True])
def test_bare_numbers_are_refused_with_a_hint(bad):
    with pytest.raises(DurationError, match="ambiguous"):
        parse_duration(bad)


@pytest.mark.parametrize("bad", ["30", "30 minutes", "h", "30m2h", "1h1h", "", "1x"])
def test_malformed_durations_are_refused(bad):
    with pytest.raises(DurationError):
        parse_duration(bad)


@pytest.mark.parametrize(
    ("seconds", "text"), [(45, "45s"), (900, "15m"), (5400, "1h30m"), (7200, "2h"), (93600, "1d2h")]
)
def test_format_round_trips(seconds, text):
    assert format_duration(seconds) == text
    assert parse_duration(text) == seconds

"""Durations as planners write them (`45s`, `1.5h`, `2h30m`, `1d`), held internally in seconds."""

from __future__ import annotations

import re

from sim.core.i18n import N_, _

_UNIT_SECONDS = {"d": 86400.0, "h": 3600.0, "m": 60.0, "s": 1.0}
_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)([dhms])")
_WHOLE = re.compile(r"-?(?:(?:\d+(?:\.\d*)?|\.\d+)[dhms])+")

DURATION_PATTERN = r"^-?((\d+(\.\d*)?|\.\d+)[dhms])+$"
MAX_SECONDS = 30 * 86400.0  # a round, its profile and every delay fit in 30 days
DURATION_HELP = N_("a duration with a unit, e.g. 45s, 15m, 1.5h, 2h30m, 1d")


class DurationError(ValueError):
    """A value that is not a duration, with a message a planner can act on."""


def parse_duration(value: object, *, allow_negative: bool = False) -> float:
    """Return the duration in seconds; refuse bare numbers, which are ambiguous."""
    if isinstance(value, (bool, int, float)):
        raise DurationError(
            _("bare number {value!r} is ambiguous: write a unit, e.g. '{value}s', '{value}m' or '{value}h'").format(
                value=value
            )
        )
    if not isinstance(value, str):
        raise DurationError(_("expected {help}, got {kind}").format(help=_(DURATION_HELP), kind=type(value).__name__))
    text = value.strip().replace(" ", "")
    if not _WHOLE.fullmatch(text):
        raise DurationError(_("{value!r} is not {help}").format(value=value, help=_(DURATION_HELP)))
    negative = text.startswith("-")
    parts = _PART.findall(text)
    units = [u for _num, u in parts]
    if len(set(units)) != len(units) or units != sorted(units, key="dhms".index):
        raise DurationError(_("{value!r}: give each unit once, largest first (e.g. 2h30m)").format(value=value))
    seconds = sum(float(num) * _UNIT_SECONDS[unit] for num, unit in parts)
    if seconds > MAX_SECONDS:
        raise DurationError(
            _("{value!r} is longer than natsim's limit of 30 days for any duration").format(value=value)
        )
    if negative:
        if not allow_negative:
            raise DurationError(_("{value!r}: a duration here cannot be negative").format(value=value))
        seconds = -seconds
    return seconds


def format_duration(seconds: float) -> str:
    """Short human form: `1h05m`, `45s`, `2d3h`."""
    sign = "-" if seconds < 0 else ""
    s = abs(seconds)
    if s < 60:
        return f"{sign}{s:g}s"
    minutes = round(s / 60)
    d, rem = divmod(minutes, 1440)
    h, m = divmod(rem, 60)
    out = (f"{d}d" if d else "") + (f"{h}h" if h else "") + (f"{m:02d}m" if (d or h) and m else "")
    if not (d or h):
        out = f"{m}m"
    return sign + out

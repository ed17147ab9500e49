"""Speeds with a unit: `4km/h`, `1.1m/s`, `70m/min` -> metres per second. A bare number is refused, as
with durations: "4" could mean km/h or m/s, and the wrong guess is off by a factor of 3.6."""

from __future__ import annotations

import re

from sim.core.i18n import N_, _

_UNITS = {"km/h": 1000 / 3600, "m/s": 1.0, "m/min": 1 / 60}
_SPEED = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*(km/h|m/s|m/min)\s*$")
SPEED_PATTERN = r"^(\d+(\.\d*)?|\.\d+)(km/h|m/s|m/min)$"
SPEED_HELP = N_("a speed with a unit, e.g. 4km/h, 1.1m/s or 70m/min")


class SpeedError(ValueError):
    """Not a speed natsim can read."""


def parse_speed(value: object) -> float:
    """Metres per second; the speed must be positive."""
    if isinstance(value, bool) or not isinstance(value, str):
        raise SpeedError(
            _("{value!r} is not a speed: write {help} (a bare number has no unit)").format(
                value=value, help=_(SPEED_HELP)
            )
        )
    m = _SPEED.match(value)
    if not m:
        raise SpeedError(_("{value!r} is not a speed: write {help}").format(value=value, help=_(SPEED_HELP)))
    speed = float(m.group(1)) * _UNITS[m.group(2)]
    if speed <= 0:
        raise SpeedError(_("{value!r}: a speed must be more than zero").format(value=value))
    return speed

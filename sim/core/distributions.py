"""Random durations: small objects sharing one interface (`mean`, `sd`, `sample`).

All values are in seconds. `sample(rng, n)` returns a float64 array of n non-negative draws.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from sim.core.durations import format_duration


class Distribution(Protocol):
    kind: str

    @property
    def mean(self) -> float: ...

    @property
    def sd(self) -> float: ...

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray: ...


@dataclass(frozen=True)
class Fixed:
    value: float
    kind: str = "fixed"

    @property
    def mean(self) -> float:
        return self.value

    @property
    def sd(self) -> float:
        return 0.0

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return np.full(n, self.value)


@dataclass(frozen=True)
class Exponential:
    mean_: float
    kind: str = "exponential"

    @property
    def mean(self) -> float:
        return self.mean_

    @property
    def sd(self) -> float:
        return self.mean_

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.exponential(self.mean_, n)


@dataclass(frozen=True)
class Lognormal:
    """Parameterised by the mean and standard deviation of the duration itself, as planners measure them."""

    mean_: float
    sd_: float
    kind: str = "lognormal"

    @property
    def mean(self) -> float:
        return self.mean_

    @property
    def sd(self) -> float:
        return self.sd_

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        sigma2 = math.log1p((self.sd_ / self.mean_) ** 2)
        mu = math.log(self.mean_) - sigma2 / 2
        return rng.lognormal(mu, math.sqrt(sigma2), n)


@dataclass(frozen=True)
class Gamma:
    mean_: float
    sd_: float
    kind: str = "gamma"

    @property
    def mean(self) -> float:
        return self.mean_

    @property
    def sd(self) -> float:
        return self.sd_

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        shape = (self.mean_ / self.sd_) ** 2
        return rng.gamma(shape, self.sd_**2 / self.mean_, n)


@dataclass(frozen=True)
class Triangular:
    low: float
    mode: float
    high: float
    kind: str = "triangular"

    @property
    def mean(self) -> float:
        return (self.low + self.mode + self.high) / 3

    @property
    def sd(self) -> float:
        a, c, b = self.low, self.mode, self.high
        return math.sqrt((a * a + b * b + c * c - a * b - a * c - b * c) / 18)

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.triangular(self.low, self.mode, self.high, n)


@dataclass(frozen=True)
class Uniform:
    low: float
    high: float
    kind: str = "uniform"

    @property
    def mean(self) -> float:
        return (self.low + self.high) / 2

    @property
    def sd(self) -> float:
        return (self.high - self.low) / math.sqrt(12)

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.uniform(self.low, self.high, n)


@dataclass(frozen=True)
class Empirical:
    """Resamples observed values (for example service times from a drill's scanner export)."""

    values: tuple[float, ...]
    kind: str = "empirical"
    _array: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_array", np.asarray(self.values, dtype=float))

    @property
    def mean(self) -> float:
        return float(self._array.mean())

    @property
    def sd(self) -> float:
        return float(self._array.std())

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return self._array[rng.integers(0, self._array.size, n)]


def describe(dist: Distribution) -> str:
    """A planner's one-liner, e.g. 'lognormal, mean 30s'."""
    if isinstance(dist, Fixed):
        return format_duration(dist.value)
    return f"{dist.kind}, mean {format_duration(dist.mean)}"


def exact_duration(seconds: float) -> str:
    """A duration a scenario file reads back exactly: `1h30m` where whole minutes, else seconds."""
    return format_duration(seconds) if abs(seconds) >= 60 and float(seconds) % 60 == 0 else f"{round(seconds, 3):g}s"


_SPEC_KEYS = {
    "exponential": ("mean",),
    "lognormal": ("mean", "sd"),
    "gamma": ("mean", "sd"),
    "triangular": ("low", "mode", "high"),
}


def to_spec(dist: Distribution) -> str | dict:
    """The scenario-file form of a distribution (`natsim slots` and `natsim size` write scenarios)."""
    if isinstance(dist, Fixed):
        return exact_duration(dist.value)
    if isinstance(dist, Empirical):
        return {"dist": "empirical", "values": [exact_duration(v) for v in dist.values]}
    keys = _SPEC_KEYS.get(dist.kind, ("low", "high"))
    return {"dist": dist.kind, **{k: exact_duration(getattr(dist, k)) for k in keys}}

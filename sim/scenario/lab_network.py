"""The lab network's parts of a round (docs/labs.md): a lab's overflow rule (L1) and surges of
instruments; plain data, as the engine takes them."""

from __future__ import annotations

from dataclasses import dataclass

from sim.core import distributions as d


@dataclass(frozen=True)
class Overflow:
    """Rule L1 (docs/labs.md): when the lab's backlog is at or over `threshold` (tubes waiting, or hours of
    work at its strength), a delivery goes on by trunk to the first lab of `to` below its own threshold."""

    threshold: float
    unit: str  # "tubes" or "hours" (threshold in seconds)
    to: tuple[int, ...]
    travel: d.Distribution
    every: float
    capacity: int

    def limit(self, lab) -> float:
        """The backlog, in tubes, at which `lab` (the `Lab` this rule belongs to: its strength turns a duration
        into tubes) is over its threshold."""
        if self.unit == "tubes":
            return float(self.threshold)
        return self.threshold / 3600 * max(lab.tubes_per_hour(), 1e-9)

    def over(self, waiting: int, lab) -> bool:
        return waiting >= self.limit(lab)


@dataclass(frozen=True)
class LabSurge:
    """Instruments added to a lab on [start, end) (borrowed teams, a mobile lab's chambers)."""

    lab: int
    start: float
    end: float
    extractors: int
    pcr_machines: int

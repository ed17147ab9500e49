"""Servers the logistics share: identical servers taken first come, first served, and busy intervals."""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, field


@dataclass
class Busy:
    """Busy intervals of one kind of resource at one lab (for utilisation plots)."""

    capacity: int
    start: list[float] = field(default_factory=list)
    end: list[float] = field(default_factory=list)

    def add(self, s: float, e: float) -> None:
        self.start.append(s)
        self.end.append(e)


class ServerPool:
    """Identical servers taken first come, first served (vehicles of a lab, its PCR machines).

    Requests arrive in time order (SimPy hands them over that way), so the server a request gets is the
    one that frees earliest, and it starts at max(request, that time): a heap of free times does the
    work of a SimPy Resource without its request, grant and release events.
    """

    def __init__(self, servers: int):
        self.free = [-math.inf] * servers

    def take(self, t: float, duration: float) -> tuple[float, float]:
        start = max(t, heapq.heappop(self.free))
        heapq.heappush(self.free, start + duration)
        return start, start + duration

    def add(self, t: float) -> None:
        """One more server, free from t."""
        heapq.heappush(self.free, t)

    def out_of_service(self, t: float, until: float) -> None:
        """One server stops at t (after the job it is on) until `until`."""
        start = max(t, heapq.heappop(self.free))
        heapq.heappush(self.free, max(start, until))

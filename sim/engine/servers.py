"""Servers the logistics share: a pool of identical servers taken first come, first served (a lab's
vehicles and PCR machines, a route's vehicles), and busy intervals.

The pool is a binary heap of the servers' free times on a slice of an array, kept by compiled functions
(`pool_take`, `pool_block`, `pool_add`): the compiled loop (`engine/loop.py`) keeps every lab's pools in
one array and calls them directly; `ServerPool` holds one pool for the SimPy model and courier routes.
Requests arrive in time order, so the server a request gets is the one that frees earliest, and it starts
at max(request, that time): the heap does the work of a SimPy Resource without its request, grant and
release events.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numba import njit

from sim.engine.kernels import current


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
    """Identical servers taken first come, first served, on the compiled pool functions."""

    def __init__(self, servers: int):
        self.free = np.full(max(servers, 1), -np.inf)  # room; the first `n` are the heap
        self.n = servers

    def take(self, t: float, duration: float) -> tuple[float, float]:
        """The earliest free server, busy for `duration` from when it is free (not before t): (start, end)."""
        if not self.n:
            raise IndexError("a pool without servers")
        start = current(pool_take)(self.free, 0, self.n, t, duration)
        return start, start + duration

    def earliest(self) -> float:
        """When the first server is free (inf: none in the pool)."""
        return float(self.free[0]) if self.n else np.inf

    def add(self, t: float) -> None:
        """One more server, free from t."""
        if self.n == self.free.size:
            self.free = np.concatenate([self.free, np.full(self.free.size, -np.inf)])
        current(pool_add)(self.free, 0, self.n, t)
        self.n += 1

    def out_of_service(self, t: float, until: float) -> None:
        """One server stops at t (after the job it is on) until `until`."""
        if self.n:
            current(pool_block)(self.free, 0, self.n, t, until)


def returned(boxes: list[tuple[int, float]], lab: int, n: int) -> np.ndarray:
    """A forecast's lab vehicles, free from their latest returns (rule F3, `rules.drive_out`): the `n` latest
    of the lab's box arrivals `boxes` (lab, time; received or still on the road), sorted, so a pool heap;
    -inf for a vehicle with none."""
    back = np.sort([t for li, t in boxes if li == lab])[-n:] if n else np.empty(0)
    return np.concatenate([np.full(n - back.size, -np.inf), back])


@njit(cache=True, _nrt=False)
def pool_take(pool, lo, n, t, duration):
    """Take a server of pool[lo:lo+n]: the earliest free server, busy for `duration` from when it is
    free (not before t); returns that start."""
    start = max(t, pool[lo])
    _sift_down(pool, lo, n, start + duration)
    return start


@njit(cache=True, _nrt=False)
def pool_block(pool, lo, n, t, until):
    """A server stops: the earliest free server stops at t, after its job, until `until`."""
    _sift_down(pool, lo, n, max(max(t, pool[lo]), until))


@njit(cache=True, _nrt=False)
def pool_add(pool, lo, n, t):
    """One more server, free from t, at pool[lo+n] (the caller has kept room)."""
    k = n
    while k > 0 and t < pool[lo + ((k - 1) >> 1)]:
        pool[lo + k] = pool[lo + ((k - 1) >> 1)]
        k = (k - 1) >> 1
    pool[lo + k] = t


@njit(cache=True, _nrt=False)
def _sift_down(pool, lo, n, value):
    """The root of pool[lo:lo+n] replaced by `value`, sifted to its place."""
    k = 0
    while True:
        c = 2 * k + 1
        if c >= n:
            break
        if c + 1 < n and pool[lo + c + 1] < pool[lo + c]:
            c += 1
        if value <= pool[lo + c]:
            break
        pool[lo + k] = pool[lo + c]
        k = c
    pool[lo + k] = value

"""Draws of one duration from one random stream, in order: a point's travel times, a lab's extraction or
PCR times. The SimPy logistics takes them one at a time; the compiled loop (`engine/loop.py`) takes the
same numbers as one array, drawn ahead. Both read them in chunks of `CHUNK` from a fresh generator, so the
k-th draw is the same number whichever takes it."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from sim.core.distributions import Distribution


class Draws:
    """The stream's generator is made on first use (a forecast's point may need none)."""

    __slots__ = ("dist", "make_rng", "rng", "drawn", "next", "used")
    CHUNK = 32

    def __init__(self, dist: Distribution, make_rng: Callable[[], np.random.Generator]):
        self.dist, self.make_rng, self.rng, self.drawn, self.next = dist, make_rng, None, (), 0
        self.used = 0  # calls so far (a forecast's drives under way are drawn before the compiled loop runs)

    def __call__(self) -> float:
        if self.next == len(self.drawn):
            if self.rng is None:
                self.rng = self.make_rng()
            self.drawn, self.next = self.dist.sample(self.rng, self.CHUNK).tolist(), 0
        self.next += 1
        self.used += 1
        return self.drawn[self.next - 1]

    def ahead(self, n: int) -> np.ndarray:
        """The first `n` draws (rounded up to whole chunks), from a generator of their own: what `n` calls
        would return, without touching this object's own position."""
        rng = self.make_rng()
        chunks = [self.dist.sample(rng, self.CHUNK) for _ in range(-(-n // self.CHUNK))]
        return np.concatenate(chunks) if chunks else np.empty(0)

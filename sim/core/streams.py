"""Random streams: counter-based (Philox), one key per run, each stream addressed by what it drives.

A stream's address is (replication, stage, ...); the same address gives the same stream whatever the
number of workers or the order things run in, and two scenarios with the same seed share the streams of
the parts they share (common random numbers): point g/i draws the same residents in both.

The run's seed is hashed once, by one `SeedSequence`, into a Philox key; a stream is the Philox counter
sequence that starts at its address (`COUNTER` below), so making one costs no hashing: a city's 40,000
point streams were 1.7 s of `SeedSequence` spawns. Philox is counter-based: streams whose counters start
at different addresses never overlap (each advances only the counter's low word, 2**64 blocks of four
numbers), and its output passes the BigCrush battery for any key and counter (Salmon et al., "Parallel
random numbers: as easy as 1, 2, 3", SC 2011; numpy's `Philox` is that generator, Philox4x64-10).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from numpy.random.bit_generator import ISeedSequence

CROWD = 0  # per point: turnout, arrivals, service times, positives
TRAVEL = 1  # per point: vehicle and recall travel times
LAB = 2  # per lab: extraction and PCR times
TRUNK = 3  # per overflow link (from lab, to lab): trunk travel times
ROUTE = 4  # per courier route: its legs' driving times
RECALLED = 5  # a forecast's: which residents of the pools reported before its TIME were positive (one stream)

# The counter where a stream starts: [0, replication, stage << 56 | k0, k1 << 32 | k2] for key (k0, k1, k2);
# a shorter key is padded with zeros (so a campaign's first round, key suffix (), draws as a single round).


@lru_cache(maxsize=64)
def run_key(seed: int) -> np.ndarray:
    """The run's Philox key: its seed through one `SeedSequence`."""
    return np.random.SeedSequence(seed).generate_state(2, np.uint64)


def counter(replication: int, stage: int, *key: int) -> np.ndarray:
    """Where the stream of (replication, stage, *key) starts in Philox's counter space."""
    if len(key) > 3:
        raise ValueError(f"a stream key has at most 3 parts, got {key}")
    k0, k1, k2 = (*key, 0, 0, 0)[:3]
    if not (
        0 <= stage < 256
        and 0 <= replication < 1 << 64
        and 0 <= k0 < 1 << 56
        and 0 <= k1 < 1 << 32
        and 0 <= k2 < 1 << 32
    ):
        raise ValueError(f"no stream for replication {replication}, stage {stage}, key {key}")
    return np.array((0, replication, stage << 56 | k0, k1 << 32 | k2), np.uint64)


class _RunKey(ISeedSequence):
    """Hands Philox the run's key as its seed: a `Philox(key=...)` would first hash fresh entropy from the
    operating system into a `SeedSequence` only to throw it away (three times the cost of the rest)."""

    def __init__(self, key: np.ndarray):
        self.key = key

    def generate_state(self, n_words: int, dtype=np.uint32) -> np.ndarray:
        if np.dtype(dtype) != np.uint64 or n_words != 2:
            raise ValueError("a run key is two 64-bit words")
        return self.key


@lru_cache(maxsize=64)
def _seed(seed: int) -> _RunKey:
    return _RunKey(run_key(seed))


def stream(seed: int, replication: int, stage: int, *key: int) -> np.random.Generator:
    return np.random.Generator(np.random.Philox(_seed(seed), counter=counter(replication, stage, *key)))


class Streams:
    """One generator moved from stream to stream: `at(...)` gives what `stream(seed, ...)` would, without
    making a generator. The generator it returns is the same object each time, so a stream is used up
    before the next one is asked for (a crowd's points, one after another)."""

    def __init__(self, seed: int):
        self._key = run_key(seed)
        self._bits = np.random.Philox(key=self._key)
        self._rng = np.random.Generator(self._bits)
        self._empty = np.zeros(4, np.uint64)

    def at(self, replication: int, stage: int, *key: int) -> np.random.Generator:
        self._bits.state = {
            "bit_generator": "Philox",
            "state": {"counter": counter(replication, stage, *key), "key": self._key},
            "buffer": self._empty,
            "buffer_pos": 4,
            "has_uint32": 0,
            "uinteger": 0,
        }
        return self._rng


# Replication numbers by purpose. A search chooses on one set and a check judges on another, so a check
# never sees the streams a choice was made on; runs number their replications from 0.
FIRST_REPLICATION = {
    "run": 0,  # natsim run, compare, sweep; and the replications a search chooses on
    "slots check": 50_000,  # natsim slots shows a proposal on these
    "sizing check": 100_000,  # natsim size confirms and descends on these
    "final check": 200_000,  # natsim size judges the assembled plan on these, untouched by any choice
    "forecast": 300_000,  # natsim forecast looks ahead on these, apart from the plan's own runs it compares with
}


def replications(purpose: str, n: int) -> range:
    """`n` replication numbers kept for `purpose` (see FIRST_REPLICATION)."""
    first = FIRST_REPLICATION[purpose]
    return range(first, first + n)

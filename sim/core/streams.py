"""Random streams: one `SeedSequence` tree per run, addressed by what it drives.

A stream's key is (replication, stage, ...); the same key gives the same stream whatever the number
of workers or the order things run in, and two scenarios with the same seed share the streams of
the parts they share (common random numbers): point g/i draws the same residents in both.
"""

from __future__ import annotations

import numpy as np

CROWD = 0  # per point: turnout, arrivals, service times, positives
TRAVEL = 1  # per point: vehicle and recall travel times
LAB = 2  # per lab: extraction and PCR times
TRUNK = 3  # per overflow link (from lab, to lab): trunk travel times
ROUTE = 4  # per courier route: its legs' driving times


def stream(seed: int, replication: int, stage: int, *key: int) -> np.random.Generator:
    ss = np.random.SeedSequence(seed, spawn_key=(replication, stage, *key))
    return np.random.Generator(np.random.PCG64(ss))


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

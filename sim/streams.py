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


def stream(seed: int, replication: int, stage: int, *key: int) -> np.random.Generator:
    ss = np.random.SeedSequence(seed, spawn_key=(replication, stage, *key))
    return np.random.Generator(np.random.PCG64(ss))

"""A point's tally in one compiled call gives what the separate numpy steps gave, value for value."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from sim.engine.figures import quantile
from sim.engine.queue import max_queue
from sim.engine.tally import Tally
from sim.engine.timeline import Grid


def _point(rng, n, home_share=0.0, late=0.0):
    arrival = np.sort(rng.random(n) * 4 * 3600) + late
    start = arrival + rng.exponential(300.0, n)
    swab_end = start + 40.0
    seal = np.sort(rng.choice(swab_end, max(n // 10, 1))) if n else np.empty(0)
    home = rng.random(n) < home_share if home_share else None
    tube = rng.integers(0, max(seal.size, 1), n)
    last = float(swab_end.max()) if n else float("nan")
    return SimpleNamespace(
        arrival=arrival, start=start, swab_end=swab_end, seal=seal, tube=tube, at_home=home, arrived=n, last_end=last
    )


def test_a_point_s_tally_is_what_numpy_gives():
    rng, grid = np.random.default_rng(3), Grid(-1800.0, 300.0)
    tally = Tally(grid, rows=10)  # small: points reach past it and it grows
    counts = [np.zeros(1) for _ in range(3)]
    for k, n in enumerate([1, 7, 128, 129, 1270, 2140, 0]):
        c = _point(rng, n, home_share=0.2 if k % 2 else 0.0, late=k * 86400.0)
        waits, swabs, tubes = np.empty(n, np.float32), np.empty(n), np.empty(n, np.int32)
        mean, top, p95, longest = tally.add(c, waits, swabs, tubes, 1000)
        q = ~c.at_home if c.at_home is not None else slice(None)
        assert longest == max_queue(c.arrival[q], c.start[q], np.empty(0, np.bool_))
        queued = (c.start - c.arrival)[~c.at_home] if c.at_home is not None else c.start - c.arrival
        want = (c.start - c.arrival).astype(np.float32)
        if c.at_home is not None:
            want[c.at_home] = np.nan
        np.testing.assert_array_equal(waits, want)
        np.testing.assert_array_equal(swabs, c.swab_end)
        np.testing.assert_array_equal(tubes, c.tube + 1000)
        if queued.size:
            assert (mean, top, p95) == (queued.mean(), queued.max(), quantile(queued, 0.95))
        else:
            assert mean is top is p95 is None
        for i, times in enumerate((c.arrival, c.swab_end, c.seal)):
            more = grid.counts(times)
            counts[i] = np.pad(counts[i], (0, max(0, more.size - counts[i].size))) + np.pad(
                more, (0, max(0, counts[i].size - more.size))
            )
    for i in range(3):
        np.testing.assert_array_equal(tally.series(i), counts[i])

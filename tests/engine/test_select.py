"""Order statistics without a copy: the same values np.partition puts at the ranks, or an honest miss."""

from __future__ import annotations

import numpy as np
import pytest

from sim.engine.figures import quantile
from sim.engine.select import order_stats


def _cases():
    rng = np.random.default_rng(11)
    base = rng.exponential(300.0, 300_000)
    ties = np.round(base / 30) * 30  # many equal values around every rank
    mostly_zero = base.copy()
    mostly_zero[:250_000] = 0.0
    holes = base.copy()
    holes[rng.integers(0, base.size, 20_000)] = np.nan  # NaN sorts last, as in np.partition
    return {"spread": base, "ties": ties, "mostly zero": mostly_zero, "NaN": holes, "sorted": np.sort(base)}


@pytest.mark.parametrize("name", sorted(_cases()))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_ranks_hold_what_partition_puts_there(name, dtype):
    x = _cases()[name].astype(dtype)
    for lo in (0, 1000, x.size // 2, int(0.95 * (x.size - 1)), x.size - 2):
        a, b, found = order_stats(x, lo, lo + 1)
        part = np.partition(x, (lo, lo + 1))
        if found:  # a miss is allowed (the caller partitions); a wrong value is not
            np.testing.assert_array_equal([a, b], part[[lo, lo + 1]])
    # Where no value repeats a million times near the median, the window finds it without a partition.
    assert order_stats(x, x.size // 2, x.size // 2 + 1)[2] or name in ("NaN", "mostly zero")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_quantile_of_a_city_is_numpy_s_bit_for_bit(dtype):
    x = _cases()["spread"].astype(dtype)
    for q in (0.0, 0.5, 0.95, 0.999, 1.0):
        assert quantile(x, q) == float(np.quantile(x, q))

"""Summaries over replications: mean and two-sided 95% Student-t interval of the mean."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy import stats


def mean_ci95(values: Sequence[float]) -> tuple[float, tuple[float, float]]:
    x = np.asarray(values, dtype=float)
    m = float(x.mean())
    if x.size < 2:
        return m, (m, m)
    sem = float(x.std(ddof=1)) / math.sqrt(x.size)
    if sem == 0.0:
        return m, (m, m)
    lo, hi = stats.t.interval(0.95, x.size - 1, loc=m, scale=sem)
    return m, (float(lo), float(hi))


def summarize(values: Sequence[float | None]) -> dict:
    """results-v1 metric: mean, ci95 and per-replication values; replications without a value
    (e.g. no positives) are null in `values` and left out of the mean."""
    present = [v for v in values if v is not None and not math.isnan(v)]
    if not present:
        return {"mean": None, "ci95": None, "values": None}
    m, (lo, hi) = mean_ci95(present)
    return {"mean": m, "ci95": [lo, hi], "values": [None if v is None or math.isnan(v) else v for v in values]}


def diff_ci95(a: Sequence[float], b: Sequence[float], paired: bool) -> tuple[float, tuple[float, float]]:
    """Mean of b - a with a 95% interval: paired (replication by replication, common random
    numbers) or, when the runs do not share streams, Welch's unequal-variance interval."""
    x, y = np.asarray(a, float), np.asarray(b, float)
    if paired:
        return mean_ci95(y - x)
    d = float(y.mean() - x.mean())
    if x.size < 2 or y.size < 2:
        return d, (d, d)
    vx, vy = x.var(ddof=1) / x.size, y.var(ddof=1) / y.size
    se = math.sqrt(vx + vy)
    if se == 0.0:
        return d, (d, d)
    df = (vx + vy) ** 2 / (vx**2 / (x.size - 1) + vy**2 / (y.size - 1))
    half = float(stats.t.ppf(0.975, df)) * se
    return d, (d - half, d + half)


def proportion_ci95(values: Sequence[float]) -> list[float] | None:
    """Two-sided 95% Clopper-Pearson interval of a share, from per-replication 0/1 values."""
    x = [v for v in values if v is not None]
    if not x:
        return None
    k = int(round(sum(x)))
    ci = stats.binomtest(k, len(x)).proportion_ci(0.95, method="exact")
    return [float(ci.low), float(ci.high)]

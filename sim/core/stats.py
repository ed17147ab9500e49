"""Summaries over replications: mean and two-sided 95% Student-t interval of the mean."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy import special  # t and beta quantiles; scipy.stats would cost a second of start-up for them


def mean_ci95(values: Sequence[float]) -> tuple[float, tuple[float, float]]:
    x = np.asarray(values, dtype=float)
    m = float(x.mean())
    if x.size < 2:
        return m, (m, m)
    sem = float(x.std(ddof=1)) / math.sqrt(x.size)
    if sem == 0.0:
        return m, (m, m)
    half = t_quantile(0.975, x.size - 1) * sem
    return m, (m - half, m + half)


def summarize(values: Sequence[float | None]) -> dict:
    """results-v1 metric: mean, ci95 and per-replication values; replications without a value
    (e.g. no positives) are null in `values` and left out of the mean."""
    present = [v for v in values if v is not None and not math.isnan(v)]
    if not present:
        return {"mean": None, "ci95": None, "values": None}
    m, (lo, hi) = mean_ci95(present)
    if min(present) >= 0:  # a figure never below zero (a time, a count, a share) has no mean below zero either
        lo = max(lo, 0.0)
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
    half = t_quantile(0.975, df) * se
    return d, (d - half, d + half)


def t_quantile(p: float, df: float) -> float:
    """Student t's p-quantile with df degrees of freedom."""
    return float(special.stdtrit(df, p))


def normal_quantile(p: float) -> float:
    """The standard normal's p-quantile."""
    return float(special.ndtri(p))


def beta_quantile(p: float, a: float, b: float) -> float:
    return float(special.betaincinv(a, b, p))


def proportion_ci95(values: Sequence[float]) -> list[float] | None:
    """Two-sided 95% Clopper-Pearson interval of a share, from per-replication 0/1 values."""
    x = [v for v in values if v is not None]
    if not x:
        return None
    k, n = int(round(sum(x))), len(x)
    lo = beta_quantile(0.025, k, n - k + 1) if k else 0.0
    hi = beta_quantile(0.975, k + 1, n - k) if k < n else 1.0
    return [lo, hi]


def share_lower_bound_95(k: int, n: int) -> float:
    """One-sided 95% Clopper-Pearson lower bound of a share, k of n (10 of 10 bounds it above 74%)."""
    return beta_quantile(0.05, k, n - k + 1) if k else 0.0


DISTRIBUTION_FREE = 39  # replications from which the prediction interval is their own extremes (39/41 > 95%)


def prediction_interval95(values: Sequence[float]) -> list[float] | None:
    """Where one more replication will fall, with 95% probability (not where the mean is). From 39 values
    on, the k-th smallest and largest with k = floor(0.025 (n + 1)), which covers at least 95% whatever the
    distribution; below that, Student t with the extra spread of one new value: mean +- t s sqrt(1 + 1/n)."""
    x = np.sort(np.asarray([v for v in values if v is not None and not math.isnan(v)], float))
    n = x.size
    if n < 2:
        return [float(x[0]), float(x[0])] if n else None
    if n >= DISTRIBUTION_FREE:
        k = math.floor(0.025 * (n + 1))
        return [float(x[k - 1]), float(x[n - k])]
    half = t_quantile(0.975, n - 1) * float(x.std(ddof=1)) * math.sqrt(1 + 1 / n)
    m = float(x.mean())
    return [m - half, m + half]

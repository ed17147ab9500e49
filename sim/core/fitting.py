"""Fitting a duration to observations: maximum likelihood for each candidate family, the lowest AIC wins.

Candidates are fitted with scipy.stats with the location fixed at 0 (a duration starts at zero).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import numpy as np

from sim.core import distributions as d


@cache
def _stats():
    from scipy import stats  # a second of start-up, which a forecast from counts (no fit) never needs

    return stats


@cache
def candidates() -> dict:
    """The families fitted (scipy.stats), with their parameter counts (a function, so that importing this module
    imports no scipy)."""
    stats = _stats()
    return {"lognormal": (stats.lognorm, 2), "gamma": (stats.gamma, 2), "exponential": (stats.expon, 1)}


@dataclass
class Fit:
    kind: str
    mean: float
    sd: float
    aic: float
    ks: float
    candidates: dict[str, dict]

    def distribution(self) -> d.Distribution:
        """The fitted candidate as the engine draws it."""
        if self.kind == "exponential":
            return d.Exponential(self.mean)
        return (d.Lognormal if self.kind == "lognormal" else d.Gamma)(self.mean, self.sd)

    def spec(self) -> dict:
        if self.kind == "exponential":
            return {"dist": "exponential", "mean": f"{self.mean:.1f}s"}
        return {"dist": self.kind, "mean": f"{self.mean:.1f}s", "sd": f"{self.sd:.1f}s"}


def fit_duration(x: np.ndarray) -> Fit:
    """Maximum-likelihood fits of the candidates; the lowest AIC wins."""
    x = np.asarray(x, float)
    x = x[x > 0]
    if x.size < 10:
        raise ValueError(f"only {x.size} usable observations: too few to fit a distribution")
    out, stats = {}, _stats()
    for name, (family, k) in candidates().items():
        params = family.fit(x, floc=0)
        loglik = float(np.sum(family.logpdf(x, *params)))
        mean, var = (float(v) for v in family.stats(*params, moments="mv"))
        out[name] = {
            "aic": 2 * k - 2 * loglik,
            "mean_s": mean,
            "sd_s": math.sqrt(var),
            "ks": float(stats.kstest(x, family.cdf, args=params).statistic),
            "params": [float(v) for v in params],
        }
    best = min(out, key=lambda n: out[n]["aic"])
    b = out[best]
    return Fit(best, b["mean_s"], b["sd_s"], b["aic"], b["ks"], out)

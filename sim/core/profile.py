"""An arrival profile's shape: piecewise-constant weights between times (scenario v1 rule 1)."""

from __future__ import annotations

import numpy as np


def peak_share(times, weights) -> float:
    """The share of a round's arrivals that come in each second of the profile's busiest segment (weights
    `weights[k]` from `times[k]` to `times[k + 1]`; 0 for a profile without mass)."""
    t, w = np.asarray(times, float), np.asarray(weights, float)
    mass = float(np.sum(w[:-1] * np.diff(t)))
    return float(w[:-1].max()) / mass if mass > 0 else 0.0

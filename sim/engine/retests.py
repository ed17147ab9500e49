"""Retest tubes (rule 7): each recalled resident swabbed again alone. Kept as arrays, not one object per
tube: a Shanghai round recalls about 25,000 pools, a quarter of a million residents."""

from __future__ import annotations

import numpy as np


class Retests:
    """Retest tube k: its point, whether its resident is positive, their first swab (NaN for the negative
    members of a positive pool) and its result (NaN until reported). Ids number them in recall order."""

    def __init__(self) -> None:
        self._point: list[int] = []
        self._first_swab: list[float] = []
        self._result = np.full(1024, np.nan)

    def __len__(self) -> int:
        return len(self._point)

    def recall(self, point: int, members: int, swabs: list[float]) -> np.ndarray:
        """A pool's `members` recalled; `swabs`: the first swabs of its positive members. Returns their ids."""
        first = len(self._point)
        self._point += [point] * members
        self._first_swab += swabs[:members] + [np.nan] * (members - len(swabs[:members]))
        if len(self._point) > self._result.size:
            self._result = np.concatenate((self._result, np.full(max(self._result.size, members), np.nan)))
        return np.arange(first, len(self._point))

    def reported(self, ids: np.ndarray, t: float) -> None:
        self._result[ids] = t

    @property
    def point(self) -> np.ndarray:
        return np.array(self._point, np.int64)

    @property
    def first_swab(self) -> np.ndarray:
        return np.array(self._first_swab, float)

    @property
    def positive(self) -> np.ndarray:
        return ~np.isnan(self.first_swab)

    @property
    def result(self) -> np.ndarray:
        return self._result[: len(self._point)].copy()

    def identified(self) -> np.ndarray:
        """Seconds from a positive resident's first swab to their own retest's result."""
        positive = self.positive
        return (self.result - self.first_swab)[positive]

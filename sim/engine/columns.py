"""One value per resident, point after point, in one array.

A city's crowd is simulated point by point (20,000 of them); keeping each point's piece in a list and
concatenating at the end touched every value twice and needed both copies at once. A column is filled
in place instead, into room reserved for everyone who could come: the operating system lends memory only
as it is written, so the room nobody uses costs nothing. Fresh memory is most of what a cold run pays
for its size (docs/performance.md)."""

from __future__ import annotations

import numpy as np


class Column:
    def __init__(self, dtype, expected: int):
        self._data = np.empty(max(expected, 1), dtype)
        self._n = 0

    def _grow(self, end: int) -> None:
        """More came than expected (rare; a forecast's crowd, say)."""
        grown = np.empty(max(end, 2 * self._data.size), self._data.dtype)
        grown[: self._n] = self._data[: self._n]
        self._data = grown

    def next(self, n: int) -> np.ndarray:
        """The next n places, to be written in place (a view)."""
        if self._n + n > self._data.size:
            self._grow(self._n + n)
        view = self._data[self._n : self._n + n]
        self._n += n
        return view

    def array(self) -> np.ndarray:
        """Everything added so far (a view: no copy)."""
        return self._data[: self._n]

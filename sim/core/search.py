"""Searching a whole number against a yes/no test that never turns from yes to no as the number grows.

Sizing (points, tables, vehicles, instruments) and call slots (quarter hours of calling) all ask "the
smallest value that passes"; this is the one place that answers it.
"""

from __future__ import annotations

from collections.abc import Callable


def bisect_smallest(lo: int, hi: int, ok: Callable[[int], bool]) -> int:
    """The smallest value in (lo, hi] that passes, given that `hi` passes, `lo` fails (or is a bound
    nothing below can pass) and that passing is monotone."""
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if ok(mid):
            hi = mid
        else:
            lo = mid
    return hi


def gallop_down(hi: int, ok: Callable[[int], bool], floor: int = 0) -> tuple[int, int]:
    """From a passing `hi`, step down 1, 2, 4, ... until a value fails (or reaches `floor`, which counts as
    failing); returns (that failing value, the smallest value seen to pass). Bisect between them next."""
    step = 1
    while True:
        value = max(hi - step, floor)
        if value > floor and ok(value):
            hi, step = value, step * 2
        else:
            return value, hi


def gallop_up(lo: int, ok: Callable[[int], bool], ceiling: int) -> tuple[int, int, bool]:
    """From `lo`, double until a value passes or `ceiling` is reached; returns (the last value that
    failed, the last value tried, whether it passed). When `lo` itself passes, both are `lo`."""
    hi = lo
    passed = ok(hi)
    while not passed and hi < ceiling:
        lo, hi = hi, min(hi * 2, ceiling)
        passed = ok(hi)
    return lo, hi, passed

"""CSV files a planner opens in a spreadsheet: one way to write a number, one way to write a file."""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np


def cell(value: object) -> str:
    """A value as a CSV cell: empty for missing (None, NaN); six significant digits for fractions; counts
    and large figures written out in full (no `1.0914e+07`), so a spreadsheet reads them as they are."""
    kind = type(value)
    if kind is str:
        return value
    if (kind is float or kind is np.float64) and -1e6 < value < 1e6:  # most cells (NaN fails the test)
        return f"{value:.6g}"
    if value is None:
        return ""
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (float, np.floating)):
        v = float(value)
        if math.isnan(v):
            return ""
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        if abs(v) >= 1e6:  # where the general format would switch to an exponent
            return f"{v:.0f}" if v == round(v) else f"{v:.1f}"
        return f"{v:.6g}"
    return str(value)


def cells(values: Sequence) -> list[str]:
    """A column's cells, each as `cell` writes it; a numpy array of numbers in bulk (a 20,000-point city's
    points.csv is a quarter of a million cells)."""
    if not isinstance(values, np.ndarray) or values.dtype.kind not in "fiub":
        return [cell(v) for v in values]
    if values.dtype.kind != "f":
        return [str(v) for v in values.tolist()]  # ints and bools: as `str` writes them
    xs = values.astype(np.float64, copy=False)
    out = list(map("{:.6g}".format, xs.tolist()))
    for i in np.flatnonzero(~(np.abs(xs) < 1e6)).tolist():  # NaN, infinities and large figures: as `cell` has them
        out[i] = cell(float(xs[i]))
    return out


def coordinates(xy: tuple[float, float], lonlat: bool) -> tuple[str, str]:
    """A place's coordinates as cells: degrees to 7 decimals (about 1 cm), metres to the millimetre. Six
    significant digits, right for figures, would move a point by up to 100 m."""
    return tuple(f"{v:.7f}" if lonlat else f"{v:.3f}" for v in xy)


def write_csv(path: Path, columns: Sequence[str], rows: Iterable[Mapping | Sequence]) -> None:
    """Rows as mappings (by column name) or sequences (in column order)."""
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(columns)
        for row in rows:
            values = [row.get(c) for c in columns] if isinstance(row, Mapping) else row
            w.writerow([cell(v) for v in values])


def write_columns(path: Path, columns: Sequence[str], data: Mapping[str, Sequence]) -> None:
    """A table given by column (name -> values, all of one length; a column `data` lacks is empty), written
    as `write_csv` writes its rows."""
    n = len(next(iter(data.values()))) if data else 0
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(columns)
        w.writerows(zip(*(cells(data[c]) if c in data else [""] * n for c in columns), strict=True))

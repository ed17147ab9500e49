import csv
import math

import numpy as np

from sim.core.tables import cell, cells, write_columns, write_csv


def test_counts_are_written_out_in_full():
    assert cell(10914000.0) == "10914000"
    assert cell(np.float64(25_700_000)) == "25700000"
    assert cell(12345678.25) == "12345678.2" or cell(12345678.25) == "12345678.3"
    assert "e" not in cell(2.4e6)


def test_fractions_keep_six_significant_digits_and_missing_is_empty():
    assert cell(0.123456789) == "0.123457"
    assert cell(53.5) == "53.5"
    assert cell(None) == "" and cell(math.nan) == "" and cell(np.nan) == ""
    assert cell(3) == "3" and cell("old-town") == "old-town" and cell(True) == "True"


def test_write_csv_takes_mappings_or_sequences(tmp_path):
    write_csv(tmp_path / "a.csv", ("name", "n"), [{"name": "老城", "n": 1.5e7}, ("x", None)])
    rows = list(csv.reader((tmp_path / "a.csv").open(encoding="utf-8")))
    assert rows == [["name", "n"], ["老城", "15000000"], ["x", ""]]


def test_a_column_in_bulk_is_written_cell_by_cell_alike():
    rng = np.random.default_rng(7)
    floats = np.concatenate(
        [
            rng.normal(0, 1, 200) * 10.0 ** rng.integers(-8, 9, 200),
            np.round(rng.normal(0, 1e7, 50)),
            [np.nan, np.inf, -np.inf, 0.0, -0.0, 1e6, -1e6, 999999.5, 1e6 - 1e-9, 12345678.25, 1e-5, 988.0],
        ]
    )
    for column in (floats, floats.astype(np.float32), np.arange(-5, 5), np.array([True, False]), [None, "a,b", 1.5]):
        assert cells(column) == [cell(v) for v in column]


def test_write_columns_writes_what_write_csv_writes(tmp_path):
    data = {"name": ["老城", 'a "b", c'], "n": np.array([1.5e7, np.nan]), "k": np.array([3, 4])}
    write_columns(tmp_path / "a.csv", ("name", "n", "missing", "k"), data)
    rows = [dict(zip(data, row, strict=True)) for row in zip(*data.values(), strict=True)]
    write_csv(tmp_path / "b.csv", ("name", "n", "missing", "k"), rows)
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()


def test_coordinates_keep_their_precision():
    from sim.core.tables import coordinates

    assert coordinates((120.958868, 30.5393451), True) == ("120.9588680", "30.5393451")
    assert coordinates((1234.56789, 5.0), False) == ("1234.568", "5.000")

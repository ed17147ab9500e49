import csv
import math

import numpy as np

from sim.core.tables import cell, write_csv


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


def test_coordinates_keep_their_precision():
    from sim.core.tables import coordinates

    assert coordinates((120.958868, 30.5393451), True) == ("120.9588680", "30.5393451")
    assert coordinates((1234.56789, 5.0), False) == ("1234.568", "5.000")

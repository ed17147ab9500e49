"""`staffing:`: defaults, the shift a point's staff work, and bad ratios refused at their line."""

from __future__ import annotations

import pytest

from sim.scenario.build import round_from_text
from sim.scenario.load import ScenarioError, parse_scenario
from sim.scenario.staffing import DEFAULT_SHIFT_S


def test_defaults_without_a_staffing_section(small_text):
    st = round_from_text(small_text).staffing
    assert st.shift_length == DEFAULT_SHIFT_S == st.lab_shift_length
    assert (st.samplers_per_table, st.order_keepers_per_point, st.reactions_per_kit) == (1.0, 2.0, 96)


def test_a_point_shift_is_the_tables_shift_unless_given(small_text):
    with_shifts = small_text.replace("  pool_size: 10\n", "  pool_size: 10\n  shifts: {length: 3h, handover: 10m}\n")
    assert round_from_text(with_shifts).staffing.shift_length == 3 * 3600
    given = with_shifts + "staffing: {shift_length: 6h, samplers_per_table: 1.5}\n"
    st = round_from_text(given).staffing
    assert (st.shift_length, st.samplers_per_table, st.lab_shift_length) == (6 * 3600, 1.5, DEFAULT_SHIFT_S)


def test_a_bad_ratio_is_refused_at_its_line(small_text):
    with pytest.raises(ScenarioError) as err:
        parse_scenario(small_text + "staffing:\n  volunteers_per_point: -1\n  reserve: 5%\n", file="s.yaml")
    text = str(err.value)
    assert "s.yaml:18: staffing.volunteers_per_point: Input should be greater than or equal to 0" in text
    assert "s.yaml:19: staffing.reserve: Input should be a valid number" in text

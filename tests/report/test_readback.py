"""Results files read back: a damaged file is a FolderError naming the file, the line where there is one,
and what is wrong; never a traceback, never empty rows taken for a result."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.report.readback import FolderError, expect_rows, read_csv, read_json

CSV = "name,lab,residents\r\na,L,10\r\nb,L,20\r\n"


def _problems(call) -> list[str]:
    with pytest.raises(FolderError) as err:
        call()
    return [str(p).rsplit("/", 1)[-1] for p in err.value.problems]


def test_a_sound_csv_and_json_are_read(tmp_path):
    (tmp_path / "p.csv").write_text(CSV)
    (tmp_path / "s.json").write_text('{"a": {"b": 1}}')
    assert read_csv(tmp_path / "p.csv", ("name",), rows=True)[1] == {"name": "b", "lab": "L", "residents": "20"}
    assert read_json(tmp_path / "s.json", ("a.b",)) == {"a": {"b": 1}}
    assert read_csv(tmp_path / "none.csv") == []  # optional files may be absent


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('{"a": 1,\n "b": ', "s.json:2: not valid JSON (Expecting value, column 7): the file is damaged or cut short"),
        ("{}", "s.json: missing key(s) a.b: the file is damaged or not natsim's"),
        ('{"a": 3}', "s.json: missing key(s) a.b: the file is damaged or not natsim's"),
        ("null", "s.json: not a JSON object: the file is damaged"),
    ],
)
def test_damaged_json_is_named(tmp_path, text, problem):
    (tmp_path / "s.json").write_text(text)
    assert _problems(lambda: read_json(tmp_path / "s.json", ("a.b",))) == [problem]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (CSV[:-5], "p.csv:3: 2 of 3 cells: the file is cut short or damaged"),
        (CSV[:-2], "p.csv:3: the last line has no line end: the file is cut short"),
        ("name,lab,residents\r\n", "p.csv: no rows: the file is cut short"),
        ("", "p.csv:1: no header: the file is empty or damaged"),
        ("name,residents\r\na,1\r\n", "p.csv:1: missing column(s) lab; the file has name, residents"),
    ],
)
def test_a_csv_cut_short_is_named_at_its_line(tmp_path, text, problem):
    (tmp_path / "p.csv").write_text(text, newline="")
    assert _problems(lambda: read_csv(tmp_path / "p.csv", ("lab",), rows=True)) == [problem]


def test_a_missing_file_that_must_be_there(tmp_path):
    assert _problems(lambda: read_csv(tmp_path / "p.csv", optional=False)) == [
        "p.csv: missing: the folder is not complete"
    ]


@settings(max_examples=100, deadline=None)
@given(cut=st.integers(0, len(CSV)), junk=st.text(max_size=5))
def test_any_cut_or_junk_is_sound_rows_or_a_folder_error(tmp_path_factory, cut, junk):
    path = tmp_path_factory.mktemp("cut") / "p.csv"
    path.write_text(CSV[:cut] + junk, encoding="utf-8", newline="")
    try:
        rows = read_csv(path, ("name", "lab", "residents"), rows=True)
    except FolderError:
        return
    assert all(set(r) == {"name", "lab", "residents"} for r in rows) and rows


def test_a_table_cut_at_a_line_end_is_found_by_its_count(tmp_path):
    (tmp_path / "p.csv").write_text(CSV[:-8], newline="")
    rows = read_csv(tmp_path / "p.csv", rows=True)
    assert _problems(lambda: expect_rows(tmp_path / "p.csv", rows, 2, "summary.json")) == [
        "p.csv: 1 rows where summary.json counts 2: the file is cut short or damaged"
    ]

"""A status folder is read as its files say: a log, counts, or neither (refused with the folder named)."""

from __future__ import annotations

import pytest

from sim.feeds.read import read_status
from sim.feeds.status import StatusError


def test_a_folder_that_is_neither_a_log_nor_counts_is_refused_by_name(drill, tmp_path):
    rnd, _folder = drill
    (tmp_path / "notes.txt").write_text("nothing here")
    with pytest.raises(StatusError) as err:
        read_status(tmp_path, rnd, 3600.0)
    assert str(tmp_path) in str(err.value) and "neither a drill log" in str(err.value)


def test_a_log_folder_is_read_as_a_log(drill):
    rnd, folder = drill
    status = read_status(folder, rnd, 2 * 3600.0)
    assert status.log is not None and status.at == 2 * 3600.0


def test_a_missing_folder_is_refused(drill, tmp_path):
    rnd, _folder = drill
    with pytest.raises(StatusError, match="no such folder"):
        read_status(tmp_path / "absent", rnd, 3600.0)

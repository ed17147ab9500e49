"""A counts status: read with every problem at file:line: column, its tubes put where counts say, and
written from a traced run as a city system would export it."""

from __future__ import annotations

import numpy as np
import pytest

from sim.engine.replication import run_replication
from sim.feeds.counts import from_counts, write_counts
from sim.feeds.read import read_status
from sim.feeds.status import StatusError

H = 3600.0


POINTS = "point,time,sampled,waiting,tubes_sealed,tubes_picked_up\n"
LABS = "lab,time,tubes_received,tubes_reported\n"


def _counts(tmp_path, points: str, labs: str):
    (tmp_path / "points.csv").write_text(POINTS + points)
    (tmp_path / "labs.csv").write_text(LABS + labs)
    return tmp_path


def test_counts_put_tubes_where_the_counts_say(small_round, tmp_path):
    folder = _counts(tmp_path, "a-0001,1h,200,30,19,15\na-0002,1h,100,0,9,9\n", "lab1,1h,20,8\n")
    s = from_counts(folder, small_round, None, 1.5 * H)
    assert s.kind == "counts" and s.totals()["waiting"] == 30
    t = s.tubes
    waiting_at_points = np.isnan(t["picked"])
    assert np.bincount(t["point"][waiting_at_points], minlength=2).tolist() == [4, 0]
    in_lab = ~np.isnan(t["at_lab"])
    assert in_lab.sum() == 20 - 8
    assert (~waiting_at_points & ~in_lab).sum() == 15 + 9 - 20  # picked up, not yet received: on the road
    assert [o.sum() for o in s.open_tube] == [10, 10]  # 200 - 19 x 10 and 100 - 9 x 10


@pytest.mark.parametrize(
    ("points", "labs", "where"),
    [
        ("nowhere,1h,1,0,0,0\n", "lab1,1h,0,0\n", "points.csv:2: point: unknown point 'nowhere'"),
        (
            "a-0001,1h,500,0,0,0\n",
            "lab1,1h,0,0\n",
            "points.csv:2: sampled: 500 sampled or waiting at a-0001, more than its 400",
        ),
        ("a-0001,1h,10,0,0,0\n", "lab1,1h,3,5\n", "labs.csv:2: tubes_reported: 5 reported, more than the 3 received"),
        ("a-0001,3h,10,0,0,0\n", "lab1,1h,0,0\n", "points.csv:2: time: 3h is after the forecast's time"),
        ("a-0001,soon,10,0,0,0\n", "lab1,1h,0,0\n", "points.csv:2: time: unreadable time 'soon'"),
        ("a-0001,1h,ten,0,0,0\n", "lab1,1h,0,0\n", "points.csv:2: sampled: 'ten' is not a count"),
        ("a-0001,1h,10,0,2,3\n", "lab1,1h,0,0\n", "points.csv:2: tubes_picked_up: 3 picked up, more than the 2 sealed"),
        ("a-0001,1h,10,0,0,0\n", "lab9,1h,0,0\n", "labs.csv:2: lab: unknown lab 'lab9'"),
    ],
)
def test_bad_counts_are_refused_at_file_line_and_column(small_round, tmp_path, points, labs, where):
    with pytest.raises(StatusError) as exc:
        from_counts(_counts(tmp_path, points, labs), small_round, None, 2 * H)
    assert where in str(exc.value)


def test_every_problem_of_a_counts_folder_is_listed(small_round, tmp_path):
    folder = _counts(tmp_path, "nowhere,1h,1,0,0,0\na-0001,9h,1,0,0,0\n", "lab1,1h,3,5\n")
    with pytest.raises(StatusError) as exc:
        from_counts(folder, small_round, None, 2 * H)
    assert len(exc.value.problems) == 4  # and a-0002 has no row
    assert "no row for 1 point(s): a-0002;" in str(exc.value)


def test_a_folder_of_neither_kind_is_refused(small_round, tmp_path):
    with pytest.raises(StatusError, match="neither a drill log"):
        read_status(tmp_path, small_round, H)


def test_counts_written_from_a_trace_read_back_as_the_trace_had_them(small_round, tmp_path):
    trace = run_replication(small_round, 0, trace=True).trace
    write_counts(trace, small_round, 2 * H, tmp_path)
    s = from_counts(tmp_path, small_round, None, 2 * H)
    r, t = trace.residents, trace.tubes
    assert s.sampled.sum() == np.count_nonzero(r["end"] <= 2 * H)
    assert s.tubes_reported.sum() == np.count_nonzero(t["result"] <= 2 * H)
    assert s.tubes_received.sum() == np.count_nonzero(t["at_lab"] <= 2 * H)

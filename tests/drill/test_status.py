"""A drill log read at a time counts exactly what the traced run had done by then; the checked reader refuses
every doubtful status with all its problems at file:line: column, and reads a log as it is."""

from __future__ import annotations

import numpy as np
import pytest

from sim.drill.log import log_from_trace, read_log
from sim.drill.status import StatusError, cut_log, read_status
from sim.engine.replication import run_replication

H = 3600.0


def test_a_log_cut_at_a_time_counts_what_the_trace_had_done_by_then(small_round):
    trace = run_replication(small_round, 0, trace=True).trace
    r, t = trace.residents, trace.tubes
    for at in (0.5 * H, 2 * H, 5 * H):
        s = cut_log(log_from_trace(trace), small_round, at)
        assert s.sampled.sum() == np.count_nonzero(r["end"] <= at)
        if (r["end"] > at).any():  # a replay: the rows after TIME show who was queuing then, and are left out
            assert sum(w.size for w in s.waiting) == np.count_nonzero((r["arrival"] <= at) & (r["end"] > at))
            assert s.left_out["swabs"] == np.count_nonzero(r["end"] > at)
        else:  # nothing after TIME: no evidence of a queue, the plan's stands in
            assert s.queue == "plan" and s.left_out["swabs"] == 0
        assert s.tubes_sealed.sum() == np.count_nonzero(t["sealed"] <= at)
        assert s.tubes_picked.sum() == np.count_nonzero(t["picked"] <= at)
        assert s.tubes_received.sum() == np.count_nonzero(t["at_lab"] <= at)
        assert s.tubes_reported.sum() == np.count_nonzero(t["result"] <= at)
        left = (t["sealed"] <= at) & ~(t["result"] <= at)
        assert s.tubes["point"].size == np.count_nonzero(left)
        assert s.tubes["size"].sum() == t["size"][left].sum()
        # Residents swabbed by then but in no tube sealed by then are in the tables' open tubes.
        in_sealed = t["size"][t["sealed"] <= at].sum()
        assert sum(o.sum() for o in s.open_tube) == s.sampled.sum() - in_sealed
        assert s.past["sampled"][1][-1] == s.sampled.sum()


def test_a_log_folder_and_its_trace_read_alike(drill):
    rnd, folder = drill
    a = read_status(folder, rnd, 2 * H)
    b = cut_log(read_log(folder, rnd, None), rnd, 2 * H)
    assert a.kind == "log" and a.totals() == b.totals()


# --- the checked reader: hostile statuses ---------------------------------------------------------------
POINTS = "point,time,sampled,tubes_sealed,tubes_picked_up\n"
LABS = "lab,time,tubes_received,tubes_reported\n"
GOOD_POINTS = "a-0001,1h,200,19,15\na-0002,1h,100,9,9\n"
GOOD_LABS = "lab1,1h,20,8\n"


def _folder(tmp_path, files: dict[str, str | bytes]):
    for name, text in files.items():
        (tmp_path / name).write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return tmp_path


@pytest.mark.parametrize(
    ("files", "at", "message"),
    [
        ({"points.csv": POINTS, "labs.csv": LABS}, 2 * H, "points.csv: no row for 2 point(s): a-0001, a-0002"),
        ({"points.csv": POINTS + "a-0001,1h,200,19,15\n", "labs.csv": LABS + GOOD_LABS}, 2 * H, "no row for 1 point(s): a-0002"),
        (
            {"points.csv": POINTS + GOOD_POINTS, "labs.csv": LABS + "lab1,1h,9000,8\n"},
            2 * H,
            "9,000 received at the labs in all, more than the 24",
        ),
        (
            {"points.csv": POINTS + GOOD_POINTS + "a-0001,1h,250,19,15\n", "labs.csv": LABS + GOOD_LABS},
            2 * H,
            "points.csv:4: time: a second row for a-0001 at 1h (the first at line 2)",
        ),
        (
            {"points.csv": POINTS + GOOD_POINTS + "a-0001,90m,150,19,15\n", "labs.csv": LABS + GOOD_LABS},
            2 * H,
            "points.csv:4: sampled: 150 at a-0001, fewer than the 200 of line 2; counts are cumulative",
        ),
        (
            {"points.csv": POINTS + "a-001,1h,200,19,15\na-0002,1h,100,9,9\n", "labs.csv": LABS + GOOD_LABS},
            2 * H,
            "did you mean 'a-0001'?",
        ),
        (
            {"points.csv": POINTS + GOOD_POINTS, "labs.csv": LABS + "lab-1,1h,20,8\n"},
            2 * H,
            "unknown lab 'lab-1' (did you mean 'lab1'?)",
        ),
        (
            {"points.csv": POINTS + "a-0001,1h,-5,0,0\na-0002,1h,0,0,0\n", "labs.csv": LABS + GOOD_LABS},
            2 * H,
            "sampled: '-5' is not a count",
        ),
        (
            {"points.csv": POINTS + "a-0001,1h,2.5,0,0\na-0002,1h,0,0,0\n", "labs.csv": LABS + GOOD_LABS},
            2 * H,
            "sampled: '2.5' is not a count",
        ),
        (
            {"points.csv": POINTS + "a-0001,1h,1e3,0,0\na-0002,1h,0,0,0\n", "labs.csv": LABS + GOOD_LABS},
            2 * H,
            "sampled: '1e3' is not a count",
        ),
        (
            {"points.csv": POINTS + "a-0001,-5h,0,0,0\na-0002,1h,0,0,0\n", "labs.csv": LABS + GOOD_LABS},
            2 * H,
            "points.csv:2: time: -5h is before the round began",
        ),
        ({"points.csv": POINTS + GOOD_POINTS, "labs.csv": LABS + GOOD_LABS}, 13 * H, "--at: 13h is outside the round"),
        ({"points.csv": POINTS + GOOD_POINTS, "labs.csv": LABS + GOOD_LABS}, 67553 * H, "outside the round"),
        ({"points.csv": POINTS + GOOD_POINTS, "labs.csv": LABS + GOOD_LABS}, -5 * H, "outside the round"),
        (
            {"points.csv": POINTS + "a-0001,1h,200,19,15,7\na-0002,1h,0,0,0\n", "labs.csv": LABS + GOOD_LABS},
            2 * H,
            "points.csv:2: 6 fields, more than the header's 5",
        ),
        ({"points.csv": b"point,time,sampled\xff\n", "labs.csv": LABS + GOOD_LABS}, 2 * H, "points.csv:1: not UTF-8 text"),
        ({"points.csv": "point,time\0,sampled\n", "labs.csv": LABS + GOOD_LABS}, 2 * H, "points.csv:1: a NUL byte"),
        (
            {"points.csv": "point,when,sampled\n", "labs.csv": LABS + GOOD_LABS},
            2 * H,
            "points.csv:1: missing column(s) time, tubes_sealed",
        ),
        (
            {"swabs.csv": "point,table,joined,swabbed,tube\n", "tubes.csv": "tube,point,sealed,picked_up,at_lab,reported\n"},
            2 * H,
            "nothing to forecast from",
        ),
        ({"swabs.csv": "point,table,joined,swabbed,tube\n"}, 2 * H, "tubes.csv: missing"),
        (
            {
                "swabs.csv": "point,table,joined,swabbed,tube\n" + "nowhere,1,,10m,T1\n" * 3 + "a-0001,1,,10m,T1\n",
                "tubes.csv": "tube,point,sealed,picked_up,at_lab,reported\n",
            },
            2 * H,
            "3 of 4 rows cannot be used",
        ),
    ],
)
def test_a_doubtful_status_is_refused_with_every_problem_at_file_line_column(small_round, tmp_path, files, at, message):
    with pytest.raises(StatusError) as exc:
        read_status(_folder(tmp_path, files), small_round, at)
    assert message in str(exc.value)


def test_a_header_with_a_byte_order_mark_capitals_and_spaces_is_read(small_round, tmp_path):
    points = "\ufeffPoint, Time ,SAMPLED,tubes_sealed,tubes_picked_up\n" + GOOD_POINTS
    s = read_status(_folder(tmp_path, {"points.csv": points, "labs.csv": LABS + GOOD_LABS}), small_round, 2 * H)
    assert s.sampled.tolist() == [200, 100]


def test_a_log_row_joined_and_not_swabbed_is_a_resident_queuing(small_round, tmp_path):
    swabs = "point,table,joined,swabbed,tube\na-0001,1,5m,10m,T1\na-0001,,20m,,\na-0002,,25m,,\na-0002,1,,40m,T2\n"
    s = read_status(
        _folder(tmp_path, {"swabs.csv": swabs, "tubes.csv": "tube,point,sealed,picked_up,at_lab,reported\n"}), small_round, H
    )
    assert s.set_aside == [] and s.queue == "status"
    assert [w.tolist() for w in s.waiting] == [[1200.0], [1500.0]] and s.sampled.tolist() == [1, 1]


def test_a_log_of_swabs_only_does_not_show_the_queue(small_round, tmp_path):
    swabs = "point,table,joined,swabbed,tube\na-0001,1,5m,10m,T1\na-0002,1,,40m,T2\n"
    s = read_status(
        _folder(tmp_path, {"swabs.csv": swabs, "tubes.csv": "tube,point,sealed,picked_up,at_lab,reported\n"}), small_round, H
    )
    assert s.queue == "plan" and s.waiting is None and s.left_out["swabs"] == 0

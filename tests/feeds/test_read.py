"""The checked reader of a status (`read_status`): every doubtful status refused with all its problems at
file:line: column (hostile cases a city's export can hand over), a log read as it is (rows without a swab
are residents queuing; a log of swabs only shows no queue)."""

from __future__ import annotations

import pytest

from sim.feeds.read import read_status
from sim.feeds.status import StatusError

H = 3600.0
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
        (
            {"points.csv": POINTS + "a-0001,1h,200,19,15\n", "labs.csv": LABS + GOOD_LABS},
            2 * H,
            "no row for 1 point(s): a-0002",
        ),
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
        (
            {"points.csv": b"point,time,sampled\xff\n", "labs.csv": LABS + GOOD_LABS},
            2 * H,
            "points.csv:1: not UTF-8 text",
        ),
        ({"points.csv": "point,time\0,sampled\n", "labs.csv": LABS + GOOD_LABS}, 2 * H, "points.csv:1: a NUL byte"),
        (
            {"points.csv": "point,when,sampled\n", "labs.csv": LABS + GOOD_LABS},
            2 * H,
            "points.csv:1: missing column(s) time, tubes_sealed",
        ),
        (
            {
                "swabs.csv": "point,table,joined,swabbed,tube\n",
                "tubes.csv": "tube,point,sealed,picked_up,at_lab,reported\n",
            },
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
        _folder(tmp_path, {"swabs.csv": swabs, "tubes.csv": "tube,point,sealed,picked_up,at_lab,reported\n"}),
        small_round,
        H,
    )
    assert s.set_aside == [] and s.queue == "status"
    assert [w.tolist() for w in s.waiting] == [[1200.0], [1500.0]] and s.sampled.tolist() == [1, 1]


def test_a_log_of_swabs_only_does_not_show_the_queue(small_round, tmp_path):
    swabs = "point,table,joined,swabbed,tube\na-0001,1,5m,10m,T1\na-0002,1,,40m,T2\n"
    s = read_status(
        _folder(tmp_path, {"swabs.csv": swabs, "tubes.csv": "tube,point,sealed,picked_up,at_lab,reported\n"}),
        small_round,
        H,
    )
    assert s.queue == "plan" and s.waiting is None and s.left_out["swabs"] == 0

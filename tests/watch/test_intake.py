"""A snapshot is refused for what `natsim forecast` refuses, with the same problems, and for a time the
watch cannot use."""

from __future__ import annotations

from sim.feeds.read import read_status
from sim.feeds.status import StatusError
from sim.watch.intake import Snapshot, check, from_folder, latest_time, read_snapshot

H = 3600.0
LABS = b"lab,time,tubes_received,tubes_reported\nlab,2h,0,0\n"


def test_a_log_export_is_read_as_the_forecast_reads_its_folder(drill, export):
    rnd, folder = drill
    snap = export(2.0)
    got = check(snap, rnd, None, None)
    assert got.problems == [] and got.at == 2 * H
    # What the export holds is what the full log held by then (sampled, sealed, received, reported).
    a, b = read_snapshot(snap, rnd, None, 2 * H).totals(), read_status(folder, rnd, 2 * H).totals()
    for k in ("sampled", "tubes_sealed", "tubes_picked_up", "tubes_at_lab", "tubes_reported"):
        assert a[k] == b[k], k


def test_the_same_content_is_one_snapshot_wherever_it_came_from(export):
    assert export(2.0, "post:a").digest == export(2.0, "folder:b").digest != export(2.5).digest


def test_without_a_stated_time_the_latest_row_says_when(drill, export):
    rnd, _folder = drill
    snap = Snapshot(export(3.0).files)
    at, where = latest_time(snap, None)
    assert at <= 3 * H and where.split(":")[0] in ("swabs.csv", "tubes.csv")
    assert check(snap, rnd, None, None).at == at


def test_bad_counts_are_refused_with_the_forecasts_own_problems(drill, tmp_path):
    rnd, _folder = drill
    points = (
        b"point,time,sampled,tubes_sealed,tubes_picked_up\n"
        b"school-0001,2h,12x,0,0\n"  # malformed count
        b"elsewhere-0001,2h,5,0,0\n"  # a point of another scenario
    )
    snap = Snapshot({"points.csv": points, "labs.csv": LABS})
    got = check(snap, rnd, None, None)
    (tmp_path / "points.csv").write_bytes(points)
    (tmp_path / "labs.csv").write_bytes(LABS)
    try:
        read_status(tmp_path, rnd, 2 * H)
    except StatusError as exc:
        expected = exc.problems
    assert got.problems == expected
    for problem in (
        "points.csv:2: sampled: '12x' is not a count (a whole number, 0 or more)",
        "points.csv:3: point: unknown point 'elsewhere-0001'",
    ):
        assert problem in got.problems


def test_what_only_a_stream_gets_wrong(drill, export):
    rnd, _folder = drill
    future = check(export(5.0), rnd, None, now=2 * H)
    assert future.problems == ["at: 5.00 h is after the watch's clock (2.00 h): a snapshot from the future"]
    assert check(export(2.05), rnd, None, now=2 * H).problems == []  # clocks differ by minutes
    assert check(Snapshot({"notes.txt": b"hi"}), rnd, None, None).problems[0].startswith("notes.txt: not a status file")
    assert check(Snapshot({"points.csv": "point\n\xe9".encode("latin-1")}), rnd, None, None).problems == [
        "points.csv:1: not UTF-8 text (export the CSV as UTF-8)"
    ]
    empty = Snapshot({"points.csv": b"point,time,sampled,tubes_sealed,tubes_picked_up\n", "labs.csv": LABS[:38]})
    assert "no time in any row" in check(empty, rnd, None, None).problems[0]
    missing = check(Snapshot({"points.csv": b"point,time\nschool-0001,1h\n", "labs.csv": LABS}), rnd, None, None)
    assert missing.problems[0].startswith("points.csv:1: missing column(s) sampled")  # no temporary folder's path


def test_a_folder_is_read_with_its_stated_time(tmp_path, export):
    snap = export(1.5)
    for name, data in snap.files.items():
        (tmp_path / name).write_bytes(data)
    (tmp_path / "at.txt").write_text("5400.0s\n")
    got = from_folder(tmp_path)
    assert got.files == snap.files and got.at_text == "5400.0s" and got.source == f"folder:{tmp_path.name}"

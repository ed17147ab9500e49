"""A dropped folder is taken once, when its files have stopped changing."""

from __future__ import annotations

from sim.watch.feed import Feed


def _drop(folder, name, text="point,time\n"):
    sub = folder / name
    sub.mkdir()
    (sub / "points.csv").write_text(text)
    return sub


def test_a_folder_is_taken_once_it_has_settled(tmp_path):
    feed = Feed(tmp_path, taken={"old"})
    _drop(tmp_path, "old")
    _drop(tmp_path, "_writing")
    sub = _drop(tmp_path, "s1")
    assert feed.scan() == []  # seen once: maybe still being written
    (sub / "labs.csv").write_text("lab,time\n")
    assert feed.scan() == []  # it changed
    got = feed.scan()
    assert [s.source for s in got] == ["folder:s1"] and set(got[0].files) == {"points.csv", "labs.csv"}
    assert feed.scan() == []  # never twice

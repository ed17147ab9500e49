"""Over HTTP: a bad snapshot is refused with its problems (400), a wrong token with 401 (and logged), an
upload over the limit with 413 (and kept as refused); the watch goes on taking the next."""

from __future__ import annotations

import re

import pytest
from starlette.testclient import TestClient

from sim.watch.access import set_up_token
from sim.watch.server import MB, make_app
from sim.watch.watch import Settings, Watch


@pytest.fixture
def served(scenario, drill_round, tmp_path):
    watch = Watch(Settings(scenario, tmp_path / "w"), drill_round, None)
    token = set_up_token(watch.store, None)
    client = TestClient(make_app(watch, max_upload=2 * MB), client=("127.0.0.1", 40000))
    yield watch, client, {"Authorization": f"Bearer {token}"}
    watch.close()


def _files(snap):
    return [("files", (name, data, "text/csv")) for name, data in snap.files.items()]


def test_a_good_snapshot_then_bad_ones_then_a_good_one(served, export):
    watch, client, auth = served
    r = client.post("/api/snapshots", files=_files(export(1.0)), data={"at": "3600s"}, headers=auth)
    assert r.status_code == 200 and r.json()["state"] == "accepted" and r.json()["at_h"] == 1.0
    bad = b"point,time,sampled,tubes_sealed,tubes_picked_up\nschool-0001,1h,many,0,0\nnowhere-0001,1h,1,0,0\n"
    labs = b"lab,time,tubes_received,tubes_reported\nlab,1h,0,0\n"
    r = client.post("/api/snapshots", files=[("f", ("points.csv", bad)), ("g", ("labs.csv", labs))], headers=auth)
    assert r.status_code == 400
    for problem in (  # the forecast's own problems, one a line (it also names the points with no row)
        "points.csv:2: sampled: 'many' is not a count (a whole number, 0 or more)",
        "points.csv:3: point: unknown point 'nowhere-0001'",
    ):
        assert problem in r.text.splitlines()
    r = client.post("/api/snapshots", files=[("f", ("points.csv", b"x" * (3 * MB)))], headers=auth)
    assert r.status_code == 413 and "over the limit of 2 MB" in r.text
    r = client.post("/api/snapshots", files=_files(export(1.0)), headers={"Authorization": "Bearer nope"})
    assert r.status_code == 401
    assert client.post("/api/snapshots", files=_files(export(1.0))).status_code == 401
    assert "127.0.0.1: POST /api/snapshots with a missing or wrong token" in watch.store.events("unauthorized")[0][2]
    r = client.post("/api/snapshots", files=_files(export(1.5)), headers=auth)
    assert r.status_code == 200 and r.json()["state"] == "accepted"
    again = client.post("/api/snapshots", files=_files(export(1.5)), headers=auth)
    assert again.json() == {"snapshot": r.json()["snapshot"], "state": "duplicate", "at_h": None}
    states = [(s.state, len(s.problems)) for s in watch.store.snapshots()]
    assert states == [
        ("accepted", 0),
        ("refused", 3),
        ("refused", 1),
        ("accepted", 0),
    ]  # 3: the two, and the points absent
    s = client.get("/api/state").json()
    assert [x["problems"] for x in s["refused"]][0][0].startswith("upload of 3.0 MB")
    assert s["latest"]["at_h"] == pytest.approx(1.5, abs=1 / 60)  # no `at` sent: the latest row, within a minute


def test_reading_from_another_machine_needs_the_token(scenario, drill_round, tmp_path):
    watch = Watch(Settings(scenario, tmp_path / "w"), drill_round, None)
    token = set_up_token(watch.store, None)
    remote = TestClient(make_app(watch), client=("192.168.7.7", 40000))
    assert remote.get("/api/state").status_code == 401
    assert remote.get(f"/api/state?token={token}").status_code == 200
    page = remote.get(f"/?token={token}&lang=zh")
    assert page.status_code == 200 and "实时预测" in page.text and token in page.text
    watch.close()


def test_a_snapshot_from_the_future_is_refused_over_http_too(scenario, drill_round, export, tmp_path):
    from sim.watch.watch import Clock

    watch = Watch(Settings(scenario, tmp_path / "w"), drill_round, None, Clock(None, replay_from=1.0 * 3600))
    token = set_up_token(watch.store, None)
    client = TestClient(make_app(watch), client=("127.0.0.1", 40000))
    r = client.post("/api/snapshots", files=_files(export(3.0)), headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 400  # no time stated: the latest row is named, at file:line: column
    assert re.fullmatch(
        r"(swabs|tubes)\.csv:\d+: \w+: [23]\.\d\d h is after the watch's clock \(1\.00 h\): a snapshot from the "
        r"future\n",
        r.text,
    )
    assert watch.store.snapshots("refused")[0].problems == [r.text.strip()]
    watch.close()

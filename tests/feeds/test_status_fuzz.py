"""A fuzz of the status reader (`sim.feeds.read.read_status`): counts folders and drill logs exported at
TIME, then cut, with lines swapped, duplicated or dropped, fields replaced by garbage, bytes inserted. The
reader never raises anything but StatusError, and whatever it accepts is consistent: counts whole and
non-negative, never more sampled than residents, sealed than sampled, picked up than sealed, received (in
all) than picked up, reported than received."""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.engine.replication import run_replication
from sim.feeds.counts import write_counts
from sim.feeds.log import write_trace
from sim.feeds.read import read_status
from sim.feeds.status import StatusError
from sim.scenario.build import round_from_text

H = 3600.0
AT = 1.5 * H
GARBAGE = [
    "",
    "-1",
    "1.5",
    "1e9",
    "NaN",
    "abc",
    "９",
    "٣",
    "99999999999999999999",
    " 7 ",
    "2022-13-45T99:00",
    "\ufeff",
    '"',
    "x,y",
]


@pytest.fixture(scope="module")
def exports(small_text, tmp_path_factory):
    """The bytes of a counts folder and of a log folder exported at AT from one traced run."""
    rnd = round_from_text(small_text)
    trace = run_replication(rnd, 0, trace=True).trace
    counts, log = tmp_path_factory.mktemp("counts"), tmp_path_factory.mktemp("log")
    write_counts(trace, rnd, 0.5 * H, counts / "a", stamp="30m")
    write_counts(trace, rnd, AT, counts / "b", stamp="90m")
    files = {
        name: (counts / "a" / name).read_bytes()
        + b"".join((counts / "b" / name).read_bytes().splitlines(keepends=True)[1:])
        for name in ("points.csv", "labs.csv")
    }
    write_trace(trace, log, None, ["lab1"], at=AT, queue=True)
    return rnd, files, {name: (log / name).read_bytes() for name in ("swabs.csv", "tubes.csv")}


def _mutate(data: bytes, draw) -> bytes:
    lines = data.splitlines(keepends=True)
    kind = draw(st.sampled_from(["cut", "swap", "duplicate", "drop", "field", "bytes", "columns"]))
    if kind == "cut":
        return data[: draw(st.integers(0, len(data)))]
    if len(lines) < 2:
        return data
    i, j = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
    if kind == "swap":
        lines[i], lines[j] = lines[j], lines[i]
    elif kind == "duplicate":
        lines.insert(j, lines[i])
    elif kind == "drop":
        del lines[i]
    elif kind == "field":
        fields = lines[i].rstrip(b"\r\n").split(b",")
        fields[draw(st.integers(0, len(fields) - 1))] = draw(st.sampled_from(GARBAGE)).encode("utf-8")
        lines[i] = b",".join(fields) + b"\n"
    elif kind == "bytes":
        lines.insert(i, draw(st.binary(max_size=12)))
    else:
        header = lines[0].rstrip(b"\r\n").split(b",")
        a, b = draw(st.integers(0, len(header) - 1)), draw(st.integers(0, len(header) - 1))
        header[a], header[b] = header[b], header[a]
        lines[0] = b",".join(header) + b"\n"
    return b"".join(lines)


def _consistent(status, rnd) -> None:
    counts = [status.sampled, status.tubes_sealed, status.tubes_picked, status.tubes_received, status.tubes_reported]
    for c in counts:
        assert c.dtype.kind in "iu" and (c >= 0).all()
    assert (status.sampled <= rnd.per_point(lambda g: g.people)).all()
    assert (status.tubes_sealed <= status.sampled).all() and (status.tubes_picked <= status.tubes_sealed).all()
    assert status.tubes_received.sum() <= status.tubes_picked.sum()
    assert (status.tubes_reported <= status.tubes_received).all()
    assert status.sampled.sum() + status.tubes_sealed.sum() > 0 or status.waiting  # never a status of nothing


EXAMPLES = int(os.environ.get("NATSIM_FUZZ", "120"))  # NATSIM_FUZZ=1500 for a longer hunt


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), kind=st.sampled_from(["counts", "log"]), n=st.integers(1, 3))
def test_a_damaged_status_is_refused_or_read_consistently(exports, tmp_path_factory, data, kind, n):
    rnd, counts, log = exports
    files = dict(counts if kind == "counts" else log)
    for _k in range(n):
        name = data.draw(st.sampled_from(sorted(files)))
        files[name] = _mutate(files[name], data.draw)
    folder = tmp_path_factory.mktemp("fuzz")
    for name, body in files.items():
        (folder / name).write_bytes(body)
    try:
        status = read_status(folder, rnd, AT)
    except StatusError as exc:
        assert exc.problems and all(p.strip() for p in exc.problems)
        return
    _consistent(status, rnd)
    if kind == "log":
        assert len(status.set_aside) <= 0.05 * sum(status.log.rows.values())


def test_the_exports_themselves_are_read(exports, tmp_path):
    rnd, counts, log = exports
    for files in (counts, log):
        folder = tmp_path / str(len(list(tmp_path.iterdir())))
        folder.mkdir()
        for name, body in files.items():
            (folder / name).write_bytes(body)
        status = read_status(folder, rnd, AT)
        _consistent(status, rnd)
        assert np.array_equal(status.sampled, read_status(folder, rnd, AT).sampled)

"""The lab network's bad inputs, each refused at its file:line and key, before anything runs."""

from __future__ import annotations

import pytest

from sim.scenario.lab_checks import overflow_cycle
from sim.scenario.load import ScenarioError, parse_scenario

HEAD = """name: network
deadline: 24h
arrivals: {profile: [[0h, 1], [1h, 0]]}
sampling: {service_time: 30s}
points: [{name: p, count: 1, residents: 100, tables: 1, lab: a, travel_time: 10m}]
transport: {vehicles: {a: 1}}
labs:
"""
LAB = "  - {{name: {name}, extractors: 1, pcr_machines: 1, extraction_time: 1h, pcr_time: 1h{extra}}}\n"


def scenario(*labs: tuple[str, str]) -> str:
    return HEAD + "".join(LAB.format(name=n, extra=e) for n, e in labs)


def problems(text: str) -> str:
    with pytest.raises(ScenarioError) as err:
        parse_scenario(text, file="net.yaml")
    return str(err.value)


TRUNK = "trunk: {travel_time: 3h}"


def test_a_lab_sending_to_itself():
    text = problems(scenario(("a", f", overflow: {{when: 2h, to: [a], {TRUNK}}}")))
    assert "net.yaml:8: labs[0].overflow.to[0]: lab 'a' cannot send its overflow to itself" in text


def test_a_cycle_is_refused_and_named():
    text = problems(
        scenario(
            ("a", f", overflow: {{when: 2h, to: [b], {TRUNK}}}"),
            ("b", f", overflow: {{when: 2h, to: [c], {TRUNK}}}"),
            ("c", f", overflow: {{when: 2h, to: [a], {TRUNK}}}"),
        )
    )
    assert "labs[0].overflow.to: overflow goes round a cycle, a -> b -> c -> a" in text


def test_a_threshold_in_the_wrong_unit():
    text = problems(scenario(("a", f", overflow: {{when: 2000 plates, to: [b], {TRUNK}}}"), ("b", "")))
    assert "net.yaml:8: labs[0].overflow.when: '2000 plates': write a number of tubes, e.g. 2000 tubes" in text
    bare = problems(scenario(("a", f", overflow: {{when: 2000, to: [b], {TRUNK}}}"), ("b", "")))
    assert "labs[0].overflow.when" in bare


def test_a_trunk_to_an_unknown_lab_and_points_sending_to_an_external_lab():
    text = problems(scenario(("a", f", overflow: {{when: 2h, to: [bb], {TRUNK}}}"), ("b", "")))
    assert "labs[0].overflow.to[0]: no lab named 'bb' (did you mean 'b'?)" in text
    external = problems(scenario(("a", ", external: true")))
    assert "points[0].lab: lab 'a' is external (reached only by other labs' overflow)" in external


def test_overflow_cycle_finds_only_cycles():
    from types import SimpleNamespace as N

    def lab(name, to=None):
        return N(name=name, overflow=N(to=to) if to else None)

    assert overflow_cycle([lab("a", ["b", "c"]), lab("b", ["c"]), lab("c")]) == []
    assert overflow_cycle([lab("a", ["b"]), lab("b", ["a"])]) == ["a", "b", "a"]


def test_a_bad_network_exits_2_with_every_problem_and_runs_nothing(tmp_path, natsim):
    (tmp_path / "net.yaml").write_text(scenario(("a", f", overflow: {{when: 2h, to: [a, bb], {TRUNK}}}")))
    proc = natsim("run", "net.yaml", "--out", "out", cwd=tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "net.yaml:8: labs[0].overflow.to[0]: lab 'a' cannot send its overflow to itself" in proc.stderr
    assert "net.yaml:8: labs[0].overflow.to[1]: no lab named 'bb'" in proc.stderr
    assert not (tmp_path / "out").exists()

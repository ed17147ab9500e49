import pytest

from sim.scenario.load import ScenarioError, parse_scenario

BASE = """
name: checks
deadline: 12h
arrivals: {profile: [[0h, 1], [4h, 0]]}
sampling: {service_time: 30s}
points:
  - {name: a, count: 3, residents: 100, tables: 1, lab: L, travel_time: 10m}
transport: {vehicles: {L: 1}}
labs: [{name: L, extractors: 1, pcr_machines: 1, extraction_time: 1h, pcr_time: 1h}]
"""


def _problems(text: str) -> list[str]:
    with pytest.raises(ScenarioError) as err:
        parse_scenario(text, file="s.yaml")
    return [str(p) for p in err.value.problems]


def test_every_cross_key_problem_is_listed_at_its_line():
    text = BASE.replace("lab: L,", "lab: M,").replace("{L: 1}", "{L: 1, X: 2}")
    text += "events:\n  - {kind: close_points, from: 1h, to: 2h, points: [a-0004]}\n"
    found = _problems(text)
    assert found[0].startswith("s.yaml:7: points[0].lab: no lab named 'M'")
    assert any("transport.vehicles.X: no lab named 'X'" in p for p in found)
    assert any(p.startswith("s.yaml:11: events[0].points: no point or point group named 'a-0004'") for p in found)


def test_a_lab_with_tubes_needs_vehicles():
    found = _problems(BASE.replace("vehicles: {L: 1}", "pickup_interval: 1h"))
    want = "s.yaml:8: transport.vehicles: lab 'L' receives tubes (see points[0].lab) but has no vehicles: "
    assert found == [want + "add 'L: N' under transport.vehicles"]


def test_what_cannot_be_is_refused():
    found = _problems(BASE.replace("sampling: {service_time: 30s}", "sampling: {service_time: 0s}"))
    assert any("sampling.service_time: a swab takes time" in p for p in found)
    outage = BASE + "events:\n  - {kind: lab_outage, lab: L, from: 1h, to: 2h, extractors: 99}\n"
    assert any("events[0].extractors: 99 extractors out of service, but lab 'L' has 1" in p for p in _problems(outage))
    early = BASE.replace("deadline: 12h", "deadline: 2h").replace(
        "sampling: {service_time: 30s}", "sampling: {service_time: 30s, open: 3h}"
    )
    assert any("deadline: the deadline (2 h) comes before the tables open (3 h)" in p for p in _problems(early))


def test_a_key_of_another_event_kind_is_named_for_what_it_is():
    text = BASE + "events:\n  - {kind: tables_down, from: 1h, to: 2h, group: a, tables: 1, points: [a]}\n"
    found = _problems(text)
    assert any("unknown key 'points' of a tables_down event" in p and "did you mean 'points'" not in p for p in found)

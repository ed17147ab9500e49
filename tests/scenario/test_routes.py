"""routes.csv: read row by row, checked against the map; each route's legs by P5; bad input refused at
file:line with exit 2 and nothing run; a loop longer than max_loop is a warning, not a refusal."""

from __future__ import annotations

import pytest

from sim.scenario.build import build_round
from sim.scenario.load import ScenarioError, load_scenario

ROUTED = "transport: {vehicles: {L: 4}, routes: {file: routes.csv, max_loop: 20m}}"


def town(folder, routes: str, transport: str = ROUTED):
    (folder / "routes.csv").write_text(routes)
    text = (folder / "town.yaml").read_text().replace("transport: {vehicles: {L: 4}}", transport)
    (folder / "town.yaml").write_text(text)
    return folder / "town.yaml"


def test_a_route_is_its_stops_in_order_with_a_leg_each(siting_town):
    rnd = build_round(load_scenario(town(siting_town, "route,vehicles,lab,stops\nr1,2,L,k1;k0\n")))
    (r,) = rnd.routes
    assert r.vehicles == 2 and r.capacity == 0 and len(r.legs) == 3
    names = [rnd.groups[p].names[0] for p in r.stops]  # each site is a point of its own
    assert names == ["k1", "k0"]
    m = rnd.places
    k0, k1 = m.site_names.index("k0"), m.site_names.index("k1")
    # P5: straight line x detour / speed; lab L at the origin, coordinates in metres.
    lab_k1 = (m.site_xy[k1] ** 2).sum() ** 0.5 * m.drive_detour / m.drive_speed
    assert r.legs[0].mean == pytest.approx(lab_k1)
    k1_k0 = ((m.site_xy[k1] - m.site_xy[k0]) ** 2).sum() ** 0.5 * m.drive_detour / m.drive_speed
    assert r.legs[1].mean == pytest.approx(k1_k0)


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ("r1,1,L,k1;nowhere\n", "routes.csv:2: stops: no open site named 'nowhere'"),
        ("r1,1,L,k1\nr2,1,L,k0;k1\n", "routes.csv:3: stops: site 'k1' is on two routes: r1 and r2"),
        ("r1,1,Lab,k1\n", "routes.csv:2: lab: no lab named 'Lab'"),
        ("r1,none,L,k1\n", "routes.csv:2: vehicles: 'none' is not a number"),
        ("r1,0,L,k1\n", "routes.csv:2: vehicles: '0': a route needs at least 1 vehicle"),
        ("r1,1.5,L,k1\n", "routes.csv:2: vehicles: '1.5': a whole number is needed"),
        ("r1,1,L,k1;kk0\n", "routes.csv:2: stops: no open site named 'kk0' (did you mean 'k0'?)"),
        ("r1,1,Lb,k1\n", "routes.csv:2: lab: no lab named 'Lb' (did you mean 'L'?)"),
        ("r1,1,L,k1\nr1,1,L,k0\n", "routes.csv:3: route: route 'r1' is listed twice (first at line 2)"),
    ],
)
def test_bad_routes_are_refused_at_their_line(siting_town, rows, message):
    path = town(siting_town, "route,vehicles,lab,stops\n" + rows)
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert message in str(err.value)


def test_every_problem_of_a_route_at_once_and_a_site_twice_on_one_route_said_so(siting_town):
    path = town(siting_town, "route,vehicles,lab,stops,capacity\nnorth,0,L,k1;k0;k1,0\n")
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert [str(p).split("routes.csv:", 1)[1] for p in err.value.problems] == [
        "2: vehicles: '0': a route needs at least 1 vehicle",
        "2: capacity: '0': a vehicle carries at least 1 tube; leave the cell empty for no limit",
        "2: stops: site 'k1' is listed twice on route 'north'",
    ]


def test_an_empty_capacity_is_no_limit(siting_town):
    rnd = build_round(
        load_scenario(town(siting_town, "route,vehicles,lab,stops,capacity\nr1,1,L,k1,\nr2,1,L,k0,300\n"))
    )
    assert [r.capacity for r in rnd.routes] == [0, 300]


def test_a_route_to_an_external_lab_is_refused_as_a_site_sending_to_it_is(siting_town):
    path = town(siting_town, "route,vehicles,lab,stops\nr1,1,E,k1;k0\n")
    text = path.read_text().replace("labs: {L: [0, 0]}", "labs: {L: [0, 0], E: [90000, 90000]}")
    text += "  - {name: E, external: true, extractors: 2, pcr_machines: 2, extraction_time: 40m, pcr_time: 1h}\n"
    path.write_text(
        text.replace(
            "labs: [{name: L, extractors: 2, pcr_machines: 2, extraction_time: 40m, pcr_time: 1h}]",
            "labs:\n  - {name: L, extractors: 2, pcr_machines: 2, extraction_time: 40m, pcr_time: 1h}",
        )
    )
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert [str(p).split("routes.csv:", 1)[-1] for p in err.value.problems] == [
        "2: lab: lab 'E' is external (reached only by other labs' overflow): no route may bring tubes to it"
    ]
    (siting_town / "sites.csv").write_text(
        (siting_town / "sites.csv").read_text().replace(",true,8\n", ",true,8,\n", 1)
    )
    sites = (siting_town / "sites.csv").read_text().splitlines()
    sites[0] += ",lab"
    sites[1] += "E"
    (siting_town / "sites.csv").write_text("\n".join(s if i < 2 else s + "," for i, s in enumerate(sites)) + "\n")
    path.write_text(path.read_text().replace(", routes: {file: routes.csv, max_loop: 20m}", ""))
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert [str(p).rsplit("/", 1)[-1] for p in err.value.problems] == [
        "sites.csv:2: lab: lab 'E' is external (reached only by other labs' overflow): no site may send tubes to it"
    ]


def test_a_loop_longer_than_max_loop_is_a_warning(siting_town, natsim):
    path = town(siting_town, "route,vehicles,lab,stops\nr1,1,L,k1;k0\n", ROUTED.replace("20m", "1m"))
    loaded = load_scenario(path)
    assert any("route 'r1' takes" in str(w) and "longer than max_loop (1m)" in str(w) for w in loaded.warnings)
    proc = natsim("validate", "town.yaml", cwd=siting_town)
    assert proc.returncode == 0 and "warning:" in proc.stderr and "max_loop" in proc.stderr


def test_routes_need_a_map(small_text, tmp_path):
    (tmp_path / "s.yaml").write_text(
        small_text.replace("vehicles: {lab1: 2}}", "vehicles: {lab1: 2}, routes: {file: r.csv}}")
    )
    with pytest.raises(ScenarioError, match="routes need a places scenario"):
        load_scenario(tmp_path / "s.yaml")


def test_bad_routes_exit_2_and_nothing_runs(siting_town, natsim):
    town(siting_town, "route,vehicles,lab,stops\nr1,1,L,k1;nowhere\n")
    proc = natsim("run", "town.yaml", "--out", "out", cwd=siting_town)
    assert proc.returncode == 2 and "no open site named 'nowhere'" in proc.stderr and "Traceback" not in proc.stderr
    assert not (siting_town / "out").exists()


def test_auto_routes_cover_every_open_site_and_an_unreachable_site_is_refused(siting_town, natsim):
    auto = "transport: {vehicles: {L: 4}, routes: {auto: {max_loop: 30m, capacity: 500, stops_max: 1}}}"
    rnd = build_round(load_scenario(town(siting_town, "", auto)))
    open_sites = {rnd.places.site_names[s] for s in rnd.places.open_sites}
    assert len(rnd.routes) == 2 and {rnd.groups[r.stops[0]].names[0] for r in rnd.routes} == open_sites  # one stop each
    assert all(r.planned_loop <= 30 * 60 for r in rnd.routes)
    path = siting_town / "town.yaml"
    path.write_text(path.read_text().replace("max_loop: 30m", "max_loop: 1m"))
    proc = natsim("run", "town.yaml", cwd=siting_town)
    assert (
        proc.returncode == 2 and "transport.routes.auto.max_loop: no loop within max_loop (1m) can reach" in proc.stderr
    )

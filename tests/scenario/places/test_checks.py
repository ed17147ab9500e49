import pytest

from sim.scenario.load import ScenarioError, load_scenario

SCENARIO = """name: checks on a map
deadline: 12h
arrivals: {{profile: [[0h, 1], [3h, 0]]}}
sampling: {{service_time: 30s}}
places:
  coordinates: metres
  compounds: c.csv
  sites: s.csv
  labs: {{L: [0, 5000]}}
  walking: {{speed: {speed}}}
  assignment: {assignment}
transport: {{vehicles: {{L: 2}}}}
labs: [{{name: L, extractors: 1, pcr_machines: 1, extraction_time: 1h, pcr_time: 1h}}]
"""
COMPOUNDS = "name,x,y,residents,site\na,0,0,100,s1\nb,100,0,100,{site}\n"
SITES = "name,x,y,tables,lab\ns1,0,0,2,\ns2,5000,5000,{tables},{lab}\n"


def _load(tmp_path, speed="4km/h", assignment="nearest", site="s1", tables=1, lab="", compounds=COMPOUNDS):
    (tmp_path / "c.csv").write_text(compounds.format(site=site))
    (tmp_path / "s.csv").write_text(SITES.format(tables=tables, lab=lab))
    (tmp_path / "p.yaml").write_text(SCENARIO.format(speed=speed, assignment=assignment))
    return load_scenario(tmp_path / "p.yaml")


def _problems(tmp_path, **kw) -> list[str]:
    with pytest.raises(ScenarioError) as err:
        _load(tmp_path, **kw)
    return [str(p).replace(str(tmp_path) + "/", "") for p in err.value.problems]


def test_a_site_nobody_walks_to_is_a_warning(tmp_path):
    loaded = _load(tmp_path)
    assert [str(w).replace(str(tmp_path) + "/", "") for w in loaded.warnings] == [
        "s.csv:3: name: no compound walks to site 's2'"
    ]


def test_a_bare_number_speed_is_refused_at_its_line(tmp_path):
    assert _problems(tmp_path, speed="4")[0].startswith("p.yaml:10: places.walking.speed: 4 is not a speed")


def test_an_unknown_lab_and_an_unknown_or_closed_site(tmp_path):
    assert _problems(tmp_path, lab="X") == ["s.csv:3: lab: no lab named 'X'; labs are: L"]
    assert _problems(tmp_path, assignment="file", site="s9") == ["c.csv:3: site: no site named 's9' in s.csv"]
    assert _problems(tmp_path, assignment="file", site="ss1") == [
        "c.csv:3: site: no site named 'ss1' in s.csv (did you mean 's1'?)"
    ]
    assert _problems(tmp_path, assignment="file", site="s2", tables=0) == [
        "c.csv:3: site: site 's2' is closed (tables 0)"
    ]
    assert _problems(tmp_path, assignment="file", site="") == [
        "c.csv:3: site: assignment: file needs the site this compound goes to"
    ]


def test_the_cli_refuses_with_exit_2_and_prints_warnings(tmp_path, natsim):
    _load(tmp_path)
    ok = natsim("validate", "p.yaml", cwd=tmp_path)
    assert ok.returncode == 0 and "warning: s.csv:3: name: no compound walks to site 's2'" in ok.stderr
    (tmp_path / "s.csv").write_text(SITES.format(tables=1, lab="X"))
    bad = natsim("run", "p.yaml", cwd=tmp_path)
    assert (
        bad.returncode == 2
        and "s.csv:3: lab: no lab named 'X'; labs are: L" in bad.stderr
        and "Traceback" not in bad.stderr
    )
    assert not (tmp_path / "results").exists()


def test_a_travel_matrix_row_naming_no_site_or_lab_is_a_problem(tmp_path):
    _load(tmp_path)
    (tmp_path / "m.csv").write_text("from,to,minutes\ns1,L,10\nschol,L,5\ns2x,L,7\n")
    (tmp_path / "p.yaml").write_text(
        (tmp_path / "p.yaml").read_text().replace("  walking:", "  driving: {matrix: m.csv}\n  walking:")
    )
    with pytest.raises(ScenarioError) as err:
        load_scenario(tmp_path / "p.yaml")
    assert [str(p).replace(str(tmp_path) + "/", "") for p in err.value.problems] == [
        "m.csv:3: from: no site or lab named 'schol'",
        "m.csv:4: from: no site or lab named 's2x' (did you mean 's2'?)",
    ]


def test_a_compound_thousands_of_km_away_is_refused_at_its_line(tmp_path):
    far = "name,x,y,residents,site\na,0,0,100,s1\nb,4680000,0,100,{site}\n"
    assert _problems(tmp_path, compounds=far) == [
        "c.csv:3: x.y: compound 'b' is 4,675 km from its site 's2': wrong coordinates? (natsim refuses a walk of more "
        "than 100 km)"
    ]


def test_residents_over_the_limit_are_blamed_on_the_compounds_line(tmp_path):
    many = "name,x,y,residents,site\na,0,0,100,s1\nb,100,0,1000000000000,{site}\n"
    assert _problems(tmp_path, compounds=many) == [
        "c.csv:3: residents: 1,000,000,000,100 residents in all: natsim's limit is 100,000,000 per round (the largest: "
        "compound 'b', 1,000,000,000,000)"
    ]

import pytest
import yaml

from sim.scenario.edit import EditError, edit_scenario, point_groups, set_key

TEXT = """
name: 示例
points:
  - {name: 老城, count: 2, tables: 3}
  - {file: points.csv}
labs: [{name: central}]
"""


def test_edit_keeps_order_and_chinese_and_heads_with_a_comment():
    out = edit_scenario(TEXT, lambda d: next(point_groups(d)).update(tables=4), "made by a test\nsecond line")
    assert out.startswith("# made by a test\n# second line\nname: 示例\n")
    data = yaml.safe_load(out)
    assert data["points"][0] == {"name": "老城", "count": 2, "tables": 4}
    assert list(data) == ["name", "points", "labs"]


def test_set_key_follows_paths_and_refuses_what_is_not_there():
    data = yaml.safe_load(TEXT)
    set_key(data, ("points", 0, "tables"), 9)
    assert data["points"][0]["tables"] == 9
    with pytest.raises(EditError, match="no transport"):
        set_key(data, ("transport", "vehicles"), 3)
    with pytest.raises(EditError, match="out of range"):
        set_key(data, ("points", 5), {})


def test_the_original_data_is_not_changed():
    before = yaml.safe_load(TEXT)
    edit_scenario(TEXT, lambda d: d.update(name="x"))
    assert yaml.safe_load(TEXT) == before


def test_a_scenario_written_elsewhere_still_finds_its_files(siting_town, tmp_path):
    """plan.yaml, slots.yaml and calibrated.yaml are written into a results folder: the CSVs the
    scenario names must be named from there."""
    from sim.scenario.build import build_round
    from sim.scenario.edit import edit_scenario
    from sim.scenario.load import load_scenario

    text = (siting_town / "town.yaml").read_text()
    out = tmp_path / "results" / "plan"
    out.mkdir(parents=True)
    (out / "plan.yaml").write_text(edit_scenario(text, lambda data: None, moved=(siting_town, out)))
    rnd = build_round(load_scenario(out / "plan.yaml"))
    assert rnd.places is not None and len(rnd.places.compound_names) == 12
    import yaml

    data = yaml.safe_load((out / "plan.yaml").read_text())
    assert data["places"]["compounds"].startswith("../") and data["places"]["compounds"].endswith("compounds.csv")

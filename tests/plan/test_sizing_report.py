import yaml

from sim.plan.sizing_report import plan_yaml, table


def _result():
    return {
        "feasible": True,
        "targets": {"confidence": 0.9, "margin_h": 0.25},
        "plan": {
            "groups": [{"name": "a", "points": 3, "residents_per_point": 267, "tables_per_point": 2}],
            "labs": [{"name": "lab1", "vehicles": 4, "extractors": 1, "pcr_machines": 2}],
            "totals": {"points": 3, "tables": 6, "samplers": 6, "vehicles": 4, "extractors": 1, "pcr_machines": 2},
            "samplers_per_table": 1,
        },
        "verification": {"replications": 10, "share_meeting_targets": 1.0, "deadline_margin_h": 1.5},
        "one_step_smaller": {"tables[a]": {"fails": True}},
    }


def test_plan_yaml_is_the_scenario_with_the_sized_values(small_text):
    out = plan_yaml(small_text, _result())
    assert out.startswith("# Sized by `natsim size`")
    data = yaml.safe_load(out)
    assert data["points"][0]["count"] == 3 and data["points"][0]["tables"] == 2
    assert data["transport"]["vehicles"] == {"lab1": 4} and data["labs"][0]["pcr_machines"] == 2


def test_the_table_totals_the_plan():
    text = table(_result())
    assert "total: 3 points, 6 tables" in text and "1 of 1 sized values fail" in text


def test_the_printed_table_names_twenty_groups_and_counts_the_rest():
    from sim.plan.sizing_report import table

    groups = [{"name": f"s{i}", "points": 1, "residents_per_point": 2000, "tables_per_point": 3} for i in range(25)]
    labs = [{"name": "L", "vehicles": 1, "extractors": 1, "pcr_machines": 1}]
    totals = {"points": 25, "tables": 75, "samplers": 150, "vehicles": 1, "extractors": 1, "pcr_machines": 1}
    best = {"binding_stage": "labs", "share_meeting_targets": 0.5, "short_by_h": 0.0}
    text = table(
        {"plan": {"groups": groups, "labs": labs, "totals": totals, "samplers_per_table": 2}, "best_found": best}
    )
    assert "s19 " in text and "s20 " not in text and "... and 5 more groups (sizing.json)" in text

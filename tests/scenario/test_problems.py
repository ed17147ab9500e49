from sim.scenario.problems import Problem, ScenarioError, format_path, line_for


def test_a_problem_reads_file_line_key_message():
    p = Problem("plan.yaml", 31, ("points", 0, "tabels"), "unknown key 'tabels'")
    assert str(p) == "plan.yaml:31: points[0].tabels: unknown key 'tabels'"
    assert str(Problem("plan.yaml", None, (), "the file is empty")) == "plan.yaml: the file is empty"
    assert str(ScenarioError([p, p])).count("\n") == 1


def test_a_key_without_a_line_takes_its_parents():
    lines = {("points",): 10, ("points", 0): 11}
    assert line_for(lines, ("points", 0, "tables")) == 11 and line_for(lines, ("labs",)) is None
    assert format_path(("events", 2, "from")) == "events[2].from"

"""Bad scenarios get a clear message naming the file, the line and the key path, and exit status 2."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from sim.scenario.load import ScenarioError, load_scenario

ROOT = Path(__file__).resolve().parents[2]

QUICKSTART = (ROOT / "scenarios" / "quickstart.yaml").read_text()


def _edit(old: str, new: str) -> str:
    assert old in QUICKSTART
    return QUICKSTART.replace(old, new, 1)


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


CASES = {
    "not YAML": (_edit("  pool_size: 10", "  pool_size: [10"), "not valid YAML", None),
    "missing key": (_edit("deadline: 12h\n", ""), "deadline: required key is missing", None),
    "unknown key": (
        _edit(
            "    tables: 3\n    lab: district\n    travel_time: {dist: triangular, low: 10m",
            "    tabels: 3\n    lab: district\n    travel_time: {dist: triangular, low: 10m",
        ),
        "points[0].tabels: unknown key 'tabels' (did you mean 'tables'?)",
        "tabels: 3",
    ),
    "bare number": (_edit("deadline: 12h", "deadline: 12"), "deadline: bare number 12 is ambiguous", "deadline: 12"),
    "zero count": (_edit("    count: 8", "    count: 0"), "points[0].count: must be positive (got 0)", "count: 0"),
    "negative count": (
        _edit("    extractors: 6", "    extractors: -6"),
        "labs[0].extractors: must be positive (got -6)",
        "extractors: -6",
    ),
    "unknown lab": (
        _edit(
            "    lab: district\n    travel_time: {dist: triangular, low: 15m",
            "    lab: distrct\n    travel_time: {dist: triangular, low: 15m",
        ),
        "points[1].lab: no lab named 'distrct' (did you mean 'district'?)",
        "lab: distrct",
    ),
    "no vehicles": (
        _edit("  vehicles:\n    district: 6", "  vehicles: {}"),
        "lab 'district' receives tubes",
        "vehicles: {}",
    ),
    "profile end": (
        _edit("    - [7h, 0]", "    - [7h, 1]"),
        "arrivals.profile: the last profile entry must have weight 0",
        None,
    ),
    "bad distribution": (
        _edit("{dist: lognormal, mean: 30s, sd: 12s}", "{dist: lognormal, mean: 30s}"),
        "sampling.service_time: a lognormal distribution needs sd",
        "service_time",
    ),
    "negative duration": (_edit("recall_delay: 1h", "recall_delay: -1h"), "positives.recall_delay", "recall_delay"),
    "duplicate key": (_edit("seed: 7", "seed: 7\nseed: 8"), "seed: key given twice", "seed: 8"),
}


@pytest.mark.parametrize("name", CASES)
def test_bad_scenario_message_names_file_line_and_key(tmp_path, name):
    text, expected, line_of = CASES[name]
    path = tmp_path / "plan.yaml"
    path.write_text(text)
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    message = str(err.value)
    assert expected in message
    assert str(path) in message
    if line_of:
        assert f"{path}:{_line_of(text, line_of)}:" in message


@pytest.mark.parametrize("name", ["not YAML", "unknown key", "no vehicles"])
def test_cli_exits_2_without_traceback_and_runs_nothing(tmp_path, name, natsim):
    path = tmp_path / "plan.yaml"
    path.write_text(CASES[name][0])
    for command in (["validate", str(path)], ["run", str(path), "--out", str(tmp_path / "out")]):
        proc = natsim(*command, cwd=tmp_path)
        assert proc.returncode == 2
        assert "Traceback" not in proc.stderr + proc.stdout
        assert CASES[name][1] in proc.stderr
    assert not (tmp_path / "out").exists() and not (tmp_path / "results").exists()


def test_unsafe_yaml_tags_are_refused(tmp_path):
    path = tmp_path / "evil.yaml"
    path.write_text("name: !!python/object/apply:os.system ['echo hacked']\n")
    with pytest.raises(ScenarioError, match="not valid YAML"):
        load_scenario(path)


def test_alias_bomb_is_refused(tmp_path):
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [
        f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}]"
        for i in range(1, 9)
    ]
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(ScenarioError, match="refusing to read it"):
        load_scenario(path)


def test_missing_file_and_binary_garbage(tmp_path):
    with pytest.raises(ScenarioError, match="cannot read"):
        load_scenario(tmp_path / "nope.yaml")
    junk = tmp_path / "junk.yaml"
    junk.write_bytes(bytes(range(256)))
    with pytest.raises(ScenarioError):
        load_scenario(junk)


def test_points_from_csv_file(tmp_path):
    (tmp_path / "points.csv").write_text(
        textwrap.dedent("""\
        name,residents,tables,lab,travel_time
        school,1200,2,district,20m
        market,800,1,district,"{dist: uniform, low: 10m, high: 20m}"
        """)
    )
    text = _edit("  - name: riverside", "  - file: points.csv\n  - name: riverside")
    path = tmp_path / "plan.yaml"
    path.write_text(text)
    from sim.scenario.build import build_round

    rnd = build_round(load_scenario(path))
    names = [g.point_name(0) for g in rnd.groups]
    assert "school" in names and "market" in names
    assert rnd.residents == 8 * 2500 + 1200 + 800 + 4 * 2500


def test_points_csv_errors_name_the_csv_row(tmp_path):
    (tmp_path / "points.csv").write_text("name,residents,tables,lab,travel_time\nschool,1200,0,district,20m\n")
    path = tmp_path / "plan.yaml"
    path.write_text(_edit("  - name: riverside", "  - file: points.csv\n  - name: riverside"))
    with pytest.raises(ScenarioError, match=r"points\.csv:2: tables"):
        load_scenario(path)


def test_a_window_in_the_wrong_order_is_said_with_its_other_problems(tmp_path):
    """A lab_surge (any window) with a bad field and 'to' before 'from': both at once, not the order only
    once the field is mended."""
    from sim.scenario.load import ScenarioError, load_scenario

    base = (Path(__file__).resolve().parents[2] / "scenarios" / "quickstart.yaml").read_text(encoding="utf-8")
    events = "events:\n  - {kind: lab_surge, lab: district, from: 3h, to: 2h, extractors: -1, pcr_machines: x}\n"
    (tmp_path / "s.yaml").write_text(base + events, encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        load_scenario(tmp_path / "s.yaml")
    messages = [f"{'.'.join(map(str, p.path))}: {p.message}" for p in err.value.problems]
    assert len(messages) == 3 and "events.0: 'to' must be later than 'from'" in messages
    assert any(m.startswith("events.0.extractors:") for m in messages) and any(
        m.startswith("events.0.pcr_machines:") for m in messages
    )

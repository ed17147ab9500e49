"""Hostile input: whatever the file holds, a clear ScenarioError (exit 2 on the command line), never a
traceback, a hang or a crash, and never a results folder. Fuzzed with hypothesis from valid scenarios."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.scenario import spec
from sim.scenario.build import build_round
from sim.scenario.load import MAX_FILE_BYTES, ScenarioError, load_scenario, parse_scenario

ROOT = Path(__file__).resolve().parents[2]

VALID = yaml.safe_load((ROOT / "scenarios" / "quickstart.yaml").read_text())
FUZZ = settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])

junk_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**30), 10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.lists(st.integers(), max_size=4),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
    st.sampled_from(["-1h", "0s", "1e9h", "99999d", "nan", "30", "1h1h", "{dist: gamma}", "", "∞"]),
)


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, (*prefix, i))


PATHS = [p for p in _paths(VALID) if p]


def _set(data, path, value):
    node = data
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value


def _delete(data, path):
    node = data
    for part in path[:-1]:
        node = node[part]
    del node[path[-1]]


def _load(text: str) -> None:
    """Loading either works (and then the round is buildable and within limits) or says why."""
    try:
        rnd = build_round(parse_scenario(text, file="fuzz.yaml", base=ROOT / "scenarios"))
    except ScenarioError as exc:
        assert str(exc).startswith("fuzz.yaml") or "points" in str(exc)
        return
    assert 0 < rnd.residents <= spec.LIMITS["residents"]
    assert rnd.deadline <= 30 * 86400


@FUZZ
@given(
    st.lists(
        st.tuples(st.sampled_from(["set", "delete", "add"]), st.sampled_from(PATHS), junk_values),
        min_size=1,
        max_size=4,
    )
)
def test_mutated_scenarios_fail_cleanly(mutations):
    data = copy.deepcopy(VALID)
    for op, path, value in mutations:
        try:
            if op == "set":
                _set(data, path, value)
            elif op == "delete":
                _delete(data, path)
            else:
                _set(data, (*path[:-1], "tabels" if isinstance(path[-1], str) else 0), value)
        except (KeyError, IndexError, TypeError):
            continue  # the path no longer exists after an earlier mutation
    _load(yaml.safe_dump(data, allow_unicode=True))


@FUZZ
@given(st.binary(max_size=2000))
def test_binary_garbage_fails_cleanly(tmp_path_factory, blob):
    path = tmp_path_factory.mktemp("g") / "garbage.yaml"
    path.write_bytes(blob)
    with pytest.raises(ScenarioError):
        load_scenario(path)


@FUZZ
@given(st.text(max_size=400))
def test_random_text_fails_cleanly(text):
    with pytest.raises(ScenarioError):
        parse_scenario(text, file="fuzz.yaml")


@FUZZ
@given(st.integers(0, len((ROOT / "scenarios" / "quickstart.yaml").read_text())))
def test_truncated_files_fail_cleanly_or_load(cut):
    _load((ROOT / "scenarios" / "quickstart.yaml").read_text()[:cut])


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("deep nesting", "name: " + "[" * 20000 + "]" * 20000, "nested too deeply"),
        (
            "alias bomb",
            "a: &a [x,x,x,x,x,x,x,x,x,x]\n"
            + "".join(
                f"{c}: &{c} [*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p}]\n"
                for p, c in zip("abcdefgh", "bcdefghi", strict=True)
            ),
            "refusing",
        ),
        (
            "huge count",
            (ROOT / "scenarios" / "quickstart.yaml").read_text().replace("count: 8", "count: 8_000_000_000"),
            "limit",
        ),
        (
            "too many residents",
            (ROOT / "scenarios" / "quickstart.yaml").read_text().replace("residents: 2500", "residents: 20_000_000", 1),
            "limit",
        ),
        (
            "long duration",
            (ROOT / "scenarios" / "quickstart.yaml").read_text().replace("deadline: 12h", "deadline: 400d"),
            "30 days",
        ),
        (
            "nan",
            (ROOT / "scenarios" / "quickstart.yaml").read_text().replace("turnout: 0.95", "turnout: .nan"),
            "turnout",
        ),
        ("python tag", "name: !!python/object/apply:os.system [ls]\n", "not valid YAML"),
    ],
)
def test_named_attacks_are_refused_with_exit_2(tmp_path, name, text, message, natsim):
    path = tmp_path / "attack.yaml"
    path.write_text(text)
    proc = natsim("run", str(path), cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert message in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "results").exists()


def test_enormous_file_is_refused_before_reading(tmp_path, natsim):
    path = tmp_path / "big.yaml"
    with path.open("w") as f:
        f.write("name: big\n# " + "x" * (MAX_FILE_BYTES + 10) + "\n")
    proc = natsim("validate", str(path), cwd=tmp_path)
    assert proc.returncode == 2 and "limited to" in proc.stderr and "Traceback" not in proc.stderr

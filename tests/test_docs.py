"""Documentation examples run: the annotated scenario in docs/scenario.md is valid and complete."""

from __future__ import annotations

import re

import yaml
from conftest import ROOT

from sim import spec
from sim.model import build_round
from sim.runner import run
from sim.scenario import parse_scenario

DOC = (ROOT / "docs" / "scenario.md").read_text()


def _complete_example() -> str:
    m = re.search(r"<!-- example: complete -->\n```yaml\n(.*?)```", DOC, re.S)
    assert m, "docs/scenario.md lost its complete example"
    return m.group(1)


def test_complete_example_is_valid_and_runs():
    loaded = parse_scenario(_complete_example(), file="docs/scenario.md", base=ROOT / "docs")
    rnd = build_round(loaded)
    assert rnd.n_points == 484 and rnd.shifts.stagger
    small = rnd.with_(groups=(rnd.groups[0].__class__(**{**rnd.groups[0].__dict__, "count": 5}), *rnd.groups[1:]))
    s = run(small, 1).summary()
    assert s["metrics"]["residents_arrived"]["mean"] > 0


SECTIONS = [m for m in vars(spec).values() if isinstance(m, type) and issubclass(m, spec.Strict) and m is not spec.DistSpec]


def _keys(model, prefix=""):
    """Every key path of the format (list items share their list's path)."""
    for name, field in model.model_fields.items():
        name = field.alias or name  # `from` is spelled from_ in Python
        yield prefix + name
        for sub in SECTIONS:
            if re.search(rf"\b{sub.__name__}\b", str(field.annotation)):
                yield from _keys(sub, prefix + name + ".")


def test_complete_example_shows_every_key_of_the_format():
    data = yaml.safe_load(_complete_example())
    seen = set()

    def walk(node, prefix):
        if isinstance(node, dict):
            for k, v in node.items():
                seen.add(prefix + k)
                walk(v, prefix + k + ".")
        elif isinstance(node, list):
            for v in node:
                walk(v, prefix)

    walk(data, "")
    expected = {k for k in _keys(spec.Scenario) if not k.startswith("transport.vehicles.")}
    assert expected - seen == set()

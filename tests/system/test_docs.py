"""Documentation examples run: the annotated scenario in docs/scenario.md is valid and complete."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from sim.run.runner import run
from sim.scenario import spec
from sim.scenario.build import build_round
from sim.scenario.load import parse_scenario

ROOT = Path(__file__).resolve().parents[2]

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


SECTIONS = [
    m for m in vars(spec).values() if isinstance(m, type) and issubclass(m, spec.Strict) and m is not spec.DistSpec
]


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
    expected = {
        k for k in _keys(spec.Scenario) if not k.startswith(("transport.vehicles.", "places", "transport.routes"))
    }
    assert expected - seen == set()  # places keys: docs/places.md's complete example; routes: docs/routes.md's


def test_the_routes_docs_show_every_routes_key():
    doc = (ROOT / "docs" / "routes.md").read_text(encoding="utf-8")
    seen = set()
    for block in re.findall(r"```yaml\n(.*?)```", doc, re.S):
        routes = yaml.safe_load(block)["transport"]["routes"]
        seen |= {f"transport.routes.{k}" for k in routes} | {
            f"transport.routes.auto.{k}" for k in routes.get("auto", {})
        }
    assert {k for k in _keys(spec.Scenario) if k.startswith("transport.routes.")} - seen == set()


def test_the_places_example_shows_every_places_key():
    doc = (ROOT / "docs" / "places.md").read_text(encoding="utf-8")
    m = re.search(r"<!-- example: places -->\n```yaml\n(.*?)```", doc, re.S)
    assert m, "docs/places.md lost its complete example"
    data = yaml.safe_load(m.group(1))
    seen = set()

    def walk(node, prefix, names=False):
        if isinstance(node, dict):
            for k, v in node.items():
                if names:  # the planner's names (of groups, of labs), not keys
                    walk(v, prefix)
                    continue
                seen.add(prefix + k)
                walk(v, prefix + k + ".", names=prefix + k in ("places.groups", "places.labs"))
        elif isinstance(node, list):
            for v in node:
                walk(v, prefix)

    walk(data, "")
    expected = {k for k in _keys(spec.Scenario) if k.startswith("places")}
    assert expected - seen == set()


def _yaml_blocks() -> list[tuple[str, int, str]]:
    out = []
    for doc in sorted([*(ROOT / "docs").rglob("*.md"), ROOT / "README.md"]):
        text = doc.read_text(encoding="utf-8")
        for m in re.finditer(r"```yaml\n(.*?)```", text, re.S):
            out.append((str(doc.relative_to(ROOT)), text[: m.start()].count("\n") + 2, m.group(1)))
    return out


@pytest.mark.parametrize(("doc", "line", "block"), _yaml_blocks(), ids=lambda v: str(v)[:30])
def test_every_yaml_block_in_the_docs_runs(doc, line, block):
    """A whole scenario is loaded as it stands; a fragment (events:, campaign:, ...) is put into the
    quickstart, whose names the docs' fragments use. Either way it runs one replication."""
    data = yaml.safe_load(block)
    if "name" not in data:
        base = yaml.safe_load((ROOT / "scenarios" / "quickstart.yaml").read_text(encoding="utf-8"))
        block = yaml.safe_dump({**base, **data}, sort_keys=False, allow_unicode=True)
    rnd = build_round(parse_scenario(block, file=f"{doc}:{line}", base=ROOT / "docs"))
    if rnd.n_points > 50:  # the complete example: a few of its points are enough to run
        rnd = rnd.with_(groups=tuple(replace(g, count=min(g.count, 3)) for g in rnd.groups), events=(), blocked=())
    summary = run(rnd, 1).summary()
    assert summary["metrics"]["residents_arrived"]["mean"] > 0


def test_the_forecast_example_prints_what_the_docs_show(natsim, tmp_path):
    doc = (ROOT / "docs" / "forecast.md").read_text()
    m = re.search(r"<!-- example: forecast -->\n```\n(.*?)```\n\nprinted[^\n]*\n\n```\n(.*?)```", doc, re.S)
    assert m, "docs/forecast.md lost its example"
    command, shown = m.group(1).replace("\\\n", " ").split(), m.group(2)
    r = natsim(
        "run", "scenarios/quickstart.yaml", "-r", "1", "--trace", "--no-plots", "--out", str(tmp_path / "run"), cwd=ROOT
    )
    assert r.returncode == 0, r.stderr
    args = [str(tmp_path / "run" / "trace") if a.endswith("/trace") else a for a in command[1:]]
    r = natsim(*args, "--out", str(tmp_path / "f"), cwd=ROOT)
    assert r.returncode == 0, r.stderr
    printed = r.stdout.split("\n", 1)[1]  # after the folder's line
    assert printed.strip() == shown.strip()

"""Golden results: the quickstart's and the campaign example's summary.json, seeded, so a change that
moves any figure fails here and must update the files on purpose:

    NATSIM_UPDATE_GOLDEN=1 .venv/bin/pytest tests/system/test_golden.py

The README's sample verdict is checked against a fresh run of the quickstart the same way."""

from __future__ import annotations

import json
import math
import os
import re
from pathlib import Path

import pytest

from sim.report.words import verdict
from sim.run.runner import run
from sim.scenario.build import build_round
from sim.scenario.load import load_scenario

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).parent / "golden"
CASES = {"quickstart": "quickstart.yaml", "campaign": "county-campaign-8-rounds.yaml"}


@pytest.fixture(scope="module")
def summaries():
    out = {}
    for name, file in CASES.items():
        rnd = build_round(load_scenario(ROOT / "scenarios" / file))
        out[name] = json.loads(json.dumps(run(rnd, rnd.replications).summary()))  # as written to summary.json
    return out


def _differences(got, want, path="") -> list[str]:
    """Where two summaries differ; numbers within 1e-9 relative (the last bits of a sum may differ
    between processors), everything else exactly."""
    if isinstance(want, dict) and isinstance(got, dict):
        keys = set(want) | set(got)
        return [d for k in sorted(keys) for d in _differences(got.get(k), want.get(k), f"{path}.{k}")]
    if isinstance(want, list) and isinstance(got, list) and len(want) == len(got):
        return [d for i, (g, w) in enumerate(zip(got, want, strict=True)) for d in _differences(g, w, f"{path}[{i}]")]
    if isinstance(want, float) and isinstance(got, int | float) and not isinstance(got, bool):
        return [] if math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-12) else [f"{path}: {got!r} != {want!r}"]
    return [] if got == want else [f"{path}: {got!r} != {want!r}"]


@pytest.mark.parametrize("name", sorted(CASES))
def test_summary_is_the_golden_one(summaries, name):
    path = GOLDEN / f"{name}-summary.json"
    got = summaries[name]
    if os.environ.get("NATSIM_UPDATE_GOLDEN"):
        path.write_text(json.dumps(got, indent=2) + "\n", encoding="utf-8")
    want = json.loads(path.read_text(encoding="utf-8"))
    diffs = _differences(got, want)
    assert not diffs, f"{name}: {len(diffs)} figures moved (update the golden file on purpose):\n" + "\n".join(
        diffs[:20]
    )


def test_the_readme_verdict_is_what_the_quickstart_prints(summaries):
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"The run prints where its results went and a verdict, for example:\n\n```\n(.*?)```", text, re.S)
    assert block, "README lost its sample verdict"
    shown = block.group(1).splitlines()
    assert shown[0].startswith("Results: results/quickstart/")
    printed = verdict(summaries["quickstart"])
    for line, out in zip(shown[1:], printed, strict=False):
        assert out.startswith(line.removesuffix(" ...")), f"README says\n  {line}\nthe quickstart prints\n  {out}"
    assert len(shown) - 1 <= len(printed)

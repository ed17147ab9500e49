"""Call slots: who arrives when, and `natsim slots` cutting the queue at equal tables."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import numpy as np
import pytest
from scipy import stats
from typer.testing import CliRunner

from sim.cli.app import app
from sim.core import distributions as d
from sim.core import streams
from sim.plan import slots
from sim.scenario.build import build_round, round_from_text
from sim.scenario.load import ScenarioError, load_scenario, parse_scenario
from sim.scenario.round import CallSlots, Profile

ROOT = Path(__file__).resolve().parents[2]

QUICKSTART = ROOT / "scenarios" / "quickstart.yaml"
FREE = Profile(np.array([0.0, 3600.0 * 10]), np.array([1.0, 0.0]))


def test_called_residents_arrive_in_their_slot_and_ignorers_after_it():
    h = 3600.0
    free = Profile(np.array([20 * h, 30 * h]), np.array([1.0, 0.0]))
    # Windows far apart, so each kind of resident has its own stretch of the day.
    calls = CallSlots((0.3, 0.5), (0.0, 5 * h), (h, 6 * h), d.Uniform(0.0, 600.0), 0.2, d.Uniform(2 * h, 3 * h))
    n = 40_000
    t = calls.sample(np.random.default_rng(1), n, free)
    edges = [(0, h + 600), (3 * h, 4 * h), (5 * h, 6 * h + 600), (8 * h, 9 * h), (20 * h, 30 * h)]
    observed = np.array([np.sum((t >= lo) & (t <= hi)) for lo, hi in edges])
    assert observed.sum() == n  # nobody outside their stretch
    expected = n * np.array([0.3 * 0.8, 0.3 * 0.2, 0.5 * 0.8, 0.5 * 0.2, 0.2])
    assert stats.chisquare(observed, expected).pvalue > 1e-4


def test_slot_shares_are_multinomial():
    calls = CallSlots((0.25, 0.25, 0.5), (0.0, 3600.0, 7200.0), (3600.0, 7200.0, 10800.0), d.Fixed(0.0), 0.0)
    t = calls.sample(np.random.default_rng(5), 40_000, FREE)
    observed = np.histogram(t, bins=[0, 3600, 7200, 10800])[0]
    assert stats.chisquare(observed, 40_000 * np.array([0.25, 0.25, 0.5])).pvalue > 1e-4
    assert t.max() <= 10800.0  # spread fixed at zero, nobody ignores: all inside their windows


def test_buildings_become_shares_and_cannot_exceed_the_point():
    base = (QUICKSTART.read_text()).replace(
        "    tables: 3\n    lab: district\n    travel_time: {dist: triangular, low: 10m, mode: 15m, high: 30m}",
        "    tables: 3\n    lab: district\n    travel_time: {dist: triangular, low: 10m, mode: 15m, high: 30m}\n"
        "    call_slots:\n      slots:\n        - from: 0h\n          to: 2h\n          buildings:\n"
        "            - {name: block 1, residents: 1000}\n            - {name: block 2, residents: REST}\n",
    )
    rnd = build_round(parse_scenario(base.replace("REST", "500"), file="<test>"))
    assert rnd.groups[0].calls.shares == (pytest.approx(0.6),)
    with pytest.raises(ScenarioError) as err:
        parse_scenario(base.replace("REST", "2000"), file="town.yaml")
    assert "town.yaml:" in str(err.value) and "call_slots" in str(err.value) and "120%" in str(err.value)


def test_a_slot_needs_a_share_or_buildings():
    with pytest.raises(ScenarioError, match="either a share"):
        round_from_text(
            textwrap.dedent(
                QUICKSTART.read_text().replace(
                    "    tables: 3\n    lab: district\n",
                    "    tables: 3\n    lab: district\n    call_slots: {slots: [{from: 0h, to: 1h}]}\n",
                    1,
                )
            )
        )


@pytest.fixture(scope="module")
def proposal():
    rnd = build_round(load_scenario(QUICKSTART))
    return rnd, slots.propose(rnd, 30 * 60, reps=3)


def test_slots_cut_the_p95_wait_at_equal_tables(proposal):
    rnd, result = proposal
    for g, group in zip(result.summary["groups"], rnd.groups, strict=True):
        assert g["feasible"] and g["tables_per_point"] == group.tables
        with_, without = g["with_slots"]["worst_point_p95_wait_min"], g["without"]["worst_point_p95_wait_min"]
        assert max(with_) <= 30.0  # on replications the search did not use
        assert max(with_) < min(without) - 20  # the free crowd waits over 75 min at its worst point
        assert sum(s["share"] for s in g["slots"]) == pytest.approx(1.0)
        # A quarter hour shorter breaks the target, on the search's replications or on the fresh ones.
        shorter = slots.schedule(rnd, g["calling_span_h"] * 3600 - slots.STEP, 3600.0, slots.Behaviour())
        gi = rnd.groups.index(group)
        worst = [
            max(slots.group_crowds(rnd, gi, shorter, streams.replications(purpose, 3)).worst_p95_min)
            for purpose in ("run", "slots check")
        ]
        assert max(worst) > 30.0


def test_cli_writes_a_runnable_schedule(tmp_path):
    r = CliRunner().invoke(
        app, ["slots", str(QUICKSTART), "--max-wait", "30m", "-r", "2", "--out", str(tmp_path / "s")]
    )
    assert r.exit_code == 0, r.output
    plan = load_scenario(tmp_path / "s" / "slots.yaml")
    sizes = json.loads((tmp_path / "s" / "slots.json").read_text())
    called = plan.spec.points[0].call_slots
    assert called is not None and len(called.slots) == len(sizes["groups"][0]["slots"])
    assert plan.spec.points[0].tables == 3  # same tables
    assert (tmp_path / "s" / "slots.png").stat().st_size > 10_000
    page = (tmp_path / "s" / "report.html").read_text(encoding="utf-8")
    assert "p95 wait (worst point)" in page and "data:image/png;base64," in page
    bad = CliRunner().invoke(app, ["slots", str(QUICKSTART), "--max-wait", "soon", "--out", str(tmp_path / "t")])
    assert bad.exit_code == 2 and "--max-wait" in bad.output

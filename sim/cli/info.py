"""`natsim validate` and `natsim schema`: check a scenario without running it, and the format for editors."""

from __future__ import annotations

import json

import typer

from sim.cli.common import ScenarioArg, load
from sim.core.i18n import _


def validate(scenario: ScenarioArg) -> None:
    """Check a scenario file without running it, and describe the round it plans."""
    from sim.report.words import describe_round

    _loaded, rnd = load(scenario)
    typer.echo(_("{file}: valid scenario (format v1).").format(file=scenario))
    typer.echo(describe_round(rnd))


def schema() -> None:
    """Print the JSON Schema of the scenario format, for editors that check and complete YAML files."""
    from sim.scenario.spec import Scenario

    s = Scenario.model_json_schema()
    s["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    typer.echo(json.dumps(s, indent=2))

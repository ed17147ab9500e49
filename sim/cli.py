"""The `natsim` command: thin wrappers over sim.scenario, sim.results and sim.report."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from sim import __version__

app = typer.Typer(
    name="natsim",
    help="Plan a citywide mass nucleic-acid (PCR) testing round: simulate residents queuing at sampling "
    "points, pooled tubes collected by vehicles, plates run in labs and positive pools recalled, and see "
    "whether every result is reported before the deadline, and where the plan breaks.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

ScenarioArg = Annotated[Path, typer.Argument(help="Scenario file (YAML, format v1; see docs/scenario.md).", show_default=False)]


def _fail(message: str) -> None:
    typer.echo(message, err=True)
    raise typer.Exit(2)


def _load(path: Path):
    from sim.model import build_round
    from sim.scenario import ScenarioError, load_scenario

    try:
        loaded = load_scenario(path)
    except ScenarioError as exc:
        n = len(exc.problems)
        _fail(f"{exc}\n{n} problem{'s' if n > 1 else ''} in {path}; nothing was run.")
    return loaded, build_round(loaded)


@app.command()
def run(
    scenario: ScenarioArg,
    out: Annotated[
        Optional[Path],
        typer.Option("--out", help="Results folder (must not exist or be empty). Default: results/<scenario>/<UTC time>/."),
    ] = None,
    replications: Annotated[
        Optional[int], typer.Option("--replications", "-r", min=1, help="Independent replications (default: the scenario's).")
    ] = None,
    seed: Annotated[Optional[int], typer.Option("--seed", min=0, help="Random seed (default: the scenario's).")] = None,
    plots: Annotated[bool, typer.Option(help="Draw the PNG plots.")] = True,
) -> None:
    """Simulate a round and write a results folder: summary.json, points.csv, timeline.csv and plots."""
    from sim.report import verdict
    from sim.results import ResultsFolderError, check_results_dir, default_results_dir, run_round, write_results

    loaded, rnd = _load(scenario)
    if seed is not None:
        rnd = rnd.with_(seed=seed)
    target = out or default_results_dir(scenario)
    try:
        check_results_dir(target)
    except ResultsFolderError as exc:
        _fail(str(exc))
    n = replications or rnd.replications
    typer.echo(f"Simulating {rnd.name}: {rnd.residents:,} residents at {rnd.n_points:,} points, {n} replication(s)...", err=True)
    result = run_round(rnd, n, progress=_progress(n))
    folder = write_results(result, target, loaded.text, plot=plots)
    typer.echo(f"Results: {folder}")
    for line in verdict(result.summary()):
        typer.echo(line)


def _progress(n: int):
    if n < 2 or not sys.stderr.isatty():
        return None
    return lambda k: typer.echo(f"  replication {k}/{n} done", err=True)


@app.command()
def validate(scenario: ScenarioArg) -> None:
    """Check a scenario file without running it, and describe the round it plans."""
    from sim.report import describe_round

    _, rnd = _load(scenario)
    typer.echo(f"{scenario}: valid scenario (format v1).")
    typer.echo(describe_round(rnd))


@app.command()
def schema() -> None:
    """Print the JSON Schema of the scenario format, for editors that check and complete YAML files."""
    from sim.spec import Scenario

    s = Scenario.model_json_schema()
    s["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    typer.echo(json.dumps(s, indent=2))


def _version(value: bool) -> None:
    if value:
        typer.echo(f"natsim {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    pass

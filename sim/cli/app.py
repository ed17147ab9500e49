"""The `natsim` command: one module per command group, each a thin wrapper over the layers below."""

from __future__ import annotations

from typing import Annotated

import typer

from sim import __version__
from sim.cli.compare import compare, sweep
from sim.cli.drill import drill_app
from sim.cli.info import schema, validate
from sim.cli.places import places_app
from sim.cli.plan import size, slots
from sim.cli.run import run
from sim.cli.site import site

app = typer.Typer(
    name="natsim",
    help="Plan a citywide mass nucleic-acid (PCR) testing round: simulate residents queuing at sampling "
    "points, pooled tubes collected by vehicles, plates run in labs and positive pools recalled, and see "
    "whether every result is reported before the deadline, and where the plan breaks.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
for command in (run, compare, sweep, size, slots, site):
    app.command()(command)
app.add_typer(drill_app, name="drill")
app.add_typer(places_app, name="places")
app.command()(validate)
app.command()(schema)


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

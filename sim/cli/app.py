"""The `natsim` command: one module per command group, each a thin wrapper over the layers below."""

from __future__ import annotations

import sys
from typing import Annotated, Optional

import typer

from sim import __version__
from sim.cli.compare import compare, sweep
from sim.cli.drill import drill_app
from sim.cli.forecast import forecast
from sim.cli.info import schema, validate
from sim.cli.places import places_app
from sim.cli.plan import size, slots
from sim.cli.report import report
from sim.cli.run import run
from sim.cli.site import site
from sim.cli.watch import watch

app = typer.Typer(
    name="natsim",
    help="Plan a citywide mass nucleic-acid (PCR) testing round: simulate residents queuing at sampling "
    "points, pooled tubes collected by vehicles, plates run in labs and positive pools recalled, and see "
    "whether every result is reported before the deadline, and where the plan breaks.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
for command in (run, compare, sweep, size, slots, site, forecast, report):
    app.command()(command)
app.add_typer(drill_app, name="drill")
app.add_typer(places_app, name="places")
app.command()(validate)
app.command()(schema)
app.command()(watch)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"natsim {__version__}")
        raise typer.Exit()


def _language(value: str | None) -> str | None:
    from sim.core.i18n import language_warning, set_language

    set_language(value)  # None: NATSIM_LANG, else the locale
    if warning := language_warning():
        typer.echo(warning, err=True)
    return value


@app.callback()
def natsim(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
    lang: Annotated[
        Optional[str],
        typer.Option(
            "--lang", callback=_language, is_eager=True, help="en or zh (default: NATSIM_LANG, else the locale)."
        ),
    ] = None,
) -> None:
    pass


def main(argv: list[str] | None = None) -> None:
    """The `natsim` command. `--lang X` may stand anywhere before `--`: it is moved to the front, where
    the language is set before any command speaks."""
    args = list(sys.argv[1:] if argv is None else argv)
    end = args.index("--") if "--" in args else len(args)
    for i, a in enumerate(args[:end]):
        if a == "--lang" and i + 1 < end:
            args = [a, args[i + 1], *args[:i], *args[i + 2 :]]
            break
        if a.startswith("--lang="):
            args = [a, *args[:i], *args[i + 1 :]]
            break
    from sim.core.versions import unsupported

    if problems := unsupported():
        for problem in problems:
            typer.echo(problem.message(), err=True)
        raise SystemExit(2)
    app(args=args, prog_name="natsim")

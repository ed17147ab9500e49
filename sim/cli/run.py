"""`natsim run`: simulate a round and write its results folder."""

from __future__ import annotations

import signal
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Optional

import typer

from sim.cli.common import (
    DaskOpt,
    JobsOpt,
    RepsOpt,
    ScenarioArg,
    SeedOpt,
    checked,
    load,
    progress_bar,
    results_dir,
    share,
)
from sim.core.i18n import _


class Engine(StrEnum):
    compiled = "compiled"
    reference = "reference"


EngineOpt = Annotated[
    Engine,
    typer.Option(
        "--engine",
        help="Logistics engine: compiled (fast), or reference (the readable SimPy model, slower; same results).",
    ),
]


def run(
    scenario: ScenarioArg,
    out: Annotated[
        Optional[Path],
        typer.Option(
            "--out", help="Results folder (must not exist or be empty). Default: results/<scenario>/<UTC time>/."
        ),
    ] = None,
    replications: RepsOpt = None,
    seed: SeedOpt = None,
    jobs: JobsOpt = 1,
    dask: DaskOpt = None,
    precision: Annotated[
        Optional[str],
        typer.Option(
            "--precision",
            help="Add replications until the 95% interval of the last result time is within this share of its mean, "
            "e.g. 5%.",
        ),
    ] = None,
    max_replications: Annotated[
        int, typer.Option("--max-replications", min=2, max=10_000, help="Cap for --precision.")
    ] = 100,
    plots: Annotated[bool, typer.Option(help="Draw the PNG plots.")] = True,
    trace: Annotated[
        bool,
        typer.Option(
            "--trace", help="Also write replication 1 in the drill log format (trace/swabs.csv, trace/tubes.csv)."
        ),
    ] = False,
    engine: EngineOpt = Engine.compiled,
) -> None:
    """Simulate a round and write a results folder: summary.json, points.csv, timeline.csv and plots."""
    from sim.engine.compiled import choose_engine
    from sim.report.words import verdict
    from sim.report.write import write_results
    from sim.run import runner

    choose_engine(engine.value)

    loaded, rnd = load(scenario)
    if seed is not None:
        rnd = rnd.with_(seed=seed)
    target = results_dir(scenario, out)
    n = replications or rnd.replications
    typer.echo(
        _("Simulating {name}: {residents:,} residents at {points:,} points...").format(
            name=rnd.name, residents=rnd.residents, points=rnd.n_points
        ),
        err=True,
    )
    rel = share(precision, "--precision") if precision else None
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        result = _simulate(rnd, n, rel, max_replications, jobs, dask)
    except runner.Interrupted as stop:
        _keep_incomplete(stop, rnd, target, loaded.text, n)
    folder = write_results(result, target, loaded.text, plot=plots)
    if trace:
        from sim.engine.replication import run_replication
        from sim.feeds.log import write_trace

        labs = [lab.name for lab in rnd.labs]
        write_trace(run_replication(rnd, 0, trace=True).trace, folder / "trace", loaded.spec.start, labs)
    typer.echo(_("Results: {folder}").format(folder=folder))
    for line in verdict(result.summary()):
        typer.echo(line)


def _simulate(rnd, n: int, rel: float | None, most: int, jobs: int, dask: str | None):
    from sim.run import runner

    if not rel:
        with progress_bar(n, "replications") as progress:
            return checked(runner.run, rnd, n, jobs=jobs, dask=dask, progress=progress)
    with progress_bar(most, "replications (up to)") as progress:
        result = checked(runner.run_to_precision, rnd, rel, n, most, jobs=jobs, dask=dask, progress=progress)
    typer.echo(
        _("{n} replications for +-{rel:.1%} precision on the last result time.").format(n=len(result.reps), rel=rel),
        err=True,
    )
    return result


def _interrupt(signum, frame) -> None:
    """SIGTERM: stop after the replication under way, keeping what finished (as Ctrl-C does, but never
    in the middle of compiled code)."""
    from sim.run.runner import STOP

    STOP.set()


def _keep_incomplete(stop, rnd, target: Path, text: str, wanted: int) -> None:
    """Keep what finished in a folder that says it is incomplete, say so, exit 130."""
    from sim.engine.timeline import Grid
    from sim.report.summary import RunResult
    from sim.report.write import write_results

    k = len(stop.finished)
    if k:
        kept = write_results(
            RunResult(rnd, Grid.for_round(rnd), stop.finished),
            target.with_name(target.name + ".incomplete"),
            text,
            plot=False,
        )
        typer.echo(
            _(
                "Interrupted after {k} of {wanted} replications: they are kept in {kept} "
                "(an incomplete run; no complete results folder was made)."
            ).format(k=k, wanted=wanted, kept=kept),
            err=True,
        )
    else:
        typer.echo(_("Interrupted before any replication finished: nothing was written."), err=True)
    raise typer.Exit(130)

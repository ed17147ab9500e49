"""`natsim compare` and `natsim sweep`: plans side by side, and a grid of variations of one plan."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from sim.cli.common import DaskOpt, JobsOpt, RepsOpt, ScenarioArg, SeedOpt, checked, fail, load, progress_bar
from sim.core.i18n import _


def compare(
    runs: Annotated[
        list[Path],
        typer.Argument(help="Two or more scenario files (run now) or finished results folders.", show_default=False),
    ],
    out: Annotated[
        Optional[Path], typer.Option("--out", help="Comparison folder. Default: results/compare/<UTC time>/.")
    ] = None,
    replications: RepsOpt = None,
    seed: SeedOpt = None,
    jobs: JobsOpt = 1,
    dask: DaskOpt = None,
) -> None:
    """Compare plans side by side: key figures with intervals, differences to the first plan, overlay plots.

    Scenario files are run with common random numbers (the same seed: the first scenario's, or --seed),
    so the differences are paired replication by replication.
    """
    from sim.report.finished import RunData
    from sim.report.folder import check_results_dir, default_results_dir
    from sim.run import runner
    from sim.run.compare import comparison_rows, format_table, unique_labels, write_comparison

    if len(runs) < 2:
        fail(_("compare needs at least two scenarios or results folders"))
    if all(p.is_dir() for p in runs):
        data = [checked(RunData.from_folder, p) for p in runs]
        fallbacks = [p.name for p in runs]
    elif not any(p.is_dir() for p in runs):
        rounds = [load(p)[1] for p in runs]
        common_seed = rounds[0].seed if seed is None else seed
        n = replications or rounds[0].replications
        checked(check_results_dir, out or default_results_dir(Path("compare")))
        data = []
        for rnd in rounds:
            with progress_bar(n, rnd.name) as progress:
                result = checked(runner.run, rnd.with_(seed=common_seed), n, jobs=jobs, dask=dask, progress=progress)
            data.append(RunData.from_result(result))
        fallbacks = [p.stem for p in runs]
    else:
        fail(_("compare takes either scenario files or results folders, not a mix"))
    for d, label in zip(data, unique_labels([d.label for d in data], fallbacks), strict=True):
        d.label = label
    folder = checked(write_comparison, data, out or default_results_dir(Path("compare")))
    typer.echo(_("Comparison: {folder}").format(folder=folder))
    typer.echo(format_table(data, comparison_rows(data)))


def sweep(
    scenario: ScenarioArg,
    set_: Annotated[
        list[str],
        typer.Option(
            "--set", help="KEY=V1,V2,... a scenario key and the values to try; repeat for a grid.", show_default=False
        ),
    ],
    out: Annotated[
        Optional[Path], typer.Option("--out", help="Sweep folder. Default: results/<scenario>/sweep-<UTC time>/.")
    ] = None,
    replications: RepsOpt = None,
    seed: SeedOpt = None,
    jobs: JobsOpt = 1,
    dask: DaskOpt = None,
    resume: Annotated[
        bool, typer.Option("--resume", help="Finish an interrupted sweep in --out, skipping finished cells.")
    ] = False,
    figure: Annotated[
        str, typer.Option("--figure", help="Figure to plot against the first swept key.")
    ] = "results_complete_h",
) -> None:
    """Run a grid of variations of one scenario: one sub-folder per cell, sweep.csv and a plot."""
    from sim.report.folder import default_results_dir
    from sim.run import runner
    from sim.run.sweep import SWEEP_FIGURES, parse_setting, run_sweep
    from sim.scenario.load import ScenarioError

    loaded, rnd = load(scenario)
    if figure not in SWEEP_FIGURES:
        fail(_("--figure {figure}: choose one of {choices}").format(figure=figure, choices=", ".join(SWEEP_FIGURES)))
    if resume and out is None:
        fail(_("--resume needs the --out folder of the sweep to finish"))
    settings = [checked(parse_setting, s) for s in set_]
    target = out or default_results_dir(scenario).with_name("sweep-" + default_results_dir(scenario).name)

    def run_cell(cell_round):
        cell_round = cell_round.with_(seed=rnd.seed if seed is None else seed)
        with progress_bar(replications or cell_round.replications, "replications") as progress:
            return runner.run(cell_round, replications, jobs=jobs, dask=dask, progress=progress)

    def report(name: str, reused: bool) -> None:
        typer.echo("  " + (_("reused: {name}") if reused else _("ran: {name}")).format(name=name), err=True)

    try:
        folder = checked(
            run_sweep,
            scenario,
            loaded.text,
            settings,
            target,
            run_cell,
            resume=resume,
            plot_figure=figure,
            on_cell=report,
        )
    except ScenarioError as exc:
        fail(f"{exc}\n" + _("A --set value makes the scenario invalid; nothing more was run."))
    typer.echo(_("Sweep: {folder} ({csv})").format(folder=folder, csv=folder / "sweep.csv"))

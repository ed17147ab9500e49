"""The `natsim` command: thin wrappers over sim.scenario, sim.results and sim.report."""

from __future__ import annotations

import json
import os
import signal
import sys
from contextlib import contextmanager
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


JobsOpt = Annotated[int, typer.Option("--jobs", "-j", min=1, help="Run replications on this many local processes.")]
DaskOpt = Annotated[
    Optional[str],
    typer.Option("--dask", help="Run replications on an existing Dask cluster (scheduler address); needs natsim[dask]."),
]
RepsOpt = Annotated[
    Optional[int], typer.Option("--replications", "-r", min=1, help="Independent replications (default: the scenario's).")
]
SeedOpt = Annotated[Optional[int], typer.Option("--seed", min=0, help="Random seed (default: the scenario's).")]


@app.command()
def run(
    scenario: ScenarioArg,
    out: Annotated[
        Optional[Path],
        typer.Option("--out", help="Results folder (must not exist or be empty). Default: results/<scenario>/<UTC time>/."),
    ] = None,
    replications: RepsOpt = None,
    seed: SeedOpt = None,
    jobs: JobsOpt = 1,
    dask: DaskOpt = None,
    precision: Annotated[
        Optional[str],
        typer.Option(
            "--precision",
            help="Add replications until the 95% interval of the last result time is within this share of its mean, e.g. 5%.",
        ),
    ] = None,
    max_replications: Annotated[int, typer.Option("--max-replications", min=2, max=10_000, help="Cap for --precision.")] = 100,
    plots: Annotated[bool, typer.Option(help="Draw the PNG plots.")] = True,
    trace: Annotated[
        bool, typer.Option("--trace", help="Also write replication 1 in the drill log format (trace/swabs.csv, trace/tubes.csv).")
    ] = False,
) -> None:
    """Simulate a round and write a results folder: summary.json, points.csv, timeline.csv and plots."""
    from sim import runner
    from sim.report import verdict
    from sim.results import check_results_dir, default_results_dir, write_results

    loaded, rnd = _load(scenario)
    if seed is not None:
        rnd = rnd.with_(seed=seed)
    target = out or default_results_dir(scenario)
    _checked(check_results_dir, target)
    n = replications or rnd.replications
    typer.echo(f"Simulating {rnd.name}: {rnd.residents:,} residents at {rnd.n_points:,} points...", err=True)
    rel = _share(precision, "--precision") if precision else None
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        if rel:
            with progress_bar(max_replications, "replications (up to)") as progress:
                result = _checked(runner.run_to_precision, rnd, rel, n, max_replications, jobs=jobs, dask=dask, progress=progress)
            typer.echo(f"{len(result.reps)} replications for +-{rel:.1%} precision on the last result time.", err=True)
        else:
            with progress_bar(n, "replications") as progress:
                result = _checked(runner.run, rnd, n, jobs=jobs, dask=dask, progress=progress)
    except runner.Interrupted as stop:
        _keep_incomplete(stop, rnd, target, loaded.text, n)
    folder = write_results(result, target, loaded.text, plot=plots)
    if trace:
        from sim.drill_log import write_trace
        from sim.engine import run_replication

        write_trace(run_replication(rnd, 0, trace=True).trace, folder / "trace", loaded.spec.start)
    typer.echo(f"Results: {folder}")
    for line in verdict(result.summary()):
        typer.echo(line)


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt  # SIGTERM stops a run the way Ctrl-C does


def _keep_incomplete(stop, rnd, target: Path, text: str, wanted: int) -> None:
    """Keep what finished in a folder that says it is incomplete, say so, exit 130."""
    from sim.results import RunResult, write_results
    from sim.timeline import Grid

    k = len(stop.finished)
    if k:
        kept = write_results(
            RunResult(rnd, Grid.for_round(rnd), stop.finished), target.with_name(target.name + ".incomplete"), text, plot=False
        )
        typer.echo(
            f"Interrupted after {k} of {wanted} replications: they are kept in {kept} "
            "(an incomplete run; no complete results folder was made).",
            err=True,
        )
    else:
        typer.echo("Interrupted before any replication finished: nothing was written.", err=True)
    raise typer.Exit(130)


def _share(text: str, option: str) -> float:
    try:
        value = float(text.rstrip("%")) / (100 if text.endswith("%") else 1)
    except ValueError:
        value = -1.0
    if not 0 < value < 1:
        _fail(f"{option} {text}: give a share such as 5% or 0.05")
    return value


def _checked(fn, *args, **kwargs):
    """Call a layer; turn the errors a planner can fix into a message and exit status 2."""
    from sim.compare import CompareError
    from sim.results import ResultsFolderError
    from sim.sweep import SweepError

    try:
        return fn(*args, **kwargs)
    except (ResultsFolderError, CompareError, SweepError, RuntimeError) as exc:
        _fail(str(exc))
    except OSError as exc:
        _fail(f"cannot reach the Dask cluster or write results: {exc}")


@contextmanager
def progress_bar(total: int, what: str):
    """A progress bar on a terminal; nothing when output is piped or logged."""
    if total < 2 or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task(what, total=total)
        yield lambda k: bar.update(task, completed=k)


@app.command()
def compare(
    runs: Annotated[
        list[Path], typer.Argument(help="Two or more scenario files (run now) or finished results folders.", show_default=False)
    ],
    out: Annotated[Optional[Path], typer.Option("--out", help="Comparison folder. Default: results/compare/<UTC time>/.")] = None,
    replications: RepsOpt = None,
    seed: SeedOpt = None,
    jobs: JobsOpt = 1,
    dask: DaskOpt = None,
) -> None:
    """Compare plans side by side: key figures with intervals, differences to the first plan, overlay plots.

    Scenario files are run with common random numbers (the same seed: the first scenario's, or --seed),
    so the differences are paired replication by replication.
    """
    from sim import runner
    from sim.compare import RunData, comparison_rows, format_table, unique_labels, write_comparison
    from sim.results import check_results_dir, default_results_dir

    if len(runs) < 2:
        _fail("compare needs at least two scenarios or results folders")
    if all(p.is_dir() for p in runs):
        data = [_checked(RunData.from_folder, p) for p in runs]
        fallbacks = [p.name for p in runs]
    elif not any(p.is_dir() for p in runs):
        rounds = [_load(p)[1] for p in runs]
        common_seed = rounds[0].seed if seed is None else seed
        n = replications or rounds[0].replications
        target = out or default_results_dir(Path("compare"))
        _checked(check_results_dir, target)
        data = []
        for rnd in rounds:
            with progress_bar(n, rnd.name) as progress:
                result = _checked(runner.run, rnd.with_(seed=common_seed), n, jobs=jobs, dask=dask, progress=progress)
            data.append(RunData.from_result(result))
        fallbacks = [p.stem for p in runs]
    else:
        _fail("compare takes either scenario files or results folders, not a mix")
    for d, label in zip(data, unique_labels([d.label for d in data], fallbacks), strict=True):
        d.label = label
    folder = _checked(write_comparison, data, out or default_results_dir(Path("compare")))
    typer.echo(f"Comparison: {folder}")
    typer.echo(format_table(data, comparison_rows(data)))


@app.command()
def sweep(
    scenario: ScenarioArg,
    set_: Annotated[
        list[str],
        typer.Option("--set", help="KEY=V1,V2,... a scenario key and the values to try; repeat for a grid.", show_default=False),
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
    figure: Annotated[str, typer.Option("--figure", help="Figure to plot against the first swept key.")] = "results_complete_h",
) -> None:
    """Run a grid of variations of one scenario: one sub-folder per cell, sweep.csv and a plot."""
    from sim import runner
    from sim.results import default_results_dir
    from sim.scenario import ScenarioError
    from sim.sweep import SWEEP_FIGURES, parse_setting, run_sweep

    loaded, rnd = _load(scenario)
    if figure not in SWEEP_FIGURES:
        _fail(f"--figure {figure}: choose one of {', '.join(SWEEP_FIGURES)}")
    if resume and out is None:
        _fail("--resume needs the --out folder of the sweep to finish")
    settings = [_checked(parse_setting, s) for s in set_]
    target = out or default_results_dir(scenario).with_name("sweep-" + default_results_dir(scenario).name)

    def run_cell(cell_round):
        cell_round = cell_round.with_(seed=rnd.seed if seed is None else seed)
        with progress_bar(replications or cell_round.replications, "replications") as progress:
            return runner.run(cell_round, replications, jobs=jobs, dask=dask, progress=progress)

    def report(name: str, reused: bool) -> None:
        typer.echo(f"  {'reused' if reused else 'ran'}: {name}", err=True)

    try:
        folder = _checked(
            run_sweep, scenario, loaded.text, settings, target, run_cell, resume=resume, plot_figure=figure, on_cell=report
        )
    except ScenarioError as exc:
        _fail(f"{exc}\nA --set value makes the scenario invalid; nothing more was run.")
    typer.echo(f"Sweep: {folder} ({folder / 'sweep.csv'})")


@app.command()
def size(
    scenario: ScenarioArg,
    confidence: Annotated[
        float, typer.Option("--confidence", min=0.5, max=1.0, help="Share of replications that must meet every target.")
    ] = 0.95,
    max_wait: Annotated[
        Optional[str], typer.Option("--max-wait", help="Also keep the 95th-percentile wait at every point under this, e.g. 30m.")
    ] = None,
    margin: Annotated[
        str,
        typer.Option("--margin", help="Safety margin: the plan must report this long before the deadline, e.g. 15m or 0s."),
    ] = "15m",
    vary: Annotated[
        str, typer.Option("--vary", help="What may change: any of tables,points,vehicles,extractors,pcr_machines.")
    ] = "points,tables,vehicles,extractors,pcr_machines",
    limit: Annotated[
        Optional[list[str]], typer.Option("--limit", help="What the city has, e.g. samplers=30000 (repeat for more).")
    ] = None,
    replications: Annotated[
        int, typer.Option("--replications", "-r", min=2, max=1000, help="Fresh replications that verify the final plan.")
    ] = 10,
    search_replications: Annotated[
        int, typer.Option("--search-replications", min=1, max=100, help="Replications per plan tried during the search.")
    ] = 2,
    out: Annotated[
        Optional[Path],
        typer.Option("--out", help="Folder for plan.yaml and sizing.json. Default: results/<scenario>/size-<UTC time>/."),
    ] = None,
    jobs: Annotated[
        Optional[int], typer.Option("--jobs", "-j", min=1, help="Simulate on this many local processes. Default: every core.")
    ] = None,
) -> None:
    """Find the smallest plan that gets every result reported by the deadline with the given confidence."""
    from sim.durations import DurationError, parse_duration
    from sim.results import check_results_dir, default_results_dir
    from sim.sizing import DIMENSIONS, SizingError, Targets, plan_yaml, table
    from sim.sizing import size as size_plan

    loaded, rnd = _load(scenario)
    try:
        wait = parse_duration(max_wait) if max_wait else None
    except DurationError as exc:
        _fail(f"--max-wait: {exc}")
    try:
        spare = parse_duration(margin)
    except DurationError as exc:
        _fail(f"--margin: {exc}")
    if spare >= rnd.deadline:
        _fail(f"--margin {margin} leaves no time before the {rnd.deadline / 3600:g} h deadline")
    limits = {}
    for item in limit or []:
        key, _, value = item.partition("=")
        if not value.replace("_", "").isdigit():
            _fail(f"--limit {item}: write NAME=NUMBER, e.g. samplers=30000")
        limits[key.strip()] = int(value.replace("_", ""))
    default = default_results_dir(scenario)
    target = out or default.with_name("size-" + default.name)
    _checked(check_results_dir, target)
    dims = tuple(d.strip() for d in vary.split(",") if d.strip())
    order = [d for d in DIMENSIONS if d in dims] + [d for d in dims if d not in DIMENSIONS]
    try:
        result = size_plan(
            rnd,
            Targets(confidence, wait, spare),
            tuple(order),
            limits,
            search_replications,
            replications,
            progress=lambda text: typer.echo(f"  {text}", err=True),
            jobs=jobs or os.cpu_count() or 1,
        )
    except SizingError as exc:
        _fail(str(exc))
    target.mkdir(parents=True, exist_ok=True)
    (target / "sizing.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    (target / "plan.yaml").write_text(plan_yaml(loaded.text, result), encoding="utf-8")
    typer.echo(f"Sizing: {target} (plan.yaml, sizing.json)")
    typer.echo(table(result))
    if not result["feasible"]:
        raise typer.Exit(1)


@app.command()
def slots(
    scenario: ScenarioArg,
    max_wait: Annotated[
        str, typer.Option("--max-wait", help="Keep the 95th-percentile wait at every point under this, e.g. 30m.")
    ],
    slot_length: Annotated[str, typer.Option("--slot-length", help="Longest call slot, e.g. 1h.")] = "1h",
    ignore_share: Annotated[
        Optional[float],
        typer.Option("--ignore-share", min=0.0, max=1.0, help="Share who ignore their call (default: the group's, else 0.1)."),
    ] = None,
    replications: Annotated[
        int, typer.Option("--replications", "-r", min=1, max=100, help="Replications per schedule tried.")
    ] = 3,
    out: Annotated[
        Optional[Path],
        typer.Option(
            "--out", help="Folder for slots.yaml, slots.json and slots.png. Default: results/<scenario>/slots-<UTC time>/."
        ),
    ] = None,
) -> None:
    """Propose call slots per point group that keep the p95 wait under --max-wait with the tables given."""
    from sim import plots
    from sim import slots as slots_
    from sim.durations import DurationError, parse_duration
    from sim.results import check_results_dir, default_results_dir
    from sim.timeline import Grid

    loaded, rnd = _load(scenario)
    try:
        wait, length = parse_duration(max_wait), parse_duration(slot_length)
    except DurationError as exc:
        _fail(f"--max-wait/--slot-length: {exc}")
    if wait <= 0 or length <= 0:
        _fail("--max-wait and --slot-length must be longer than zero")
    default = default_results_dir(scenario)
    target = out or default.with_name("slots-" + default.name)
    _checked(check_results_dir, target)
    how = None
    if ignore_share is not None:
        how = slots_.Behaviour(ignore_share=ignore_share)
    found = slots_.propose(rnd, wait, length, replications, how, progress=lambda text: typer.echo(f"  {text}", err=True))
    target.mkdir(parents=True, exist_ok=True)
    plots.slots_plot(found, Grid.for_round(found.rnd), found.rnd.deadline / 3600, rnd.name, target / "slots.png")
    (target / "slots.yaml").write_text(slots_.slots_yaml(loaded.text, found), encoding="utf-8")
    (target / "slots.json").write_text(json.dumps(found.summary, indent=2) + "\n", encoding="utf-8")
    typer.echo(f"Call slots: {target} (slots.yaml, slots.json, slots.png)")
    typer.echo(slots_.table(found))
    if not all(g["feasible"] for g in found.summary["groups"]):
        raise typer.Exit(1)


drill_app = typer.Typer(help="Drills: run sheets before the drill, and a review of its log after.", no_args_is_help=True)
app.add_typer(drill_app, name="drill")


@drill_app.command("plan")
def drill_plan(
    scenario: ScenarioArg,
    out: Annotated[
        Optional[Path],
        typer.Option("--out", help="Folder for the run sheets. Default: results/<scenario>/drill-plan-<UTC time>/."),
    ] = None,
    replications: Annotated[int, typer.Option("--replications", "-r", min=1, max=100, help="Replications averaged.")] = 5,
) -> None:
    """Write run sheets for a drill: per point and hour, per lab and hour, and each table's pauses."""
    import csv as csv_

    from sim.drill import run_sheet
    from sim.results import check_results_dir, default_results_dir, staged_folder

    _, rnd = _load(scenario)
    default = default_results_dir(scenario)
    target = out or default.with_name("drill-plan-" + default.name)
    _checked(check_results_dir, target)
    sheets = run_sheet(rnd, replications)
    with staged_folder(target) as tmp:
        for name, rows in (
            ("runsheet.csv", sheets["points"]),
            ("lab_load.csv", sheets["labs"]),
            ("shifts.csv", sheets["shifts"]),
            ("pickups.csv", sheets["pickups"]),
        ):
            with (tmp / name).open("w", newline="", encoding="utf-8") as f:
                w = csv_.DictWriter(f, list(rows[0]) if rows else ["none"])
                w.writeheader()
                w.writerows(rows)
    typer.echo(f"Run sheets: {target} (runsheet.csv, lab_load.csv, shifts.csv, pickups.csv)")
    busiest = sorted(sheets["points"], key=lambda r: -r["expected_peak_queue"])[:5]
    typer.echo(f"{'point':18s} {'hour':>9s} {'tables':>6s} {'arrivals':>9s} {'peak queue':>10s} {'p95 wait':>9s}")
    for r in busiest:
        typer.echo(
            f"{r['point']:18s} {r['hour']:>9s} {r['tables_working']:6d} {r['expected_arrivals']:9.1f} "
            f"{r['expected_peak_queue']:10.1f} {r['expected_p95_wait_min']:8.1f}m"
        )


@drill_app.command("review")
def drill_review(
    scenario: ScenarioArg,
    logdir: Annotated[
        Path, typer.Argument(help="Folder with the drill's swabs.csv and tubes.csv (docs/drill-log.md).", show_default=False)
    ],
    out: Annotated[
        Optional[Path], typer.Option("--out", help="Review folder. Default: results/<scenario>/review-<UTC time>/.")
    ] = None,
) -> None:
    """Compare a drill with its plan, fit service and travel times, and write calibrated.yaml."""
    from sim.drill import DrillLogError, read_log, review
    from sim.results import check_results_dir, default_results_dir

    loaded, rnd = _load(scenario)
    default = default_results_dir(scenario)
    target = out or default.with_name("review-" + default.name)
    _checked(check_results_dir, target)
    try:
        log = read_log(logdir, rnd, loaded.spec.start)
        result = review(rnd, loaded.text, log, target)
    except (DrillLogError, ValueError) as exc:
        _fail(str(exc))
    typer.echo(f"Review: {target} (review.csv, calibrated.yaml, fits)")
    typer.echo(f"{'figure':28s} {'observed':>10s} {'simulated':>10s}")
    for k, v in result["figures"].items():
        o, s = (("-" if x is None else f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.4g}") for x in (v["observed"], v["simulated"]))
        typer.echo(f"{k:28s} {o:>10s} {s:>10s}")
    fit = result["service_time_fit"]
    typer.echo(
        f"service time: {fit['chosen']} (lowest AIC of {', '.join(fit['candidates'])}), "
        f"mean {fit['candidates'][fit['chosen']]['mean_s']:.1f} s from {fit['samples']:,} busy-table gaps"
    )
    total = sum(result["rows"].values())
    typer.echo(f"rows: {total:,} read, {result['set_aside']:,} set aside (see set_aside.csv)")


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

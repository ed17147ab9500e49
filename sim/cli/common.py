"""What every command shares: loading a scenario (problems -> exit 2), options, progress, errors."""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, NoReturn, Optional

import typer

from sim.core.i18n import _, ngettext

ScenarioArg = Annotated[
    Path, typer.Argument(help="Scenario file (YAML, format v1; see docs/scenario.md).", show_default=False)
]


def fail(message: str) -> NoReturn:
    typer.echo(message, err=True)
    raise typer.Exit(2)


def load(path: Path, siting: bool = False):
    """The scenario and its `Round`; every problem in the file is printed and the command exits 2.
    `siting`: a map with no site open yet is loaded (`natsim site`)."""
    from sim.scenario.build import build_round
    from sim.scenario.load import ScenarioError, load_scenario

    try:
        loaded = load_scenario(path, siting=siting)
    except ScenarioError as exc:
        n = len(exc.problems)
        summary = ngettext("{n} problem in {file}; nothing was run.", "{n} problems in {file}; nothing was run.", n)
        fail(f"{exc}\n" + summary.format(n=n, file=path))
    for warning in loaded.warnings:
        typer.echo(_("warning: {warning}").format(warning=warning), err=True)
    return loaded, build_round(loaded)


JobsOpt = Annotated[int, typer.Option("--jobs", "-j", min=1, help="Run replications on this many local processes.")]
DaskOpt = Annotated[
    Optional[str],
    typer.Option(
        "--dask", help="Run replications on an existing Dask cluster (scheduler address); needs natsim[dask]."
    ),
]
RepsOpt = Annotated[
    Optional[int],
    typer.Option("--replications", "-r", min=1, help="Independent replications (default: the scenario's)."),
]
SeedOpt = Annotated[Optional[int], typer.Option("--seed", min=0, help="Random seed (default: the scenario's).")]


def share(text: str, option: str) -> float:
    try:
        value = float(text.rstrip("%")) / (100 if text.endswith("%") else 1)
    except ValueError:
        value = -1.0
    if not 0 < value < 1:
        fail(_("{option} {text}: give a share such as 5% or 0.05").format(option=option, text=text))
    return value


_announcing = False  # whether this process tells its user when numba compiles


def _say_compiling() -> None:
    typer.echo(_("Compiling natsim's kernels for this machine (once: later runs reuse them)..."), err=True)


def checked(fn, *args, **kwargs):
    """Call a layer; turn the errors a planner can fix into a message and exit status 2. The first time numba
    compiles anything in the process, the user is told so on one line."""
    from sim.engine import kernels
    from sim.report.finished import FinishedRunError
    from sim.report.folder import ResultsFolderError
    from sim.run.sweep import SweepError

    global _announcing
    if not _announcing:
        _announcing = True
        kernels.on_compiling(_say_compiling)
    try:
        return fn(*args, **kwargs)
    except (ResultsFolderError, FinishedRunError, SweepError, RuntimeError) as exc:
        fail(str(exc))
    except OSError as exc:
        fail(_("cannot reach the Dask cluster or write results: {error}").format(error=exc))


@contextmanager
def progress_bar(total: int, what: str):
    """A progress bar on a terminal; nothing when output is piped or logged. With NATSIM_PROGRESS_FILE
    set, each finished replication also appends "done total" to that file, for scripts watching a run."""
    watch = os.environ.get("NATSIM_PROGRESS_FILE")
    if watch:
        with open(watch, "a", encoding="utf-8") as f:

            def note(k: int) -> None:
                f.write(f"{k} {total}\n")
                f.flush()

            yield note
        return
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


def results_dir(scenario: Path, out: Path | None, prefix: str = "") -> Path:
    """The folder a command writes (`--out`, else a new one under results/), refused if it holds anything."""
    from sim.report.folder import check_results_dir, default_results_dir

    default = default_results_dir(scenario)
    target = out or (default.with_name(prefix + default.name) if prefix else default)
    checked(check_results_dir, target)
    return target


def duration(text: str, option: str) -> float:
    from sim.core.durations import DurationError, parse_duration

    try:
        return parse_duration(text)
    except DurationError as exc:
        fail(f"{option}: {exc}")


def limits(items: list[str] | None, example: str) -> dict[str, int]:
    """--limit NAME=NUMBER options (repeatable) as a dict; malformed ones exit 2, every one named."""
    out, bad = {}, []
    for item in items or []:
        key, _sep, value = item.partition("=")
        if not value.replace("_", "").isdigit() or not key.strip():
            bad.append(_("--limit {item}: write NAME=NUMBER, e.g. {example}").format(item=item, example=example))
        elif key.strip() in out:
            bad.append(_("--limit {item}: {name} is given twice").format(item=item, name=key.strip()))
        else:
            out[key.strip()] = int(value.replace("_", ""))
    if bad:
        fail("\n".join(bad))
    return out

"""`natsim watch`: keep the forecast current all day from the snapshots a city's system sends, and serve it
as a page (docs/watch.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from sim.cli.common import ScenarioArg, duration, fail, load
from sim.core.i18n import _


def _host_port(text: str) -> tuple[str, int]:
    host, _sep, port = text.rpartition(":")
    if not port.isdigit():
        fail(_("--serve {text}: write HOST:PORT or PORT, e.g. 127.0.0.1:8765").format(text=text))
    return host or "127.0.0.1", int(port)


def watch(
    scenario: ScenarioArg,
    feed: Annotated[
        Path,
        typer.Option("--feed", help="The watch folder: snapshots arrive as its sub-folders; the store is kept here."),
    ],
    serve: Annotated[
        Optional[str], typer.Option("--serve", help="Serve the page at HOST:PORT (or PORT: on 127.0.0.1 only).")
    ] = None,
    every: Annotated[
        str, typer.Option("--every", help="At most one forecast this often (on the round's clock).")
    ] = "15m",
    add: Annotated[
        Optional[list[str]],
        typer.Option(
            "--add", help="An option forecast with each snapshot, repeatable: vehicles.LAB=N, tables.NAME=N, ..."
        ),
    ] = None,
    replications: Annotated[int, typer.Option("--replications", "-r", min=2, help="Replications per forecast.")] = 20,
    token_file: Annotated[
        Optional[Path], typer.Option("--token-file", help="The token for posting (made there if missing).")
    ] = None,
    max_upload: Annotated[int, typer.Option("--max-upload", min=1, help="Largest upload, in MB.")] = 32,
    replay: Annotated[
        Optional[Path],
        typer.Option("--replay", help="Feed a complete drill log (or a run's --trace) as exports over time."),
    ] = None,
    speed: Annotated[float, typer.Option("--speed", min=0.01, help="Replay this many times faster than life.")] = 60.0,
    replay_step: Annotated[str, typer.Option("--replay-step", help="Time between a replay's exports.")] = "5m",
) -> None:
    """Watch the round: check and store every snapshot of its status, forecast the latest (as natsim forecast
    does, with the --add options), and show the outlook on a page that updates itself."""
    from sim.forecast.outlook import ForecastError, parse_adds
    from sim.watch.run import RunOptions, run_watch

    loaded, rnd = load(scenario)
    try:
        parse_adds(add or [], rnd)
    except ForecastError as exc:
        fail(str(exc))
    if replay is not None and not replay.is_dir():
        fail(_("--replay {folder}: no such folder").format(folder=replay))
    options = RunOptions(
        scenario=scenario,
        feed=feed,
        serve=_host_port(serve) if serve else None,
        every=duration(every, "--every"),
        adds=tuple(add or []),
        replications=replications,
        token_file=token_file,
        max_upload_mb=max_upload,
        replay=replay,
        speed=speed,
        replay_step=duration(replay_step, "--replay-step"),
    )
    run_watch(options, rnd, loaded.spec.start, echo=typer.echo)

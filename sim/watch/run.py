"""The watch as a running program: the store, the token, the feed and scheduler thread, a replay if
asked, and the page served by uvicorn (or no page: the folder alone)."""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sim.core.i18n import _
from sim.feeds.log import format_time
from sim.forecast.report import format_forecast
from sim.scenario.round import Round
from sim.watch.access import set_up_token
from sim.watch.page import prepare
from sim.watch.replay import log_folder, read_rows, replay
from sim.watch.watch import Clock, Settings, Watch
from sim.watch.worker import Done

MB = 1024 * 1024


@dataclass(frozen=True)
class RunOptions:
    scenario: Path
    feed: Path
    serve: tuple[str, int] | None = None
    every: float = 900.0
    adds: tuple[str, ...] = ()
    replications: int = 20
    token_file: Path | None = None
    max_upload_mb: int = 32
    replay: Path | None = None
    speed: float = 60.0
    replay_step: float = 300.0


def _printer(echo: Callable[[str], None]) -> Callable[[Done], None]:
    def show(done: Done) -> None:
        if done.error:
            echo(done.error)
        else:  # the forecast's own first two lines: the deadline's probability, the last result's interval
            echo("\n".join(format_forecast(done.result).splitlines()[:2]))

    return show


def run_watch(options: RunOptions, rnd: Round, start: dt.datetime | None, echo: Callable[[str], None] = print) -> None:
    settings = Settings(options.scenario.resolve(), options.feed, options.every, options.replications, options.adds)
    clock, rows = Clock(start), None
    if options.replay is not None:
        rows = read_rows(log_folder(options.replay), start)
        clock = Clock(start, options.speed, replay_from=rows.span()[0])
    watch = Watch(settings, rnd, start, clock)
    token = set_up_token(watch.store, options.token_file)
    if token:
        echo(
            _("Token for posting snapshots (shown once, kept only hashed in {db}): {token}").format(
                db=watch.store.path, token=token
            )
        )
    for note in watch.store.events("interrupted"):
        echo(note[2])
    threads = [threading.Thread(target=watch.loop, kwargs={"on_done": _printer(echo)}, daemon=True, name="watch")]
    threads.append(threading.Thread(target=prepare, args=(watch,), daemon=True, name="fonts"))
    if rows is not None:
        at_text = lambda t: format_time(t, start)  # noqa: E731
        threads.append(
            threading.Thread(
                target=replay,
                args=(rows, options.feed, options.replay_step, options.speed, at_text, watch.stopped),
                kwargs={"begin": clock.wall0},
                daemon=True,
                name="replay",
            )
        )
    try:
        if options.serve is None:
            echo(_("Watching {folder} (no page: give --serve to serve one).").format(folder=options.feed))
            for t in threads:
                t.start()
            with contextlib.suppress(KeyboardInterrupt):
                while threads[0].is_alive():
                    time.sleep(0.5)
        else:
            _serve(watch, options, threads, echo)
    finally:
        watch.close()


def _serve(watch: Watch, options: RunOptions, threads: list[threading.Thread], echo) -> None:
    import uvicorn

    from sim.watch.server import make_app

    @contextlib.asynccontextmanager
    async def lifespan(_app):
        for t in threads:
            t.start()
        yield
        watch.stop()

    host, port = options.serve
    app = make_app(watch, options.max_upload_mb * MB, lifespan=lifespan)
    echo(_("The page: http://{host}:{port}/ (snapshots: POST /api/snapshots)").format(host=host, port=port))
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)

"""`natsim report`: rebuild report.html from a finished results folder, in the language asked for."""

from __future__ import annotations

import importlib
import time
from pathlib import Path
from typing import Annotated, Optional

import typer

from sim.cli.common import fail

# The file that tells what made a folder, and the module whose `page(folder)` draws its report.
PAGES = (
    ("summary.json", "sim.report.run_page"),
    ("sizing.json", "sim.plan.sizing_report"),
    ("slots.json", "sim.plan.slots"),
    ("siting.json", "sim.plan.site_report"),
    ("review.json", "sim.drill.review"),
    ("forecast.json", "sim.forecast.report"),
    ("comparison.csv", "sim.run.compare"),
    ("sweep.csv", "sim.run.sweep"),
)


def write_report(folder: Path) -> Path:
    """Draw report.html of any natsim results folder again (over the old page: it is made from the
    folder's own files, so nothing is lost)."""
    from sim.report.page import write_page
    from sim.report.readback import FolderError, damaged

    for marker, module in PAGES:
        if (folder / marker).exists():
            try:
                page = importlib.import_module(module).page(folder)
            except FolderError:
                raise
            except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:  # checked files, values wrong
                raise damaged(folder / marker, exc) from None
            return write_page(page, folder)
    raise FileNotFoundError(folder)


def report(
    run_dir: Annotated[
        Path,
        typer.Argument(help="A results folder natsim made (run, compare, size, slots, site, forecast, drill review)."),
    ],
    lang: Annotated[
        Optional[str],
        typer.Option("--lang", help="Language of the page: en or zh (default: NATSIM_LANG, else the locale)."),
    ] = None,
) -> None:
    """Rebuild a results folder's report.html (one self-contained page that opens offline and prints on A4)."""
    from sim.core.i18n import _, language_warning, set_language

    if lang is not None:
        set_language(lang)
        if warning := language_warning():
            typer.echo(warning, err=True)
    if not run_dir.is_dir():
        fail(_("{folder}: no such folder").format(folder=run_dir))
    from sim.report.readback import FolderError

    began = time.perf_counter()
    try:
        path = write_report(run_dir)
    except FolderError as exc:
        fail(
            _("{problems}\n{folder}: a damaged results folder; report.html was not drawn again").format(
                problems=exc, folder=run_dir
            )
        )
    except FileNotFoundError:
        fail(
            _(
                "{folder}: not a natsim results folder (no summary.json, sizing.json, slots.json, siting.json, "
                "review.json, "
                "forecast.json, comparison.csv or sweep.csv)"
            ).format(folder=run_dir)
        )
    typer.echo(_("Report: {path} ({seconds:.1f} s)").format(path=path, seconds=time.perf_counter() - began))

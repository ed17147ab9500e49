"""A finished run's figures, from fresh replications or from a results folder: what comparisons draw on."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim.core.i18n import _
from sim.report.readback import SUMMARY_KEYS, FolderError, read_json
from sim.report.summary import RunResult
from sim.scenario.rules import every_round_on_time

ARRAYS = ("arrived", "sampled", "results_reported", "t_h", "wait_hist", "wait_bin_min")


class FinishedRunError(Exception):
    """A folder that is not a finished natsim run."""


@dataclass
class RunData:
    label: str
    summary: dict
    t_h: np.ndarray
    series: dict[str, np.ndarray]  # cumulative counts, one row per replication
    wait_hist: np.ndarray  # residents per wait bin, one row per replication
    wait_bin_min: float

    @classmethod
    def from_result(cls, result: RunResult, label: str | None = None) -> RunData:
        arrays = result.replication_arrays()
        return cls._make(label or result.rnd.name, result.summary(), arrays)

    @classmethod
    def from_folder(cls, folder: Path, label: str | None = None) -> RunData:
        try:
            summary = read_json(folder / "summary.json", (*SUMMARY_KEYS, "metrics.results_complete_h"))
            with np.load(folder / "replications.npz") as z:
                arrays = {k: z[k] for k in z.files}
            if missing := [k for k in ARRAYS if k not in arrays]:
                raise KeyError(", ".join(missing))
        except FolderError as exc:
            raise FinishedRunError(
                _("{folder}: not a finished natsim results folder:\n{error}").format(folder=folder, error=exc)
            ) from None
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
            raise FinishedRunError(
                _("{folder}: not a finished natsim results folder ({error})").format(
                    folder=folder, error=f"replications.npz: {exc}"
                )
            ) from None
        return cls._make(label or summary.get("scenario", folder.name), summary, arrays)

    @classmethod
    def _make(cls, label: str, summary: dict, arrays: dict) -> RunData:
        series = {k: arrays[k] for k in ARRAYS[:3]}
        return cls(label, summary, arrays["t_h"], series, arrays["wait_hist"], float(arrays["wait_bin_min"]))

    @property
    def deadline_h(self) -> float:
        return self.summary["deadline_h"]

    def values(self, figure: str) -> list[float]:
        """Per-replication values of a key figure (replications without a value left out)."""
        if figure == "deadline_met":
            return [float(met) for met in self.deadline_met()]
        figures = self.summary["metrics"].get(figure) or {}  # a folder from before the figure existed: none
        return [v for v in (figures.get("values") or []) if v is not None]

    def deadline_met(self) -> list[bool]:
        """Per replication: every pooled result by its deadline (in a campaign, every round by its own),
        by the rule in `sim.scenario.round`, from the figures the run recorded."""
        s = self.summary
        if "rounds" in s:
            done = [[_seconds(v) for v in (r["metrics"]["results_complete_h"]["values"] or [])] for r in s["rounds"]]
            due = [r["deadline_h"] * 3600 for r in s["rounds"]]
            return [every_round_on_time(per_rep, due) for per_rep in zip(*done, strict=True)]
        done = s["metrics"]["results_complete_h"]["values"] or [None] * s["replications"]
        return [every_round_on_time([_seconds(v)], [s["deadline_h"] * 3600]) for v in done]


def _seconds(hours: float | None) -> float | None:
    return None if hours is None else hours * 3600

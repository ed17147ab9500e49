"""Replications -> the figures of a run: summary.json's content, the points table, the mean timeline."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sim import __version__
from sim.core.i18n import N_
from sim.core.stats import summarize
from sim.engine.figures import LAB_FIGURES, ROUTE_FIGURES, WALK_METRICS
from sim.engine.replication import RESOURCES, WAIT_BIN_S, ReplicationResult
from sim.engine.sampling import SERIES
from sim.engine.timeline import Grid
from sim.report.bill import BillLine, bill_summary, mean_bill
from sim.scenario.round import Round

METRICS = (
    "residents_arrived",
    "tubes",
    "plates",
    "sampling_complete_h",
    "results_complete_h",
    "wait_mean_min",
    "wait_p95_min",
    "wait_max_min",
    "max_queue",
    "turnaround_mean_h",
    "turnaround_p95_h",
    "reported_by_deadline",
    "positives",
    "identified_mean_h",
    "identified_max_h",
)
EXTRA_METRICS = (
    "last_tube_at_lab_h",
    "home_visits_complete_h",
    "retests",
    "pickups",
    "tubes_sent_on",
    "pickup_wait_mean_h",
)
STAGE_NAMES = {  # translated where shown
    "queue_at_point": N_("residents queuing at points"),
    "waiting_for_pickup": N_("sealed tubes waiting for a vehicle"),
    "in_transit": N_("tubes in transit"),
    "lab_queue": N_("tubes queuing at the lab for an extractor"),
    "lab_run": N_("lab run (extraction, PCR, report)"),
}
ROUTE_COLUMNS = (
    "route",
    "lab",
    "vehicles",
    "stops",
    "planned_loop_h",
    "loops",
    "loop_mean_h",
    "tubes",
    "busiest_stop",
    "busiest_stop_wait_h",
)
LAB_COLUMNS = ("name", "vehicles", "extractors", "pcr_machines") + LAB_FIGURES
COMPOUND_COLUMNS = (
    "name",
    "site",
    "residents",
    "arrived",
    "walk_min",
    "wait_mean_min",
    "wait_p95_min",
    "journey_mean_min",
)
POINT_COLUMNS = (
    "name",
    "group",
    "lab",
    "residents",
    "arrived",
    "tables",
    "wait_mean_min",
    "wait_p95_min",
    "wait_max_min",
    "max_queue",
    "last_service_h",
)


@dataclass
class RunResult:
    rnd: Round
    grid: Grid
    reps: list[ReplicationResult]

    # --- figures --------------------------------------------------------------------------------
    def summary(self) -> dict:
        rnd = self.rnd
        names = METRICS + EXTRA_METRICS + (WALK_METRICS if rnd.places is not None else ())
        metrics = {k: summarize([r.metrics.get(k) for r in self.reps]) for k in names}
        met = [r.deadline_met for r in self.reps]
        stages = {k: summarize([r.stages.get(k) for r in self.reps])["mean"] for k in STAGE_NAMES}
        out = {
            "natsim_version": __version__,
            "scenario": rnd.name,
            "seed": rnd.seed,
            "replications": len(self.reps),
            "deadline_h": rnd.final_deadline / 3600,  # a campaign: its last round's, on the campaign's clock
            "metrics": metrics,
            "deadline_met_fraction": sum(met) / len(met),
            "stages_mean_h": stages,
            "groups": {
                name: {
                    k: summarize([r.groups.get(name, {}).get(k) for r in self.reps]) for k in self.reps[0].groups[name]
                }
                for name in self.reps[0].groups
            },
            "plan": {
                "points": rnd.n_points,
                "tables": rnd.tables,
                "residents": rnd.residents,
                "vehicles": sum(lab.vehicles for lab in rnd.labs),
                "route_vehicles": sum(r.vehicles for r in rnd.routes),
                "extractors": sum(lab.extractors for lab in rnd.labs),
                "pcr_machines": sum(lab.pcr_machines for lab in rnd.labs),
                "labs": [
                    {
                        "name": lab.name,
                        "vehicles": lab.vehicles,
                        "extractors": lab.extractors,
                        "pcr_machines": lab.pcr_machines,
                    }
                    for lab in rnd.labs
                ],
            },
        }
        out["labs"] = {
            lab.name: {k: summarize([float(r.labs[k][li]) for r in self.reps if r.labs]) for k in LAB_FIGURES}
            for li, lab in enumerate(rnd.labs)
        }
        out["bill"] = bill_summary(self.bill())
        if rnd.campaign:
            out["rounds"] = [
                {
                    "round": k + 1,
                    "start_h": plan.offset / 3600,
                    "deadline_h": rnd.deadline_of(k) / 3600,
                    "deadline_met_fraction": float(np.mean([r.rounds[k]["deadline_met"] for r in self.reps])),
                    "metrics": {
                        key: summarize([r.rounds[k][key] for r in self.reps])
                        for key in self.reps[0].rounds[k]
                        if key not in ("start_h", "deadline_h", "deadline_met")
                    },
                }
                for k, plan in enumerate(rnd.campaign)
            ]
        return out

    def bill(self) -> list[BillLine]:
        """The staff and materials bill from the mean figures and each point's mean last service."""
        return mean_bill(self.rnd, [r.metrics for r in self.reps], [r.points["last_service_h"] for r in self.reps])

    def rows(self) -> int:
        return max(max(a.size for a in r.timeline.values()) for r in self.reps)

    def timeline(self) -> dict[str, np.ndarray]:
        """Mean over replications of the cumulative counts, one row per grid step."""
        rows = self.rows()
        out = {"t_h": self.grid.times(rows) / 3600}
        for k in SERIES:
            cum = [np.pad(np.cumsum(r.timeline[k]), (0, rows - r.timeline[k].size), mode="edge") for r in self.reps]
            out[k] = np.mean(cum, axis=0)
        return out

    def cumulative_band(self, series: str) -> np.ndarray:
        """Per-replication cumulative counts of one series, shape (replications, rows)."""
        rows = self.rows()
        return np.array(
            [np.pad(np.cumsum(r.timeline[series]), (0, rows - r.timeline[series].size), mode="edge") for r in self.reps]
        )

    def utilisation(self) -> dict[str, np.ndarray]:
        rows = self.rows()
        return {
            k: np.mean([np.pad(r.utilisation[k], (0, rows - r.utilisation[k].size)) for r in self.reps], axis=0)
            for k in RESOURCES
        }

    def lab_utilisation(self) -> dict[str, np.ndarray]:
        """Each lab's PCR machines busy, mean over replications (only when the round has several labs)."""
        rows = self.rows()
        keys = [k for k in self.reps[0].utilisation if k.startswith("pcr_machines@")]
        return {
            self.rnd.labs[int(k.split("@")[1])].name: np.mean(
                [np.pad(r.utilisation[k], (0, rows - r.utilisation[k].size)) for r in self.reps], axis=0
            )
            for k in keys
        }

    def wait_histograms(self) -> np.ndarray:
        """Residents per WAIT_BIN_S of waiting, one row per replication."""
        size = max(r.wait_hist.size for r in self.reps)
        return np.array([np.pad(r.wait_hist, (0, size - r.wait_hist.size)) for r in self.reps])

    def wait_histogram(self) -> tuple[np.ndarray, np.ndarray]:
        """(bin left edges in minutes, residents per bin, summed over replications)."""
        counts = self.wait_histograms().sum(axis=0)
        return np.arange(counts.size) * WAIT_BIN_S / 60, counts

    def replication_arrays(self) -> dict[str, np.ndarray]:
        """What `natsim compare RUN_DIR` needs to redraw bands without re-running."""
        rows = self.rows()
        return {
            "t_h": self.grid.times(rows) / 3600,
            "wait_bin_min": np.array(WAIT_BIN_S / 60),
            "wait_hist": self.wait_histograms(),
            **{k: self.cumulative_band(k) for k in SERIES},
        }

    def points_columns(self) -> dict[str, Sequence]:
        """points.csv by column (means over replications), one value per point in point order."""
        rnd = self.rnd
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a point nobody came to stays NaN
            means = {k: np.nanmean([r.points[k] for r in self.reps], axis=0) for k in self.reps[0].points}
        return {
            "name": rnd.point_names(),
            "group": [g.name for g in rnd.groups for _ in range(g.count)],
            "lab": [rnd.labs[g.lab].name for g in rnd.groups for _ in range(g.count)],
            "residents": rnd.per_point(lambda g: g.residents),
            "tables": rnd.per_point(lambda g: g.tables),
            **means,
        }

    def points_table(self) -> list[dict]:
        """points.csv by row: one mapping per point."""
        columns = self.points_columns()
        return [dict(zip(columns, row, strict=True)) for row in zip(*columns.values(), strict=True)]

    def labs_table(self) -> list[dict]:
        """One row per lab (means over replications), as labs.csv has it."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a lab that ran nothing has no last result
            means = {k: np.nanmean([r.labs[k] for r in self.reps], axis=0) for k in LAB_FIGURES}
        return [
            {"name": lab.name, "vehicles": lab.vehicles, "extractors": lab.extractors, "pcr_machines": lab.pcr_machines}
            | {k: means[k][li] for k in LAB_FIGURES}
            for li, lab in enumerate(self.rnd.labs)
        ]

    def routes_table(self) -> list[dict]:
        """One row per route (means over replications), as routes.csv has it."""
        rnd = self.rnd
        if not rnd.routes:
            return []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a route that never drove has no loop time
            means = {
                k: np.nanmean([r.routes[k] for r in self.reps], axis=0) for k in ROUTE_FIGURES if k != "busiest_stop"
            }
        rows, names = [], rnd.point_names()
        for i, route in enumerate(rnd.routes):
            stops = [names[p] for p in route.stops]
            # The busiest stop: the one most often the busiest over replications.
            ks = [int(r.routes["busiest_stop"][i]) for r in self.reps if np.isfinite(r.routes["busiest_stop"][i])]
            busiest = stops[max(set(ks), key=ks.count)] if ks else ""
            rows.append(
                {
                    "route": route.name,
                    "lab": rnd.labs[route.lab].name,
                    "vehicles": route.vehicles,
                    "stops": len(stops),
                    "planned_loop_h": route.planned_loop / 3600,
                    **{k: means[k][i] for k in means},
                    "busiest_stop": busiest,
                }
            )
        return rows

    def compounds_table(self) -> list[dict]:
        """Places: one row per compound (means over replications), as compounds.csv has it."""
        m = self.rnd.places
        if m is None:
            return []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a compound nobody came from stays NaN
            means = {k: np.nanmean([r.compounds[k] for r in self.reps], axis=0) for k in self.reps[0].compounds}
        return [
            {
                "name": name,
                "site": m.site_names[m.assigned[c]] if m.assigned[c] >= 0 else "",
                "residents": int(m.compound_residents[c]),
                "walk_min": m.walk[c] / 60,
                **{k: means[k][c] for k in means},
            }
            for c, name in enumerate(m.compound_names)
        ]

"""The staff and materials bill of a simulated round (docs/bill.md): who must be on duty, for how many
shifts, and what they use, from the scenario's `staffing:` ratios and the run's own figures."""

from __future__ import annotations

import math
import warnings
from dataclasses import asdict, dataclass

import numpy as np

from sim.core.i18n import N_, _
from sim.scenario.round import Round

BILL_COLUMNS = ("item", "kind", "quantity", "per_shift", "shifts", "unit", "ratio", "reserve", "rule")
BILL_METRICS = (
    "residents_arrived",
    "tubes",
    "plates",
    "retests",
    "pickups",
    "last_tube_at_lab_h",
    "results_complete_h",
)
WELLS_PER_PLATE = 96  # an extraction run takes 96 wells, samples and controls (docs/facts.md)

# Each item's rule, with its ratio; the English text goes into bill.csv, the page shows it translated.
RULES = {
    "samplers": N_("{ratio:g} per table per shift"),
    "registrars": N_("{ratio:g} per table per shift"),
    "order_keepers": N_("{ratio:g} per point per shift"),
    "volunteers": N_("{ratio:g} per point per shift"),
    "couriers": N_("{ratio:g} per vehicle per shift"),
    "lab_technicians": N_("{ratio:g} per instrument (extractor or PCR machine) per shift"),
    "swabs": N_("one per resident sampled and per retest"),
    "tubes": N_("one per pool and per retest"),
    "ppe_sets": N_("{ratio:g} per sampler shift"),
    "transport_boxes": N_("one per vehicle pickup"),
    "plates": N_("96-well plates run"),
    "reagent_kits": N_("{ratio:g} reactions per kit"),
}
RESERVE = N_(", +{reserve:.0%} reserve")
UNITS = {"staff": N_("person-shifts"), "material": N_("pieces")}


@dataclass(frozen=True)
class BillLine:
    item: str
    kind: str  # "staff" or "material"
    quantity: int  # staff: person-shifts; material: pieces
    per_shift: int | None  # staff on duty at once
    shifts: int | None  # shifts of the longest-staffed post
    ratio: float | None  # the staffing ratio the rule applies
    reserve: float = 0.0  # materials: the share ordered beyond the simulated use

    @property
    def unit(self) -> str:
        return UNITS[self.kind]

    def rule(self, translate=lambda text: text) -> str:
        text = translate(RULES[self.item]).format(ratio=self.ratio)
        return text + (translate(RESERVE).format(reserve=self.reserve) if self.reserve else "")


def shifts_for(span_s: np.ndarray | float, shift_s: float) -> np.ndarray:
    """Shifts that cover a post staffed for `span_s` seconds: whole shifts, at least one."""
    return np.maximum(np.ceil(np.asarray(span_s, float) / shift_s - 1e-9), 1).astype(np.int64)


def compute_bill(rnd: Round, metrics: dict[str, float | None], last_service_h: np.ndarray) -> list[BillLine]:
    """The bill from a run's mean figures (`metrics`: one mean per metric) and each point's mean last
    service (hours; NaN where nobody came)."""
    st = rnd.staffing
    # A campaign's bill counts every round like its last, the latest and so the longest-staffed.
    rounds = rnd.rounds
    offset = rnd.campaign[-1].offset if rnd.campaign else 0.0
    tables = np.concatenate([np.full(g.count, g.tables) for g in rnd.groups])
    span = np.nan_to_num(last_service_h * 3600 - offset - rnd.open, nan=0.0)
    point_shifts = shifts_for(span, st.shift_length) * rounds
    most = int(point_shifts.max()) if point_shifts.size else 0
    lines = []
    for item, ratio, per_table in (
        ("samplers", st.samplers_per_table, True),
        ("registrars", st.registrars_per_table, True),
        ("order_keepers", st.order_keepers_per_point, False),
        ("volunteers", st.volunteers_per_point, False),
    ):
        # Whole people at each point: 1.5 samplers per table at a 3-table point is 5 on duty.
        on_duty = np.ceil((tables if per_table else np.ones_like(tables)) * ratio - 1e-9).astype(np.int64)
        lines.append(BillLine(item, "staff", int((on_duty * point_shifts).sum()), int(on_duty.sum()), most, ratio))
    for item, metric, ratio, per_lab in (
        ("couriers", "last_tube_at_lab_h", st.couriers_per_vehicle, _vehicles(rnd)),
        (
            "lab_technicians",
            "results_complete_h",
            st.technicians_per_instrument,
            [lab.extractors + lab.pcr_machines for lab in rnd.labs],
        ),
    ):
        # Couriers until the last tube is at a lab, technicians until the last result, from the tables' opening.
        n = int(shifts_for((metrics.get(metric) or 0.0) * 3600 - offset - rnd.open, st.lab_shift_length)) * rounds
        on_duty = sum(math.ceil(x * ratio - 1e-9) for x in per_lab)
        lines.append(BillLine(item, "staff", on_duty * n, on_duty, n, ratio))
    return lines + _materials(rnd, metrics, lines[0].quantity)


def _vehicles(rnd: Round) -> list[int]:
    """Each lab's vehicles: its own and its courier routes'."""
    return [lab.vehicles + sum(r.vehicles for r in rnd.routes if r.lab == li) for li, lab in enumerate(rnd.labs)]


def _materials(rnd: Round, metrics: dict[str, float | None], sampler_shifts: int) -> list[BillLine]:
    st = rnd.staffing
    m = {k: (v or 0.0) for k, v in metrics.items()}
    used = {
        "swabs": (m["residents_arrived"] + m["retests"], None),
        "tubes": (m["tubes"] + m["retests"], None),
        "ppe_sets": (sampler_shifts * st.ppe_sets_per_sampler_shift, st.ppe_sets_per_sampler_shift),
        "transport_boxes": (m["pickups"], None),
        "plates": (m["plates"], None),
        "reagent_kits": (m["plates"] * WELLS_PER_PLATE / st.reactions_per_kit, st.reactions_per_kit),
    }
    return [
        BillLine(item, "material", math.ceil(x * (1 + st.reserve) - 1e-9), None, None, ratio, st.reserve)
        for item, (x, ratio) in used.items()
    ]


def mean_bill(rnd: Round, metrics: list[dict], last_service_h: list[np.ndarray]) -> list[BillLine]:
    """The bill from replications: the mean of each figure it needs, each point's mean last service."""
    means = {}
    for k in BILL_METRICS:
        values = [m.get(k) for m in metrics if m.get(k) is not None]
        means[k] = float(np.mean(values)) if values else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a point nobody came to stays NaN
        last = np.nanmean(np.array(last_service_h, dtype=float), axis=0)
    return compute_bill(rnd, means, last)


def bill_rows(lines: list[BillLine]) -> list[dict]:
    """One row per item, as bill.csv and summary.json's `bill` have it (rules in English)."""
    return [{**asdict(line), "unit": line.unit, "rule": line.rule()} for line in lines]


def bill_summary(lines: list[BillLine]) -> dict:
    """summary.json's `bill` section: one entry per item."""
    return {row.pop("item"): row for row in bill_rows(lines)}


def translated_rule(row: dict) -> str:
    """A bill row's rule in the interface's language, from its item, ratio and reserve."""
    line = BillLine(row["item"], row["kind"], 0, None, None, row.get("ratio"), row.get("reserve") or 0.0)
    return line.rule(_)

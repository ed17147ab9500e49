"""The bill's ratios as the engine-free model holds them: staff per table, point, vehicle and instrument
per shift, and what each resident, plate and sampler shift uses (docs/bill.md gives their sources)."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_SHIFT_S = 8 * 3600.0  # three shifts a day, as labs and round-the-clock points ran


@dataclass(frozen=True)
class Staffing:
    shift_length: float = DEFAULT_SHIFT_S  # at the points
    lab_shift_length: float = DEFAULT_SHIFT_S  # couriers and labs
    samplers_per_table: float = 1.0
    registrars_per_table: float = 1.0
    order_keepers_per_point: float = 2.0
    volunteers_per_point: float = 4.0
    couriers_per_vehicle: float = 1.0
    technicians_per_instrument: float = 0.5
    ppe_sets_per_sampler_shift: float = 1.0
    reactions_per_kit: int = 96
    reserve: float = 0.0

    @classmethod
    def from_spec(cls, spec, table_shift: float | None) -> Staffing:
        """The scenario's `staffing:`; a shift at a point is the tables' shift when the scenario has shifts."""
        values = spec.model_dump()
        values["shift_length"] = spec.shift_length or table_shift or DEFAULT_SHIFT_S
        return cls(**values)

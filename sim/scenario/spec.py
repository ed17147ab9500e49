"""Pydantic models of scenario format v1 (docs/scenario.md), key for key.

Only the shape of each key is checked here; checks that span keys (a point's lab exists, a lab
with points has vehicles, ...) live in `sim.scenario`, which knows the file and its lines.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from sim.core.durations import DURATION_HELP, DURATION_PATTERN, parse_duration
from sim.core.i18n import _
from sim.core.speeds import SPEED_HELP, SPEED_PATTERN, parse_speed

_DURATION_SCHEMA = {"type": "string", "pattern": DURATION_PATTERN, "description": DURATION_HELP}

Duration = Annotated[float, BeforeValidator(parse_duration), WithJsonSchema(_DURATION_SCHEMA)]
SignedDuration = Annotated[
    float,
    BeforeValidator(lambda v: parse_duration(v, allow_negative=True)),
    WithJsonSchema({**_DURATION_SCHEMA, "description": DURATION_HELP + " (may be negative)"}),
]


Speed = Annotated[
    float,
    BeforeValidator(parse_speed),
    WithJsonSchema({"type": "string", "pattern": SPEED_PATTERN, "description": SPEED_HELP}),
]


def _count(v: Any) -> Any:
    # YAML reads `1_200_000` as an int already; a string like "1_200_000" (quoted) is accepted too.
    if isinstance(v, str) and v.replace("_", "").isdigit():
        return int(v.replace("_", ""))
    if isinstance(v, bool):
        raise ValueError(_("expected a whole number, got true/false"))
    return v


Count = Annotated[int, BeforeValidator(_count), Field(gt=0, strict=False)]

# Limits that protect the machine (docs/scenario.md); far above any real round.
LIMITS = {
    "residents": 100_000_000,
    "points": 1_000_000,
    "tables": 1_000,
    "replications": 10_000,
    "pool_size": 1_000,
    "plate_size": 10_000,
    "fleet": 1_000_000,
}


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


DistKind = Literal["fixed", "exponential", "lognormal", "gamma", "triangular", "uniform", "empirical"]
_DIST_KEYS: dict[str, set[str]] = {
    "fixed": {"value"},
    "exponential": {"mean"},
    "lognormal": {"mean", "sd"},
    "gamma": {"mean", "sd"},
    "triangular": {"low", "mode", "high"},
    "uniform": {"low", "high"},
    "empirical": {"values"},
}


class DistSpec(Strict):
    """A duration that varies. A plain duration string stands for `{dist: fixed, value: ...}`."""

    dist: DistKind
    value: Duration | None = None
    mean: Duration | None = None
    sd: Duration | None = None
    low: Duration | None = None
    mode: Duration | None = None
    high: Duration | None = None
    values: list[Duration] | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _keys_fit_kind(self) -> DistSpec:
        wanted = _DIST_KEYS[self.dist]
        given = self.model_fields_set - {"dist"}
        if missing := sorted(wanted - given):
            raise ValueError(_("a {dist} distribution needs {keys}").format(dist=self.dist, keys=", ".join(missing)))
        if extra := sorted(given - wanted):
            raise ValueError(
                _("a {dist} distribution takes {keys}, not {extra}").format(
                    dist=self.dist, keys=", ".join(sorted(wanted)), extra=", ".join(extra)
                )
            )
        if empty := sorted(k for k in wanted if getattr(self, k) is None):
            raise ValueError(
                _("{keys} of a {dist} distribution has no value").format(keys=", ".join(empty), dist=self.dist)
            )
        if self.dist in ("exponential", "lognormal", "gamma") and not self.mean > 0:
            raise ValueError(_("the mean of a {dist} distribution must be positive").format(dist=self.dist))
        if self.dist in ("lognormal", "gamma") and not self.sd > 0:
            raise ValueError(
                _("the sd of a {dist} distribution must be positive (or use a fixed duration)").format(dist=self.dist)
            )
        if self.dist == "triangular" and not (self.low <= self.mode <= self.high and self.low < self.high):
            raise ValueError(_("a triangular distribution needs low <= mode <= high and low < high"))
        if self.dist == "uniform" and not self.low < self.high:
            raise ValueError(_("a uniform distribution needs low < high"))
        return self


def _plain_duration_to_dist(v: Any) -> Any:
    if isinstance(v, (str, int, float)) and not isinstance(v, bool):
        return {"dist": "fixed", "value": v}
    return v


DistField = Annotated[
    DistSpec,
    BeforeValidator(_plain_duration_to_dist),
    WithJsonSchema(
        {
            "anyOf": [
                _DURATION_SCHEMA,
                {
                    "type": "object",
                    "required": ["dist"],
                    "additionalProperties": False,
                    "properties": {
                        "dist": {"enum": list(_DIST_KEYS)},
                        **{k: _DURATION_SCHEMA for k in ("value", "mean", "sd", "low", "mode", "high")},
                        "values": {"type": "array", "items": _DURATION_SCHEMA, "minItems": 1},
                    },
                },
            ],
            "description": "a fixed duration, or "
            "{dist: exponential|lognormal|gamma|triangular|uniform|empirical|fixed, ...}",
        }
    ),
]


ProfilePairs = list[tuple[SignedDuration, Annotated[float, Field(ge=0)]]]


class Arrivals(Strict):
    turnout: float = Field(1.0, ge=0.0, le=1.0, description="share of residents who come")
    profile: ProfilePairs = Field(
        min_length=2,
        description="[time, weight] pairs: relative arrival intensity, piecewise constant; last weight 0",
    )

    @field_validator("profile")
    @classmethod
    def _profile_shape(cls, profile: list[tuple[float, float]]) -> list[tuple[float, float]]:
        times = [t for t, _w in profile]
        if any(b <= a for a, b in zip(times, times[1:], strict=False)):
            raise ValueError(_("profile times must increase strictly from one entry to the next"))
        if profile[-1][1] != 0:
            raise ValueError(_("the last profile entry must have weight 0 (no arrivals after it)"))
        if not any(w > 0 for _t, w in profile[:-1]):
            raise ValueError(_("at least one profile weight must be positive"))
        return profile


class Shifts(Strict):
    length: Duration = Field(gt=0, description="work period of a table")
    handover: Duration = Field(gt=0, description="pause after each work period")
    stagger: bool = Field(False, description="offset table j's shifts by j*(length+handover)/tables")


class Sampling(Strict):
    open: Duration = Field(0.0, description="tables start work (time since the round's start)")
    service_time: DistField = Field(description="per resident at a table: scan + swab")
    pool_size: Annotated[Count, Field(le=LIMITS["pool_size"])] = Field(
        10, description="residents per tube (1 = single tube)"
    )
    shifts: Shifts | None = None

    @field_validator("service_time")
    @classmethod
    def _takes_time(cls, d: DistSpec) -> DistSpec:
        if d.dist == "fixed" and not d.value > 0:
            raise ValueError(_("a swab takes time: a fixed service time must be more than 0s"))
        return d


class HomeVisits(Strict):
    share: float = Field(gt=0, le=1, description="share of the residents who come that are swabbed at home")
    teams: Count = Field(description="mobile teams at each point")
    visit_time: DistField = Field(description="one home visit: swab and paperwork")
    travel_time: DistField = Field(description="from one home to the next")


class Building(Strict):
    name: str = Field(min_length=1, description="building, compound or stairwell")
    residents: Count = Field(description="residents of it (at each point of the group)")


class CallSlots(Strict):
    slots: list[CallSlot] = Field(
        min_length=1, description="called in turn; residents not in any slot follow arrivals.profile"
    )
    spread: DistField = Field(
        {"dist": "fixed", "value": "0s"},
        validate_default=True,
        description="from the call (uniform over the slot's window) to arriving at the point",
    )
    ignore_share: float = Field(0.0, ge=0, le=1, description="share of those called who ignore the call and come later")
    late: DistField = Field(
        {"dist": "uniform", "low": "0s", "high": "2h"},
        validate_default=True,
        description="how long after their slot's window closes those who ignored it come",
    )


class PointGroup(Strict):
    name: str = Field(min_length=1, description="group name; points are named NAME-0001, NAME-0002, ...")
    count: Count = Field(1, description="identical points in this group")
    residents: Count = Field(description="residents per point")
    tables: Annotated[Count, Field(le=LIMITS["tables"])] = Field(description="sampling tables per point")
    lab: str = Field(description="lab that receives this group's tubes")
    travel_time: DistField = Field(description="one way, point <-> lab")
    pool_size: Annotated[Count, Field(le=LIMITS["pool_size"])] | None = Field(
        None, description="key group: its own residents per tube (1 = single tubes); default sampling.pool_size"
    )
    priority: bool = Field(False, description="key group: its tubes go ahead of other pooled tubes at the lab")
    home_visits: HomeVisits | None = Field(
        None, description="bedridden and elderly residents swabbed at home by mobile teams"
    )
    call_slots: CallSlots | None = Field(None, description="residents called building by building in time slots")


class PointFile(Strict):
    file: str = Field(
        min_length=1,
        description="CSV beside the scenario, one row per point: name,residents,tables,lab,travel_time",
    )


def _point_kind(v: Any) -> str:
    # Decide group-or-file up front so errors speak of one kind, not both.
    return "file" if isinstance(v, dict) and "file" in v else "group"


PointEntry = Annotated[
    Annotated[PointGroup, Tag("group")] | Annotated[PointFile, Tag("file")],
    Discriminator(_point_kind),
]


class AutoRoutes(Strict):
    max_loop: Duration = Field(gt=0, description="a loop's longest planned duration, lab to lab")
    capacity: Annotated[Count, Field(le=LIMITS["fleet"])] = Field(
        description="tubes a vehicle carries; a loop's stops hold at most this many at the peak"
    )
    stops_max: Annotated[Count, Field(le=1000)] = Field(12, description="stops on one loop at most")
    vehicles: Annotated[Count, Field(le=LIMITS["fleet"])] = Field(1, description="vehicles on each route")
    time_limit: Duration = Field(60.0, gt=0, description="for the routing solver, all labs together")


class Routes(Strict):
    file: str | None = Field(
        None,
        min_length=1,
        description="CSV: route, vehicles, lab, stops (site names in order, ; between); optional capacity",
    )
    auto: AutoRoutes | None = Field(
        None, description="or: routes built from the map by a vehicle-routing solver (OR-Tools)"
    )
    on_full: Literal["wait", "call"] = Field(
        "wait", description="a site whose box fills before its route comes: waits, or calls a lab vehicle (v1)"
    )
    max_loop: Duration | None = Field(None, gt=0, description="file routes: warn of a loop planned longer than this")

    @model_validator(mode="after")
    def _file_or_auto(self) -> Routes:
        if (self.file is None) == (self.auto is None):
            raise ValueError(_("give routes either a file: (routes.csv) or auto: (built from the map), not both"))
        return self


class Transport(Strict):
    pickup_interval: Duration = Field(7200.0, gt=0, description="each point is visited at least this often")
    box_capacity: Annotated[Count, Field(le=LIMITS["fleet"])] = Field(
        100, description="a box of this many sealed tubes calls a pickup at once"
    )
    vehicles: dict[str, Annotated[int, BeforeValidator(_count), Field(gt=0, le=LIMITS["fleet"])]] = Field(
        default_factory=dict, description="vehicles based at each lab, by lab name"
    )
    routes: Routes | None = Field(
        None, description="couriers driving loops through several sites (extension, docs/routes.md)"
    )


def _threshold(v: Any) -> Any:
    """`2000 tubes` (tubes waiting) or a duration (hours of work at the lab's capacity) -> (value, unit)."""
    if isinstance(v, str) and v.strip().endswith("tubes"):
        number = v.strip().removesuffix("tubes").strip().replace("_", "").replace(",", "")
        if number.isdigit() and int(number) > 0:
            return (float(number), "tubes")
        raise ValueError(
            _("{value!r}: write a number of tubes, e.g. 2000 tubes, or a duration of work, e.g. 3h").format(value=v)
        )
    try:
        seconds = parse_duration(v)
    except ValueError:
        raise ValueError(
            _("{value!r}: write a number of tubes, e.g. 2000 tubes, or a duration of work, e.g. 3h").format(value=v)
        ) from None
    if seconds <= 0:
        raise ValueError(_("the threshold must be more than zero"))
    return (seconds, "hours")


Threshold = Annotated[
    tuple[float, Literal["tubes", "hours"]],
    BeforeValidator(_threshold),
    WithJsonSchema({"type": "string", "description": "N tubes (waiting) or a duration of work at capacity, e.g. 3h"}),
]


class LabShifts(Strict):
    length: Duration = Field(gt=0, description="a shift of the lab's staff")
    handover: Duration = Field(
        gt=0, description="instruments stop this long between shifts (a plate under way is finished)"
    )


class Trunk(Strict):
    travel_time: DistField = Field(description="one way, this lab to the lab the tubes go to")
    every: Duration = Field(7200.0, gt=0, description="a trunk vehicle leaves this often (from the round's start)")
    capacity: Annotated[Count, Field(le=LIMITS["fleet"] * 100)] = Field(
        100_000, description="tubes a departure carries; a full load leaves at once"
    )


class Overflow(Strict):
    when: Threshold = Field(
        description="the backlog that sends tubes on: N tubes waiting, or a duration of work at capacity"
    )
    to: list[Annotated[str, Field(min_length=1)]] = Field(min_length=1, description="labs to send to, in order")
    trunk: Trunk


class Lab(Strict):
    name: str = Field(min_length=1)
    extractors: Annotated[Count, Field(le=LIMITS["fleet"])] = Field(description="nucleic-acid extraction instruments")
    pcr_machines: Annotated[Count, Field(le=LIMITS["fleet"])] = Field(description="amplification instruments")
    plate_size: Annotated[Count, Field(le=LIMITS["plate_size"])] = Field(
        94, description="sample wells per plate (96 minus controls)"
    )
    extraction_time: DistField = Field(description="per plate")
    pcr_time: DistField = Field(description="per plate")
    max_plate_wait: Duration = Field(1800.0, description="start a partial plate once its oldest tube waited this long")
    report_delay: Duration = Field(0.0, description="from end of PCR to result reported")
    available_from: Duration = Field(
        0.0, description="the lab opens then (a mobile lab arriving); tubes wait for it (extension)"
    )
    external: bool = Field(
        False, description="reached only by trunk from other labs' overflow: no points send to it (extension)"
    )
    staffed: LabShifts | None = Field(
        None, description="instruments work in staffed shifts and stop at each handover (extension)"
    )
    overflow: Overflow | None = Field(
        None, description="send arriving tubes on when the backlog passes a threshold (extension)"
    )


class Positives(Strict):
    prevalence: float = Field(ge=0.0, le=1.0, description="probability that a resident is positive")
    recall_delay: Duration = Field(description="pooled positive result -> members swabbed again singly")


class _Window(Strict):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, populate_by_name=True)

    from_: SignedDuration = Field(alias="from", description="start of the disruption (time since the round's start)")
    to: SignedDuration = Field(description="end of the disruption")

    @model_validator(mode="wrap")
    @classmethod
    def _ordered(cls, data: Any, handler):
        """'to' after 'from', said with the window's other problems, not only once they are mended."""
        try:
            window = handler(data)
        except ValidationError as exc:
            errors = exc.errors()
            order = _window_order(data) if isinstance(data, dict) else None
            if order is None or any(
                isinstance(e["type"], str) and e["type"] == "value_error" and not e["loc"] for e in errors
            ):
                raise
            details = [
                {"type": e["type"], "loc": e["loc"], "input": e["input"], "ctx": e.get("ctx") or {}} for e in errors
            ]
            details.append({"type": "value_error", "loc": (), "input": data, "ctx": {"error": ValueError(order)}})
            try:
                raise ValidationError.from_exception_data(exc.title, details) from None
            except (KeyError, TypeError):  # an error pydantic cannot make again: its own first
                raise exc from None
        if not window.to > window.from_:
            raise ValueError(_("'to' must be later than 'from'"))
        return window


def _window_order(data: dict) -> str | None:
    """The order problem of a window whose times read (others of its fields may be wrong), else None."""
    try:
        start, end = (parse_duration(data[k], allow_negative=True) for k in ("from", "to"))
    except (KeyError, ValueError, TypeError, ArithmeticError):
        return None
    return None if end > start else _("'to' must be later than 'from'")


class CallSlot(_Window):
    from_: SignedDuration = Field(
        alias="from", description="volunteers start calling this slot (time since the round's start)"
    )
    to: SignedDuration = Field(description="end of the slot's window")
    share: float | None = Field(None, gt=0, le=1, description="share of the point's residents called in this slot")
    buildings: list[Building] | None = Field(None, min_length=1, description="or: the buildings called in this slot")

    @model_validator(mode="after")
    def _one_way(self):
        if (self.share is None) == (self.buildings is None):
            raise ValueError(_("give a slot either a share of the point's residents or a list of buildings, not both"))
        return self

    def share_of(self, residents: int) -> float:
        """The slot's share of a point's residents (its buildings' residents over the point's)."""
        return self.share if self.share is not None else sum(b.residents for b in self.buildings) / residents


class ClosePoints(_Window):
    kind: Literal["close_points"]
    points: list[str] = Field(
        min_length=1, description="group names or point names: nobody is served there; the queue waits"
    )


class TablesDown(_Window):
    kind: Literal["tables_down"]
    group: str = Field(description="point group short of staff")
    tables: Count = Field(description="tables per point that stop (the highest-numbered ones)")


class LabOutage(_Window):
    kind: Literal["lab_outage"]
    lab: str
    extractors: Annotated[int, Field(ge=0)] = Field(0, description="extraction instruments out of service")
    pcr_machines: Annotated[int, Field(ge=0)] = Field(0, description="PCR machines out of service")


class TravelSlowdown(_Window):
    kind: Literal["travel_slowdown"]
    lab: str | None = Field(None, description="vehicles of this lab (or give group)")
    group: str | None = Field(None, description="trips to and from this group's points (or give lab)")
    factor: float = Field(gt=0, le=100, description="travel times drawn in the window are multiplied by this")


class LabSurge(_Window):
    kind: Literal["lab_surge"]
    lab: str
    extractors: Annotated[int, Field(ge=0)] = Field(0, description="extraction instruments added")
    pcr_machines: Annotated[int, Field(ge=0)] = Field(0, description="PCR machines added")


class ArrivalShift(_Window):
    kind: Literal["arrival_shift"]
    factor: float = Field(
        ge=0, le=1, description="arrival intensity in the window is multiplied by this; the rest come later"
    )


class RoundChange(Strict):
    round: Count = Field(description="which round of the campaign (1 = the first)")
    turnout: float | None = Field(None, ge=0.0, le=1.0, description="this round's turnout")
    profile: ProfilePairs | None = Field(
        None, min_length=2, description="this round's arrival profile, times since the round's start"
    )

    @field_validator("profile")
    @classmethod
    def _profile_shape(cls, profile):
        return Arrivals._profile_shape(profile) if profile is not None else None


class Campaign(Strict):
    rounds: Annotated[Count, Field(le=1000)] = Field(description="rounds in the campaign")
    every: Duration = Field(gt=0, description="from one round's start to the next")
    changes: list[RoundChange] = Field(default_factory=list, description="rounds with their own turnout or profile")


class Walking(Strict):
    speed: Speed = Field("4km/h", validate_default=True, description="walking speed (P2)")
    detour: float = Field(1.3, ge=1.0, le=5.0, description="walking distance / straight-line distance")
    standard: Duration = Field(900.0, gt=0, description="the walking standard (15-minute sampling circle)")


class Driving(Strict):
    speed: Speed = Field("30km/h", validate_default=True, description="driving speed between sites and labs (P5)")
    detour: float = Field(1.4, ge=1.0, le=5.0, description="driving distance / straight-line distance")
    cv: float = Field(
        0.25, ge=0.0, le=3.0, description="each trip's time: lognormal with this coefficient of variation"
    )
    matrix: str | None = Field(
        None, min_length=1, description="CSV from,to,minutes (site or lab names); overrides the formula"
    )


class PlaceCallSlot(_Window):
    from_: SignedDuration = Field(
        alias="from", description="volunteers start calling this slot (time since the round's start)"
    )
    to: SignedDuration = Field(description="end of the slot's window")
    share: float | None = Field(None, gt=0, le=1, description="share of each site's residents called in this slot")
    buildings: list[Annotated[str, Field(min_length=1)]] | None = Field(
        None, min_length=1, description="or: the compounds called in this slot, by name"
    )

    @model_validator(mode="after")
    def _one_way(self):
        if (self.share is None) == (self.buildings is None):
            raise ValueError(
                _("give a slot either a share of the residents or a list of compounds (buildings), not both")
            )
        return self


class PlaceCallSlots(CallSlots):
    slots: list[PlaceCallSlot] = Field(
        min_length=1, description="called in turn; residents not in any slot follow arrivals.profile"
    )


class PlaceGroup(Strict):
    """The per-group keys of v1 point groups, for the sites (and compounds) that name this group."""

    pool_size: Annotated[Count, Field(le=LIMITS["pool_size"])] | None = Field(
        None, description="its own residents per tube"
    )
    priority: bool = Field(False, description="its tubes go ahead of other pooled tubes at the lab")
    home_visits: HomeVisits | None = Field(None, description="residents swabbed at home by mobile teams (per site)")
    call_slots: PlaceCallSlots | None = Field(None, description="residents called compound by compound in time slots")


def _network_file(v: Any) -> Any:
    return {"file": v} if isinstance(v, str) else v


class Network(Strict):
    """The city's streets (places P2n, P5n; docs/streets.md): walks and drives along them."""

    file: str = Field(min_length=1, description="an OpenStreetMap extract (.osm.pbf, .osm) or GeoJSON street lines")
    walking_speeds: dict[str, Speed] = Field(
        default_factory=dict, description="walking speed by road class (default: walking.speed on every walkable class)"
    )
    driving_speeds: dict[str, Speed] = Field(
        default_factory=dict, description="driving speed by road class (defaults in docs/streets.md)"
    )
    snap_warning: float = Field(
        250.0, gt=0, description="metres: a compound, site or lab farther than this from any street is warned about"
    )

    @field_validator("walking_speeds", "driving_speeds")
    @classmethod
    def _classes(cls, speeds, info):
        from sim.scenario.places.streets import DRIVING_SPEEDS, WALKABLE

        known = WALKABLE if info.field_name == "walking_speeds" else tuple(DRIVING_SPEEDS)
        unknown = [k for k in speeds if k not in known]
        if unknown:
            raise ValueError(
                _("unknown road class {names}; the classes are {known}").format(
                    names=", ".join(unknown), known=", ".join(known)
                )
            )
        return speeds


class Places(Strict):
    """The round on a map (places v1): compounds where residents live, sites where points stand, labs."""

    coordinates: Literal["lonlat", "metres"] = Field(
        "lonlat", description="lonlat: degrees (WGS84); metres: planar x, y"
    )
    compounds: str = Field(min_length=1, description="CSV: name, lon, lat (or x, y), residents; optional site, group")
    sites: str = Field(
        min_length=1, description="CSV: name, lon, lat (or x, y), tables; optional lab, group, candidate, max_tables"
    )
    labs: dict[str, tuple[float, float]] = Field(
        default_factory=dict, description="where each lab stands: [lon, lat] or [x, y]"
    )
    walking: Walking = Field(default_factory=Walking)
    driving: Driving = Field(default_factory=Driving)
    assignment: Literal["nearest", "file"] = Field(
        "nearest", description="nearest open site by walking time, or the CSV's site"
    )
    groups: dict[str, PlaceGroup] = Field(default_factory=dict, description="per-group keys for sites naming a group")
    network: Annotated[Network, BeforeValidator(_network_file)] | None = Field(
        None, description="the streets: walks and drives along them instead of straight lines (a file, or {file: ...})"
    )


EventEntry = Annotated[
    ClosePoints | TablesDown | LabOutage | TravelSlowdown | ArrivalShift | LabSurge, Discriminator("kind")
]
EVENT_KINDS = ("close_points", "tables_down", "lab_outage", "travel_slowdown", "arrival_shift", "lab_surge")
EVENT_CLASSES = dict(
    zip(EVENT_KINDS, (ClosePoints, TablesDown, LabOutage, TravelSlowdown, ArrivalShift, LabSurge), strict=True)
)


Ratio = Annotated[float, Field(ge=0, le=1000)]


class Staffing(Strict):
    """The bill's ratios (natsim extension; defaults and their sources in docs/bill.md)."""

    shift_length: Duration | None = Field(
        None, gt=0, description="one shift at a point (default: sampling.shifts.length when given, else 8h)"
    )
    lab_shift_length: Duration = Field(28800.0, gt=0, description="one shift of couriers and lab technicians")
    samplers_per_table: Ratio = Field(1.0, description="samplers at each table per shift")
    registrars_per_table: Ratio = Field(1.0, description="registrars scanning codes at each table per shift")
    order_keepers_per_point: Ratio = Field(2.0, description="keepers of order at each point per shift")
    volunteers_per_point: Ratio = Field(4.0, description="volunteers at each point per shift")
    couriers_per_vehicle: Ratio = Field(1.0, description="couriers (drivers) per vehicle per shift")
    technicians_per_instrument: Ratio = Field(
        0.5, description="lab technicians per instrument (extractor or PCR) per shift"
    )
    ppe_sets_per_sampler_shift: Ratio = Field(1.0, description="protective suits used by a sampler in one shift")
    reactions_per_kit: Annotated[Count, Field(le=10_000)] = Field(96, description="reactions (wells) per reagent kit")
    reserve: float = Field(0.0, ge=0, le=10, description="materials ordered beyond the simulated use, as a share")


class Scenario(Strict):
    """A testing round in one city or district (scenario format v1)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, title="natsim scenario (format v1)")

    name: str = Field(min_length=1)
    description: str | None = None
    start: dt.datetime | None = Field(None, description="wall-clock anchor, only for plot labels")
    deadline: Duration = Field(gt=0, description="every sampled resident's pooled result by then")
    seed: Annotated[int, Field(ge=0)] = 0
    replications: Annotated[Count, Field(le=LIMITS["replications"])] = 1
    arrivals: Arrivals
    sampling: Sampling
    points: list[PointEntry] = Field(
        default_factory=list, description="point groups (required unless places: is given)"
    )
    transport: Transport
    labs: list[Lab] = Field(min_length=1)
    positives: Positives | None = None
    events: list[EventEntry] = Field(default_factory=list, description="disruptions (natsim extension of format v1)")
    campaign: Campaign | None = Field(None, description="successive rounds (natsim extension of format v1)")
    places: Places | None = Field(None, description="the round on a map: compounds, sites, labs (places v1)")
    staffing: Staffing = Field(
        default_factory=Staffing, description="ratios for the staff and materials bill (natsim extension)"
    )

    @model_validator(mode="after")
    def _points_or_places(self) -> Scenario:
        if not self.points and self.places is None:
            raise ValueError(_("give points: (point groups) or places: (compounds and sites on a map)"))
        return self

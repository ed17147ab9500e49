"""Random scenarios for property tests (hypothesis): small rounds with every kind of duration, one or two
labs, shifts, positives and events. Shared by the invariant tests and the compiled loop's comparison with
SimPy."""

from __future__ import annotations

from hypothesis import strategies as st

minutes = st.integers(1, 180).map(lambda m: f"{m}m")


@st.composite
def durations(draw):
    kind = draw(st.sampled_from(["fixed", "exponential", "lognormal", "uniform", "triangular"]))
    lo = draw(st.integers(5, 120))
    if kind == "fixed":
        return f"{lo}s"
    if kind == "exponential":
        return {"dist": "exponential", "mean": f"{lo}s"}
    if kind == "lognormal":
        return {"dist": "lognormal", "mean": f"{lo}s", "sd": f"{draw(st.integers(1, 60))}s"}
    hi = lo + draw(st.integers(1, 120))
    if kind == "uniform":
        return {"dist": "uniform", "low": f"{lo}s", "high": f"{hi}s"}
    return {"dist": "triangular", "low": f"{lo}s", "mode": f"{draw(st.integers(lo, hi))}s", "high": f"{hi}s"}


@st.composite
def scenarios(draw) -> dict:
    n_labs = draw(st.integers(1, 2))
    labs = [f"lab{i}" for i in range(n_labs)]
    times = sorted(draw(st.sets(st.integers(-60, 360), min_size=2, max_size=5)))
    weights = [draw(st.integers(0, 5)) for _ in times[:-1]]
    if not any(weights):
        weights[0] = 1
    sc = {
        "name": "random",
        "deadline": "2d",
        "seed": draw(st.integers(0, 10_000)),
        "arrivals": {
            "turnout": draw(st.floats(0.3, 1.0)),
            "profile": [[f"{t}m", w] for t, w in zip(times, [*weights, 0], strict=True)],
        },
        "sampling": {
            "open": f"{draw(st.integers(0, 60))}m",
            "service_time": draw(durations()),
            "pool_size": draw(st.integers(1, 20)),
        },
        "points": [
            {
                "name": f"g{i}",
                "count": draw(st.integers(1, 3)),
                "residents": draw(st.integers(1, 250)),
                "tables": draw(st.integers(1, 4)),
                "lab": draw(st.sampled_from(labs)),
                "travel_time": draw(durations()),
            }
            for i in range(draw(st.integers(1, 3)))
        ],
        "transport": {
            "pickup_interval": draw(minutes),
            "box_capacity": draw(st.integers(1, 40)),
            "vehicles": {lab: draw(st.integers(1, 4)) for lab in labs},
        },
        "labs": [
            {
                "name": lab,
                "extractors": draw(st.integers(1, 3)),
                "pcr_machines": draw(st.integers(1, 3)),
                "plate_size": draw(st.integers(1, 96)),
                "extraction_time": draw(durations()),
                "pcr_time": draw(durations()),
                "max_plate_wait": f"{draw(st.integers(0, 60))}m",
                "report_delay": f"{draw(st.integers(0, 30))}m",
            }
            for lab in labs
        ],
    }
    if draw(st.booleans()):
        sc["sampling"]["shifts"] = {
            "length": draw(minutes),
            "handover": f"{draw(st.integers(1, 30))}m",
            "stagger": draw(st.booleans()),
        }
    if draw(st.booleans()):
        sc["positives"] = {"prevalence": draw(st.floats(0.0, 0.05)), "recall_delay": draw(minutes)}
    events = []
    for _ in range(draw(st.integers(0, 3))):
        start = draw(st.integers(-60, 300))
        window = {"from": f"{start}m", "to": f"{start + draw(st.integers(1, 120))}m"}
        group = draw(st.sampled_from(sc["points"]))["name"]
        events.append(
            draw(
                st.sampled_from(
                    [
                        {"kind": "close_points", "points": [group], **window},
                        {"kind": "tables_down", "group": group, "tables": draw(st.integers(1, 4)), **window},
                        {
                            "kind": "lab_outage",
                            "lab": (lab := draw(st.sampled_from(sc["labs"])))["name"],
                            "extractors": draw(st.integers(0, lab["extractors"])),  # no more than the lab has
                            "pcr_machines": draw(st.integers(0, lab["pcr_machines"])),
                            **window,
                        },
                        {
                            "kind": "travel_slowdown",
                            "lab": draw(st.sampled_from(labs)),
                            "factor": draw(st.floats(0.5, 3.0)),
                            **window,
                        },
                        {"kind": "arrival_shift", "factor": draw(st.floats(0.0, 1.0)), **window},
                    ]
                )
            )
        )
    if events:
        sc["events"] = events
    return sc


@st.composite
def logistics_scenarios(draw) -> dict:
    """`scenarios()` with the features the logistics drivers must agree on besides: key groups (their own pool
    size, priority at the lab), home visits, call slots, lab surges, staffed labs, labs that open late and
    trunks between labs."""
    sc = draw(scenarios())
    for g in sc["points"]:
        if draw(st.booleans()):
            g["pool_size"] = draw(st.integers(1, 5))
            g["priority"] = draw(st.booleans())
        if draw(st.integers(0, 3)) == 0:
            g["home_visits"] = {
                "share": draw(st.floats(0.05, 0.5)),
                "teams": draw(st.integers(1, 2)),
                "visit_time": draw(durations()),
                "travel_time": draw(durations()),
            }
        if draw(st.integers(0, 3)) == 0:
            start = draw(st.integers(0, 120))
            g["call_slots"] = {
                "slots": [
                    {"from": f"{start}m", "to": f"{start + 60}m", "share": 0.5},
                    {"from": f"{start + 60}m", "to": f"{start + 120}m", "share": 0.3},
                ],
                "ignore_share": draw(st.floats(0.0, 0.3)),
            }
    for lab in sc["labs"]:
        if draw(st.integers(0, 2)) == 0:
            lab["staffed"] = {"length": f"{draw(st.integers(60, 480))}m", "handover": f"{draw(st.integers(5, 60))}m"}
        if draw(st.integers(0, 3)) == 0:
            lab["available_from"] = f"{draw(st.integers(0, 180))}m"
    if len(sc["labs"]) == 2 and draw(st.booleans()):  # rule L1: the first lab sends on to the second
        sc["labs"][0]["overflow"] = {
            "when": draw(st.sampled_from([f"{draw(st.integers(1, 60))} tubes", f"{draw(st.integers(1, 120))}m"])),
            "to": [sc["labs"][1]["name"]],
            "trunk": {"travel_time": draw(durations()), "every": draw(minutes), "capacity": draw(st.integers(1, 200))},
        }
    for _ in range(draw(st.integers(0, 2))):
        start = draw(st.integers(-60, 300))
        sc.setdefault("events", []).append(
            {
                "kind": "lab_surge",
                "lab": draw(st.sampled_from(sc["labs"]))["name"],
                "extractors": draw(st.integers(0, 2)),
                "pcr_machines": draw(st.integers(0, 2)),
                "from": f"{start}m",
                "to": f"{start + draw(st.integers(1, 180))}m",
            }
        )
    return sc

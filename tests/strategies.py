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

"""What the page shows, as one JSON document (`/api/state`): the verdict now, the forecast track, the
points (on the map when the scenario has one), the labs, the options, the refused snapshots."""

from __future__ import annotations

import json

import numpy as np

from sim.scenario.round import Round
from sim.watch.store import ForecastRow, SnapshotRow
from sim.watch.watch import Watch

REFUSED_SHOWN = 50


def _h(seconds: float | None) -> float | None:
    return None if seconds is None else seconds / 3600


def track_point(f: ForecastRow, snap: SnapshotRow) -> dict:
    """One forecast on the track: made from the status at `at_h`, its last result and 95% prediction interval."""
    r = f.result or {}
    last = r.get("last_result_h") or {}
    lo, hi = last.get("prediction95") or (None, None)
    return {
        "forecast": f.id,
        "snapshot": snap.id,
        "at_h": _h(snap.at_s),
        "finished": f.finished,
        "seconds": f.seconds,
        "error": f.error,
        "p": r.get("deadline_met_probability"),
        "p_ci95": r.get("deadline_met_ci95"),
        "mean": last.get("mean"),
        "lo": lo,
        "hi": hi,
    }


MAX_ROADS = 20_000  # main-road segments sent to the watch page


def site_map(rnd: Round) -> dict | None:
    """Each open site's coordinates by point name, on a places scenario; None otherwise."""
    places = rnd.places
    if places is None:
        return None
    xy = {name: places.site_xy[i] for i, name in enumerate(places.site_names)}
    points = [[n, float(xy[n][0]), float(xy[n][1])] for n in rnd.point_names() if n in xy]
    out = {"lonlat": bool(places.lonlat), "sites": points}
    if places.streets is not None:  # the main roads under the sites (a city's every street would be megabytes)
        seg = places.streets.segments[places.streets.main][:MAX_ROADS]
        out["roads"] = np.round(seg.reshape(-1, 4), 6).tolist()
    return out if points else None


def page_state(watch: Watch) -> dict:
    store = watch.store
    snaps = {s.id: s for s in store.snapshots()}
    finished = store.track()
    track = sorted((track_point(f, snaps[f.snapshot]) for f in finished), key=lambda t: (t["at_h"], t["forecast"]))
    done = [f for f in finished if f.error is None and f.result is not None]
    now = max(done, key=lambda f: (snaps[f.snapshot].at_s, f.id)) if done else None
    latest = store.latest_accepted()
    running = watch.running()
    counts = {k: sum(1 for s in snaps.values() if s.state == k) for k in ("accepted", "older", "refused")}
    refused = [s for s in snaps.values() if s.state == "refused"][-REFUSED_SHOWN:]
    interrupted = [e[2] for e in store.events("interrupted")]
    result = store.result(now.id) if now else None
    return {
        "scenario": watch.rnd.name,
        "deadline_h": watch.rnd.deadline / 3600,
        "every_h": watch.settings.every / 3600,
        "adds": list(watch.settings.adds),
        "counts": counts | {"forecasts": len(track), "interrupted": len(interrupted)},
        "latest": None if latest is None else {"snapshot": latest.id, "at_h": _h(latest.at_s), "source": latest.source},
        "running": None
        if running is None
        else {"forecast": running[0], "snapshot": running[1], "at_h": _h(snaps[running[1]].at_s)},
        "now": None
        if now is None
        else track_point(now, snaps[now.snapshot])
        | {
            "replications": result["replications"],
            "binding_stage": result.get("binding_stage"),
            "binding_lab": result.get("binding_lab"),
            "past": result.get("past"),
        },
        "track": track,
        "points": result["points"] if result else [],
        "labs": result["labs"] if result else [],
        "options": result["options"] if result else [],
        "map": site_map(watch.rnd),
        "refused": [
            {"snapshot": s.id, "received": s.received, "source": s.source, "problems": s.problems}
            for s in reversed(refused)
        ],
        "interrupted": interrupted,
    }


def state_json(watch: Watch) -> bytes:
    """The page's data; built again only when something changed (20 screens poll it), the clock always now."""
    key = (watch.store.version(), watch.running())
    with watch.cache_lock:
        if watch.cache is None or watch.cache[0] != key:
            watch.cache = (key, json.dumps(page_state(watch), ensure_ascii=False, separators=(",", ":")))
        body = watch.cache[1]
    now = watch.clock.now()
    clock = "null" if now is None else f"{now / 3600:.4f}"
    return (body[:-1] + f',"version":"{key}","clock_h":{clock}}}').encode()

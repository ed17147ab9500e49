"""The page's data: the track in the order of the statuses, the verdict from the latest, sites on a map."""

from __future__ import annotations

from sim.scenario.build import build_round
from sim.scenario.load import load_scenario
from sim.watch.state import page_state, site_map
from sim.watch.watch import Settings, Watch

H = 3600.0


def _result(at_h: float, mean: float) -> dict:
    return {
        "at_h": at_h,
        "replications": 4,
        "deadline_met_probability": 0.75,
        "deadline_met_ci95": [0.2, 0.99],
        "last_result_h": {"mean": mean, "prediction95": [mean - 1, mean + 1]},
        "points": [{"point": "school-0001", "behind": True}],
        "labs": [],
        "options": [],
    }


def test_the_track_and_the_verdict_now(scenario, drill_round, tmp_path):
    watch = Watch(Settings(scenario, tmp_path / "w"), drill_round, None)
    store = watch.store
    late = store.add_snapshot("a", "1", 3 * H, "accepted", [], {})
    early = store.add_snapshot("b", "2", 1 * H, "older", [], {})
    store.add_snapshot("c", "3", None, "refused", ["x.csv: not a status file"], {})
    for sid, at, mean in ((late, 3.0, 7.5), (early, 1.0, 8.0)):
        store.finish_forecast(store.start_forecast(sid), 2.0, _result(at, mean), None)
    store.start_forecast(late)  # one still running elsewhere: not on the track
    s = page_state(watch)
    assert [(t["at_h"], t["mean"], t["lo"], t["hi"]) for t in s["track"]] == [
        (1.0, 8.0, 7.0, 9.0),
        (3.0, 7.5, 6.5, 8.5),
    ]
    assert s["now"]["at_h"] == 3.0 and s["now"]["p"] == 0.75 and s["points"][0]["behind"]
    assert s["refused"] == [
        {
            "snapshot": 3,
            "received": s["refused"][0]["received"],
            "source": "c",
            "problems": ["x.csv: not a status file"],
        }
    ]
    assert s["counts"] == {"accepted": 1, "older": 1, "refused": 1, "forecasts": 2, "interrupted": 0}
    assert s["map"] is None
    watch.close()


def test_sites_of_a_places_scenario_are_on_the_map(siting_town):
    loaded = load_scenario(siting_town / "town.yaml")
    rnd = build_round(loaded)
    m = site_map(rnd)
    assert [name for name, _x, _y in m["sites"]] == [n for n in rnd.point_names()]
    assert not m["lonlat"]


def test_a_map_on_streets_sends_its_main_roads_to_the_page():
    from dataclasses import replace
    from pathlib import Path

    import pytest

    rnd = build_round(load_scenario(Path(__file__).parents[2] / "scenarios" / "river-town-streets.yaml"))
    m = site_map(rnd)
    main = rnd.places.streets.segments[rnd.places.streets.main]
    assert len(m["roads"]) == len(main) > 0 and m["roads"][0] == pytest.approx(main[0].ravel().tolist(), abs=1e-6)
    assert "roads" not in site_map(rnd.with_(places=replace(rnd.places, streets=None)))

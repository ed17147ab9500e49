import matplotlib.image as mpimg

from sim.report.plots.map import _nice, map_plot
from sim.report.summary import RunResult
from sim.run.runner import run
from sim.scenario.build import build_round
from sim.scenario.load import load_scenario


def test_scale_bars_are_round_lengths():
    assert [_nice(x) for x in (0.7, 3.3, 17.0, 240.0)] == [0.5, 2.0, 10.0, 200.0]


def test_the_map_is_drawn(tmp_path):
    (tmp_path / "c.csv").write_text("name,lon,lat,residents\na,108.90,34.20,300\nb,108.95,34.22,500\nc,109.10,34.30,200\n")
    (tmp_path / "s.csv").write_text("name,lon,lat,tables\ns1,108.91,34.20,2\ns2,108.96,34.21,1\ns3,109.0,34.0,0\n")
    (tmp_path / "m.yaml").write_text(
        "name: map\ndeadline: 12h\narrivals: {profile: [[0h, 1], [3h, 0]]}\nsampling: {service_time: 40s}\n"
        "places: {compounds: c.csv, sites: s.csv, labs: {L: [108.93, 34.25]}}\n"
        "transport: {vehicles: {L: 2}}\nlabs: [{name: L, extractors: 1, pcr_machines: 1, extraction_time: 1h, pcr_time: 1h}]\n"
    )
    rnd = build_round(load_scenario(tmp_path / "m.yaml"))
    result: RunResult = run(rnd, 1)
    map_plot(result, tmp_path / "map.png")
    img = mpimg.imread(tmp_path / "map.png")
    assert img.shape[0] > 900 and img.std() > 0.05


def test_the_siting_map_is_drawn(siting_town, tmp_path):
    from sim.report.plots.map import siting_plot

    rnd = build_round(load_scenario(siting_town / "town.yaml"))
    siting_plot(rnd.places, rnd.name, tmp_path / "siting.png")
    assert mpimg.imread(tmp_path / "siting.png").std() > 0.05


def test_the_streets_are_drawn_under_the_map_with_the_worst_walks(tmp_path):
    """On the river town: every street segment drawn once, main roads heavier, and the walks of the three
    worst-served compounds drawn from the compound to its site along the streets."""
    from pathlib import Path

    import matplotlib.pyplot as plt
    import numpy as np

    from sim.report.plots.map import WORST_PATHS, _streets

    rnd = build_round(load_scenario(Path(__file__).parents[3] / "scenarios" / "river-town-streets.yaml"))
    m = rnd.places
    fig, ax = plt.subplots()
    legend = _streets(ax, m, 1.0)
    minor, main = ax.collections
    assert len(minor.get_segments()) + len(main.get_segments()) == len(m.streets.segments)
    assert len(main.get_segments()) == int(m.streets.main.sum()) > 0
    assert main.get_linewidths()[0] > minor.get_linewidths()[0]
    worst = np.argsort(-m.walk)[:WORST_PATHS]
    assert len(ax.lines) == WORST_PATHS and len(legend) == 3
    for c, line in zip(worst, ax.lines, strict=True):
        xy = line.get_xydata()
        assert xy[0].tolist() == m.compound_xy[c].tolist() and xy[-1].tolist() == m.site_xy[m.assigned[c]].tolist()
        assert len(xy) > 3  # along the streets, not straight
    plt.close(fig)

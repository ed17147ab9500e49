import numpy as np
import pytest
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.colors import to_rgba

from sim.report.plots.map import _nice, map_plot, siting_plot
from sim.report.summary import RunResult
from sim.run.runner import run
from sim.scenario.build import build_round
from sim.scenario.load import load_scenario


def _scatter(ax, xy: np.ndarray, coloured: bool | None = None) -> PathCollection:
    """The one scatter drawn at exactly these points (`coloured`: by a colour map, or in one colour)."""
    found = [
        c
        for c in ax.collections
        if isinstance(c, PathCollection)
        and c.get_offsets().shape == xy.shape
        and np.allclose(c.get_offsets(), xy)
        and (coloured is None or (c.get_array() is not None) == coloured)
    ]
    assert len(found) == 1, xy
    return found[0]


def test_scale_bars_are_round_lengths():
    assert [_nice(x) for x in (0.7, 3.3, 17.0, 240.0)] == [0.5, 2.0, 10.0, 200.0]


@pytest.fixture(scope="module")
def result(tmp_path_factory) -> RunResult:
    tmp_path = tmp_path_factory.mktemp("map")
    compounds = "a,108.91,34.201,300\nb,108.95,34.22,500\nc,109.10,34.30,200\n"  # a: beside its site
    (tmp_path / "c.csv").write_text("name,lon,lat,residents\n" + compounds)
    sites = "小寨小学,108.91,34.20,2\ns2,108.96,34.21,1\ns3,109.0,34.0,0\n"  # a Chinese name, drawn beside its site
    (tmp_path / "s.csv").write_text("name,lon,lat,tables\n" + sites)
    (tmp_path / "m.yaml").write_text(
        "name: map\ndeadline: 12h\narrivals: {profile: [[0h, 1], [3h, 0]]}\nsampling: {service_time: 40s}\n"
        "places: {compounds: c.csv, sites: s.csv, labs: {L: [108.93, 34.25]}}\n"
        "transport: {vehicles: {L: 2}}\n"
        "labs: [{name: L, extractors: 1, pcr_machines: 1, extraction_time: 1h, pcr_time: 1h}]\n"
    )
    return run(build_round(load_scenario(tmp_path / "m.yaml")), 1)


def test_the_map_draws_compounds_sites_and_labs_where_they_are(result, drawn, tmp_path):
    fig = map_plot(result, tmp_path / "map.png")
    ax = fig.axes[0]
    m = result.rnd.places
    open_, closed = m.open_sites, np.flatnonzero(m.site_tables == 0)
    assert [m.site_names[s] for s in open_] == ["小寨小学", "s2"] and [m.site_names[s] for s in closed] == ["s3"]
    p95 = {row["name"]: row["wait_p95_min"] for row in result.points_table()}
    sites = _scatter(ax, m.site_xy[open_])
    assert drawn.same(sites.get_array(), [p95["小寨小学"], p95["s2"]])  # coloured by the site's p95 wait
    assert _scatter(ax, m.site_xy[closed]) is not sites
    walk = _scatter(ax, m.compound_xy, coloured=True)
    assert drawn.same(walk.get_array(), m.walk / 60)  # compounds coloured by their walk in minutes
    far = m.walk > m.standard + 1e-9
    assert far.any() and not far.all()
    rings = _scatter(ax, m.compound_xy[far], coloured=False)  # ringed: beyond the walking standard
    assert np.allclose(rings.get_edgecolor(), to_rgba("#c0392b"))
    (links,) = [c for c in ax.collections if isinstance(c, LineCollection)]
    to_site = np.stack([m.compound_xy, m.site_xy[m.assigned]], axis=1)  # each compound to the site serving it
    assert drawn.same(np.array(links.get_segments()), to_site)
    labs = [t for t in ax.texts if t.get_text() == "lab L"]
    assert len(labs) == 1 and labs[0].xy == pytest.approx((108.93, 34.25))
    assert ax.get_xlabel() == "longitude (degrees)" and ax.get_ylabel() == "latitude (degrees)"
    bars = [a.get_xlabel() for a in fig.axes[1:]]
    assert bars == [
        f"compound: walk to its site (min); the standard is {m.standard / 60:g} min",
        "site: 95th percentile wait (min)",
    ]
    assert ax.get_title().startswith("map: compounds, the sites that serve them, and labs")
    title = ax.get_title()
    assert f"walking standard {m.standard / 60:g} min" in title and "2 open sites, 3 compounds" in title
    assert {"closed site", "lab", "walks beyond the standard"} <= set(drawn.legend(ax))
    named = [t for t in ax.texts if t.get_text().startswith("小寨小学 (")]
    assert len(named) == 1 and named[0].get_text() == f"小寨小学 ({p95['小寨小学']:.0f} min)"
    assert drawn.font_files(named[0]) == {drawn.cjk_font}


def test_the_siting_map_draws_the_opened_sites_sized_by_tables(siting_town, drawn, tmp_path):
    rnd = build_round(load_scenario(siting_town / "town.yaml"))
    m = rnd.places
    fig = siting_plot(m, rnd.name, tmp_path / "siting.png")
    ax = fig.axes[0]
    open_ = m.open_sites
    opened = _scatter(ax, m.site_xy[open_] / 1000)  # metres drawn in km
    assert opened.get_label() == "site opened (size: tables)"
    assert drawn.same(opened.get_sizes(), 20 + 30 * m.site_tables[open_])
    closed = _scatter(ax, m.site_xy[m.site_tables == 0] / 1000)
    assert closed.get_label() == "candidate left closed"
    assert ax.get_xlabel() == "x (km)" and ax.get_ylabel() == "y (km)"
    tables = int(m.site_tables.sum())
    assert ax.get_title() == f"{rnd.name}: sites to open ({open_.size}, {tables} tables) and candidates left closed"
    assert fig.axes[1].get_xlabel().startswith("compound: walk to the site serving it (min)")


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

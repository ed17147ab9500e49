import matplotlib.image as mpimg
import numpy as np
import pytest

from sim.report.plots.run import plot_cumulative, plot_queues, plot_rounds, plot_utilisation, plot_waits, plots_drawn
from sim.run.runner import run
from sim.scenario.build import round_from_text


@pytest.fixture(scope="module")
def result(small_text):
    return run(round_from_text(small_text), 2)


def test_the_run_plots_are_written_as_readable_images(result, tmp_path):
    with plots_drawn(result, tmp_path):
        pass
    names = sorted(p.name for p in tmp_path.glob("*.png"))
    assert names == ["cumulative.png", "queues.png", "utilisation.png", "waits.png"]
    img = mpimg.imread(tmp_path / "cumulative.png")
    assert img.shape[0] > 400 and img.shape[1] > 800 and img.std() > 0.05  # drawn, not blank


def test_the_cumulative_plot_draws_the_mean_curves_the_deadline_and_the_last_result(result, drawn, tmp_path):
    ax = plot_cumulative(result, tmp_path / "c.png").axes[0]
    tl = result.timeline()
    for label, key in (
        ("residents arrived", "arrived"),
        ("residents sampled", "sampled"),
        ("pooled results reported (residents)", "results_reported"),
    ):
        line = drawn.line(ax, label)
        assert drawn.same(line.get_xdata(), tl["t_h"]) and drawn.same(line.get_ydata(), tl[key]), label
    assert len(ax.collections) == 3  # a 95% band under each curve (two replications)
    assert drawn.deadlines(ax) == {12.0: "deadline (12 h)"}
    assert ax.get_xlabel() == "hours since the round's start"
    assert ax.get_ylabel() == "residents (cumulative)"
    last = result.summary()["metrics"]["results_complete_h"]["mean"]
    assert ax.get_title().startswith("small: ") and f"last pooled result at {last:.1f} h" in ax.get_title()
    assert "mean of 2 replications" in ax.get_title()
    assert {"residents sampled", "deadline (12 h)"} <= set(drawn.legend(ax))
    assert ax.get_ylim() == pytest.approx((0, tl["arrived"][-1] * 1.05))


def test_the_queue_plot_draws_each_busy_points_queue(result, drawn, tmp_path):
    ax = plot_queues(result, tmp_path / "q.png").axes[0]
    busiest = result.reps[0].busiest
    assert busiest
    for q, name, series in busiest:
        line = drawn.line(ax, f"{name} (max {q})")
        assert drawn.same(line.get_ydata(), series) and line.get_drawstyle() == "steps-post"
        assert drawn.same(line.get_xdata(), result.grid.times(series.size) / 3600)
        assert q >= series.max()  # the longest queue, seen between the grid's steps too
    assert drawn.deadlines(ax) == {12.0: "deadline (12 h)"}
    assert ax.get_ylabel() == "residents waiting in the queue"
    assert f"at the {len(busiest)} busiest points (replication 1)" in ax.get_title()


def test_the_wait_plot_draws_shares_the_mean_the_p95_and_the_queue_standard(result, drawn, tmp_path):
    ax = plot_waits(result, tmp_path / "w.png").axes[0]
    m = result.summary()["metrics"]
    heights = [bar.get_height() for bar in ax.patches]
    assert sum(heights) == pytest.approx(1.0)  # shares of residents
    edges, counts = result.wait_histogram()
    first = min(bar.get_x() for bar in ax.patches if bar.get_height() > 0)
    assert first == pytest.approx(edges[np.nonzero(counts)[0][0]], abs=1.0)  # the bars stand where waits were
    assert drawn.deadlines(ax, color="#7f8c8d") == {30.0: "30 min queue standard"}
    mean = m["wait_mean_min"]["mean"]
    assert drawn.line(ax, f"mean {mean:.1f} min").get_xdata()[0] == pytest.approx(mean)
    p95 = m["wait_p95_min"]["mean"]
    assert drawn.line(ax, f"95th percentile {p95:.1f} min").get_xdata()[0] == pytest.approx(p95)
    assert ax.get_xlabel() == "time in the queue before sampling (minutes)"
    assert ax.get_ylabel() == "share of residents"
    assert ax.get_title() == "small: waiting time at sampling points (mean of 2 replications)"


def test_the_utilisation_plot_draws_each_resource_with_its_count(result, drawn, tmp_path):
    fig = plot_utilisation(result, tmp_path / "u.png")
    assert len(fig.axes) == 1  # one lab: no panel per lab
    ax = fig.axes[0]
    util = result.utilisation()
    names = {"vehicles": "vehicles (2)", "extractors": "extraction instruments (2)", "pcr_machines": "PCR machines (2)"}
    for key, label in names.items():
        assert drawn.same(drawn.line(ax, label).get_ydata(), util[key]), label
    assert drawn.deadlines(ax) == {12.0: "deadline (12 h)"}
    assert ax.get_ylabel() == "busy share of all labs' capacity"
    assert ax.get_ylim() == (0, 1.05)


def test_a_campaigns_rounds_are_bars_against_each_rounds_deadline(small_text, drawn, tmp_path):
    result = run(round_from_text(small_text + "campaign: {rounds: 2, every: 24h}\n"), 2)
    ax = plot_rounds(result, tmp_path / "r.png").axes[0]
    mean = [np.mean([r.rounds[k]["completion_after_start_h"] for r in result.reps]) for k in range(2)]
    bars = [bar for bar in ax.patches]
    assert [bar.get_height() for bar in bars] == pytest.approx(mean)
    assert [bar.get_x() + bar.get_width() / 2 for bar in bars] == pytest.approx([1, 2])
    assert drawn.deadlines(ax, vertical=False) == {12.0: "deadline (12 h after each round's start)"}
    assert ax.get_xlabel() == "round (one every 24 h)"
    assert ax.get_ylabel() == "hours from the round's start to its last result"
    # On the campaign's clock every round's deadline is drawn, labelled once.
    ax = plot_cumulative(result, tmp_path / "c.png").axes[0]
    lines = drawn.deadlines(ax)
    assert sorted(lines) == [12.0, 36.0] and lines[12.0] == "each round's deadline" and lines[36.0].startswith("_")
    assert ax.get_xlabel() == "hours since the campaign's start"


def test_a_chinese_name_is_drawn_in_the_shipped_cjk_font(small_text, drawn, tmp_path):
    import warnings

    result = run(round_from_text(small_text.replace("name: small", "name: 雁塔区")), 1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a glyph missing from every font is a warning
        fig = plot_cumulative(result, tmp_path / "c.png")
    title = fig.axes[0].title
    assert title.get_text().startswith("雁塔区: ")
    assert drawn.font_files(title) == {drawn.cjk_font}


def test_in_chinese_every_title_and_label_is_chinese_and_every_glyph_is_drawn(small_text, tmp_path, monkeypatch):
    import warnings

    from matplotlib.figure import Figure

    from sim.core.i18n import set_language

    seen = []
    save = Figure.savefig

    def record(fig, *args, **kwargs):
        ax = fig.axes[0]
        seen.append((ax.get_title(), ax.get_xlabel(), ax.get_ylabel()))
        return save(fig, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", record)
    monkeypatch.setattr("sim.report.plots.style.FORK", False)  # every plot drawn where the test watches
    rnd = round_from_text(small_text.replace("name: a,", "name: 雁塔区,"))
    set_language("zh")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a glyph missing from every font is a warning
        with plots_drawn(run(rnd, 2), tmp_path):
            pass
    assert len(seen) == 4
    for texts in seen:
        for text in texts:
            assert any("\u4e00" <= ch <= "\u9fff" for ch in text), text

from sim.report.plots.style import DEADLINE_STYLE, count_formatter


def test_counts_read_in_thousands_and_millions():
    assert count_formatter(25e6)(12e6, 0) == "12 M"
    assert count_formatter(30e3)(5e3, 0) == "5 k"
    assert count_formatter(500)(250, 0) == "250"
    assert DEADLINE_STYLE["linestyle"] == "--"


def _draw(path, k):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.plot(range(10), [v * k for v in range(10)])
    ax.set_title(f"plot {k}")
    fig.savefig(path, dpi=50)
    plt.close(fig)


def test_plots_drawn_in_forked_copies_are_the_ones_drawn_here(tmp_path, monkeypatch):
    """`drawing` shares its plots between forked copies of the process; the files are the same bytes, and
    every one is there when the block ends."""
    from sim.report.plots import style

    monkeypatch.setattr(style.os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    assert [len(s) for s in style._shares(list(range(5)))] == [2, 3]  # the first (the map) with the fewest
    with style.drawing([(_draw, tmp_path / f"a{k}.png", k) for k in range(4)]):
        (tmp_path / "table.csv").write_text("made meanwhile\n")
    monkeypatch.setattr(style, "FORK", False)
    assert style._shares(list(range(5))) == []
    with style.drawing([(_draw, tmp_path / f"b{k}.png", k) for k in range(4)]):
        assert not list(tmp_path.glob("b*.png"))  # drawn here, after the block
    for k in range(4):
        assert (tmp_path / f"a{k}.png").read_bytes() == (tmp_path / f"b{k}.png").read_bytes()


def test_a_plot_that_fails_in_a_forked_copy_fails_here(tmp_path):
    import pytest

    from sim.report.plots import style

    def boom(path):
        raise ValueError("cannot draw")

    with (
        pytest.raises(ValueError, match="cannot draw"),
        style.drawing([(lambda p: None, tmp_path / "ok"), (boom, tmp_path / "x")]),
    ):
        pass


def test_a_figure_is_laid_out_once_and_saved_at_the_plots_resolution(tmp_path, monkeypatch):
    """`save` lays the figure out, then drops the spent layout engine, so savefig draws it once."""
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    from sim.report.plots import style

    draws = []
    draw = Figure.draw
    monkeypatch.setattr(Figure, "draw", lambda fig, renderer: draws.append(1) or draw(fig, renderer))
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.set_title("a title the layout makes room for")
    style.save(fig, tmp_path / "a.png")
    assert len(draws) == 1
    assert fig.get_layout_engine() is None
    assert fig.subplotpars.left < plt.rcParams["figure.subplot.left"]  # laid out tight
    assert plt.imread(tmp_path / "a.png").shape[:2] == (3 * style.DPI, 4 * style.DPI)

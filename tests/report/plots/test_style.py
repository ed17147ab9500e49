from sim.report.plots.style import DEADLINE_STYLE, count_formatter


def test_counts_read_in_thousands_and_millions():
    assert count_formatter(25e6)(12e6, 0) == "12 M"
    assert count_formatter(30e3)(5e3, 0) == "5 k"
    assert count_formatter(500)(250, 0) == "250"
    assert DEADLINE_STYLE["linestyle"] == "--"


def test_plots_drawn_in_a_forked_copy_are_the_ones_drawn_here(tmp_path, monkeypatch):
    """draw_all's second half is drawn by a forked copy of the process; the files are the same bytes."""
    import matplotlib.pyplot as plt

    from sim.report.plots import style

    def draw(path, k):
        fig, ax = plt.subplots()
        ax.plot(range(10), [v * k for v in range(10)])
        ax.set_title(f"plot {k}")
        fig.savefig(path, dpi=50)
        plt.close(fig)

    jobs = [(draw, tmp_path / f"a{k}.png", k) for k in range(4)]
    style.draw_all(jobs)
    monkeypatch.setattr(style, "FORK", False)
    style.draw_all([(draw, tmp_path / f"b{k}.png", k) for k in range(4)])
    for k in range(4):
        assert (tmp_path / f"a{k}.png").read_bytes() == (tmp_path / f"b{k}.png").read_bytes()


def test_a_plot_that_fails_in_the_forked_copy_fails_here(tmp_path):
    import pytest

    from sim.report.plots import style

    def boom(path):
        raise ValueError("cannot draw")

    with pytest.raises(ValueError, match="cannot draw"):
        style.draw_all([(lambda p: None, tmp_path / "ok"), (boom, tmp_path / "x")])

import matplotlib.image as mpimg

from sim.report.plots.run import write_all
from sim.run.runner import run


def test_the_run_plots_are_written_as_readable_images(small_round, tmp_path):
    write_all(run(small_round, 2), tmp_path)
    names = sorted(p.name for p in tmp_path.glob("*.png"))
    assert names == ["cumulative.png", "queues.png", "utilisation.png", "waits.png"]
    img = mpimg.imread(tmp_path / "cumulative.png")
    assert img.shape[0] > 400 and img.shape[1] > 800 and img.std() > 0.05  # drawn, not blank


def test_in_chinese_every_title_and_label_is_chinese_and_every_glyph_is_drawn(small_text, tmp_path, monkeypatch):
    import warnings

    from matplotlib.figure import Figure

    from sim.core.i18n import set_language
    from sim.scenario.build import round_from_text

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
        write_all(run(rnd, 2), tmp_path)
    assert len(seen) == 4
    for texts in seen:
        for text in texts:
            assert any("\u4e00" <= ch <= "\u9fff" for ch in text), text

"""Reading a plot's returned Figure as a person reads the PNG: the curve under a legend label, where the
deadline's dashed line stands, the texts of the legend, the font that draws a Chinese label."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.colors import to_hex
from matplotlib.font_manager import FontProperties
from matplotlib.ft2font import FT2Font
from matplotlib.lines import Line2D
from matplotlib.text import Text

from sim.report.fonts import CJK_FONT, has_cjk
from sim.report.plots.style import DEADLINE_STYLE


class Drawn:
    @staticmethod
    def line(ax: Axes, label: str) -> Line2D:
        """The one line drawn with this legend label."""
        found = [ln for ln in ax.get_lines() if ln.get_label() == label]
        assert len(found) == 1, (label, [ln.get_label() for ln in ax.get_lines()])
        return found[0]

    @staticmethod
    def deadlines(ax: Axes, vertical: bool = True, color: str = DEADLINE_STYLE["color"]) -> dict[float, str]:
        """Where lines in the deadline's style (dashed, its colour) cross the axes: {hours: legend label}."""
        out = {}
        for ln in ax.get_lines():
            along, across = (ln.get_xdata(), ln.get_ydata()) if vertical else (ln.get_ydata(), ln.get_xdata())
            straight = len(along) == 2 and along[0] == along[1] and list(across) == [0, 1]
            if straight and ln.get_linestyle() == "--" and to_hex(ln.get_color()) == color:
                out[float(along[0])] = ln.get_label()
        return out

    @staticmethod
    def legend(ax: Axes) -> list[str]:
        legend = ax.get_legend()
        assert legend is not None, "no legend"
        return [t.get_text() for t in legend.get_texts()]

    @staticmethod
    def font_files(text: Text) -> set[str]:
        """The font files drawing the text's Chinese characters: for each, the first family of the text's
        list that has the glyph (matplotlib's fallback order)."""
        fonts = []
        for family in text.get_fontfamily():
            try:
                path = str(font_manager.findfont(FontProperties(family=family), fallback_to_default=False))
            except ValueError:
                continue  # a family not on this machine
            fonts.append((path, set(FT2Font(path).get_charmap())))
        used = set()
        for ch in {c for c in text.get_text() if has_cjk(c)}:
            used |= {next((p for p, cmap in fonts if ord(ch) in cmap), "missing")}
        return used

    cjk_font = str(CJK_FONT)

    @staticmethod
    def same(a, b) -> bool:
        return np.allclose(np.asarray(a, float), np.asarray(b, float), equal_nan=True)


@pytest.fixture(scope="session")
def drawn() -> type[Drawn]:
    return Drawn

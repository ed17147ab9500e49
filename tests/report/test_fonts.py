"""Chinese renders: the shipped font covers GB 2312, plots draw Chinese names without missing glyphs,
and a page embeds just the characters it uses."""

from __future__ import annotations

import base64
import io
import re
import warnings

import pytest
from fontTools.ttLib import TTFont

from sim.report.fonts import CJK_FAMILY, CJK_FONT, font_face_css, has_cjk, use_cjk_in_matplotlib


def test_the_shipped_font_covers_every_gb2312_hanzi_and_has_its_licence():
    cmap = TTFont(CJK_FONT).getBestCmap()
    hanzi = [
        bytes([hi, lo]).decode("gb2312")
        for hi in range(0xB0, 0xF8)
        for lo in range(0xA1, 0xFF)
        if (hi, lo) < (0xD7, 0xFA)
    ]
    assert len(hanzi) == 3755  # GB 2312 level 1; level 2 follows
    assert all(ord(ch) in cmap for ch in hanzi)
    assert all(ord(ch) in cmap for ch in "采样点采样台混采转运检测机构复核西安雁塔区")
    licence = (CJK_FONT.parent / "OFL.txt").read_text(encoding="utf-8")
    assert "SIL OPEN FONT LICENSE" in licence and "Noto Sans CJK SC" in licence


def test_matplotlib_draws_chinese_without_missing_glyph_warnings():
    import matplotlib.pyplot as plt

    families = use_cjk_in_matplotlib()
    assert families[:2] == ("DejaVu Sans", CJK_FAMILY)
    fig, ax = plt.subplots()
    ax.set_title("西安：雁塔区采样点的排队")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph ... missing from font(s)" is a UserWarning
        fig.savefig(io.BytesIO(), format="png")
    plt.close(fig)


def test_a_page_embeds_only_the_chinese_it_uses():
    assert font_face_css("Deadline 12 h: MET") == ""
    css = font_face_css("截止时间：达成 12 h")
    data = base64.b64decode(re.search(r"base64,([A-Za-z0-9+/=]+)", css).group(1))
    font = TTFont(io.BytesIO(data))
    assert font.flavor == "woff"
    used = {chr(c) for c in font.getBestCmap()}
    assert set("截止时间达成") <= used
    assert "西" not in used
    assert len(data) < 20_000
    # Not stamped with the time it was cut: the same page gives the same bytes.
    assert font["head"].modified == TTFont(CJK_FONT)["head"].modified


@pytest.mark.parametrize(("text", "cjk"), [("old-town-0001", False), ("老城区-0001", True), ("Ⅻ", False)])
def test_has_cjk(text, cjk):
    assert has_cjk(text) is cjk

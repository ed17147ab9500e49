"""Chinese in plots and pages: natsim ships a CJK font (Noto Sans CJK SC cut to GB 2312, SIL OFL 1.1,
sim/report/fonts/OFL.txt) and falls back to a system CJK font for rarer characters."""

from __future__ import annotations

import base64
import io
from functools import cache
from pathlib import Path

CJK_FONT = Path(__file__).resolve().parent / "fonts" / "natsim-cjk.otf"
CJK_FAMILY = "natsim CJK"
# System fonts that cover characters outside GB 2312, tried after the shipped one (present ones only).
SYSTEM_CJK = (
    "Noto Sans CJK SC",
    "Noto Sans CJK JP",
    "Source Han Sans SC",
    "WenQuanYi Micro Hei",
    "Microsoft YaHei",
    "PingFang SC",
    "SimHei",
)


def has_cjk(text: str) -> bool:
    return any(ord(ch) >= 0x2E80 for ch in text)


@cache
def use_cjk_in_matplotlib() -> tuple[str, ...]:
    """Register the shipped font and make matplotlib fall back to it glyph by glyph after its default
    (Latin text keeps its look). Returns the family list set."""
    import logging

    from matplotlib import font_manager, rcParams

    # The shipped font has one weight: bold text falls back to it in regular, which is no news to a reader.
    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
    font_manager.fontManager.addfont(str(CJK_FONT))
    present = {f.name for f in font_manager.fontManager.ttflist}
    families = ("DejaVu Sans", CJK_FAMILY, *(name for name in SYSTEM_CJK if name in present))
    rcParams["font.family"] = list(families)
    return families


def font_face_css(page_text: str) -> str:
    """An @font-face holding only the CJK characters the page uses (a few kB per hundred characters),
    or nothing for a page without Chinese."""
    chars = sorted(ch for ch in set(page_text) if has_cjk(ch))  # the distinct characters: a page is mostly base64
    if not chars:
        return ""
    data = base64.b64encode(_subset("".join(chars))).decode("ascii")
    return f'@font-face{{font-family:"natsim-cjk";src:url(data:font/woff;base64,{data}) format("woff")}}'


def _subset(text: str) -> bytes:
    from fontTools import subset
    from fontTools.ttLib import TTFont

    # The shipped font's bounding boxes stand (recomputing them for the cut took a third of its time, and
    # a box that holds every glyph holds these), and no timestamp: the same characters give the same bytes.
    font = TTFont(CJK_FONT, lazy=True, recalcBBoxes=False, recalcTimestamp=False)
    opts = subset.Options()
    opts.hinting = False
    sub = subset.Subsetter(opts)
    sub.populate(text=text + "0123456789")
    sub.subset(font)
    font.flavor = "woff"  # zlib-compressed; WOFF2 would need brotli
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()

"""Make sim/report/fonts/natsim-cjk.otf: Noto Sans CJK SC Regular (SIL OFL 1.1) cut to GB 2312's
characters (6,763 hanzi and its symbols), ASCII and Latin-1, so Chinese names render in plots without a
system font. Run once when the font changes:

    python tools/cjk_font.py PATH/TO/NotoSansCJKsc-Regular.otf

The source font is Google's and Adobe's release (github.com/notofonts/noto-cjk); the family is renamed
"natsim CJK", as the OFL asks of a modified font, so it never shadows a full system copy.
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

OUT = Path(__file__).resolve().parent.parent / "sim" / "report" / "fonts" / "natsim-cjk.otf"
FAMILY = "natsim CJK"


def gb2312() -> str:
    chars = []
    for hi in range(0xA1, 0xF8):
        for lo in range(0xA1, 0xFF):
            with contextlib.suppress(UnicodeDecodeError):
                chars.append(bytes([hi, lo]).decode("gb2312"))
    return "".join(chars)


def main(source: str) -> None:
    text = gb2312() + "".join(map(chr, range(0x20, 0x100))) + "\u3000\u00b7\u2014\u2026\u201c\u201d\u2018\u2019"
    opts = subset.Options()
    opts.name_IDs = ["*"]
    opts.name_languages = ["*"]
    opts.hinting = False
    font = TTFont(source)
    sub = subset.Subsetter(opts)
    sub.populate(text=text)
    sub.subset(font)
    for rec in font["name"].names:
        if rec.nameID in (1, 4, 16):
            rec.string = FAMILY if rec.nameID != 4 else f"{FAMILY} Regular"
        elif rec.nameID == 6:
            rec.string = "natsimCJK-Regular"
        elif rec.nameID == 3:
            rec.string = "natsimCJK-Regular;subset of " + rec.toUnicode()
    font["CFF "].cff.fontNames = ["natsimCJK-Regular"]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    font.save(OUT)
    print(f"{OUT}: {OUT.stat().st_size / 1e6:.2f} MB, {len(font.getGlyphOrder())} glyphs")


if __name__ == "__main__":
    main(sys.argv[1])

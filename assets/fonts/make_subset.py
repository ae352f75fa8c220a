"""Makes the chart font: a subset of Noto Sans CJK SC (SIL Open Font License 1.1, see
OFL.txt) covering ASCII, Latin-1 punctuation, every GB2312 character, CJK symbols and
punctuation, full-width forms and the symbols 问卷星 exports use (┋ → 〖〗 【】).

    apt-get install fonts-noto-cjk && pip install fonttools
    python3 assets/fonts/make_subset.py
"""

import pathlib

from fontTools import subset
from fontTools.ttLib import TTCollection

SRC = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
FACE = 2  # Noto Sans CJK SC (face 0 is the Japanese one)
OUT = pathlib.Path(__file__).with_name("NotoSansSC-diaoyan.otf")


def gb2312():
    chars = set()
    for hi in range(0xA1, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                chars.add(bytes([hi, lo]).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return chars


def main():
    chars = gb2312()
    chars |= {chr(c) for c in range(0x20, 0x7F)}
    chars |= {chr(c) for c in range(0xA0, 0x100)}
    chars |= {chr(c) for c in range(0x2000, 0x2070)}  # general punctuation
    chars |= {chr(c) for c in range(0x2190, 0x2200)}  # arrows
    chars |= {chr(c) for c in range(0x2500, 0x2580)}  # box drawing (┋)
    chars |= {chr(c) for c in range(0x3000, 0x3040)}  # CJK symbols and punctuation
    chars |= {chr(c) for c in range(0xFF00, 0xFFF0)}  # full-width forms
    chars |= set("≤≥±×÷²³√∑≈≠％￥·•…—–“”‘’")
    font = TTCollection(SRC).fonts[FACE]
    opts = subset.Options()
    opts.layout_features = ["kern", "palt", "vert"]
    opts.name_IDs = ["*"]
    opts.notdef_outline = True
    opts.hinting = False
    opts.desubroutinize = False
    sub = subset.Subsetter(opts)
    sub.populate(unicodes=[ord(c) for c in chars])
    sub.subset(font)
    font.save(OUT)
    print(f"{OUT.name}: {len(chars)} characters requested, {OUT.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()

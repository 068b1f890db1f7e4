"""What gigbot's pictures share: the fonts (DejaVu Sans, which matplotlib ships: Latin,
Cyrillic and the ★), the colours, text fitting, and PNG encoding."""

from __future__ import annotations

import io
from functools import cache
from importlib.util import find_spec
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont


def _matplotlib_fonts() -> Path:
    """matplotlib's font folder, found without importing matplotlib (half a second)."""
    spec = find_spec("matplotlib")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("matplotlib is not installed (pip install gigbot again)")
    return Path(next(iter(spec.submodule_search_locations))) / "mpl-data" / "fonts" / "ttf"


FONTS = _matplotlib_fonts()
INK = (33, 37, 41)
MUTED = (108, 117, 125)
ACCENT = (38, 110, 200)
PAPER = (255, 255, 255)


@cache
def font(size: int, *, bold: bool = False, mono: bool = False) -> ImageFont.FreeTypeFont:
    """DejaVu Sans (or Sans Mono) at `size` pixels."""
    name = "DejaVuSansMono" if mono else "DejaVuSans"
    return ImageFont.truetype(str(FONTS / f"{name}{'-Bold' if bold else ''}.ttf"), size)


_MISSING = "\U0010fffd"  # a private-use code point no font here draws


@cache
def _glyph(face: ImageFont.FreeTypeFont, char: str) -> bytes:
    """How `char` looks in `face` (a small bitmap), to compare with the missing glyph."""
    size = int(face.size * 2)
    image = Image.new("L", (size, size))
    ImageDraw.Draw(image).text((0, 0), char, font=face, fill=255)
    return image.tobytes()


def drawable(text: str, face: ImageFont.FreeTypeFont) -> str:
    """`text` without the characters `face` has no glyph for (emoji, most symbols),
    which would be drawn as empty boxes; spaces left over are closed up."""
    kept = "".join(c for c in text if c.isspace() or _glyph(face, c) != _glyph(face, _MISSING))
    return " ".join(kept.split())


def text_width(text: str, face: ImageFont.FreeTypeFont) -> float:
    """How wide `text` is drawn in `face`."""
    return face.getlength(text)


def fit(text: str, face: ImageFont.FreeTypeFont, width: float) -> str:
    """`text` (what `face` can draw of it) cut with an ellipsis to fit `width`."""
    text = drawable(text, face)
    if text_width(text, face) <= width:
        return text
    while text and text_width(text + "…", face) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def wrap(text: str, face: ImageFont.FreeTypeFont, width: float, lines: int) -> list[str]:
    """`text` in at most `lines` lines of `width` (words kept whole where they fit; the
    last line cut with an ellipsis when the text is longer)."""
    result: list[str] = []
    words = drawable(text, face).split()
    while words and len(result) < lines:
        line = words.pop(0)
        while words and text_width(f"{line} {words[0]}", face) <= width:
            line = f"{line} {words.pop(0)}"
        if len(result) == lines - 1 and words:
            line = f"{line} {' '.join(words)}"
            words = []
        result.append(fit(line, face, width))
    return result


def centred(
    draw: ImageDraw.ImageDraw,
    y: float,
    text: str,
    face: ImageFont.FreeTypeFont,
    width: int,
    fill: tuple[int, int, int],
) -> None:
    """Draw `text` centred across `width` with its top at `y`."""
    draw.text(((width - text_width(text, face)) / 2, y), text, font=face, fill=fill)


def png(image: Image.Image) -> bytes:
    """The picture as PNG bytes."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()

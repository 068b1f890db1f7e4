"""The printable offer card: title, price, rating, place, and a QR code that opens the
offer in gigbot — for a shop window, a flyer or a post."""

from __future__ import annotations

import io
from dataclasses import dataclass

import segno
from PIL import Image, ImageDraw

from handlers.picture_views import ACCENT, INK, MUTED, PAPER, centred, fit, font, png, wrap

WIDTH, HEIGHT = 1200, 1600  # portrait, A6 at about 290 dpi
MARGIN = 80
QR_SIDE = 640


@dataclass(frozen=True, slots=True)
class CardText:
    """What the card says, in the provider's language (computed by the handler)."""

    title: str
    price: str  # "25,00 € · 1 h"
    rating: str  # "★ 4.8 · 23 reviews", or "New on gigbot"
    place: str
    scan: str  # "Scan to book"
    link: str  # the deep link the QR code holds


def offer_card_png(card: CardText) -> bytes:
    """The card as a PNG of WIDTH × HEIGHT pixels."""
    image = Image.new("RGB", (WIDTH, HEIGHT), PAPER)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, WIDTH, 150), fill=ACCENT)
    centred(draw, 40, "gigbot", font(64, bold=True), WIDTH, PAPER)
    y = 200
    title_face = font(76, bold=True)
    for line in wrap(card.title, title_face, WIDTH - 2 * MARGIN, 2):
        centred(draw, y, line, title_face, WIDTH, INK)
        y += 96
    y += 16
    for text, size, colour in ((card.price, 52, INK), (card.rating, 44, MUTED)):
        face = font(size)
        centred(draw, y, fit(text, face, WIDTH - 2 * MARGIN), face, WIDTH, colour)
        y += size + 24
    face = font(40)
    centred(draw, y, fit(card.place, face, WIDTH - 2 * MARGIN), face, WIDTH, MUTED)
    image.paste(_qr(card.link), ((WIDTH - QR_SIDE) // 2, HEIGHT - QR_SIDE - 230))
    centred(
        draw,
        HEIGHT - 200,
        fit(card.scan, font(52, bold=True), WIDTH),
        font(52, bold=True),
        WIDTH,
        ACCENT,
    )
    link_face = font(34, mono=True)
    shown = card.link.removeprefix("https://")
    centred(draw, HEIGHT - 120, fit(shown, link_face, WIDTH - 2 * MARGIN), link_face, WIDTH, MUTED)
    return png(image)


def _qr(link: str) -> Image.Image:
    """The link as a QR code in a QR_SIDE square (quiet zone included; each module a
    whole number of pixels), error correction level Q: a card in a window gets scratched."""
    code = segno.make(link, error="q", micro=False)
    side, _ = code.symbol_size(scale=1, border=4)
    buffer = io.BytesIO()
    code.save(buffer, kind="png", scale=max(QR_SIDE // side, 1), border=4)  # whole pixels
    buffer.seek(0)
    drawn = Image.open(buffer).convert("RGB")
    box = Image.new("RGB", (QR_SIDE, QR_SIDE), PAPER)
    box.paste(drawn, ((QR_SIDE - drawn.width) // 2, (QR_SIDE - drawn.height) // 2))
    return box

"""The printable offer card: drawn with the offer's words and a QR code that decodes back
to the offer's link; sent from My offers → Share, drawn again only when its words
change, and shared in any chat through inline mode."""

from __future__ import annotations

import io
from typing import Any

import pytest
import zxingcpp
from PIL import Image
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db import create_sessionmaker
from emulator import Emulator
from handlers.offer_card_views import HEIGHT, WIDTH, CardText, offer_card_png
from handlers.picture_views import drawable, font
from models import Offer
from tests.helpers import offer_data, publish

LINK = "https://t.me/gigbot_test_bot?start=offer_42"


def decoded(png: bytes) -> tuple[tuple[int, int], list[str]]:
    """The picture's size and the texts of the QR codes found in it."""
    image = Image.open(io.BytesIO(png))
    return image.size, [code.text for code in zxingcpp.read_barcodes(image)]


@pytest.mark.parametrize(
    "title",
    [
        "Guitar lessons",
        "Уроки гитары для начинающих и продолжающих — акустика, электро, бас и укулеле",
        "Clases de guitarra española",
        "<b>x</b> & " + "W" * 300,  # one long word: cut, not spilling over
        "🎸🎸🎸 emoji only",
    ],
)
def test_the_card_is_a_printable_picture_whose_qr_code_opens_the_offer(title: str) -> None:
    card = CardText(title, "25,00 € · 1 h", "★ 4.8 (23)", "Studio · Torstraße 1", "Scan", LINK)
    assert decoded(offer_card_png(card)) == ((WIDTH, HEIGHT), [LINK])


def test_what_the_font_cannot_draw_is_left_out_not_drawn_as_boxes() -> None:
    face = font(40)
    assert drawable("Уроки ★ гитары 🎸 за 800 ₽ €", face) == "Уроки ★ гитары за 800 ₽ €"
    assert drawable("🎸🎸 日本語 lessons", face) == "lessons"


def test_the_words_are_drawn_where_they_belong() -> None:
    # The same card without a title has no ink in the title's band; with one, it has.
    blank = CardText("", "", "", "", "", LINK)
    worded = CardText("Guitar lessons", "25 €", "★ 5", "Studio", "Scan to book", LINK)
    band = (80, 200, WIDTH - 80, 300)

    def ink(png: bytes) -> int:
        region = Image.open(io.BytesIO(png)).convert("L").crop(band)
        return sum(region.histogram()[:128])  # pixels darker than mid-grey

    assert ink(offer_card_png(blank)) == 0
    assert ink(offer_card_png(worded)) > 500


async def test_share_sends_the_card_once_and_shares_it_inline(
    tg: Emulator, engine: AsyncEngine
) -> None:
    anna = tg.user("Anna", language="es")
    await anna.send("/start")
    (offer_id,) = await publish(
        engine, anna.id, offer_data("Clases de guitarra", price_minor=2500), first_name="Anna"
    )
    await anna.send("/my_offers")
    await anna.press("Clases de guitarra")
    await anna.press("🔗 Enlace")
    await anna.press("🖨 Tarjeta con código QR para imprimir")
    sent = anna.turn[-1]
    assert "Clases de guitarra" in (sent.text or sent.extra.get("caption", ""))
    [size] = sent.extra["photo"]
    card = tg.files[size["file_id"]]["content"]
    link = f"https://t.me/gigbot_test_bot?start=offer_{offer_id}"
    assert decoded(card) == ((WIDTH, HEIGHT), [link])
    assert (size["width"], size["height"]) == (WIDTH, HEIGHT)
    files = len(tg.files)
    # Unchanged: sent again by its file id, not drawn and uploaded again.
    await anna.press("🖨 Tarjeta con código QR para imprimir")
    assert anna.turn[-1].extra["photo"][0]["file_id"] == size["file_id"]
    assert len(tg.files) == files
    # Inline, the card is the first result (then the text card).
    answer = await anna.inline(f"card_{offer_id}")
    results: list[dict[str, Any]] = answer["results"]
    assert [r["type"] for r in results] == ["photo", "article"]
    assert results[0]["photo_file_id"] == size["file_id"]
    assert results[0]["reply_markup"]["inline_keyboard"][0][0]["url"] == link
    # A new price: a new card, and inline shares only the text card until it is made.
    async with create_sessionmaker(engine)() as session:
        await session.execute(update(Offer).values(price_minor=3000))
        await session.commit()
    answer = await anna.inline(f"card_{offer_id}")
    assert [r["type"] for r in answer["results"]] == ["article"]
    await anna.press("🖨 Tarjeta con código QR para imprimir")
    assert anna.turn[-1].extra["photo"][0]["file_id"] != size["file_id"]
    assert len(tg.files) == files + 1


async def test_inline_card_of_a_missing_offer_finds_nothing(tg: Emulator) -> None:
    carl = tg.user("Carl")
    for query in ("card_999999", "card_0", "card_" + "9" * 30):
        answer = await carl.inline(query)
        assert answer["results"] == [] or all(r["type"] == "article" for r in answer["results"])

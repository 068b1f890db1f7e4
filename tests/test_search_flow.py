"""Conversation tests: finding services by words, category, place, filters and pages,
the detail card, inline mode, deep links, and hostile or forged input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from babel.dates import format_date
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db import create_sessionmaker
from emulator import Emulator
from models import Offer, SavedLocation
from services.offers import OfferData
from tests.helpers import offer_data, publish, with_timezone

EVERY_DAY = [(d, 480, 1200) for d in range(7)]
BERLIN_MITTE = (52.5200, 13.4050)


def offer(title: str, **fields: object) -> OfferData:
    return offer_data(title, **{"category": "lessons", **fields})


async def test_words_then_details_then_book(tg: Emulator, engine: AsyncEngine) -> None:
    await publish(
        engine,
        900,
        offer("Guitar lessons", description="Acoustic & electric <b>guitar</b>"),
        offer("Piano lessons"),
    )
    carl = tg.user("Carl")
    await carl.send("/start")
    reply = await carl.press("Find a service")
    assert reply is not None
    assert "What are you looking for?" in (reply.text or "")
    reply = await carl.send("guit")
    assert reply is not None
    text = reply.text or ""
    assert "Found" in text
    assert "1. Guitar lessons" in text
    assert "Piano" not in text
    assert "next free:" in text
    await carl.press("1")
    detail = carl.turn[-1]
    assert "Acoustic & electric <b>guitar</b>" in (detail.text or "")  # shown literally
    assert "Free times" in (detail.text or "")
    assert "📅 Book" in detail.buttons
    await carl.press("📅 Book")
    assert "Choose a day" in (carl.turn[-1].text or "")


async def test_category_pages_filters_and_sorting(tg: Emulator, engine: AsyncEngine) -> None:
    prices = [3000, 1000, 5000, 2000, 4000, 6000, 1500]
    await publish(engine, 900, *(offer(f"Lesson {n}", price_minor=p) for n, p in enumerate(prices)))
    await publish(engine, 901, offer("Dog walking", category="pets"))
    carl = tg.user("Carl")
    await carl.send("/find")
    reply = await carl.press("Lessons & tutoring")
    assert reply is not None
    assert (reply.text or "").count("Lesson ") == 5
    assert "Dog walking" not in (reply.text or "")
    reply = await carl.press("Next ›")
    assert reply is not None
    assert (reply.text or "").count("Lesson ") == 2
    assert "6. " in (reply.text or "")
    await carl.press("⚙️ Filters")
    await carl.press("↕️ Sort")
    reply = await carl.press("Cheapest")
    assert reply is not None
    text = reply.text or ""
    assert text.index("Lesson 1") < text.index("Lesson 6") < text.index("Lesson 3")
    await carl.press("⚙️ Filters")
    reply = await carl.press("💶 Max price")
    assert reply is not None
    assert any(label.startswith("≤ €") for label in reply.buttons)
    reply = await carl.press("≤ €20.00")
    assert reply is not None
    text = reply.text or ""
    assert "≤ €20.00" in text
    assert {"Lesson 1", "Lesson 3", "Lesson 6"} <= _titles(text)
    assert "Lesson 2" not in text  # €50


def _titles(text: str) -> set[str]:
    return {line.split(". ", 1)[1] for line in text.splitlines() if ". Lesson" in line}


async def test_near_me_sorted_by_distance_and_remembered(tg: Emulator, engine: AsyncEngine) -> None:
    await publish(
        engine,
        900,
        offer("Far yoga", place_kind="location", latitude=52.5600, longitude=13.4050),
        offer("Near yoga", place_kind="location", latitude=52.5250, longitude=13.4050),
        offer("Online yoga", place_kind="online"),
    )
    carl = tg.user("Carl")
    await carl.send("/find")
    reply = await carl.press("📍 Near me")
    assert reply is not None
    assert "📍 Send my location" in reply.buttons
    await carl.share_location(*BERLIN_MITTE)
    results = carl.turn[-1]
    text = results.text or ""
    assert text.index("Near yoga") < text.index("Far yoga")
    assert "560 m" in text
    assert "4.4 km" in text
    assert "Online yoga" not in text
    await carl.press("⚙️ Filters")
    await carl.press("📏 Distance")
    reply = await carl.press("1 km")
    assert reply is not None
    assert "Far yoga" not in (reply.text or "")
    await carl.press("⚙️ Filters")
    reply = await carl.press("💻 Online offers: hidden")
    assert reply is not None
    assert "Online yoga" in (reply.text or "")
    # The location is kept to pick again later.
    await carl.send("/find")
    await carl.press("📍 Near me")
    assert "Or use a recent location" in (carl.turn[-1].text or "")
    reply = await carl.press("52.520, 13.405")
    assert reply is not None
    assert "Near yoga" in (reply.text or "")


async def test_nothing_found_explains_and_suggests(tg: Emulator, engine: AsyncEngine) -> None:
    await publish(engine, 900, offer("Guitar lessons"))
    carl = tg.user("Carl")
    await carl.send("/find")
    reply = await carl.send("guitr")
    assert reply is not None
    assert "Nothing found" in (reply.text or "")
    assert "use fewer or other words" in (reply.text or "")
    reply = await carl.press("Did you mean «guitar»?")
    assert reply is not None
    assert "Guitar lessons" in (reply.text or "")
    # A filter that excludes everything is named, with a button to drop it.
    await carl.press("⚙️ Filters")
    await carl.press("🗂 Category")
    reply = await carl.press("Pets")
    assert reply is not None
    assert "search all categories" in (reply.text or "")
    reply = await carl.press("✖ Any category")
    assert reply is not None
    assert "Guitar lessons" in (reply.text or "")


async def test_available_on_a_chosen_day(tg: Emulator, engine: AsyncEngine) -> None:
    in_two = datetime.now(UTC).date() + timedelta(days=2)
    in_three = in_two + timedelta(days=1)
    await publish(
        engine,
        900,
        offer("Early guitar", weekly=[(in_two.weekday(), 600, 720)]),
        offer("Late guitar", weekly=[(in_three.weekday(), 600, 720)]),
    )
    carl = tg.user("Carl")
    await carl.send("/find")
    await carl.send("guitar")
    await carl.press("⚙️ Filters")
    await carl.press("📅 Day")
    reply = await carl.press(format_date(in_two, "EEE d MMM", locale="en"))
    assert reply is not None
    assert "Early guitar" in (reply.text or "")
    assert "Late guitar" not in (reply.text or "")


async def test_inline_mode_lists_offers_with_links_and_pages(
    tg: Emulator, engine: AsyncEngine
) -> None:
    ids = await publish(engine, 900, *(offer(f"Guitar class {n}") for n in range(25)))
    carl = tg.user("Carl")
    answer = await carl.inline("guitar", chat_type="group")
    assert len(answer["results"]) == 20
    assert answer["next_offset"] == "20"
    assert answer["cache_time"] == 60
    assert answer["is_personal"]  # the cards are in each user's language
    first = answer["results"][0]
    assert first["title"].startswith("Guitar class")
    assert "€20.00" in first["description"]
    content = first["input_message_content"]["message_text"]
    assert f"start=offer_{first['id']}" in content
    assert first["reply_markup"]["inline_keyboard"][0][0]["url"].endswith(f"offer_{first['id']}")
    more = await carl.inline("guitar", offset="20", chat_type="group")
    assert len(more["results"]) == 5
    assert more["next_offset"] == ""
    seen = {r["id"] for r in answer["results"] + more["results"]}
    assert seen == {str(i) for i in ids}
    nothing = await carl.inline('"; DROP TABLE offers; --')
    assert nothing["results"] == []


async def test_deep_links_to_offers_and_providers(tg: Emulator, engine: AsyncEngine) -> None:
    guitar, piano = await publish(engine, 900, offer("Guitar lessons"), offer("Piano lessons"))
    carl = tg.user("Carl")
    reply = await carl.send(f"/start offer_{guitar}")
    assert reply is not None
    assert "Guitar lessons" in (reply.text or "")
    assert "📅 Book" in reply.buttons
    await carl.press("About the provider")
    page = carl.turn[-1]
    assert "Provider900" in (page.text or "")
    assert "2 offers" in (page.text or "")
    await carl.press("Piano lessons · €20.00")
    assert "Piano lessons" in (carl.turn[-1].text or "")
    async with create_sessionmaker(engine)() as session:
        stored = await session.get(Offer, piano)
        assert stored is not None
        stored.status = "paused"
        await session.commit()
    reply = await carl.send(f"/start offer_{piano}")
    assert reply is not None
    assert "no longer available" in (reply.text or "")
    reply = await carl.send("/start provider_999999")
    assert reply is not None
    assert "no offers available" in (reply.text or "")


async def test_offer_photos_are_shown_with_the_detail(tg: Emulator, engine: AsyncEngine) -> None:
    anna = await with_timezone(tg.user("Anna"))
    await anna.send("/offer")
    await anna.send("Guitar lessons, 60 min, 20 EUR, every day 8-20, online")
    await anna.press("Publish")
    await anna.press("View")
    await anna.press("Photos")
    await anna.send_photo(b"\xff\xd8one")
    await anna.send_photo(b"\xff\xd8two")
    carl = tg.user("Carl")
    await carl.send("/find")
    await carl.send("guitar")
    await carl.press("1")
    album = [m for m in carl.turn if m.extra.get("photo")]
    assert len(album) == 2
    assert album[0].extra.get("media_group_id") == album[1].extra.get("media_group_id")
    assert "Guitar lessons" in (carl.turn[-1].text or "")


async def test_hostile_and_forged_input_changes_nothing(tg: Emulator, engine: AsyncEngine) -> None:
    await publish(engine, 900, offer("Guitar lessons"))
    carl = tg.user("Carl")
    await carl.send("/find")
    for text in ('"', "NEAR(a b)", "'; DROP TABLE offers; --", "🎸🔥", "x" * 4000):
        reply = await carl.send(text)
        assert reply is not None
        assert "Nothing found" in (reply.text or "") or "Found" in (reply.text or "")
    reply = await carl.send("guitar")
    assert reply is not None
    results = reply
    forged = (
        "s-set-price:500:ABC",
        "s-set-price:500:",
        "s-set-km:7",
        "s-set-date:1999-01-01",
        "s-set-date:2090-01-01",
        "s-f:../../",
        "s-page:99999999999999999999999",
        "s-open:99999999999999999999999",
    )
    for data in forged:
        await carl.press_callback(results, data)
        assert carl.last_answer is not None
        assert "no longer active" in carl.last_answer["text"]
    # Someone else's saved location cannot be used.
    dora = tg.user("Dora")
    await dora.send("/find")
    await dora.share_location(*BERLIN_MITTE)
    async with create_sessionmaker(engine)() as session:
        theirs = await session.scalar(
            select(SavedLocation.id).where(SavedLocation.user_id == dora.id)
        )
    await carl.press_callback(results, f"s-loc:{theirs}")
    assert carl.last_answer is not None
    assert "no longer active" in carl.last_answer["text"]
    reply = await carl.press_callback(results, "s-open:999999")
    assert reply is not None
    assert "no longer available" in (reply.text or "")
    async with create_sessionmaker(engine)() as session:
        assert await session.scalar(select(Offer.title)) == "Guitar lessons"

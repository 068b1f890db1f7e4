"""Conversation tests: the provider profile; a phone only from one's own contact."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db import create_sessionmaker
from emulator import Emulator
from models import Offer, Provider


async def stored_provider(engine: AsyncEngine, user_id: int) -> Provider:
    async with create_sessionmaker(engine)() as session:
        provider = await session.scalar(select(Provider).where(Provider.user_id == user_id))
        assert provider is not None
        return provider


async def test_the_profile_starts_from_the_telegram_name(tg: Emulator) -> None:
    anna = tg.user("Anna", last_name="Schmidt", username="anna_walks")
    reply = await anna.send("/profile")
    assert reply is not None
    assert "Name: Anna Schmidt" in (reply.text or "")
    assert "@anna_walks" in (reply.text or "")
    assert "only after a confirmed booking" in (reply.text or "")


async def test_name_bio_area_and_time_zone_are_saved(tg: Emulator, engine: AsyncEngine) -> None:
    anna = tg.user("Anna")
    await anna.send("/profile")
    await anna.press("Name")
    reply = await anna.send("A")
    assert reply is not None
    assert "2 to 64 characters" in (reply.text or "")
    await anna.send("Anna's Dog Walks")
    await anna.press("About")
    await anna.send("Ten years with dogs of every size. <3")
    await anna.press("Where I work")
    await anna.press("Type my area")
    await anna.send("Prenzlauer Berg")
    await anna.press("Time zone")
    reply = await anna.send("Berlin")
    assert reply is not None
    assert "Ten years with dogs of every size. <3" in (reply.text or "")  # shown literally
    provider = await stored_provider(engine, anna.id)
    assert (provider.display_name, provider.area, provider.timezone) == (
        "Anna's Dog Walks",
        "Prenzlauer Berg",
        "Europe/Berlin",
    )


async def test_only_ones_own_contact_is_accepted_as_phone(
    tg: Emulator, engine: AsyncEngine
) -> None:
    anna = tg.user("Anna")
    await anna.send("/profile")
    reply = await anna.press("Share my phone")
    assert reply is not None
    assert "📞 Share my number" in reply.buttons
    # A contact of someone else (forwarded card): refused, nothing stored.
    reply = await anna.share_contact("+49 170 0000000", user_id=anna.id + 1)
    assert reply is not None
    assert "Only your own number" in (reply.text or "")
    reply = await anna.share_contact("+49 170 0000000", from_button=False)  # typed-in card
    assert reply is not None
    assert "Only your own number" in (reply.text or "")
    assert (await stored_provider(engine, anna.id)).phone is None
    # Her own, from the button.
    await anna.share_contact("+49 170 1234567")
    assert any("Phone saved" in (m.text or "") for m in anna.turn)
    assert (await stored_provider(engine, anna.id)).phone == "+491701234567"
    await anna.press("Remove phone")
    assert (await stored_provider(engine, anna.id)).phone is None


async def test_workplace_is_a_location_the_customers_place_or_online(
    tg: Emulator, engine: AsyncEngine
) -> None:
    anna = tg.user("Anna")
    await anna.send("/profile")
    await anna.press("Where I work")
    reply = await anna.press("Share a location")
    assert reply is not None
    assert "📌 Send my location" in reply.buttons
    reply = await anna.send("somewhere nice")  # not a location: asked again, nothing stored
    assert reply is not None
    assert "share where you work" in (reply.text or "")
    await anna.share_location(52.5386, 13.4243)
    assert any("Location saved" in (m.text or "") for m in anna.turn)
    provider = await stored_provider(engine, anna.id)
    assert (provider.place_kind, provider.latitude, provider.longitude) == (
        "location",
        52.5386,
        13.4243,
    )
    assert "Where you work: at the shared location" in (anna.turn[-1].text or "")
    await anna.press("Where I work")
    reply = await anna.press("I come to the customer")
    assert reply is not None
    assert "Where you work: at the customer's place" in (reply.text or "")
    await anna.press("Where I work")
    reply = await anna.press("Online")
    assert reply is not None
    assert "Where you work: online" in (reply.text or "")
    assert (await stored_provider(engine, anna.id)).place_kind == "online"


async def test_forged_workplace_kind_changes_nothing(tg: Emulator, engine: AsyncEngine) -> None:
    anna = tg.user("Anna")
    card = await anna.send("/profile")
    assert card is not None
    await anna.press_callback(card, "pf-where-ok:moon")
    assert anna.last_answer is not None
    assert "no longer active" in anna.last_answer["text"]
    assert (await stored_provider(engine, anna.id)).place_kind == "area"


async def test_a_new_offer_takes_the_profiles_place_when_the_message_names_none(
    tg: Emulator, engine: AsyncEngine
) -> None:
    anna = tg.user("Anna")
    await anna.send("/profile")
    await anna.press("Where I work")
    await anna.press("Share a location")
    await anna.share_location(52.5386, 13.4243)
    await anna.send("/offer")
    reply = await anna.send("Dog walking, 45 min, 15 EUR, weekdays 8-12")
    assert reply is not None
    assert "📍 at the shared location" in (reply.text or ""), reply.text
    await anna.press("Publish")
    async with create_sessionmaker(engine)() as session:
        offer = await session.scalar(select(Offer))
        assert offer is not None
        assert (offer.place_kind, offer.latitude, offer.longitude) == ("location", 52.5386, 13.4243)

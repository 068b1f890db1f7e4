"""Conversation tests: providers publish offers by one message or step by step, then
manage them; bad input and forged callbacks change nothing."""

from __future__ import annotations

import pytest
from aiogram.filters.callback_data import CallbackData
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db import create_sessionmaker
from emulator import Emulator, SimUser
from handlers.my_offers_views import (
    ClearPhotos,
    DeleteOffer,
    EditOffer,
    EditOfferField,
    OfferPhotos,
    OfferRules,
    OpenOffer,
    PauseOffer,
    ShareOffer,
    ToggleApproval,
)
from models import Offer, OfferPhoto
from services import offers as offers_service
from tests.helpers import stored_user, with_timezone


async def offer_count(engine: AsyncEngine) -> int:
    async with create_sessionmaker(engine)() as session:
        return int(await session.scalar(select(func.count()).select_from(Offer)) or 0)


@pytest.mark.parametrize(
    ("language", "message", "place_button", "expected"),
    [
        (
            "en",
            "Dog walking in Prenzlauer Berg, 45 min, 15 EUR, weekdays 8-12 and 17-20",
            None,
            [
                "Dog walking",
                "45 min",
                "€15.00",
                "Mon–Fri 08:00–12:00, 17:00–20:00",
                "Prenzlauer Berg",
            ],
        ),
        (
            "ru",
            "Стрижка 30 мин 800 руб пн-пт 10:00-19:00",
            "Выезжаю к клиенту",
            ["Стрижка", "30 мин", "800,00", "пн–пт 10:00–19:00", "с выездом к клиенту"],
        ),
        (
            "es",
            "Clases de guitarra 1h 20€ sábados 10-14, grupos de 4",
            "En línea",
            [
                "Clases de guitarra",
                "1 h",
                "20,00",
                "sáb 10:00–14:00",
                "grupo de hasta 4",
                "en línea",
            ],
        ),
    ],
)
async def test_an_offer_from_one_message_in_each_language(
    tg: Emulator,
    engine: AsyncEngine,
    language: str,
    message: str,
    place_button: str | None,
    expected: list[str],
) -> None:
    provider = await with_timezone(tg.user("Prov", language=language))
    await provider.send("/offer")
    reply = await provider.send(message)
    if place_button:
        assert reply is not None
        await provider.press(place_button)
    preview = provider.last
    assert preview is not None
    for fragment in expected:
        assert fragment in (preview.text or ""), (fragment, preview.text)
    publish = {"en": "Publish", "ru": "Опубликовать", "es": "Publicar"}[language]
    done = await provider.press(publish)
    assert done is not None
    assert "?start=offer_" in (done.text or "")
    assert await offer_count(engine) == 1


async def test_what_the_message_lacks_is_asked_one_question_at_a_time(
    tg: Emulator, engine: AsyncEngine
) -> None:
    anna = await with_timezone(tg.user("Anna"))
    await anna.send("/offer")
    reply = await anna.send("Piano lessons 45 min")
    assert reply is not None
    assert "How much does it cost?" in (reply.text or "")
    reply = await anna.send("twenty")
    assert reply is not None
    assert "couldn't read a price" in (reply.text or "")
    reply = await anna.send("25")
    assert reply is not None
    assert "Which currency?" in (reply.text or "")
    reply = await anna.send("-25 EUR")
    assert reply is not None
    assert "can't be negative" in (reply.text or "")
    reply = await anna.send("25 EUR")
    assert reply is not None
    assert "When can customers book?" in (reply.text or "")
    reply = await anna.send("Mon-Fri 18-9")
    assert reply is not None
    assert "end before they start" in (reply.text or "")
    await anna.send("Mon-Fri 16-19")
    reply = await anna.press("Online")
    assert reply is not None
    assert "Piano lessons" in (reply.text or "")
    assert await offer_count(engine) == 0  # nothing saved before Publish
    await anna.press("Publish")
    assert await offer_count(engine) == 1


async def test_step_by_step_with_back_and_cancel(tg: Emulator, engine: AsyncEngine) -> None:
    bob = await with_timezone(tg.user("Bob"))
    await bob.send("/offer")
    reply = await bob.press("Step by step")
    assert reply is not None
    assert "What is the service called?" in (reply.text or "")
    assert "Back" not in " ".join(reply.buttons)  # nothing to go back to yet
    reply = await bob.send("x" * 3000)
    assert reply is not None
    assert "2 to 120 characters" in (reply.text or "")
    await bob.send("Bike repair")
    reply = await bob.press("Repairs")
    assert reply is not None
    assert "How long" in (reply.text or "")
    reply = await bob.press("Back")
    assert reply is not None
    assert "Which category" in (reply.text or "")
    await bob.press("Repairs")
    reply = await bob.send("3 minutes")
    assert reply is not None
    assert "between 5 minutes and 12 hours" in (reply.text or "")
    await bob.press("60 min")
    await bob.send("30 EUR")
    await bob.send("Sat 10-14")
    reply = await bob.send("101")
    assert reply is not None
    assert "from 1 to 100" in (reply.text or "")
    await bob.press("4")
    await bob.send("Kreuzberg")
    preview = bob.last
    assert preview is not None
    for fragment in (
        "Bike repair",
        "Repairs",
        "1 h",
        "€30.00",
        "Sat 10:00–14:00",
        "group of up to 4",
        "Kreuzberg",
    ):
        assert fragment in (preview.text or "")
    await bob.press("Discard")
    assert await offer_count(engine) == 0
    reply = await bob.send("hello")
    assert reply is not None
    assert "didn't understand" in (reply.text or "")  # the dialogue is over


async def test_cancel_command_leaves_the_dialogue(tg: Emulator, engine: AsyncEngine) -> None:
    bob = await with_timezone(tg.user("Bob"))
    await bob.send("/offer")
    await bob.send("Bike repair 1h")
    await bob.send("/cancel")
    assert any("Cancelled" in (m.text or "") for m in bob.turn)
    assert await offer_count(engine) == 0


async def test_edit_a_field_in_the_preview(tg: Emulator) -> None:
    anna = await with_timezone(tg.user("Anna"))
    await anna.send("/offer")
    await anna.send("Yoga class 1h 10 EUR Wednesdays 18-20 online")
    await anna.press("Edit field")
    await anna.press("Price")
    reply = await anna.send("12 EUR")
    assert reply is not None
    assert "€12.00" in (reply.text or "")
    assert "Publish" in " ".join(reply.buttons)


async def published(tg: Emulator, user: SimUser) -> None:
    await user.send("/offer")
    await user.send("Dog walking in Mitte, 45 min, 15 EUR, weekdays 8-12")
    await user.press("Publish")


async def test_manage_an_offer_pause_resume_share_delete(tg: Emulator, engine: AsyncEngine) -> None:
    anna = await with_timezone(tg.user("Anna"))
    await published(tg, anna)
    reply = await anna.send("/my_offers")
    assert reply is not None
    assert "Your offers (1)" in (reply.text or "")
    card = await anna.press("Dog walking")
    assert card is not None
    assert "published" in (card.text or "")
    card = await anna.press("Pause")
    assert card is not None
    assert "paused" in (card.text or "")
    # Customers following the link are told politely.
    carl = await with_timezone(tg.user("Carl"))
    async with create_sessionmaker(engine)() as session:
        offer_id = await session.scalar(select(Offer.id))
    reply = await carl.send(f"/start offer_{offer_id}")
    assert reply is not None
    assert "no longer available" in (reply.text or "")
    await anna.press("Resume")
    share = await anna.press("Share link")
    assert share is not None
    assert f"https://t.me/gigbot_test_bot?start=offer_{offer_id}" in (share.text or "")
    reply = await carl.send(f"/start offer_{offer_id}")
    assert reply is not None
    assert "Dog walking" in (reply.text or "")
    await anna.press("Back")
    await anna.press("Delete")
    reply = await anna.press("Yes, delete")
    assert reply is not None
    assert "no offers yet" in (reply.text or "")
    async with create_sessionmaker(engine)() as session:
        assert await session.scalar(select(Offer.status)) == "deleted"


async def test_edit_a_published_offer(tg: Emulator, engine: AsyncEngine) -> None:
    anna = await with_timezone(tg.user("Anna"))
    await published(tg, anna)
    await anna.send("/my_offers")
    await anna.press("Dog walking")
    await anna.press("Edit")
    await anna.press("Hours")
    reply = await anna.send("Sat 9-12")
    assert reply is not None
    assert "Saved" in (reply.text or "")
    assert "Sat 09:00–12:00" in (reply.text or "")


async def test_forged_callbacks_for_someone_elses_offer_change_nothing(
    tg: Emulator, engine: AsyncEngine
) -> None:
    anna = await with_timezone(tg.user("Anna"))
    await published(tg, anna)
    async with create_sessionmaker(engine)() as session:
        offer_id = await session.scalar(select(Offer.id))
    mallory = await with_timezone(tg.user("Mallory"))
    menu = await mallory.send("/start")
    assert menu is not None
    answers = []
    forged: list[CallbackData] = [
        OpenOffer(offer_id=offer_id),
        PauseOffer(offer_id=offer_id, paused=True),
        DeleteOffer(offer_id=offer_id),
        ShareOffer(offer_id=offer_id),
        EditOffer(offer_id=offer_id),
        EditOfferField(offer_id=offer_id, field="hours"),
        OfferRules(offer_id=offer_id),
        ToggleApproval(offer_id=offer_id),
        OfferPhotos(offer_id=offer_id),
        ClearPhotos(offer_id=offer_id),
    ]
    for data in forged:
        await mallory.press_callback(menu, data.pack())
        answers.append(mallory.last_answer["text"] if mallory.last_answer else None)
    await mallory.press_callback(menu, OpenOffer(offer_id=999999).pack())
    missing = mallory.last_answer["text"] if mallory.last_answer else None
    assert set(answers) == {missing} == {"This offer doesn't exist or isn't yours."}
    async with create_sessionmaker(engine)() as session:
        assert await session.scalar(select(Offer.status)) == "published"


async def test_booking_rules_and_special_dates(tg: Emulator, engine: AsyncEngine) -> None:
    anna = await with_timezone(tg.user("Anna"))
    await published(tg, anna)
    await anna.send("/my_offers")
    await anna.press("Dog walking")
    reply = await anna.press("Booking rules")
    assert reply is not None
    assert "Confirmation: instant" in (reply.text or "")
    await anna.press("Break")
    await anna.press("15 min")
    await anna.press("Notice")
    await anna.press("1 h")
    await anna.press("How far ahead")
    await anna.press("14 days")
    reply = await anna.press("Instant / approval")
    assert reply is not None
    assert "I approve each request" in (reply.text or "")
    assert "Free cancellation: until 24 h before" in (reply.text or "")
    await anna.press("↩️ Free cancellation")
    reply = await anna.press("until 48 h before")
    assert reply is not None
    assert "Free cancellation: until 48 h before" in (reply.text or "")
    await anna.press("Day off")
    reply = await anna.send("yesterday-ish")
    assert reply is not None
    assert "couldn't read that date" in (reply.text or "")
    reply = await anna.send("2020-01-01")
    assert reply is not None
    assert "already passed" in (reply.text or "")
    reply = await anna.send("2099-12-24")
    assert reply is not None
    assert "Dec 24, 2099: day off" in (reply.text or "")
    await anna.press("Extra hours")
    reply = await anna.send("2099-12-27 10-14")
    assert reply is not None
    assert "Dec 27, 2099: extra hours 10:00–14:00" in (reply.text or "")
    async with create_sessionmaker(engine)() as session:
        offer = await session.scalar(select(Offer))
        assert offer is not None
        assert (
            offer.buffer_min,
            offer.min_notice_min,
            offer.max_advance_days,
            offer.requires_approval,
            offer.free_cancel_hours,
        ) == (15, 60, 14, True, 48)
    reply = await anna.press("Clear dates")
    assert reply is not None
    assert "day off" not in (reply.text or "")


async def test_up_to_five_photos(tg: Emulator, engine: AsyncEngine) -> None:
    anna = await with_timezone(tg.user("Anna"))
    await published(tg, anna)
    await anna.send("/my_offers")
    await anna.press("Dog walking")
    reply = await anna.press("Photos (0/5)")
    assert reply is not None
    assert "0 of 5" in (reply.text or "")
    reply = await anna.send("not a photo")
    assert reply is not None
    assert "send a photo" in (reply.text or "")
    for n in range(1, 6):
        reply = await anna.send_photo(f"photo {n}".encode())
        assert reply is not None
        assert f"Photo added ({n} of 5)" in (reply.text or "")
    reply = await anna.send_photo(b"one too many")
    assert reply is not None
    assert "5 photos at most" in (reply.text or "")
    card = await anna.press("Done")
    assert card is not None
    assert "Photos (5/5)" in " ".join(card.buttons)
    async with create_sessionmaker(engine)() as session:
        offer = await session.scalar(select(Offer))
        assert offer is not None
        ids = (
            await session.scalars(select(OfferPhoto.file_id).order_by(OfferPhoto.position))
        ).all()
    assert len(ids) == 5
    assert all(not file_id.endswith("_s") for file_id in ids)  # the largest size is kept


@pytest.mark.parametrize(
    ("language", "labels", "answers", "expected"),
    [
        (
            "ru",
            {
                "steps": "По шагам",
                "category": "Красота",
                "duration": "45 мин",
                "capacity": "индивидуально (1 человек)",
                "place": "Онлайн",
                "publish": "Опубликовать",
            },
            ["Маникюр", "1500 руб", "вт-сб 10-18"],
            ["Маникюр", "Красота", "45 мин", "вт–сб"],
        ),
        (
            "es",
            {
                "steps": "Paso a paso",
                "category": "Mascotas",
                "duration": "60 min",
                "capacity": "4",
                "place": "Voy al cliente",
                "publish": "Publicar",
            },
            ["Paseo de perros", "12€", "lun-vie 8-11"],
            ["Paseo de perros", "Mascotas", "1 h", "lun–vie", "grupo de hasta 4", "a domicilio"],
        ),
    ],
)
async def test_step_by_step_in_russian_and_spanish(
    tg: Emulator,
    engine: AsyncEngine,
    language: str,
    labels: dict[str, str],
    answers: list[str],
    expected: list[str],
) -> None:
    person = await with_timezone(tg.user("Prov", language=language))
    await person.send("/offer")
    await person.press(labels["steps"])
    await person.send(answers[0])  # title
    await person.press(labels["category"])
    await person.press(labels["duration"])
    await person.send(answers[1])  # price
    await person.send(answers[2])  # hours
    await person.press(labels["capacity"])
    preview = await person.press(labels["place"])
    assert preview is not None
    for fragment in expected:
        assert fragment in (preview.text or ""), (fragment, preview.text)
    await person.press(labels["publish"])
    assert await offer_count(engine) == 1


async def test_delete_is_refused_while_bookings_are_to_come(
    tg: Emulator, engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Bookings arrive with the booking feature; until then the count is stood in for.
    async def two_bookings(*_args: object) -> int:
        return 2

    monkeypatch.setattr(offers_service, "count_future_bookings", two_bookings)
    anna = await with_timezone(tg.user("Anna"))
    await published(tg, anna)
    await anna.send("/my_offers")
    await anna.press("Dog walking")
    await anna.press("Delete")
    await anna.press("Yes, delete")
    assert anna.last_answer is not None
    assert "upcoming bookings" in (anna.last_answer["text"] or "")
    async with create_sessionmaker(engine)() as session:
        assert await session.scalar(select(Offer.status)) == "published"


async def test_a_first_offer_asks_the_time_zone_before_the_preview(
    tg: Emulator, engine: AsyncEngine
) -> None:
    nina = tg.user("Nina")  # never chose a zone: her hours must not silently be UTC
    await nina.send("/offer")
    reply = await nina.send("Piano lessons 1h 30 EUR Mon-Fri 15-19 online")
    assert reply is not None
    assert "Which time zone are your hours in?" in (reply.text or "")
    reply = await nina.send("Madrid")
    assert reply is not None
    assert "Hours in Europe/Madrid time" in (reply.text or "")
    await nina.press("Publish")
    async with create_sessionmaker(engine)() as session:
        provider = await offers_service.provider_of(session, await stored_user(engine, nina.id))
    assert provider is not None
    assert provider.timezone == "Europe/Madrid"


async def test_a_city_with_several_zones_is_offered_as_buttons(tg: Emulator) -> None:
    ivan = tg.user("Ivan")
    await ivan.send("/offer")
    await ivan.send("Piano lessons 1h 30 EUR Mon-Fri 15-19 online")
    reply = await ivan.send("Cordoba")
    assert reply is not None
    assert "America/Argentina/Cordoba" in reply.buttons
    reply = await ivan.press("America/Argentina/Cordoba")
    assert reply is not None
    assert "Hours in America/Argentina/Cordoba time" in (reply.text or "")
    assert "Publish" in " ".join(reply.buttons)


async def test_a_provider_with_a_zone_is_not_asked_again(tg: Emulator) -> None:
    olga = await with_timezone(tg.user("Olga"), "Berlin")
    await olga.send("/offer")
    reply = await olga.send("Piano lessons 1h 30 EUR Mon-Fri 15-19 online")
    assert reply is not None
    assert "Hours in Europe/Berlin time" in (reply.text or "")


async def test_a_negative_price_in_one_message_is_asked_again_with_the_reason(
    tg: Emulator, engine: AsyncEngine
) -> None:
    gil = await with_timezone(tg.user("Gil"))
    await gil.send("/offer")
    reply = await gil.send("Guitar lessons 1h -5 EUR Mon-Fri 10-18 online")
    texts = [m.text or "" for m in gil.turn]
    assert any("The price can't be negative." in text for text in texts)
    assert reply is not None
    assert "How much does it cost?" in (reply.text or "")
    assert not any("€5.00" in text for text in texts)
    reply = await gil.send("25 EUR")
    assert reply is not None
    assert "€25.00" in (reply.text or "")
    await gil.press("Publish")
    async with create_sessionmaker(engine)() as session:
        assert await session.scalar(select(Offer.price_minor)) == 2500


async def test_a_huge_price_typed_as_the_answer_is_refused_with_the_reason(tg: Emulator) -> None:
    gil = await with_timezone(tg.user("Gil"))
    await gil.send("/offer")
    await gil.send("Guitar lessons 1h Mon-Fri 10-18 online")
    reply = await gil.send("€99,999,999,999")
    assert reply is not None
    assert "That price looks like a typo." in (reply.text or "")


async def test_a_negative_price_typed_as_the_answer_is_refused(tg: Emulator) -> None:
    gil = await with_timezone(tg.user("Gil"))
    await gil.send("/offer")
    await gil.send("Guitar lessons 1h Mon-Fri 10-18 online")
    reply = await gil.send("- 5 EUR")
    assert reply is not None
    assert "The price can't be negative." in (reply.text or "")

"""Conversation tests: booking from an offer card to Confirm; approval and decline;
contacts only after confirmation; a time taken meanwhile; cancel, reschedule, seats,
the agenda, .ics; double taps and forged buttons."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db import create_sessionmaker
from emulator import Emulator, SimUser
from handlers.booking_views import (
    CalendarFile,
    CancelBooking,
    ChangeBooking,
    MoveBooking,
    OpenBooking,
)
from models import Booking
from services import bookings
from services.offers import OfferData
from services.users import TelegramProfile, touch_user
from tests.helpers import offer_data, turn_to_month_of
from tests.helpers import publish as publish_offers


def offer(**fields: Any) -> OfferData:
    return offer_data(**{"title": "Guitar lesson", "category": "lessons", **fields})


async def publish(engine: AsyncEngine, provider: SimUser, data: OfferData) -> int:
    """An offer of `provider` (who has talked to the bot), straight through the service."""
    name = provider.account.first_name
    (offer_id,) = await publish_offers(
        engine, provider.id, data, first_name=name, username="anna_guitar"
    )
    return offer_id


def target_day() -> date:
    return datetime.now(UTC).date() + timedelta(days=2)


async def open_times(carl: SimUser, offer_id: int) -> None:
    """From the offer link to the free times of the target day."""
    await carl.send(f"/start offer_{offer_id}")
    await carl.press("📅 Book")
    await pick_target_day(carl)


async def pick_target_day(person: SimUser) -> None:
    """In the calendar just shown, open the target day (turning the month if needed)."""
    day = target_day()
    await turn_to_month_of(person, day)
    await person.press(str(day.day))


async def book_at_ten(carl: SimUser, offer_id: int) -> None:
    await open_times(carl, offer_id)
    await carl.press("10:00")
    await carl.press("Skip")
    await carl.press("✅ Confirm")


async def test_instant_booking_shares_contacts_and_an_ics(
    tg: Emulator, engine: AsyncEngine
) -> None:
    anna = tg.user("Anna", username="anna_guitar")
    await anna.send("/start")
    offer_id = await publish(engine, anna, offer())
    carl = tg.user("Carl", username="carl_c")
    await open_times(carl, offer_id)
    times = carl.turn[-1]
    assert "10:00" in times.buttons
    await carl.press("10:00")
    reply = await carl.send("Bringing my own guitar <3")
    assert reply is not None
    assert "Your booking" in (reply.text or "")
    assert "Bringing my own guitar <3" in (reply.text or "")
    reply = await carl.press("✅ Confirm")
    assert reply is not None
    text = reply.text or ""
    assert "Booked!" in text
    assert "@anna_guitar" in text  # the provider's contact, now that it is confirmed
    notice = tg.messages_in(anna.id)[-1]
    assert "New booking" in (notice.text or "")
    assert "@carl_c" in (notice.text or "")
    await carl.press("Add to calendar")
    document = carl.turn[-1].extra["document"]
    ics = tg.files[document["file_id"]]["content"].decode()
    assert "BEGIN:VEVENT" in ics
    assert "SUMMARY:Guitar lesson" in ics
    assert "DTSTART;TZID=UTC:" in ics or "DTSTART:" in ics
    assert document["file_name"].endswith(".ics")


async def test_request_accept_and_decline(tg: Emulator, engine: AsyncEngine) -> None:
    anna = tg.user("Anna", username="anna_guitar")
    await anna.send("/start")
    offer_id = await publish(engine, anna, offer(requires_approval=True))
    carl = tg.user("Carl")
    await book_at_ten(carl, offer_id)
    text = carl.turn[-1].text or ""
    assert "Request sent" in text
    assert "@anna_guitar" not in text  # no contact before confirmation
    request = tg.messages_in(anna.id)[-1]
    assert "New request" in (request.text or "")
    await anna.press("✅ Accept")
    told = tg.messages_in(carl.id)[-1]
    assert "confirmed" in (told.text or "")
    assert "@anna_guitar" in (told.text or "")
    # A second request, declined with a reason.
    dora = tg.user("Dora")
    await open_times(dora, offer_id)
    await dora.press("11:00")
    await dora.press("Skip")
    await dora.press("✅ Confirm")
    await anna.press("❌ Decline")
    await anna.send("Fully booked that day, sorry")
    told = tg.messages_in(dora.id)[-1]
    assert "declined" in (told.text or "")
    assert "Fully booked that day, sorry" in (told.text or "")


async def test_a_time_taken_meanwhile_shows_fresh_times(tg: Emulator, engine: AsyncEngine) -> None:
    anna = tg.user("Anna")
    await anna.send("/start")
    offer_id = await publish(engine, anna, offer())
    carl = tg.user("Carl")
    await open_times(carl, offer_id)
    await carl.press("10:00")
    await carl.press("Skip")
    # Dora takes 10:00 first.
    dora = tg.user("Dora")
    await dora.send("/start")
    async with create_sessionmaker(engine)() as session:
        dora_user = await touch_user(session, TelegramProfile(id=dora.id, first_name="Dora"))
        start = datetime.combine(target_day(), datetime.min.time(), UTC) + timedelta(hours=10)
        await bookings.book(session, dora_user, offer_id, start, now=datetime.now(UTC))
        await session.commit()
    reply = await carl.press("✅ Confirm")
    assert reply is not None
    assert "just taken" in (reply.text or "")
    assert "10:00" not in reply.buttons
    assert "11:00" in reply.buttons
    async with create_sessionmaker(engine)() as session:
        assert await session.scalar(select(func.count()).select_from(Booking)) == 1


async def test_cancel_and_reschedule_tell_the_other_side(tg: Emulator, engine: AsyncEngine) -> None:
    anna = tg.user("Anna")
    await anna.send("/start")
    offer_id = await publish(engine, anna, offer())
    carl = tg.user("Carl")
    await book_at_ten(carl, offer_id)
    await carl.send("/bookings")
    await carl.press("Guitar lesson")
    await carl.press("🔁 Reschedule")
    await pick_target_day(carl)
    await carl.press("14:00")
    await carl.press("Skip")
    reply = await carl.press("✅ Move my booking here")
    assert reply is not None
    assert "14:00" in (reply.text or "")
    assert "moved their booking" in (tg.messages_in(anna.id)[-1].text or "")
    await carl.press("✖ Cancel booking")
    await carl.send("Sick, sorry")
    told = tg.messages_in(anna.id)[-1]
    assert "cancelled" in (told.text or "")
    assert "Sick, sorry" in (told.text or "")
    async with create_sessionmaker(engine)() as session:
        statuses = sorted(await session.scalars(select(Booking.status)))
        assert statuses == ["cancelled_by_customer", "cancelled_by_customer"]


async def test_the_provider_cancels_and_the_customer_is_told(
    tg: Emulator, engine: AsyncEngine
) -> None:
    anna = tg.user("Anna")
    await anna.send("/start")
    offer_id = await publish(engine, anna, offer())
    carl = tg.user("Carl")
    await book_at_ten(carl, offer_id)
    await anna.send("/agenda")
    await anna.press("Guitar lesson")
    await anna.press("✖ Cancel booking")
    await anna.press("Skip")
    told = tg.messages_in(carl.id)[-1]
    assert "cancelled" in (told.text or "")
    async with create_sessionmaker(engine)() as session:
        assert await session.scalar(select(Booking.status)) == "cancelled_by_provider"


async def test_the_provider_moves_a_booking_from_the_agenda(
    tg: Emulator, engine: AsyncEngine
) -> None:
    anna = tg.user("Anna")
    await anna.send("/start")
    offer_id = await publish(engine, anna, offer())
    carl = tg.user("Carl")
    await book_at_ten(carl, offer_id)
    await anna.send("/agenda")
    await anna.press("Guitar lesson")
    await anna.press("🔁 Reschedule")
    await pick_target_day(anna)
    await anna.press("16:00")
    await anna.press("Skip")
    await anna.press("✅ Move my booking here")
    told = tg.messages_in(carl.id)[-1]
    assert "moved your booking" in (told.text or "")
    assert "16:00" in (told.text or "")


async def test_group_seats_and_the_agenda(tg: Emulator, engine: AsyncEngine) -> None:
    anna = tg.user("Anna")
    await anna.send("/start")
    offer_id = await publish(engine, anna, offer(title="Guitar group", capacity=4))
    carl = tg.user("Carl")
    await open_times(carl, offer_id)
    reply = await carl.press("10:00")
    assert reply is not None
    assert "4 left" in (reply.text or "")
    await carl.press("2")
    reply = await carl.press("Skip")
    assert reply is not None
    assert "€40.00" in (reply.text or "")
    await carl.press("✅ Confirm")
    reply = await anna.send("/agenda")
    assert reply is not None
    assert "Guitar group · 2/4" in (reply.text or "")


async def test_double_tap_forged_buttons_and_own_offer(tg: Emulator, engine: AsyncEngine) -> None:
    anna = tg.user("Anna")
    await anna.send("/start")
    offer_id = await publish(engine, anna, offer())
    carl = tg.user("Carl")
    await open_times(carl, offer_id)
    await carl.press("10:00")
    summary = await carl.press("Skip")
    assert summary is not None
    confirm = next(b for row in summary.inline_keyboard for b in row if "Confirm" in b["text"])
    # A double tap: the same Confirm twice at once (the bot handles updates concurrently).
    await asyncio.gather(
        carl.press_callback(summary, confirm["callback_data"]),
        carl.press_callback(summary, confirm["callback_data"]),
    )
    async with create_sessionmaker(engine)() as session:
        assert await session.scalar(select(func.count()).select_from(Booking)) == 1
        booking_id = await session.scalar(select(Booking.id))
    notices = [m for m in tg.messages_in(anna.id) if "New booking" in (m.text or "")]
    assert len(notices) == 1
    mallory = tg.user("Mallory")
    menu = await mallory.send("/bookings")
    assert menu is not None
    answers = []
    for press in (
        OpenBooking(booking_id=booking_id),
        CancelBooking(booking_id=booking_id),
        ChangeBooking(booking_id=booking_id, change="accept"),
        CalendarFile(booking_id=booking_id),
        MoveBooking(booking_id=booking_id),
    ):
        await mallory.press_callback(menu, press.pack())
        answers.append(mallory.last_answer["text"] if mallory.last_answer else None)
    assert set(answers) == {"This booking doesn't exist or isn't yours."}
    async with create_sessionmaker(engine)() as session:
        assert await session.scalar(select(Booking.status)) == "confirmed"
    # The provider cannot book their own offer.
    await anna.send(f"/start offer_{offer_id}")
    await anna.press("📅 Book")
    assert anna.last_answer is not None
    assert "your own offer" in anna.last_answer["text"]


async def studio_of_anna(tg: Emulator, engine: AsyncEngine) -> tuple[SimUser, int]:
    """Anna, who has talked to the bot, and her lesson at her studio (with coordinates)."""
    anna = tg.user("Anna", username="anna_guitar")
    await anna.send("/start")
    studio = offer(place_kind="location", latitude=52.52, longitude=13.405, area="Torstraße 1")
    return anna, await publish(engine, anna, studio)


async def test_a_place_with_coordinates_is_a_map_pin_on_the_detail_and_the_booking(
    tg: Emulator, engine: AsyncEngine
) -> None:
    anna, offer_id = await studio_of_anna(tg, engine)
    online_id = await publish(engine, anna, offer(title="Guitar theory", place_kind="online"))
    carl = tg.user("Carl")
    await carl.send(f"/start offer_{online_id}")
    assert not [m for m in carl.turn if m.venue]  # no place, no pin
    await carl.send(f"/start offer_{offer_id}")
    pins = [m.venue for m in carl.turn if m.venue]
    assert pins == [
        {
            "location": {"latitude": 52.52, "longitude": 13.405},
            "title": "Guitar lesson",
            "address": "Torstraße 1",
        }
    ]
    assert "📅 Book" in carl.turn[-1].buttons  # the card comes after the pin
    await book_at_ten(carl, offer_id)
    assert "📍 Map" in carl.turn[-1].buttons
    await carl.press("📍 Map")
    assert carl.turn[-1].venue == pins[0]
    # The provider's own card has no pin: it is their place.
    assert "📍 Map" not in tg.messages_in(anna.id)[-1].buttons


async def test_a_change_asked_again_is_answered_as_the_first_time(
    tg: Emulator, engine: AsyncEngine
) -> None:
    # A double tap, or an update handled again after its instance died mid-way (the
    # cluster test kills instances): the card again, nobody told twice.
    anna = tg.user("Anna")
    await anna.send("/start")
    offer_id = await publish(engine, anna, offer(requires_approval=True))
    carl = tg.user("Carl")
    await book_at_ten(carl, offer_id)
    request = tg.messages_in(anna.id)[-1]
    accept = next(
        b["callback_data"] for row in request.inline_keyboard for b in row if "Accept" in b["text"]
    )
    await anna.press_callback(request, accept)
    told = len(tg.messages_in(carl.id))
    await anna.press_callback(request, accept)
    assert anna.last_answer is not None
    assert "not possible" not in (anna.last_answer.get("text") or "")
    assert "not possible" not in (tg.messages_in(anna.id)[-1].text or "")
    assert len(tg.messages_in(carl.id)) == told

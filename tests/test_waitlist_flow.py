"""Conversation test of a waiting list through the emulator: a fully booked day shows 🔔
in the calendar; joining it; a cancellation offers the place to the first in line,
who takes it; the provider hears of the booking."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db import create_sessionmaker
from bot.notifier import deliver_due
from bot.sender import Sender
from emulator import Emulator
from emulator.harness import RunningBot
from handlers.notices import decide
from models import Booking, BookingStatus, WaitlistEntry, WaitStatus
from tests.helpers import turn_to_month_of
from tests.test_booking_flow import book_at_ten, offer, publish, target_day

ONE_HOUR_A_DAY = [(d, 600, 660) for d in range(7)]  # 10:00–11:00: one booking fills a day


async def quiet(_seconds: float) -> None:
    return None


async def deliver(bot: RunningBot) -> None:
    sender = Sender(bot.app.bot, per_second=1000, sleep=quiet)
    await deliver_due(bot.app.sessionmaker, sender, decide=decide, now=datetime.now(UTC))


async def test_a_full_day_fills_from_its_waiting_list(
    tg: Emulator, running_bot: RunningBot, engine: AsyncEngine
) -> None:
    anna = tg.user("Anna", username="anna_guitar")
    await anna.send("/start")
    offer_id = await publish(engine, anna, offer(duration_min=60, weekly=ONE_HOUR_A_DAY))
    carl = tg.user("Carl")
    await book_at_ten(carl, offer_id)
    # Dora finds the day full: its 🔔 joins the waiting list.
    dora = tg.user("Dora")
    await dora.send(f"/start offer_{offer_id}")
    calendar = await dora.press("📅 Book")
    assert calendar is not None
    day = target_day()
    calendar = await turn_to_month_of(dora, day)
    assert f"🔔{day.day}" in calendar.buttons
    joined = await dora.press(f"🔔{day.day}")
    assert joined is not None
    assert "number 1 in line" in (joined.text or "")
    # Carl cancels: the place is held for Dora, and she is told.
    await carl.send("/bookings")
    await carl.press("Guitar lesson")
    await carl.press("✖ Cancel booking")
    await carl.press("Skip")
    await deliver(running_bot)
    offered = tg.messages_in(dora.id)[-1]
    assert "A place freed up" in (offered.text or "")
    taken = await dora.press("✅ Take it")
    assert taken is not None
    assert "Booked!" in (taken.text or "")
    assert "New booking" in (tg.messages_in(anna.id)[-1].text or "")
    async with create_sessionmaker(engine)() as session:
        statuses = sorted(await session.scalars(select(Booking.status)))
        assert statuses == [BookingStatus.CANCELLED_BY_CUSTOMER, BookingStatus.CONFIRMED]
        assert await session.scalar(select(WaitlistEntry.status)) == WaitStatus.BOOKED

"""Conversation test of a repeat booking through the emulator: from the summary, weekly
four times; the preview; the series booked with one message to the provider; then
cancelling this and all following from a booking's card."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db import create_sessionmaker
from emulator import Emulator
from models import Booking
from tests.test_booking_flow import offer, open_times, publish


async def test_a_weekly_series_booked_and_cancelled_from_the_second_on(
    tg: Emulator, engine: AsyncEngine
) -> None:
    anna = tg.user("Anna", username="anna_guitar")
    await anna.send("/start")
    offer_id = await publish(engine, anna, offer(max_advance_days=90))
    carl = tg.user("Carl")
    await open_times(carl, offer_id)
    await carl.press("10:00")
    await carl.press("Skip")
    menu = await carl.press("🔁 Repeat every week…")
    assert menu is not None
    preview = await carl.press("Weekly ×4")
    assert preview is not None
    assert (preview.text or "").count("✅") == 4
    before = len(tg.messages_in(anna.id))
    booked = await carl.press("✅ Book the 4 free times")
    assert booked is not None
    assert "Booked 4 times" in (booked.text or "")
    told = tg.messages_in(anna.id)[before:]
    assert len(told) == 1  # one message for the whole series
    assert "booked <b>" not in (told[0].text or "")  # rendered, not raw HTML
    assert "Guitar lesson" in (told[0].text or "")
    # The second occurrence's card: cancel it and the following ones.
    await carl.send("/bookings")
    lessons = [b for b in carl.turn[-1].buttons if "Guitar lesson" in b]
    assert len(lessons) == 4
    await carl.press(lessons[1])
    ask = await carl.press("✖ Cancel this and all following")
    assert ask is not None
    assert "Cancel 3 bookings" in (ask.text or "")
    done = await carl.press("Yes, cancel 3")
    assert done is not None
    assert "Cancelled: 3" in (done.text or "")
    assert "cancelled 3 bookings" in (tg.messages_in(anna.id)[-1].text or "")
    async with create_sessionmaker(engine)() as session:
        statuses = list(await session.scalars(select(Booking.status).order_by(Booking.starts_at)))
    assert statuses == ["confirmed"] + ["cancelled_by_customer"] * 3

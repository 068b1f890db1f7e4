"""Conversation tests: a provider blocks a customer from a booking card and unblocks them
from the profile's list; the blocked customer is refused without being told why; a
provider asks to approve customers new to them; forged buttons change nothing."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db import create_sessionmaker
from emulator import Emulator
from handlers.customer_rules_views import BlockCustomer, UnblockListed
from models import Booking, CustomerBlock
from tests.test_booking_flow import book_at_ten, offer, pick_target_day, publish


async def blocks(engine: AsyncEngine) -> int:
    async with create_sessionmaker(engine)() as session:
        return int(await session.scalar(select(func.count()).select_from(CustomerBlock)) or 0)


async def test_a_blocked_customer_is_refused_politely_until_unblocked(
    tg: Emulator, engine: AsyncEngine
) -> None:
    anna = tg.user("Anna", username="anna_guitar")
    await anna.send("/start")
    offer_id = await publish(engine, anna, offer())
    carl = tg.user("Carl", username="carl_c")
    await book_at_ten(carl, offer_id)
    await anna.send("/agenda")
    await anna.press("Guitar lesson")
    reply = await anna.press("🚫 Block customer")
    assert reply is not None
    assert "Unblock customer" in reply.buttons  # the card again, now with Unblock
    assert anna.last_answer is not None
    assert "can no longer book" in anna.last_answer["text"]
    assert await blocks(engine) == 1
    # Carl tries to book again: a polite refusal that names no block.
    await carl.send(f"/start offer_{offer_id}")
    await carl.press("📅 Book")
    assert carl.last_answer is not None
    refusal = carl.last_answer["text"]
    assert refusal == "Sorry, this offer cannot be booked."
    assert "block" not in refusal.lower()
    # Anna unblocks him from her profile's list.
    await anna.send("/profile")
    listing = await anna.press("🚫 Blocked customers")
    assert listing is not None
    assert "Blocked customers: 1" in (listing.text or "")
    assert "Carl" in (listing.text or "")
    after = await anna.press("Unblock Carl")
    assert after is not None
    assert "Blocked customers: 0" in (after.text or "")
    assert await blocks(engine) == 0
    await carl.press("📅 Book")
    await pick_target_day(carl)  # the calendar opens again
    assert "10:00" not in carl.turn[-1].buttons  # his own booking still holds it
    assert "11:00" in carl.turn[-1].buttons


async def test_newcomers_wait_for_approval_when_the_provider_asks(
    tg: Emulator, engine: AsyncEngine
) -> None:
    anna = tg.user("Anna", username="anna_guitar")
    await anna.send("/start")
    offer_id = await publish(engine, anna, offer())
    await anna.send("/profile")
    reply = await anna.press("☐ New customers need my approval")
    assert reply is not None
    assert "✅ New customers need my approval" in reply.buttons
    carl = tg.user("Carl")
    await book_at_ten(carl, offer_id)
    assert "Request sent" in (carl.turn[-1].text or "")
    assert "New request" in (tg.messages_in(anna.id)[-1].text or "")


async def test_forged_blocking_buttons_change_nothing(tg: Emulator, engine: AsyncEngine) -> None:
    anna = tg.user("Anna")
    await anna.send("/start")
    offer_id = await publish(engine, anna, offer())
    carl = tg.user("Carl")
    await book_at_ten(carl, offer_id)
    async with create_sessionmaker(engine)() as session:
        booking_id = await session.scalar(select(Booking.id))
    assert booking_id is not None
    card = carl.turn[-1]
    mallory = tg.user("Mallory")
    await mallory.send("/start")
    # Someone else's booking, the customer's own booking, and values out of range.
    for person, data in (
        (mallory, BlockCustomer(booking_id=booking_id, blocked=True).pack()),
        (carl, BlockCustomer(booking_id=booking_id, blocked=True).pack()),
        (carl, "cr-block:0:1"),
        (carl, "cr-block:99999999999:1"),
        (carl, f"cr-block:{booking_id}:maybe"),
        (carl, "cr-rm:-5:0"),
        (carl, UnblockListed(customer_id=anna.id, page=0).pack()),
        (carl, "cr-new:maybe"),
    ):
        await person.press_callback(card, data)
    assert await blocks(engine) == 0

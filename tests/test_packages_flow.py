"""Conversation test of a package through the emulator: the provider puts 5 sessions on
sale from the offer's rules; a customer buys them from the offer's detail and pays; a
booking then draws from the package (no invoice), and My bookings shows the balance."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db import create_sessionmaker
from emulator import Emulator
from emulator.harness import RunningBot
from models import Booking, Offer
from tests.test_booking_flow import offer, open_times, publish
from tests.test_payments_flow import ada, paying, tg

__all__ = ["ada", "paying", "tg"]  # the paying bot's fixtures


async def test_a_package_bought_and_drawn(
    tg: Emulator, paying: RunningBot, engine: AsyncEngine
) -> None:
    anna = tg.user("Anna", username="anna_guitar")
    await anna.send("/start")
    offer_id = await publish(engine, anna, offer(price_minor=4000, currency="EUR"))
    await anna.send("/my_offers")
    await anna.press("Guitar lesson")
    await anna.press("Booking rules and dates")
    await anna.press("🎟 Packages")
    await anna.press("+ 5 sessions")
    await anna.press("90 days")
    menu = await anna.send("180")
    assert menu is not None
    assert "5 sessions · €180.00 · 90 days" in " ".join(menu.buttons)
    carl = tg.user("Carl")
    await carl.send(f"/start offer_{offer_id}")
    await carl.press("🎟 5 sessions")
    _message, invoice = carl.invoice()
    assert (invoice["currency"], invoice["total_amount"]) == ("EUR", 18000)
    payment = await carl.pay()
    assert payment.charged
    assert payment.reply is not None
    assert "Package bought" in (payment.reply.text or "")
    # Anna now asks for the full price before a booking: Carl's package pays instead.
    async with create_sessionmaker(engine)() as session:
        await session.execute(update(Offer).values(prepayment="full"))
        await session.commit()
    invoices_before = len(tg.bot.invoices)
    await open_times(carl, offer_id)
    await carl.press("10:00")
    summary = await carl.press("Skip")
    assert summary is not None
    assert "is paid when you confirm" not in (summary.text or "")
    booked = await carl.press("✅ Confirm")
    assert booked is not None
    assert "Booked!" in (booked.text or "")
    assert "Paid from your package: 4 sessions left" in (booked.text or "")
    assert len(tg.bot.invoices) == invoices_before  # nothing more to pay
    await carl.send("/bookings")
    assert "4 of 5 sessions left" in (carl.turn[-1].text or "")
    async with create_sessionmaker(engine)() as session:
        assert await session.scalar(select(Booking.purchase_id)) is not None

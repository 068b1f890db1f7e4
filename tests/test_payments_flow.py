"""Conversation tests of deposits through the emulator's payments: a provider asks for a
deposit, a customer pays it and is booked once; a payer who abandons or pays too late;
cancelling in time owes the deposit back and the admins hear of it, once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db import create_sessionmaker
from bot.notifier import deliver_due
from bot.scheduler import sweep
from bot.sender import Sender
from emulator import Emulator, SimUser
from emulator.harness import Mode, RunningBot, make_settings, start_bot
from handlers.notices import decide
from handlers.payments_views import MarkRefunded
from models import Booking, BookingStatus, Payment, Refund
from tests.test_booking_flow import offer, open_times, publish

TOKEN = "284685063:TEST:payment-provider-token"


@pytest.fixture
def ada(emulator: Emulator) -> SimUser:
    """The bot's admin."""
    return emulator.user("Ada")


@pytest.fixture
async def paying(
    emulator: Emulator, database_url: str, mode: Mode, ada: SimUser
) -> AsyncIterator[RunningBot]:
    """gigbot with a payment provider token and an admin (each database and mode)."""
    settings = make_settings(
        emulator,
        database_url,
        mode,
        payment_provider_token=TOKEN,
        admin_ids=[ada.id],
    )
    bot = await start_bot(settings, emulator)
    yield bot
    await bot.stop()


@pytest.fixture
async def tg(emulator: Emulator, paying: RunningBot) -> Emulator:
    """The emulator with the paying gigbot listening (instead of the usual one)."""
    return emulator


async def quiet(_seconds: float) -> None:
    return None


async def run_scheduler(bot: RunningBot) -> None:
    """The scheduler's job once: holds and refunds swept, the outbox delivered."""
    sessions = bot.app.sessionmaker
    await sweep(sessions, bot.app.settings.admin_ids)
    sender = Sender(bot.app.bot, per_second=1000, sleep=quiet)
    await deliver_due(sessions, sender, decide=decide, now=datetime.now(UTC))


async def a_deposit_offer(tg: Emulator, engine: AsyncEngine) -> tuple[SimUser, int]:
    """Anna's offer at 40 EUR, with a 20 % deposit chosen in her offer's rules."""
    anna = tg.user("Anna", username="anna_guitar")
    await anna.send("/start")
    offer_id = await publish(engine, anna, offer(price_minor=4000, currency="EUR"))
    await anna.send("/my_offers")
    await anna.press("Guitar lesson")
    await anna.press("Booking rules and dates")
    rules = await anna.press("💳 Deposit / prepayment")
    assert rules is not None
    assert "none" in (rules.text or "")
    reply = await anna.press("20 %")
    assert reply is not None
    assert "a deposit of 20 % of the price" in (reply.text or "")
    return anna, offer_id


async def held_by(carl: SimUser, offer_id: int) -> None:
    await open_times(carl, offer_id)
    await carl.press("10:00")
    summary = await carl.press("Skip")
    assert summary is not None
    assert "is paid when you confirm" in (summary.text or "")
    await carl.press("✅ Confirm")


async def bookings_in(engine: AsyncEngine) -> list[tuple[str, int]]:
    async with create_sessionmaker(engine)() as session:
        rows = await session.execute(select(Booking.status, Booking.customer_id))
        return [(status, customer) for status, customer in rows]


async def ledger(engine: AsyncEngine) -> list[tuple[int, str]]:
    async with create_sessionmaker(engine)() as session:
        rows = await session.execute(select(Payment.amount_minor, Payment.refund))
        return [(amount, refund) for amount, refund in rows]


async def test_a_customer_pays_the_deposit_and_is_booked_once(
    tg: Emulator, paying: RunningBot, engine: AsyncEngine
) -> None:
    anna, offer_id = await a_deposit_offer(tg, engine)
    carl = tg.user("Carl", username="carl_c")
    await held_by(carl, offer_id)
    held = carl.turn[0]
    assert "The time is yours for" in (held.text or "")
    assert "8,00" in (held.text or "") or "8.00" in (held.text or "")
    _message, invoice = carl.invoice()
    assert (invoice["currency"], invoice["total_amount"]) == ("EUR", 800)
    assert await bookings_in(engine) == [(BookingStatus.HELD, carl.id)]
    assert not any("New booking" in (m.text or "") for m in tg.messages_in(anna.id))
    payment = await carl.pay()
    assert payment.charged
    assert payment.reply is not None
    assert "Paid" in (payment.reply.text or "")
    assert "Booked!" in (payment.reply.text or "")
    assert "@anna_guitar" in (payment.reply.text or "")  # confirmed: the contact
    assert "New booking" in (tg.messages_in(anna.id)[-1].text or "")
    # Telegram delivers the same payment message again: nothing more happens.
    assert payment.charge is not None
    messages_before = len(tg.messages_in(anna.id))
    await carl.report_payment(payment.charge)
    assert len(tg.messages_in(anna.id)) == messages_before
    assert await bookings_in(engine) == [(BookingStatus.CONFIRMED, carl.id)]
    assert await ledger(engine) == [(800, Refund.NONE)]
    # The held screen's button, pressed after paying, gives nothing up.
    await carl.press_callback(
        held, (held.reply_markup or {})["inline_keyboard"][0][0]["callback_data"]
    )
    assert await bookings_in(engine) == [(BookingStatus.CONFIRMED, carl.id)]
    # Anna's agenda shows what was paid.
    await anna.send("/agenda")
    assert any("💳" in label for label in anna.turn[-1].buttons)


async def test_a_payer_who_comes_back_after_the_hold_is_refused_before_any_charge(
    tg: Emulator, paying: RunningBot, engine: AsyncEngine
) -> None:
    _anna, offer_id = await a_deposit_offer(tg, engine)
    carl = tg.user("Carl")
    await held_by(carl, offer_id)
    _message, invoice = carl.invoice()
    # Carl opens the payment form and abandons it: the time stays held meanwhile.
    assert (await carl.pre_checkout(invoice))["ok"]
    async with create_sessionmaker(engine)() as session:  # the hold runs out
        await session.execute(
            update(Booking).values(pay_by=datetime.now(UTC) - timedelta(seconds=1))
        )
        await session.commit()
    await run_scheduler(paying)
    assert await bookings_in(engine) == [(BookingStatus.EXPIRED, carl.id)]
    payment = await carl.pay()
    assert not payment.charged
    assert "released" in (payment.refusal or "")
    assert await ledger(engine) == []
    # The time is free again: Dora can hold it.
    dora = tg.user("Dora")
    await held_by(dora, offer_id)
    assert "The time is yours for" in (dora.turn[0].text or "")


async def test_giving_the_time_up_frees_it_and_the_invoice_no_longer_pays(
    tg: Emulator, paying: RunningBot, engine: AsyncEngine
) -> None:
    _anna, offer_id = await a_deposit_offer(tg, engine)
    carl = tg.user("Carl")
    await held_by(carl, offer_id)
    reply = await carl.press("✖ Give the time up")
    assert reply is not None
    assert "free again" in (reply.text or "")
    payment = await carl.pay()
    assert not payment.charged
    assert await bookings_in(engine) == [(BookingStatus.CANCELLED_BY_CUSTOMER, carl.id)]


async def test_a_cancellation_in_time_owes_the_deposit_back_and_the_admin_is_told_once(
    tg: Emulator, paying: RunningBot, engine: AsyncEngine, ada: SimUser
) -> None:
    anna, offer_id = await a_deposit_offer(tg, engine)
    await ada.send("/start")
    carl = tg.user("Carl")
    await held_by(carl, offer_id)
    await carl.pay()
    await carl.press("✖ Cancel booking")
    await carl.press("Skip")
    assert "to be refunded" in (tg.messages_in(anna.id)[-1].text or "")
    assert await ledger(engine) == [(800, Refund.DUE)]
    await run_scheduler(paying)
    await run_scheduler(paying)
    notices = [m for m in tg.messages_in(ada.id) if "Refund due" in (m.text or "")]
    assert len(notices) == 1
    assert "tg-charge-" in (notices[0].text or "")
    await ada.press("✅ Refunded")
    assert await ledger(engine) == [(800, Refund.DONE)]
    # Someone who is not an admin cannot mark refunds.
    async with create_sessionmaker(engine)() as session:
        await session.execute(update(Payment).values(refund=Refund.DUE))
        await session.commit()
        payment_id = await session.scalar(select(Payment.id))
    assert payment_id is not None
    await carl.press_callback(notices[0], MarkRefunded(payment_id=payment_id).pack())
    async with create_sessionmaker(engine)() as session:
        assert await session.scalar(select(func.count()).where(Payment.refund == Refund.DUE)) == 1

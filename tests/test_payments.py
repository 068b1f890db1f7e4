"""Deposits and prepayment on SQLite and PostgreSQL: the hold, the pre-checkout re-check,
one booking and one ledger row per charge, holds expiring, the race for the last seat,
refunds due and who is told, and forged payloads."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models import Booking, BookingStatus, Notification, Offer, Payment, Prepayment, Refund, User
from services import bookings, payments
from services.bookings import SlotTaken
from services.offer_parser import NO_CURRENCY
from services.offers import OfferData
from services.payment_ledger import Charge
from services.payments import CheckoutRefusal, Outcome
from services.users import TelegramProfile, touch_user
from tests.helpers import offer_data, publish

NOW = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
ALL_DAY = [(d, 0, 1440) for d in range(7)]
HOLD = timedelta(minutes=15)
ANNA, CARL, ADMIN = 1, 1000, 7
START = NOW + timedelta(days=2)


def offer(**fields: Any) -> OfferData:
    return offer_data(**{"duration_min": 30, "weekly": ALL_DAY, "price_minor": 4000, **fields})


async def people(sessions: async_sessionmaker[AsyncSession], *ids: int) -> None:
    async with sessions() as session:
        for user_id in ids:
            await touch_user(session, TelegramProfile(id=user_id, first_name=f"U{user_id}"))
        await session.commit()


async def prepaid_offer(
    sessions: async_sessionmaker[AsyncSession], kind: str = "deposit", **fields: Any
) -> int:
    (offer_id,) = await publish(sessions, ANNA, offer(**fields))
    async with sessions() as session:
        anna = await session.get(User, ANNA)
        assert anna is not None
        percent = 25 if kind == "deposit" else None
        await session.execute(
            update(Offer)
            .where(Offer.id == offer_id)
            .values(prepayment=kind, deposit_percent=percent)
        )
        await session.commit()
    return offer_id


async def hold(
    sessions: async_sessionmaker[AsyncSession], user_id: int, offer_id: int, start: datetime
) -> Booking:
    async with sessions() as session:
        customer = await session.get(User, user_id)
        assert customer is not None
        booked = await bookings.book(session, customer, offer_id, start, now=NOW, hold=HOLD)
        await session.commit()
        return booked.booking


def charge_for(booking_id: int, amount: int, charge_id: str = "tg-1") -> Charge:
    return Charge(
        payload=f"gigbot:b{booking_id}",
        currency="EUR",
        total_amount=amount,
        telegram_charge_id=charge_id,
        provider_charge_id="pr-1",
    )


async def checkout(
    sessions: async_sessionmaker[AsyncSession],
    user_id: int,
    booking_id: int,
    amount: int,
    now: datetime = NOW,
) -> CheckoutRefusal | None:
    async with sessions() as session:
        refusal = await payments.check_checkout(
            session, user_id, f"gigbot:b{booking_id}", "EUR", amount, enabled=True, now=now
        )
        await session.commit()
        return refusal


async def pay(
    sessions: async_sessionmaker[AsyncSession],
    user_id: int,
    charge: Charge,
    now: datetime = NOW,
) -> payments.Paid:
    async with sessions() as session:
        user = await session.get(User, user_id)
        assert user is not None
        paid = await payments.record_payment(session, user, charge, now=now)
        await session.commit()
        return paid


async def ledger(sessions: async_sessionmaker[AsyncSession]) -> list[Payment]:
    async with sessions() as session:
        return list(await session.scalars(select(Payment).order_by(Payment.id)))


async def status_of(sessions: async_sessionmaker[AsyncSession], booking_id: int) -> str:
    async with sessions() as session:
        return str(await session.scalar(select(Booking.status).where(Booking.id == booking_id)))


def test_the_amount_due() -> None:
    item = Offer(price_minor=4000, currency="EUR", prepayment=Prepayment.NONE)
    assert payments.amount_due(item, 2) is None
    item.prepayment = Prepayment.FULL
    assert payments.amount_due(item, 2) == 8000
    item.prepayment, item.deposit_percent = Prepayment.DEPOSIT, 25
    assert payments.amount_due(item, 3) == 3000
    item.deposit_percent, item.deposit_minor = None, 1500
    assert payments.amount_due(item, 2) == 3000
    item.currency = NO_CURRENCY  # nothing to pay
    assert payments.amount_due(item, 1) is None
    assert payments.payable(item, 1, enabled=False) is None


async def test_a_paid_hold_becomes_one_booking_whatever_is_redelivered(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    offer_id = await prepaid_offer(sessions)
    await people(sessions, CARL)
    held = await hold(sessions, CARL, offer_id, START)
    assert held.status == BookingStatus.HELD
    assert held.pay_by == NOW + HOLD
    assert await checkout(sessions, CARL, held.id, 1000) is None
    paid = await pay(sessions, CARL, charge_for(held.id, 1000))
    assert paid.outcome == Outcome.BOOKED
    assert await status_of(sessions, held.id) == BookingStatus.CONFIRMED
    # The same successful_payment again: nothing changes.
    again = await pay(sessions, CARL, charge_for(held.id, 1000))
    assert again.outcome == Outcome.REPEATED
    rows = await ledger(sessions)
    assert [(row.booking_id, row.amount_minor, row.refund) for row in rows] == [
        (held.id, 1000, Refund.NONE)
    ]
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Booking)) == 1


async def test_a_hold_expiring_mid_payment_refuses_the_checkout_and_frees_the_time(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    offer_id = await prepaid_offer(sessions)
    await people(sessions, CARL, CARL + 1)
    held = await hold(sessions, CARL, offer_id, START)
    later = NOW + HOLD + timedelta(seconds=1)
    # The customer reaches the payment form after the deadline: refused, nothing charged.
    assert await checkout(sessions, CARL, held.id, 1000, now=later) == CheckoutRefusal.EXPIRED
    async with sessions() as session:
        expired = await bookings.expire_holds(session, now=later)
        await session.commit()
    assert [b.id for b in expired] == [held.id]
    assert await status_of(sessions, held.id) == BookingStatus.EXPIRED
    assert await ledger(sessions) == []
    # The time is free again for someone else.
    other = await hold(sessions, CARL + 1, offer_id, START)
    assert other.status == BookingStatus.HELD


async def test_a_checkout_that_passed_keeps_the_hold_until_the_payment_arrives(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    offer_id = await prepaid_offer(sessions)
    await people(sessions, CARL)
    held = await hold(sessions, CARL, offer_id, START)
    moment = NOW + HOLD - timedelta(seconds=2)  # just before the deadline
    assert await checkout(sessions, CARL, held.id, 1000, now=moment) is None
    async with sessions() as session:  # the sweep runs a moment after the old deadline
        assert await bookings.expire_holds(session, now=NOW + HOLD + timedelta(seconds=5)) == []
        await session.commit()
    paid = await pay(sessions, CARL, charge_for(held.id, 1000), now=moment + timedelta(seconds=9))
    assert paid.outcome == Outcome.BOOKED


async def test_a_payment_after_the_hold_ended_is_owed_back(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    offer_id = await prepaid_offer(sessions)
    await people(sessions, CARL)
    held = await hold(sessions, CARL, offer_id, START)
    async with sessions() as session:
        carl = await session.get(User, CARL)
        assert carl is not None
        await payments.release_hold(session, carl, held.id, now=NOW)
        await session.commit()
    paid = await pay(sessions, CARL, charge_for(held.id, 1000))
    assert paid.outcome == Outcome.LOST
    assert [row.refund for row in await ledger(sessions)] == [Refund.DUE]


async def test_fifty_customers_race_for_the_last_seat_with_deposits(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    offer_id = await prepaid_offer(sessions, capacity=3)
    racers = list(range(2000, 2050))
    await people(sessions, CARL, *racers)
    async with sessions() as session:  # two of three seats are taken already
        carl = await session.get(User, CARL)
        assert carl is not None
        await bookings.book(session, carl, offer_id, START, seats=2, now=NOW)
        await session.commit()

    async def attempt(user_id: int) -> Booking | None:
        try:
            return await hold(sessions, user_id, offer_id, START)
        except SlotTaken:
            return None

    holds = [held for held in await asyncio.gather(*map(attempt, racers)) if held is not None]
    assert len(holds) == 1
    winner = holds[0]
    # A loser forging the winner's invoice is refused before any charge.
    loser = next(user_id for user_id in racers if user_id != winner.customer_id)
    assert await checkout(sessions, loser, winner.id, 1000) == CheckoutRefusal.UNKNOWN
    assert await checkout(sessions, winner.customer_id, winner.id, 1000) is None
    assert (await pay(sessions, winner.customer_id, charge_for(winner.id, 1000))).outcome == (
        Outcome.BOOKED
    )
    assert len(await ledger(sessions)) == 1
    async with sessions() as session:
        assert await bookings.seats_taken(session, offer_id, START) == 3


async def test_the_amount_is_checked_again_before_charging(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    offer_id = await prepaid_offer(sessions)
    await people(sessions, CARL)
    held = await hold(sessions, CARL, offer_id, START)
    assert await checkout(sessions, CARL, held.id, 999) == CheckoutRefusal.CHANGED
    async with sessions() as session:
        await session.execute(update(Offer).values(price_minor=8000))  # the price went up
        await session.commit()
    assert await checkout(sessions, CARL, held.id, 1000) == CheckoutRefusal.CHANGED
    assert await checkout(sessions, CARL, held.id, 2000) is None


@pytest.mark.parametrize(
    ("action", "by", "hours_before", "refund"),
    [
        (bookings.Transition.CANCEL_BY_CUSTOMER, CARL, 48, Refund.DUE),  # in time
        (bookings.Transition.CANCEL_BY_CUSTOMER, CARL, 2, Refund.NONE),  # late: kept
        (bookings.Transition.CANCEL_BY_PROVIDER, ANNA, 2, Refund.DUE),
        (bookings.Transition.NO_SHOW, ANNA, -1, Refund.NONE),
    ],
)
async def test_which_ends_owe_the_prepayment_back_and_the_admins_are_told_once(
    sessions: async_sessionmaker[AsyncSession],
    action: str,
    by: int,
    hours_before: int,
    refund: str,
) -> None:
    offer_id = await prepaid_offer(sessions)
    await people(sessions, CARL, ADMIN)
    held = await hold(sessions, CARL, offer_id, START)
    await pay(sessions, CARL, charge_for(held.id, 1000))
    async with sessions() as session:
        user = await session.get(User, by)
        now = START - timedelta(hours=hours_before)
        await bookings.change(session, user, held.id, action, now=now)
        await session.commit()
    assert [row.refund for row in await ledger(sessions)] == [refund]
    for _run in range(2):
        async with sessions() as session:
            await payments.due_refunds(session, [ADMIN], now=NOW)
            await session.commit()
    async with sessions() as session:
        told = list(await session.scalars(select(Notification.recipient_id)))
    assert told.count(ADMIN) == (1 if refund == Refund.DUE else 0)


async def test_forged_payloads_and_other_peoples_holds_change_nothing(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    offer_id = await prepaid_offer(sessions)
    await people(sessions, CARL, CARL + 1)
    held = await hold(sessions, CARL, offer_id, START)
    for payload in ("", "gigbot:b0", "gigbot:b-1", "gigbot:b99999999999", "x" * 200, "gigbot:b1 "):
        async with sessions() as session:
            refusal = await payments.check_checkout(
                session, CARL, payload, "EUR", 1000, enabled=True, now=NOW
            )
        assert refusal == CheckoutRefusal.UNKNOWN
    forged = await pay(sessions, CARL + 1, charge_for(held.id, 1000))
    assert forged.outcome == Outcome.IGNORED
    async with sessions() as session:
        mallory = await session.get(User, CARL + 1)
        assert mallory is not None
        with pytest.raises(bookings.BookingNotFound):
            await payments.release_hold(session, mallory, held.id, now=NOW)
    assert await ledger(sessions) == []
    assert await status_of(sessions, held.id) == BookingStatus.HELD

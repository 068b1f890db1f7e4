"""Stopping spam bookers, on SQLite and PostgreSQL: a provider's block, the limits on open
requests and on bookings per provider per day (also under concurrency), and approval of
customers new to the provider."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models import Booking, BookingStatus, CustomerBlock, Provider, User
from services import bookings, customer_blocks, privacy
from services.booking_guard import BookingLimits, NotAccepted, TooManyRequests, TooManyThatDay
from services.offers import OfferData
from services.users import TelegramProfile, touch_user
from tests.helpers import offer_data, publish

NOW = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
ALL_DAY = [(d, 0, 1440) for d in range(7)]
LIMITS = BookingLimits(open_requests=2, per_provider_day=2)
ANNA, BORIS, CARL = 1, 2, 1000


def offer(**fields: Any) -> OfferData:
    return offer_data(**{"duration_min": 30, "weekly": ALL_DAY, **fields})


async def person(sessions: async_sessionmaker[AsyncSession], user_id: int) -> User:
    async with sessions() as session:
        user = await touch_user(session, TelegramProfile(id=user_id, first_name=f"U{user_id}"))
        await session.commit()
    return user


async def book(
    sessions: async_sessionmaker[AsyncSession],
    user_id: int,
    offer_id: int,
    start: datetime,
    limits: BookingLimits = LIMITS,
) -> Booking:
    """One customer's Confirm in its own transaction (committed when it books)."""
    async with sessions() as session:
        customer = await session.get(User, user_id)
        assert customer is not None
        booked = await bookings.book(session, customer, offer_id, start, now=NOW, limits=limits)
        await session.commit()
        return booked.booking


async def change(
    sessions: async_sessionmaker[AsyncSession], user_id: int, booking_id: int, action: str
) -> None:
    async with sessions() as session:
        user = await session.get(User, user_id)
        await bookings.change(session, user, booking_id, action, now=NOW)
        await session.commit()


async def test_a_blocked_customer_cannot_book_until_unblocked(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    (offer_id,) = await publish(sessions, ANNA, offer())
    await person(sessions, CARL)
    first = await book(sessions, CARL, offer_id, NOW + timedelta(hours=2))
    async with sessions() as session:
        anna = await session.get(User, ANNA)
        assert anna is not None
        await customer_blocks.block_from_booking(session, anna, first.id, blocked=True)
        await customer_blocks.block_from_booking(session, anna, first.id, blocked=True)  # again
        await session.commit()
    with pytest.raises(NotAccepted):
        await book(sessions, CARL, offer_id, NOW + timedelta(days=1))
    async with sessions() as session:
        carl = await session.get(User, CARL)
        assert carl is not None
        with pytest.raises(NotAccepted):  # refused as the dialogue opens, too
            await bookings.offer_to_book(session, offer_id, carl, limits=LIMITS)
        anna = await session.get(User, ANNA)
        assert anna is not None
        listed = await customer_blocks.blocked_customers(session, anna, 0)
        assert [user.id for user in listed.customers] == [CARL]
        # The provider may still move the blocked customer's booking (a move of theirs).
        moved = await bookings.reschedule(
            session, anna, first.id, NOW + timedelta(hours=3), now=NOW
        )
        assert moved.status == BookingStatus.CONFIRMED
        await customer_blocks.unblock(session, anna, CARL)
        await session.commit()
    again = await book(sessions, CARL, offer_id, NOW + timedelta(days=1))
    assert again.status == BookingStatus.CONFIRMED


async def test_only_the_provider_of_a_booking_can_block_its_customer(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    (offer_id,) = await publish(sessions, ANNA, offer())
    await publish(sessions, BORIS, offer(title="Other"))
    await person(sessions, CARL)
    booking = await book(sessions, CARL, offer_id, NOW + timedelta(hours=2))
    async with sessions() as session:
        for user_id in (CARL, BORIS):  # the customer, and another provider
            user = await session.get(User, user_id)
            assert user is not None
            with pytest.raises(bookings.BookingNotFound):
                await customer_blocks.block_from_booking(session, user, booking.id, blocked=True)
        boris = await session.get(User, BORIS)
        assert boris is not None
        assert (await customer_blocks.blocked_customers(session, boris, 0)).total == 0


async def test_open_requests_are_limited_and_a_double_tap_still_finds_its_request(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    anna_offer, boris_offer = (
        (await publish(sessions, ANNA, offer(requires_approval=True)))[0],
        (await publish(sessions, BORIS, offer(requires_approval=True)))[0],
    )
    await person(sessions, CARL)
    first = await book(sessions, CARL, anna_offer, NOW + timedelta(hours=2))
    second = await book(sessions, CARL, boris_offer, NOW + timedelta(hours=2))
    assert first.status == second.status == BookingStatus.REQUESTED
    # The same Confirm again (a double tap) is the same request, not a refusal.
    assert (await book(sessions, CARL, boris_offer, NOW + timedelta(hours=2))).id == second.id
    with pytest.raises(TooManyRequests) as refused:
        await book(sessions, CARL, anna_offer, NOW + timedelta(days=2))
    assert refused.value.limit == LIMITS.open_requests
    async with sessions() as session:
        carl = await session.get(User, CARL)
        assert carl is not None
        with pytest.raises(TooManyRequests):
            await bookings.offer_to_book(session, anna_offer, carl, limits=LIMITS)
    await change(sessions, ANNA, first.id, bookings.Transition.ACCEPT)  # one answered
    third = await book(sessions, CARL, anna_offer, NOW + timedelta(days=2))
    assert third.status == BookingStatus.REQUESTED


async def test_bookings_per_provider_per_day_count_the_providers_own_day(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    (offer_id,) = await publish(sessions, ANNA, offer())
    async with sessions() as session:
        await session.execute(
            update(Provider).where(Provider.user_id == ANNA).values(timezone="America/New_York")
        )
        await session.commit()
    await person(sessions, CARL)
    # 08:00 UTC on the 26th is 03:00 in New York: the 26th there runs to 05:00 UTC on the 27th.
    await book(sessions, CARL, offer_id, NOW + timedelta(hours=2))
    await book(sessions, CARL, offer_id, NOW + timedelta(hours=20))  # 04:00 UTC, the 26th in NY
    with pytest.raises(TooManyThatDay):
        await book(sessions, CARL, offer_id, NOW + timedelta(hours=20, minutes=30))
    # 05:30 UTC on the 27th is the 27th in New York: another day.
    later = await book(sessions, CARL, offer_id, NOW + timedelta(hours=21, minutes=30))
    assert later.status == BookingStatus.CONFIRMED
    # Cancelling one frees a place in the day's count.
    async with sessions() as session:
        first = await session.scalar(
            select(Booking).where(Booking.customer_id == CARL).order_by(Booking.starts_at)
        )
        assert first is not None
        first_id = first.id
    await change(sessions, CARL, first_id, bookings.Transition.CANCEL_BY_CUSTOMER)
    await book(sessions, CARL, offer_id, NOW + timedelta(hours=20, minutes=30))


async def test_concurrent_bookings_of_one_customer_stay_within_the_days_limit(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    (offer_id,) = await publish(sessions, ANNA, offer())
    await person(sessions, CARL)
    times = [NOW + timedelta(hours=2, minutes=30 * n) for n in range(8)]

    async def attempt(start: datetime) -> bool:
        try:
            await book(sessions, CARL, offer_id, start)
        except TooManyThatDay:
            return False
        return True

    results = await asyncio.gather(*(attempt(start) for start in times))
    assert sum(results) == LIMITS.per_provider_day
    async with sessions() as session:
        held = await session.scalar(
            select(func.count()).where(Booking.customer_id == CARL, Booking.status == "confirmed")
        )
    assert held == LIMITS.per_provider_day


async def test_customers_new_to_the_provider_wait_for_approval_when_asked(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    (offer_id,) = await publish(sessions, ANNA, offer())
    await person(sessions, CARL)
    async with sessions() as session:
        anna = await session.get(User, ANNA)
        assert anna is not None
        await customer_blocks.set_approve_new_customers(session, anna, "UTC", on=True)
        await session.commit()
    first = await book(sessions, CARL, offer_id, NOW + timedelta(hours=2))
    assert first.status == BookingStatus.REQUESTED  # the offer itself books at once
    await change(sessions, ANNA, first.id, bookings.Transition.ACCEPT)
    # Accepted is not yet known: only a completed booking makes a customer known.
    unknown = await book(sessions, CARL, offer_id, NOW + timedelta(days=1))
    assert unknown.status == BookingStatus.REQUESTED
    async with sessions() as session:
        anna = await session.get(User, ANNA)
        await bookings.change(
            session, anna, first.id, bookings.Transition.COMPLETE, now=NOW + timedelta(hours=3)
        )
        await session.commit()
    known = await book(sessions, CARL, offer_id, NOW + timedelta(days=2))
    assert known.status == BookingStatus.CONFIRMED


async def test_erasure_of_either_side_leaves_no_block(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    (offer_id,) = await publish(sessions, ANNA, offer())
    for customer_id in (CARL, CARL + 1):
        await person(sessions, customer_id)
    first = await book(sessions, CARL, offer_id, NOW + timedelta(hours=2))
    second = await book(sessions, CARL + 1, offer_id, NOW + timedelta(hours=3))
    async with sessions() as session:
        anna = await session.get(User, ANNA)
        assert anna is not None
        for booking in (first, second):
            await customer_blocks.block_from_booking(session, anna, booking.id, blocked=True)
        exported = await privacy.export_data(session, anna)
        assert len(exported["customers_blocked_at"]) == 2
        assert str(CARL) not in str(exported["customers_blocked_at"])
        carl = await session.get(User, CARL)
        assert carl is not None
        assert "customers_blocked_at" not in await privacy.export_data(session, carl)
        await privacy.erase(session, carl, now=NOW)
        await session.commit()
    async with sessions() as session:
        left = list(await session.scalars(select(CustomerBlock.customer_id)))
        assert left == [CARL + 1]
        anna = await session.get(User, ANNA)
        assert anna is not None
        await privacy.erase(session, anna, now=NOW)
        await session.commit()
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(CustomerBlock)) == 0

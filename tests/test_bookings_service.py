"""The booking service on a real database: no double booking under concurrency, seats,
compare-and-set transitions, idempotency, authorization, rescheduling, DST."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.db import create_engine, create_sessionmaker
from models import Booking, BookingSession, User
from services import bookings, offers
from services.availability import free_slots
from services.bookings import BookingNotFound, NotNow, OwnOffer, SlotTaken
from services.offers import OfferData
from services.users import TelegramProfile, touch_user
from tests.helpers import offer_data, publish

NOW = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
ALL_DAY = [(d, 0, 1440) for d in range(7)]
RACERS = 50
POOL = 3  # connections each test's engine pools (on SQLite too)
ROUNDS = 200


def offer(**fields: Any) -> OfferData:
    return offer_data(**{"duration_min": 30, "weekly": ALL_DAY, **fields})


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions on an engine with several pooled connections (SQLite too)."""
    engine = create_engine(database_url, pool_size=POOL, max_overflow=0)
    yield create_sessionmaker(engine)
    await engine.dispose()


async def person(session: AsyncSession, user_id: int) -> User:
    return await touch_user(session, TelegramProfile(id=user_id, first_name=f"U{user_id}"))


async def published(
    sessions: async_sessionmaker[AsyncSession], data: OfferData, provider_id: int = 1
) -> int:
    (offer_id,) = await publish(sessions, provider_id, data, first_name=f"U{provider_id}")
    return offer_id


async def customers(sessions: async_sessionmaker[AsyncSession], count: int) -> list[User]:
    async with sessions() as session:
        people = [await person(session, 1000 + n) for n in range(count)]
        await session.commit()
    return people


async def attempt(
    sessions: async_sessionmaker[AsyncSession],
    customer: User,
    offer_id: int,
    start: datetime,
    seats: int = 1,
) -> bool:
    """One customer's Confirm in its own transaction: True if it booked."""
    async with sessions() as session:
        try:
            await bookings.book(session, customer, offer_id, start, seats=seats, now=NOW)
        except SlotTaken:
            return False
        await session.commit()
        return True


def starts(count: int, first: datetime = NOW, step_min: int = 30) -> list[datetime]:
    return [first + timedelta(minutes=step_min * (n + 1)) for n in range(count)]


@pytest.mark.timeout(400)  # 10,000 booking attempts
async def test_fifty_concurrent_confirms_make_exactly_one_booking_every_time(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    offer_id = await published(sessions, offer())
    people = await customers(sessions, RACERS)
    for start in starts(ROUNDS):
        won = await asyncio.gather(*(attempt(sessions, p, offer_id, start) for p in people))
        assert sum(won) == 1, start
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Booking)) == ROUNDS
        per_start = await session.execute(
            select(Booking.starts_at, func.count()).group_by(Booking.starts_at)
        )
        assert {count for _start, count in per_start} == {1}


async def test_a_group_session_fills_exactly_to_capacity(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    offer_id = await published(sessions, offer(capacity=4))
    people = await customers(sessions, RACERS)
    for start in starts(20):
        won = await asyncio.gather(*(attempt(sessions, p, offer_id, start) for p in people))
        assert sum(won) == 4
    async with sessions() as session:
        taken = await session.scalars(select(BookingSession.seats_taken))
        assert set(taken) == {4}


async def test_adjacent_slots_both_succeed_and_other_offers_of_the_provider_are_blocked(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    haircut = await published(sessions, offer())
    shave = await published(sessions, offer(title="Shave", duration_min=60))
    carl, dora = await customers(sessions, 2)
    first, second = starts(2)
    assert await attempt(sessions, carl, haircut, first)
    assert await attempt(sessions, dora, haircut, second)  # back to back
    # The same provider's other offer cannot take the time already booked.
    assert not await attempt(sessions, dora, shave, first)
    assert await attempt(sessions, dora, shave, second + timedelta(minutes=60))


async def test_the_database_itself_rejects_an_overlapping_session(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    offer_id = await published(sessions, offer())
    (carl,) = await customers(sessions, 1)
    start = starts(1)[0]
    assert await attempt(sessions, carl, offer_id, start)
    other = await published(sessions, offer(title="Beard trim"))
    async with sessions() as session:
        provider_id = await session.scalar(select(BookingSession.provider_id))
        overlapping = {
            "offer": other,
            "provider": provider_id,
            "start": start + timedelta(minutes=10),
            "end": start + timedelta(minutes=40),
        }
        with pytest.raises((IntegrityError, DBAPIError)):
            await session.execute(
                text(
                    "INSERT INTO booking_sessions (offer_id, provider_id, starts_at, ends_at, "
                    "blocked_until, capacity, seats_taken) "
                    "VALUES (:offer, :provider, :start, :end, :end, 1, 1)"
                ).bindparams(**_db_times(session, overlapping))
            )
        await session.rollback()
        with pytest.raises((IntegrityError, DBAPIError)):  # more seats than the capacity
            await session.execute(text("UPDATE booking_sessions SET seats_taken = 2"))


def _db_times(session: AsyncSession, values: dict[str, object]) -> dict[str, object]:
    """Datetimes as the raw driver stores them (SQLite: naive UTC text)."""
    if session.get_bind().dialect.name != "sqlite":
        return values
    return {
        k: v.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f") if isinstance(v, datetime) else v
        for k, v in values.items()
    }


async def test_a_double_tap_makes_one_booking(sessions: async_sessionmaker[AsyncSession]) -> None:
    offer_id = await published(sessions, offer(capacity=3))
    (carl,) = await customers(sessions, 1)
    start = starts(1)[0]
    won = await asyncio.gather(*(attempt(sessions, carl, offer_id, start) for _ in range(10)))
    assert all(won)  # every tap sees the booking…
    async with sessions() as session:  # …but there is only one, with one seat
        assert await session.scalar(select(func.count()).select_from(Booking)) == 1
        assert await session.scalar(select(BookingSession.seats_taken)) == 1


async def test_own_offer_and_someone_elses_booking(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    offer_id = await published(sessions, offer(), provider_id=1)
    carl, mallory = await customers(sessions, 2)
    async with sessions() as session:
        provider = await session.get(User, 1)
        assert provider is not None
        with pytest.raises(OwnOffer):
            await bookings.book(session, provider, offer_id, starts(1)[0], now=NOW)
        booking = (await bookings.book(session, carl, offer_id, starts(1)[0], now=NOW)).booking
        await session.commit()
        for action in ("cancel_by_customer", "cancel_by_provider", "accept", "complete"):
            with pytest.raises(BookingNotFound):
                await bookings.change(session, mallory, booking.id, action, now=NOW)
        with pytest.raises(BookingNotFound):
            await bookings.party_booking(session, mallory, booking.id)
        with pytest.raises(BookingNotFound):  # the customer cannot act as the provider
            await bookings.change(session, carl, booking.id, "cancel_by_provider", now=NOW)
        assert (await bookings.party_booking(session, carl, booking.id)).status == "confirmed"


async def test_approval_accept_and_decline_are_compare_and_set(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    offer_id = await published(sessions, offer(requires_approval=True))
    (carl,) = await customers(sessions, 1)
    async with sessions() as session:
        booking = (await bookings.book(session, carl, offer_id, starts(1)[0], now=NOW)).booking
        await session.commit()
        assert booking.status == "requested"
        assert booking.answer_by is not None

    async def act(action: str) -> str:
        async with sessions() as session:
            provider = await session.get(User, 1)
            assert provider is not None
            try:
                await bookings.change(session, provider, booking.id, action, now=NOW)
            except NotNow:
                return "lost"
            await session.commit()
            return action

    outcomes = await asyncio.gather(act("accept"), act("decline"), act("accept"))
    assert sorted(outcomes).count("lost") == 2
    async with sessions() as session:
        status = await session.scalar(select(Booking.status))
        assert status in ("confirmed", "declined")


async def test_cancellation_frees_the_seat_and_is_late_close_to_the_start(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    offer_id = await published(sessions, offer(free_cancel_hours=24))
    carl, dora = await customers(sessions, 2)
    soon, later = NOW + timedelta(hours=3), NOW + timedelta(days=3)
    async with sessions() as session:
        early = (await bookings.book(session, carl, offer_id, soon, now=NOW)).booking
        far = (await bookings.book(session, carl, offer_id, later, now=NOW)).booking
        late = await bookings.change(session, carl, early.id, "cancel_by_customer", now=NOW)
        free = await bookings.change(session, carl, far.id, "cancel_by_customer", now=NOW)
        await session.commit()
        assert (late.late_cancellation, free.late_cancellation) == (True, False)
        with pytest.raises(NotNow):  # already cancelled
            await bookings.change(session, carl, early.id, "cancel_by_customer", now=NOW)
    assert await attempt(sessions, dora, offer_id, soon)  # the seat is free again


async def test_reschedule_moves_atomically(sessions: async_sessionmaker[AsyncSession]) -> None:
    offer_id = await published(sessions, offer())
    carl, dora = await customers(sessions, 2)
    first, second, third = starts(3)
    assert await attempt(sessions, carl, offer_id, first)
    assert await attempt(sessions, dora, offer_id, second)
    async with sessions() as session:
        booking_id = await session.scalar(select(Booking.id).where(Booking.customer_id == carl.id))
        assert booking_id is not None
        with pytest.raises(SlotTaken):  # Dora's time: refused, Carl keeps his
            await bookings.reschedule(session, carl, booking_id, second, now=NOW)
        assert (await bookings.party_booking(session, carl, booking_id)).status == "confirmed"
        moved = await bookings.reschedule(session, carl, booking_id, third, now=NOW)
        await session.commit()
        assert moved.starts_at == third
        old = await bookings.party_booking(session, carl, booking_id)
        assert (old.status, old.reason) == ("cancelled_by_customer", "rescheduled")
    assert await attempt(sessions, dora, offer_id, first)  # the old time is free


async def test_unanswered_requests_expire(sessions: async_sessionmaker[AsyncSession]) -> None:
    offer_id = await published(sessions, offer(requires_approval=True))
    (carl,) = await customers(sessions, 1)
    async with sessions() as session:
        booking = (
            await bookings.book(session, carl, offer_id, NOW + timedelta(days=3), now=NOW)
        ).booking
        await session.commit()
        assert await bookings.expire_requests(session, now=NOW + timedelta(hours=1)) == []
        expired = await bookings.expire_requests(session, now=NOW + timedelta(hours=25))
        await session.commit()
        assert [b.id for b in expired] == [booking.id]
        assert (await bookings.party_booking(session, carl, booking.id)).status == "expired"


async def test_a_booking_across_a_dst_change_keeps_its_real_length(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session:
        provider = await person(session, 1)
        provider.timezone = "Europe/Berlin"
        data = offer(duration_min=180, weekly=[(6, 60, 300)], max_advance_days=365)
        offer_id = (await offers.create_offer(session, provider, data, default_timezone="UTC")).id
        await session.commit()
    (carl,) = await customers(sessions, 1)
    night = date(2027, 3, 28)  # Berlin springs forward at 02:00
    async with sessions() as session:
        loaded = await offers.public_offer(session, offer_id)
        slot = free_slots(offers.availability_rules(loaded), night, night, now=NOW)[0]
        booking = (await bookings.book(session, carl, offer_id, slot.start, now=NOW)).booking
        assert booking.ends_at - booking.starts_at == timedelta(minutes=180)


async def test_deleting_an_offer_is_refused_while_bookings_are_to_come(
    sessions: async_sessionmaker[AsyncSession], engine: AsyncEngine
) -> None:
    offer_id = await published(sessions, offer())
    (carl,) = await customers(sessions, 1)
    assert await attempt(sessions, carl, offer_id, starts(1)[0])
    async with sessions() as session:
        provider = await session.get(User, 1)
        assert provider is not None
        with pytest.raises(offers.OfferHasFutureBookings):
            await offers.delete_offer(session, provider, offer_id, now=NOW)
        assert await offers.count_future_bookings(session, offer_id, NOW) == 1


async def test_the_provider_can_move_a_booking_too(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    offer_id = await published(sessions, offer(requires_approval=True))
    (carl,) = await customers(sessions, 1)
    first, second = starts(2)
    async with sessions() as session:
        booking = (await bookings.book(session, carl, offer_id, first, now=NOW)).booking
        provider = await session.get(User, 1)
        assert provider is not None
        moved = await bookings.reschedule(session, provider, booking.id, second, now=NOW)
        await session.commit()
        assert (moved.starts_at, moved.status) == (second, "confirmed")  # no self-approval
        assert moved.customer_id == carl.id
        old = await bookings.party_booking(session, carl, booking.id)
        assert (old.status, old.reason) == ("cancelled_by_provider", "rescheduled")

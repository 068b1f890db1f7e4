"""Repeat bookings on SQLite and PostgreSQL: the preview of every occurrence, booking
the free ones together (all or none when one was taken meanwhile), the wall time kept
across a clock change, one series as one booking to the limits, cancelling this and
all following occurrences, and someone else's series."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models import Booking, BookingStatus, Offer, Provider
from services import bookings, series
from services.booking_guard import BookingLimits
from services.offers import OfferData
from services.users import TelegramProfile, touch_user
from tests.helpers import offer_data, publish
from tests.helpers import user_in as user

NOW = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
ANNA, CARL, DORA = 1, 1000, 1001
START = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
WEEK = timedelta(weeks=1)
LIMITS = BookingLimits(open_requests=1, per_provider_day=1)


def offer(**fields: Any) -> OfferData:
    hours = [(d, 480, 1200) for d in range(7)]
    return offer_data(**{"duration_min": 60, "weekly": hours, "max_advance_days": 180, **fields})


@pytest.fixture
async def offer_id(sessions: async_sessionmaker[AsyncSession]) -> int:
    (made,) = await publish(sessions, ANNA, offer())
    async with sessions() as session:
        for user_id in (CARL, DORA):
            await touch_user(session, TelegramProfile(id=user_id, first_name=f"U{user_id}"))
        await session.commit()
    return made


async def take(
    sessions: async_sessionmaker[AsyncSession], user_id: int, offer_id: int, start: datetime
) -> None:
    async with sessions() as session:
        await bookings.book(session, await user(session, user_id), offer_id, start, now=NOW)
        await session.commit()


async def seen(
    sessions: async_sessionmaker[AsyncSession], offer_id: int, every: int = 1, count: int = 4
) -> list[series.Occurrence]:
    async with sessions() as session:
        found = await bookings.bookable_offer(session, offer_id)
        return await series.preview(session, found, START, every, count, now=NOW)


async def book_series(
    sessions: async_sessionmaker[AsyncSession],
    offer_id: int,
    expected: list[datetime],
    *,
    every: int = 1,
    count: int = 4,
    limits: BookingLimits = LIMITS,
) -> list[Booking]:
    async with sessions() as session:
        made = await series.book_series(
            session,
            await user(session, CARL),
            offer_id,
            START,
            every,
            count,
            expected=expected,
            limits=limits,
            payments_enabled=False,
            now=NOW,
        )
        await session.commit()
        return made


async def carls(sessions: async_sessionmaker[AsyncSession]) -> list[tuple[datetime, str]]:
    async with sessions() as session:
        rows = await session.execute(
            select(Booking.starts_at, Booking.status)
            .where(Booking.customer_id == CARL)
            .order_by(Booking.starts_at)
        )
        return [(row.starts_at, row.status) for row in rows]


async def test_the_free_occurrences_are_booked_together(
    sessions: async_sessionmaker[AsyncSession], offer_id: int
) -> None:
    await take(sessions, DORA, offer_id, START + WEEK)  # two occurrences are taken
    await take(sessions, DORA, offer_id, START + 2 * WEEK)
    occurrences = await seen(sessions, offer_id)
    assert [(o.start, o.free) for o in occurrences] == [
        (START, True),
        (START + WEEK, False),
        (START + 2 * WEEK, False),
        (START + 3 * WEEK, True),
    ]
    free = [o.start for o in occurrences if o.free and o.start is not None]
    made = await book_series(sessions, offer_id, free)
    assert [b.starts_at for b in made] == free
    assert len({b.series_id for b in made}) == 1
    assert made[0].series_id is not None
    assert [status for _start, status in await carls(sessions)] == ["confirmed"] * 2


async def test_a_time_taken_after_the_preview_books_nothing(
    sessions: async_sessionmaker[AsyncSession], offer_id: int
) -> None:
    free = [o.start for o in await seen(sessions, offer_id) if o.start is not None]
    await take(sessions, DORA, offer_id, START + WEEK)  # taken meanwhile
    with pytest.raises(series.SeriesChanged):
        await book_series(sessions, offer_id, free)
    assert await carls(sessions) == []
    async with sessions() as session:  # nor a series row left behind
        assert await session.scalar(select(func.count()).select_from(Booking)) == 1


async def test_the_wall_time_is_kept_across_a_clock_change(
    sessions: async_sessionmaker[AsyncSession], offer_id: int
) -> None:
    async with sessions() as session:
        await session.execute(update(Provider).values(timezone="Europe/Berlin"))
        await session.commit()
        found = await bookings.bookable_offer(session, offer_id)
        # 11:00 in Berlin in March 2027, every week across the change of 28 March.
        first = datetime(2027, 3, 19, 10, 0, tzinfo=UTC)
        times = series.starts(found, first, 1, 4)
    assert [t.astimezone(UTC).hour if t else None for t in times] == [10, 10, 9, 9]


async def test_a_series_is_one_booking_to_the_limits(
    sessions: async_sessionmaker[AsyncSession], offer_id: int
) -> None:
    async with sessions() as session:
        await session.execute(update(Offer).values(requires_approval=True))
        await session.commit()
    free = [o.start for o in await seen(sessions, offer_id) if o.start is not None]
    made = await book_series(sessions, offer_id, free)  # one open request allowed: fine
    assert [b.status for b in made] == [BookingStatus.REQUESTED] * 4


async def test_cancelling_this_and_all_following(
    sessions: async_sessionmaker[AsyncSession], offer_id: int
) -> None:
    free = [o.start for o in await seen(sessions, offer_id) if o.start is not None]
    made = await book_series(sessions, offer_id, free)
    async with sessions() as session:
        dora = await user(session, DORA)
        with pytest.raises(bookings.BookingNotFound):  # not hers
            await series.cancel_following(session, dora, made[1].id, reason=None, now=NOW)
        carl = await user(session, CARL)
        _booking, count = await series.following(session, carl, made[1].id, now=NOW)
        assert count == 3
        cancelled = await series.cancel_following(session, carl, made[1].id, reason=None, now=NOW)
        await session.commit()
    assert len(cancelled) == 3
    assert [status for _start, status in await carls(sessions)] == [
        "confirmed",
        "cancelled_by_customer",
        "cancelled_by_customer",
        "cancelled_by_customer",
    ]


async def test_only_the_offered_choices_and_no_prepaid_series(
    sessions: async_sessionmaker[AsyncSession], offer_id: int
) -> None:
    async with sessions() as session:
        found = await bookings.bookable_offer(session, offer_id)
        with pytest.raises(series.SeriesError):
            series.starts(found, START, 3, 4)
        with pytest.raises(series.SeriesError):
            series.starts(found, START, 1, 100)
        found.prepayment = "full"
        assert not series.repeatable(found, payments_enabled=True)
        assert series.repeatable(found, payments_enabled=False)

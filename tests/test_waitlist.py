"""Waiting lists on SQLite and PostgreSQL: the line's order, a freed place held for the
first in line, lapsing and declining passing it on, taking it, leaving, a blocked
customer skipped, and someone else's place or entry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models import Booking, BookingStatus, Notification, WaitlistEntry, WaitStatus
from services import bookings, customer_blocks, waitlist
from services.offers import OfferData
from services.users import TelegramProfile, touch_user
from tests.helpers import offer_data, publish
from tests.helpers import user_in as user

NOW = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
ANNA, CARL, DORA, ERIK, FAY = 1, 1000, 1001, 1002, 1003
START = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
DAY = START.date()


def offer(**fields: Any) -> OfferData:
    """One hour a day, 10:00–11:00 UTC: one booking fills a day."""
    hours = [(d, 600, 660) for d in range(7)]
    return offer_data(**{"duration_min": 60, "weekly": hours, **fields})


@pytest.fixture
async def offer_id(sessions: async_sessionmaker[AsyncSession]) -> int:
    (made,) = await publish(sessions, ANNA, offer())
    async with sessions() as session:
        for user_id in (CARL, DORA, ERIK, FAY):
            await touch_user(session, TelegramProfile(id=user_id, first_name=f"U{user_id}"))
        await session.commit()
    return made


async def book(sessions: async_sessionmaker[AsyncSession], user_id: int, offer_id: int) -> int:
    async with sessions() as session:
        booked = await bookings.book(
            session, await user(session, user_id), offer_id, START, now=NOW
        )
        await session.commit()
        return booked.booking.id


async def join(
    sessions: async_sessionmaker[AsyncSession], user_id: int, offer_id: int
) -> waitlist.Place:
    async with sessions() as session:
        place = await waitlist.join(session, await user(session, user_id), offer_id, DAY, now=NOW)
        await session.commit()
        return place


async def cancel(sessions: async_sessionmaker[AsyncSession], user_id: int, booking_id: int) -> None:
    async with sessions() as session:
        await bookings.change(
            session,
            await user(session, user_id),
            booking_id,
            bookings.Transition.CANCEL_BY_CUSTOMER,
            now=NOW,
        )
        await session.commit()


async def line(sessions: async_sessionmaker[AsyncSession]) -> dict[int, str]:
    async with sessions() as session:
        rows = await session.execute(select(WaitlistEntry.customer_id, WaitlistEntry.status))
        return {row.customer_id: row.status for row in rows}


async def held_for(sessions: async_sessionmaker[AsyncSession], user_id: int) -> Booking | None:
    async with sessions() as session:
        found: Booking | None = await session.scalar(
            select(Booking).where(
                Booking.customer_id == user_id, Booking.status == BookingStatus.HELD
            )
        )
        return found


async def offers_told(sessions: async_sessionmaker[AsyncSession]) -> list[int]:
    async with sessions() as session:
        return list(
            await session.scalars(
                select(Notification.recipient_id)
                .where(Notification.kind == "waitlist_offer")
                .order_by(Notification.id)
            )
        )


async def test_a_freed_place_goes_down_the_line_until_someone_takes_it(
    sessions: async_sessionmaker[AsyncSession], offer_id: int
) -> None:
    carls = await book(sessions, CARL, offer_id)
    assert (await join(sessions, DORA, offer_id)).position == 1
    assert (await join(sessions, ERIK, offer_id)).position == 2
    assert (await join(sessions, FAY, offer_id)).position == 3
    again = await join(sessions, DORA, offer_id)  # joining twice is joining once
    assert again.position == 1
    await cancel(sessions, CARL, carls)
    # Dora, first in line, has the place held for her and is told; the others wait.
    doras = await held_for(sessions, DORA)
    assert doras is not None
    assert doras.starts_at == START
    assert doras.pay_by == NOW + waitlist.OFFER_WINDOW
    assert await line(sessions) == {
        DORA: WaitStatus.OFFERED,
        ERIK: WaitStatus.WAITING,
        FAY: WaitStatus.WAITING,
    }
    assert await offers_told(sessions) == [DORA]
    # Dora lets the hold lapse: Erik is asked next.
    async with sessions() as session:
        await bookings.expire_holds(session, now=NOW + waitlist.OFFER_WINDOW)
        await session.commit()
    eriks = await held_for(sessions, ERIK)
    assert eriks is not None
    assert (await line(sessions))[DORA] == WaitStatus.LAPSED
    # Erik says no: Fay is asked, and takes it.
    async with sessions() as session:
        await waitlist.decline(session, await user(session, ERIK), eriks.id, now=NOW)
        await session.commit()
    fays = await held_for(sessions, FAY)
    assert fays is not None
    async with sessions() as session:
        taken = await waitlist.take(session, await user(session, FAY), fays.id, now=NOW)
        await session.commit()
    assert taken.status == BookingStatus.CONFIRMED
    assert await line(sessions) == {
        DORA: WaitStatus.LAPSED,
        ERIK: WaitStatus.DECLINED,
        FAY: WaitStatus.BOOKED,
    }
    assert await offers_told(sessions) == [DORA, ERIK, FAY]


async def test_leaving_while_a_place_is_held_passes_it_on(
    sessions: async_sessionmaker[AsyncSession], offer_id: int
) -> None:
    carls = await book(sessions, CARL, offer_id)
    doras_entry = (await join(sessions, DORA, offer_id)).entry.id
    await join(sessions, ERIK, offer_id)
    await cancel(sessions, CARL, carls)
    async with sessions() as session:
        await waitlist.leave(session, await user(session, DORA), doras_entry, now=NOW)
        await session.commit()
    assert await held_for(sessions, DORA) is None
    assert await held_for(sessions, ERIK) is not None
    assert (await line(sessions))[DORA] == WaitStatus.LEFT


async def test_a_customer_the_provider_blocked_is_skipped(
    sessions: async_sessionmaker[AsyncSession], offer_id: int
) -> None:
    carls = await book(sessions, CARL, offer_id)
    await join(sessions, DORA, offer_id)
    await join(sessions, ERIK, offer_id)
    async with sessions() as session:  # Anna blocks Dora (from an old booking of hers)
        doras_old = await bookings.book(
            session, await user(session, DORA), offer_id, START + timedelta(days=3), now=NOW
        )
        await customer_blocks.block_from_booking(
            session, await user(session, ANNA), doras_old.booking.id, blocked=True
        )
        await session.commit()
    await cancel(sessions, CARL, carls)
    assert await held_for(sessions, DORA) is None
    assert await held_for(sessions, ERIK) is not None


async def test_someone_elses_place_or_entry_changes_nothing(
    sessions: async_sessionmaker[AsyncSession], offer_id: int
) -> None:
    carls = await book(sessions, CARL, offer_id)
    doras_entry = (await join(sessions, DORA, offer_id)).entry.id
    await cancel(sessions, CARL, carls)
    doras = await held_for(sessions, DORA)
    assert doras is not None
    async with sessions() as session:
        erik = await user(session, ERIK)
        with pytest.raises(bookings.BookingNotFound):
            await waitlist.take(session, erik, doras.id, now=NOW)
        with pytest.raises(bookings.BookingNotFound):
            await waitlist.decline(session, erik, doras.id, now=NOW)
        await waitlist.leave(session, erik, doras_entry, now=NOW)
        anna = await user(session, ANNA)  # the provider cannot take it either
        with pytest.raises(bookings.BookingNotFound):
            await waitlist.take(session, anna, doras.id, now=NOW)
        await session.commit()
    assert await line(sessions) == {DORA: WaitStatus.OFFERED}
    assert (await held_for(sessions, DORA)) is not None


async def test_no_waiting_for_a_past_day_or_ones_own_offer(
    sessions: async_sessionmaker[AsyncSession], offer_id: int
) -> None:
    async with sessions() as session:
        dora = await user(session, DORA)
        with pytest.raises(waitlist.WaitlistError):
            await waitlist.join(session, dora, offer_id, NOW.date() - timedelta(days=1), now=NOW)
        with pytest.raises(waitlist.WaitlistError):
            await waitlist.join(session, dora, offer_id, NOW.date() + timedelta(days=400), now=NOW)
        with pytest.raises(bookings.OwnOffer):
            await waitlist.join(session, await user(session, ANNA), offer_id, DAY, now=NOW)

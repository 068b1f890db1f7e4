"""Waiting lists: a fully booked day of an offer fills from its line.

A customer joins the line of a day (in the provider's calendar) that the offer's hours
open but whose times are all taken. When a place frees up on that day — a cancellation,
a decline, an expired request or hold — `seat_freed` (called by services.bookings inside
the same transaction) holds it for the first in line for OFFER_WINDOW and queues the
offer through the outbox. Taking it settles the hold (or asks for the prepayment, see
services.payments); declining it or letting the hold run out frees the place again, and
so the next in line is asked. Leaving the line is one tap.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from models import (
    OPEN_WAITS,
    Booking,
    BookingStatus,
    NotificationKind,
    Offer,
    User,
    WaitlistEntry,
    WaitStatus,
)
from services import bookings, outbox
from services.availability import day_ranges
from services.errors import DomainError
from services.offers import availability_rules

OFFER_WINDOW = timedelta(minutes=30)  # how long a freed place is held for the one asked
LINE_LIMIT = 50  # customers waiting for one day of one offer, at most


class WaitlistError(DomainError):
    """A waiting-list rule refused; `key` names the translated reply."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def full_days(
    offer: Offer, first: date, last: date, free: set[date], today: date, bookable_until: date
) -> set[date]:
    """Days from `first` to `last` (the provider's calendar) that the offer's hours open,
    that can still be booked, and that have no free time: the days one may wait for."""
    rules = availability_rules(offer)
    days = set()
    day = max(first, today)
    while day <= min(last, bookable_until):
        if day not in free and day_ranges(rules, day):
            days.add(day)
        day += timedelta(days=1)
    return days


@dataclass(frozen=True, slots=True)
class Place:
    """A customer's entry and their place in the line (1: next to be asked)."""

    entry: WaitlistEntry
    position: int


async def join(
    session: AsyncSession,
    customer: User,
    offer_id: int,
    day: date,
    *,
    seats: int = 1,
    now: datetime,
) -> Place:
    """Join the line of `day` (the provider's calendar) of a bookable offer: not one's
    own, not from a provider who blocked one (booking_guard), not a past day or beyond
    the offer's horizon. Joining again is the same entry."""
    offer = await bookings.offer_to_book(session, offer_id, customer)
    zone = ZoneInfo(offer.provider.timezone)
    today = now.astimezone(zone).date()
    if not today <= day <= today + timedelta(days=offer.max_advance_days):
        raise WaitlistError("waitlist.error.day")
    if not 1 <= seats <= offer.capacity:
        raise bookings.BadValue()
    found = await _open_entry(session, customer.id, offer.id, day)
    if found is None:
        waiting = await session.scalar(
            select(func.count()).where(
                WaitlistEntry.offer_id == offer.id,
                WaitlistEntry.day == day,
                WaitlistEntry.status.in_(OPEN_WAITS),
            )
        )
        if int(waiting or 0) >= LINE_LIMIT:
            raise WaitlistError("waitlist.error.full")
        found = WaitlistEntry(
            offer_id=offer.id,
            customer_id=customer.id,
            day=day,
            seats=seats,
            status=WaitStatus.WAITING,
            created_at=now,
            updated_at=now,
        )
        try:
            async with session.begin_nested():
                session.add(found)
                await session.flush()
        except IntegrityError:  # joined twice at once: the other is the entry
            found = await _open_entry(session, customer.id, offer.id, day)
            if found is None:
                raise
    return Place(found, await _position(session, found))


async def _open_entry(
    session: AsyncSession, customer_id: int, offer_id: int, day: date
) -> WaitlistEntry | None:
    entry: WaitlistEntry | None = await session.scalar(
        select(WaitlistEntry).where(
            WaitlistEntry.customer_id == customer_id,
            WaitlistEntry.offer_id == offer_id,
            WaitlistEntry.day == day,
            WaitlistEntry.status.in_(OPEN_WAITS),
        )
    )
    return entry


async def _position(session: AsyncSession, entry: WaitlistEntry) -> int:
    ahead = await session.scalar(
        select(func.count()).where(
            WaitlistEntry.offer_id == entry.offer_id,
            WaitlistEntry.day == entry.day,
            WaitlistEntry.status.in_(OPEN_WAITS),
            WaitlistEntry.id < entry.id,
        )
    )
    return int(ahead or 0) + 1


async def leave(session: AsyncSession, customer: User, entry_id: int, *, now: datetime) -> None:
    """Leave the line (someone else's entry, or one already ended: no change). A place
    held for them is given up, and so offered to the next in line."""
    entry = await session.get(WaitlistEntry, entry_id)
    if entry is None or entry.customer_id != customer.id or entry.status not in OPEN_WAITS:
        return
    held = entry.booking_id if entry.status == WaitStatus.OFFERED else None
    entry.status, entry.updated_at = WaitStatus.LEFT, now
    await session.flush()
    if held is not None:
        with suppress(bookings.BookingError):  # taken, paid or expired meanwhile
            await bookings.change(
                session, customer, held, bookings.Transition.CANCEL_BY_CUSTOMER, now=now
            )


async def seat_freed(session: AsyncSession, freed: Booking, *, now: datetime) -> Booking | None:
    """A place of `freed`'s session is free again: the offer made from it (if it was one)
    has ended, and the first in line of that day who can take it gets it, held for them.
    Returns the hold made, if any."""
    # If the place was itself offered from the line, that offer ended as the hold did.
    ended = WaitStatus.LAPSED if freed.status == BookingStatus.EXPIRED else WaitStatus.DECLINED
    await session.execute(
        update(WaitlistEntry)
        .where(WaitlistEntry.booking_id == freed.id, WaitlistEntry.status == WaitStatus.OFFERED)
        .values(status=ended, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    offer = await session.get(Offer, freed.offer_id)
    if offer is None or freed.starts_at <= now:
        return None
    await session.refresh(offer, ["provider"])
    day = freed.starts_at.astimezone(ZoneInfo(offer.provider.timezone)).date()
    line = list(
        await session.scalars(
            select(WaitlistEntry)
            .where(
                WaitlistEntry.offer_id == offer.id,
                WaitlistEntry.day == day,
                WaitlistEntry.status == WaitStatus.WAITING,
            )
            .order_by(WaitlistEntry.id)
            .limit(LINE_LIMIT)
        )
    )
    window = min(OFFER_WINDOW, freed.starts_at - now)
    for entry in line:
        customer = await session.get(User, entry.customer_id)
        if customer is None or customer.banned:
            continue
        try:
            booked = await bookings.book(
                session,
                customer,
                offer.id,
                freed.starts_at,
                seats=entry.seats,
                now=now,
                hold=window,
            )
        except bookings.SlotTaken:
            return None  # not enough places for the first in line (or taken already)
        except (bookings.BookingError, DomainError):
            continue  # this customer may not book it now (a block, a limit): the next one
        if not booked.created:
            continue
        entry.status, entry.booking_id, entry.updated_at = (
            WaitStatus.OFFERED,
            booked.booking.id,
            now,
        )
        await session.flush()
        await outbox.queue(
            session,
            outbox.Entry(
                key=f"w{entry.id}:offer:b{booked.booking.id}",
                recipient_id=customer.id,
                kind=NotificationKind.WAITLIST_OFFER,
                due_at=now,
                booking_id=booked.booking.id,
                payload={"entry": entry.id},
            ),
        )
        return booked.booking
    return None


async def offered(session: AsyncSession, customer: User, booking_id: int) -> Booking:
    """The place held for `customer` from their waiting list (BookingNotFound for anyone
    else's; NotNow once it is no longer held)."""
    booking = await bookings.party_booking(session, customer, booking_id)
    if booking.customer_id != customer.id:
        raise bookings.BookingNotFound()
    entry = await session.scalar(
        select(WaitlistEntry).where(
            WaitlistEntry.booking_id == booking.id, WaitlistEntry.customer_id == customer.id
        )
    )
    if entry is None:
        raise bookings.BookingNotFound()
    if booking.status != BookingStatus.HELD or entry.status != WaitStatus.OFFERED:
        raise bookings.NotNow()
    return booking


async def take(session: AsyncSession, customer: User, booking_id: int, *, now: datetime) -> Booking:
    """Take the place offered when nothing is to be paid first: the booking stands (or
    waits for the provider's approval). A place to be paid for is settled by its payment
    instead (services.payments)."""
    booking = await offered(session, customer, booking_id)
    settled = await bookings.settle_hold(session, customer, booking, now=now)
    await booked(session, settled)
    return settled


async def decline(session: AsyncSession, customer: User, booking_id: int, *, now: datetime) -> None:
    """Say no to the place offered: it is freed, and so offered to the next in line."""
    booking = await offered(session, customer, booking_id)
    await bookings.change(
        session, customer, booking.id, bookings.Transition.CANCEL_BY_CUSTOMER, now=now
    )


async def booked(session: AsyncSession, booking: Booking) -> None:
    """A held place became a booking: the entry it was offered from is done."""
    await session.execute(
        update(WaitlistEntry)
        .where(WaitlistEntry.booking_id == booking.id, WaitlistEntry.status == WaitStatus.OFFERED)
        .values(status=WaitStatus.BOOKED, updated_at=booking.updated_at)
        .execution_options(synchronize_session=False)
    )

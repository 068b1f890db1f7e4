"""Repeat bookings: the same time every week (or every N weeks), booked as a series.

The customer sees every occurrence first — free, or taken — and books the free ones in
one transaction: if any of them was taken meanwhile, nothing is booked and the fresh
preview is shown again (SeriesChanged), so the customer decides before anything is
committed. A series is one booking to the limits (booking_guard): the first occurrence
is checked as a new booking, the others go with it. Cancelling one occurrence is
cancelling a booking; "this and all following" cancels the rest of the series.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import ACTIVE_STATUSES, Booking, BookingSeries, Offer, User
from services import bookings, payments
from services.availability import local_instant
from services.booking_guard import BookingLimits
from services.errors import DomainError
from services.slots import slots_by_offer

EVERY_WEEKS = (1, 2, 4)  # the choices of frequency
COUNTS = (4, 8, 12)  # the choices of how many occurrences (the first included)


class SeriesError(DomainError):
    """A repeat booking refused; `key` names the translated reply."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


class SeriesChanged(DomainError):
    """An occurrence shown free was taken before the series was booked: nothing was
    booked; the preview is to be shown afresh."""

    key = "series.changed"


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One start of a series, and whether it is free now (None: it does not exist, a
    wall time skipped by a clock change)."""

    start: datetime | None
    free: bool


def repeatable(offer: Offer, *, payments_enabled: bool) -> bool:
    """Whether a series may be booked of `offer`: not when each booking is paid first
    (one invoice per occurrence would be a poor way to pay for a series)."""
    return payments.payable(offer, 1, enabled=payments_enabled) is None


def starts(offer: Offer, first: datetime, every_weeks: int, count: int) -> list[datetime | None]:
    """The series' starts: the first one's wall time in the provider's zone, every
    `every_weeks` weeks (a wall time a clock change skips: None)."""
    if every_weeks not in EVERY_WEEKS or count not in COUNTS:
        raise SeriesError("common.expired_button")
    zone = ZoneInfo(offer.provider.timezone)
    local = first.astimezone(zone)
    minute = local.hour * 60 + local.minute
    return [
        local_instant(local.date() + timedelta(weeks=every_weeks * n), minute, zone)
        for n in range(count)
    ]


async def preview(
    session: AsyncSession,
    offer: Offer,
    first: datetime,
    every_weeks: int,
    count: int,
    *,
    seats: int = 1,
    now: datetime,
) -> list[Occurrence]:
    """Every occurrence of the series and whether it is free now (the horizon and the
    provider's hours count: a time beyond them is not free)."""
    times = starts(offer, first, every_weeks, count)
    real = [start for start in times if start is not None]
    if not real:
        return []
    zone = ZoneInfo(offer.provider.timezone)
    found = await slots_by_offer(
        session,
        [offer],
        real[0].astimezone(zone).date(),
        real[-1].astimezone(zone).date(),
        now=now,
    )
    free = {slot.start for slot in found[offer.id] if slot.seats_left >= seats}
    return [Occurrence(start, start is not None and start in free) for start in times]


async def book_series(
    session: AsyncSession,
    customer: User,
    offer_id: int,
    first: datetime,
    every_weeks: int,
    count: int,
    *,
    expected: list[datetime],
    seats: int = 1,
    note: str | None = None,
    limits: BookingLimits,
    payments_enabled: bool,
    now: datetime,
) -> list[Booking]:
    """Book the occurrences the customer saw free (`expected`), all or none: if the free
    ones are not exactly those any more, or one is taken while booking, SeriesChanged
    and nothing is booked."""
    offer = await bookings.offer_to_book(session, offer_id, customer, limits=limits)
    if not repeatable(offer, payments_enabled=payments_enabled):
        raise SeriesError("series.error.prepaid")
    seen = await preview(session, offer, first, every_weeks, count, seats=seats, now=now)
    free = [o.start for o in seen if o.free and o.start is not None]
    if free != expected or not free:
        raise SeriesChanged()
    made: list[Booking] = []
    try:
        async with session.begin_nested():
            series = BookingSeries(
                customer_id=customer.id,
                offer_id=offer.id,
                every_weeks=every_weeks,
                created_at=now,
            )
            session.add(series)
            await session.flush()
            for number, start in enumerate(free):
                booked = await bookings.book(
                    session,
                    customer,
                    offer.id,
                    start,
                    seats=seats,
                    note=note,
                    now=now,
                    offer=offer,
                    limits=limits if number == 0 else bookings.UNLIMITED,
                )
                if not booked.created:
                    raise bookings.SlotTaken()  # already one's own: not a series
                booked.booking.series_id = series.id
                made.append(booked.booking)
            await session.flush()
    except bookings.SlotTaken:
        raise SeriesChanged() from None
    return made


async def cancel_following(
    session: AsyncSession, user: User, booking_id: int, *, reason: str | None, now: datetime
) -> list[Booking]:
    """Cancel this occurrence and every later one of its series that can still be
    cancelled (by either side: each as that side's cancellation). A booking of no
    series: just this one."""
    booking = await bookings.party_booking(session, user, booking_id)
    action = bookings.CANCELLATIONS[bookings.role_of(booking, user)]
    bookings.check_change(booking, user, action, now=now)
    ids = [booking.id]
    if booking.series_id is not None:
        ids = list(
            await session.scalars(
                select(Booking.id)
                .where(
                    Booking.series_id == booking.series_id,
                    Booking.starts_at >= booking.starts_at,
                    Booking.status.in_(ACTIVE_STATUSES),
                )
                .order_by(Booking.starts_at)
            )
        )
    cancelled = []
    for one in ids:
        try:
            cancelled.append(
                await bookings.change(session, user, one, action, reason=reason, now=now)
            )
        except bookings.NotNow:
            continue  # changed meanwhile (or already started)
    return cancelled


async def following(
    session: AsyncSession, user: User, booking_id: int, *, now: datetime
) -> tuple[Booking, int]:
    """`user`'s booking and how many bookings "this and all following" would cancel
    (refusing now what `cancel_following` would refuse)."""
    booking = await bookings.party_booking(session, user, booking_id)
    action = bookings.CANCELLATIONS[bookings.role_of(booking, user)]
    bookings.check_change(booking, user, action, now=now)
    if booking.series_id is None:
        return booking, 1
    count = await session.scalar(
        select(func.count()).where(
            Booking.series_id == booking.series_id,
            Booking.starts_at >= booking.starts_at,
            Booking.status.in_(ACTIVE_STATUSES),
        )
    )
    return booking, int(count or 1)

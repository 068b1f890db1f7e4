"""Stopping spam bookers: who may book a provider at all, and how much at once.

Before any seat is taken, one statement reads what the rules need: whether the provider
blocked the customer, how many of the customer's requests wait for an answer anywhere,
how many active bookings they hold with this provider on that day, and whether they
ever completed one with them (a provider may want to approve newcomers first).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import BindParameter, Select, bindparam, exists, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from models import (
    SEAT_STATUSES,
    Booking,
    BookingStatus,
    CustomerBlock,
    Provider,
    User,
    UTCDateTime,
    utcnow,
)
from services.errors import DomainError
from services.package_ledger import pays_for

CUSTOMER_LOCK_NAMESPACE = 1002  # first key of PostgreSQL advisory locks on a customer


@dataclass(frozen=True, slots=True)
class BookingLimits:
    """How much one customer may hold at once (MAX_OPEN_REQUESTS,
    MAX_BOOKINGS_PER_PROVIDER_DAY)."""

    open_requests: int = 3  # requests waiting for a provider's answer, anywhere
    per_provider_day: int = 3  # active bookings with one provider on one of their days


class NotAccepted(DomainError):
    """The provider blocked this customer. The reply says no more than that the offer
    cannot be booked: it reveals neither the block nor who made it."""

    key = "booking.error.not_accepted"


class TooManyRequests(DomainError):
    """The customer already has `limit` requests waiting for an answer."""

    key = "booking.error.too_many_requests"

    def __init__(self, limit: int) -> None:
        super().__init__(limit)
        self.limit = limit


class TooManyThatDay(DomainError):
    """The customer already holds `limit` bookings with this provider that day."""

    key = "booking.error.too_many_that_day"

    def __init__(self, limit: int) -> None:
        super().__init__(limit)
        self.limit = limit


@dataclass(frozen=True, slots=True)
class Standing:
    """What the rules found about one customer and one provider."""

    blocked: bool
    open_requests: int
    that_day: int  # bookings and holds
    known: bool  # completed a booking with this provider before
    package: bool = False  # a package of theirs pays for the booking


async def standing(
    session: AsyncSession,
    customer: User,
    provider: Provider,
    starts_at: datetime | None,
    *,
    offer_id: int = 0,
    seats: int = 1,
) -> Standing:
    """The customer's standing with `provider`, in one statement; `that_day` counts the
    provider's local day of `starts_at` (0 without one), and `package` tells whether a
    package of the customer's pays for `seats` of offer `offer_id` at `starts_at`."""
    if starts_at is not None:
        zone = ZoneInfo(provider.timezone)
        day = starts_at.astimezone(zone).date()
        first = datetime.combine(day, time(), zone)
        last = datetime.combine(day + timedelta(days=1), time(), zone)
    else:
        first = last = utcnow()  # an empty range
    values = {
        "customer": customer.id,
        "provider": provider.id,
        "first": first,
        "last": last,
        "offer": offer_id,
        "seats": seats,
        "start": starts_at or first,
    }
    row = (await session.execute(_standing_statement(), values)).one()
    return Standing(bool(row[0]), int(row[1]), int(row[2]), bool(row[3]), bool(row[4]))


@cache
def _standing_statement() -> Select[Any]:
    """Built once: building a statement costs more than running it."""
    customer: BindParameter[int] = bindparam("customer")
    provider: BindParameter[int] = bindparam("provider")
    mine = Booking.customer_id == customer
    blocked = (CustomerBlock.provider_id == provider, CustomerBlock.customer_id == customer)
    return select(
        exists().where(*blocked),
        select(func.count())
        .where(mine, Booking.status == BookingStatus.REQUESTED)
        .scalar_subquery(),
        select(func.count())
        .where(
            mine,
            Booking.provider_id == provider,
            Booking.status.in_(SEAT_STATUSES),
            Booking.starts_at >= bindparam("first", type_=UTCDateTime()),
            Booking.starts_at < bindparam("last", type_=UTCDateTime()),
        )
        .scalar_subquery(),
        exists().where(
            mine, Booking.provider_id == provider, Booking.status == BookingStatus.COMPLETED
        ),
        exists().where(
            *pays_for(
                customer,
                bindparam("offer"),
                bindparam("seats"),
                bindparam("start", type_=UTCDateTime()),
            )
        ),
    )


@dataclass(frozen=True, slots=True)
class Admitted:
    """A new booking the rules allow: whether it waits for the provider's approval (the
    customer is new to a provider who asked for that), and whether a package of the
    customer's pays for it."""

    newcomer: bool
    package: bool


async def admit(
    session: AsyncSession,
    customer: User,
    provider: Provider,
    starts_at: datetime | None,
    limits: BookingLimits,
    *,
    offer_id: int = 0,
    seats: int = 1,
) -> Admitted:
    """Refuse a new booking the rules do not allow (NotAccepted, TooManyRequests,
    TooManyThatDay); else what `Admitted` says. With `starts_at` None (the booking
    dialogue just opened) the day is not checked yet.

    On PostgreSQL the customer's lock is taken first, so two bookings of one customer at
    once are counted one after the other (SQLite's writes are serialized already)."""
    if session.get_bind().dialect.name != "sqlite" and starts_at is not None:
        await session.execute(
            text("SELECT pg_advisory_xact_lock(:namespace, :customer)"),
            {"namespace": CUSTOMER_LOCK_NAMESPACE, "customer": customer.id & 0x7FFFFFFF},
        )
    found = await standing(session, customer, provider, starts_at, offer_id=offer_id, seats=seats)
    if found.blocked:
        raise NotAccepted()
    if found.open_requests >= limits.open_requests:
        raise TooManyRequests(limits.open_requests)
    if found.that_day >= limits.per_provider_day:
        raise TooManyThatDay(limits.per_provider_day)
    return Admitted(provider.approve_new_customers and not found.known, found.package)


async def is_blocked(session: AsyncSession, provider: Provider, customer_id: int) -> bool:
    """Whether `provider` blocked the customer."""
    found = await session.get(CustomerBlock, (provider.id, customer_id))
    return found is not None

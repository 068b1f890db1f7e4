"""A provider's say over who books them: blocking a customer from one of their bookings,
the list of blocked customers, and approval of customers new to them.

The rules these feed are applied where bookings are made (services.booking_guard).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from models import Booking, CustomerBlock, Provider, Role, User, utcnow
from services.bookings import BookingNotFound, party_booking, role_of
from services.offers import ensure_provider, provider_of

BLOCKED_PAGE = 10


async def block_from_booking(
    session: AsyncSession, user: User, booking_id: int, *, blocked: bool
) -> Booking:
    """Block (or unblock) the customer of `user`'s booking `booking_id`; only its
    provider may (anyone else: BookingNotFound, as for a booking that does not exist).
    Bookings already made stay as they are; the provider can cancel them from their cards.
    Returns the booking."""
    booking = await party_booking(session, user, booking_id)
    if role_of(booking, user) != Role.PROVIDER or booking.customer_id <= 0:
        raise BookingNotFound()  # a customer, or an erased account's booking
    if blocked:
        await _block(session, booking.provider, booking.customer_id)
    else:
        await _unblock(session, booking.provider, booking.customer_id)
    return booking


async def unblock(session: AsyncSession, user: User, customer_id: int) -> None:
    """Let the customer book `user`'s offers again (not blocked, or no provider: no
    change)."""
    provider = await provider_of(session, user)
    if provider is not None:
        await _unblock(session, provider, customer_id)


async def _block(session: AsyncSession, provider: Provider, customer_id: int) -> None:
    insert = sqlite_insert if session.get_bind().dialect.name == "sqlite" else pg_insert
    await session.execute(
        insert(CustomerBlock)
        .values(provider_id=provider.id, customer_id=customer_id, created_at=utcnow())
        .on_conflict_do_nothing()
    )


async def _unblock(session: AsyncSession, provider: Provider, customer_id: int) -> None:
    await session.execute(
        delete(CustomerBlock).where(
            CustomerBlock.provider_id == provider.id, CustomerBlock.customer_id == customer_id
        )
    )


@dataclass(frozen=True, slots=True)
class BlockedPage:
    """One page of a provider's blocked customers (newest first) and the total."""

    customers: list[User]
    total: int
    page: int

    @property
    def pages(self) -> int:
        """How many pages there are (at least one)."""
        return max(1, -(-self.total // BLOCKED_PAGE))


async def blocked_customers(session: AsyncSession, user: User, page: int) -> BlockedPage:
    """Page `page` (from 0; past the end: the last) of the customers `user` blocked as a
    provider (none when they are no provider)."""
    provider = await provider_of(session, user)
    if provider is None:
        return BlockedPage([], 0, 0)
    total = int(
        await session.scalar(select(func.count()).where(CustomerBlock.provider_id == provider.id))
        or 0
    )
    page = min(max(page, 0), max(0, -(-total // BLOCKED_PAGE) - 1))
    customers = await session.scalars(
        select(User)
        .join(CustomerBlock, CustomerBlock.customer_id == User.id)
        .where(CustomerBlock.provider_id == provider.id)
        .order_by(CustomerBlock.created_at.desc(), User.id)
        .offset(page * BLOCKED_PAGE)
        .limit(BLOCKED_PAGE)
    )
    return BlockedPage(list(customers), total, page)


async def set_approve_new_customers(
    session: AsyncSession, user: User, default_timezone: str, *, on: bool
) -> Provider:
    """Whether requests from customers who never completed a booking with `user` wait
    for their approval, whatever each offer says."""
    provider = await ensure_provider(session, user, default_timezone)
    provider.approve_new_customers = on
    await session.flush()
    return provider

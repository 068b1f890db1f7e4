"""Package balances as bookings use them: drawing a session when booking, giving it back
when a booking ends in time. Kept apart from services.packages (which sells packages
through services.bookings) so that services.bookings can apply them without an import
cycle."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models import Booking, PackagePurchase, PurchaseStatus
from services.errors import DomainError
from services.payment_ledger import owed_back


class NoSessionsLeft(DomainError):
    """The package meant to pay for a booking has no session left (used meanwhile)."""

    key = "packages.error.used_up"


def pays_for(customer_id: Any, offer_id: Any, seats: Any, starts_at: Any) -> list[Any]:
    """The conditions on a package that pays for `seats` of an offer at `starts_at` (plain
    values, or bind parameters of a statement built once)."""
    return [
        PackagePurchase.customer_id == customer_id,
        PackagePurchase.offer_id == offer_id,
        PackagePurchase.status == PurchaseStatus.ACTIVE,
        PackagePurchase.sessions_left >= seats,
        PackagePurchase.expires_at > starts_at,
    ]


async def usable(
    session: AsyncSession, customer_id: int, offer_id: int, seats: int, starts_at: datetime
) -> PackagePurchase | None:
    """The customer's package that would pay for `seats` of the offer at `starts_at`: the
    one that runs out soonest."""
    found: PackagePurchase | None = await session.scalar(
        select(PackagePurchase)
        .where(*pays_for(customer_id, offer_id, seats, starts_at))
        .order_by(PackagePurchase.expires_at, PackagePurchase.id)
        .limit(1)
    )
    return found


async def covers(
    session: AsyncSession, customer_id: int, offer_id: int, seats: int, starts_at: datetime
) -> bool:
    """Whether a package of the customer's pays for `seats` of the offer at `starts_at`."""
    return await usable(session, customer_id, offer_id, seats, starts_at) is not None


async def left_in(session: AsyncSession, purchase_id: int) -> int | None:
    """The sessions left in one package (None: no such package)."""
    left = await session.scalar(
        select(PackagePurchase.sessions_left).where(PackagePurchase.id == purchase_id)
    )
    return int(left) if left is not None else None


async def draw(
    session: AsyncSession, customer_id: int, offer_id: int, seats: int, starts_at: datetime
) -> int | None:
    """Take `seats` sessions from a usable package, as one conditional UPDATE (two
    bookings at once cannot both take the last session; a CHECK keeps the balance at
    zero or more anyway); the package's id, or None when none can pay for it."""
    for _attempt in range(3):  # another booking may take the one chosen: choose again
        chosen = await usable(session, customer_id, offer_id, seats, starts_at)
        if chosen is None:
            return None
        taken = await session.execute(
            update(PackagePurchase)
            .where(PackagePurchase.id == chosen.id, PackagePurchase.sessions_left >= seats)
            .values(sessions_left=PackagePurchase.sessions_left - seats)
            .execution_options(synchronize_session=False)
        )
        if taken.rowcount == 1:  # type: ignore[attr-defined]
            await session.refresh(chosen)
            return chosen.id
    return None


async def give_back(session: AsyncSession, booking: Booking, *, late: bool) -> None:
    """A booking paid from a package that ended in a way that owes it back (cancelled
    in time, declined, …): its sessions return to the package."""
    if booking.purchase_id is None or not owed_back(booking.status, late=late):
        return
    await session.execute(
        update(PackagePurchase)
        .where(PackagePurchase.id == booking.purchase_id)
        .values(sessions_left=PackagePurchase.sessions_left + booking.seats)
        .execution_options(synchronize_session=False)
    )

"""The payments ledger's rules that booking changes apply: when a charge is owed back.

Kept apart from services.payments (which books through services.bookings) so that
services.bookings can apply them inside every status change without an import cycle.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from models import Booking, BookingStatus, Payment, Refund

# Ends of a booking after which the customer gets the prepayment back: the provider or
# the rules ended it, or the customer cancelled in time. A no-show, a late cancellation
# and a booking that happened keep it.
REFUNDED_ENDS = frozenset(
    {
        BookingStatus.DECLINED,
        BookingStatus.EXPIRED,
        BookingStatus.CANCELLED_BY_PROVIDER,
        BookingStatus.CANCELLED_BY_MODERATOR,
    }
)


@dataclass(frozen=True, slots=True)
class Charge:
    """A `successful_payment` as Telegram reported it."""

    payload: str
    currency: str
    total_amount: int
    telegram_charge_id: str
    provider_charge_id: str


async def record_charge(
    session: AsyncSession,
    charge: Charge,
    *,
    customer_id: int,
    provider_id: int,
    now: datetime,
    booking_id: int | None = None,
    purchase_id: int | None = None,
) -> int | None:
    """Write the charge into the ledger, for a booking or a package purchase; its id, or
    None when this Telegram charge id is recorded already (a redelivered message)."""
    insert = sqlite_insert if session.get_bind().dialect.name == "sqlite" else pg_insert
    recorded: int | None = await session.scalar(
        insert(Payment)
        .values(
            booking_id=booking_id,
            purchase_id=purchase_id,
            customer_id=customer_id,
            provider_id=provider_id,
            currency=charge.currency[:3],
            amount_minor=max(charge.total_amount, 1),
            telegram_charge_id=charge.telegram_charge_id[:128],
            provider_charge_id=(charge.provider_charge_id or "")[:128],
            paid_at=now,
        )
        .on_conflict_do_nothing(index_elements=["telegram_charge_id"])
        .returning(Payment.id)
    )
    return recorded


def owed_back(status: str, *, late: bool) -> bool:
    """Whether a booking that ended in `status` owes its prepayment back."""
    if status == BookingStatus.CANCELLED_BY_CUSTOMER:
        return not late
    return status in REFUNDED_ENDS


async def mark_refund_due(
    session: AsyncSession, booking: Booking, *, late: bool, now: datetime
) -> None:
    """After `booking` changed status: its charges become owed back when the new status
    says so (the operator's admins are told by the scheduler; see services.payments)."""
    if not owed_back(booking.status, late=late):
        return
    await session.execute(
        update(Payment)
        .where(Payment.booking_id == booking.id, Payment.refund == Refund.NONE)
        .values(refund=Refund.DUE, refund_due_at=now)
        .execution_options(synchronize_session=False)
    )


async def move_payments(session: AsyncSession, old_booking_id: int, new_booking_id: int) -> None:
    """A rescheduled booking takes its payments along to its new time."""
    await session.execute(
        update(Payment)
        .where(Payment.booking_id == old_booking_id)
        .values(booking_id=new_booking_id)
        .execution_options(synchronize_session=False)
    )

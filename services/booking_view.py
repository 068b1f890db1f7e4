"""What one party may see and do with a booking: the read model its card renders.

The card never restates a rule: which actions show comes from the state machine
(`bookings.CHANGES`) and the review window, and the other side's contact is filled in
only when the contact rule allows it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from models import ACTIVE_STATUSES, Booking, BookingStatus, Prepayment, Role, User
from services.booking_guard import is_blocked
from services.bookings import CHANGES, Transition, role_of
from services.map_pins import map_pin
from services.package_ledger import left_in
from services.payments import PaidInfo, paid_for
from services.reputation import CustomerRecord, customer_record_for
from services.reviews import open_for_rating

# Each side learns the other's contact only once the booking is confirmed.
CONTACT_STATUSES = (BookingStatus.CONFIRMED, BookingStatus.COMPLETED)


class BookingAction(StrEnum):
    """What a party can do with a booking from its card."""

    ACCEPT = "accept"
    DECLINE = "decline"
    CALENDAR = "ics"
    MAP = "map"  # the customer: where to go, as a map pin
    COMPLETE = "complete"
    NO_SHOW = "no_show"
    RATE = "rate"
    RESCHEDULE = "resched"
    CANCEL = "cancel"
    CANCEL_FOLLOWING = "cancel_following"  # this and the later bookings of its series
    REPORT = "report"
    BLOCK = "block"  # the provider stops the customer from booking them
    UNBLOCK = "unblock"


@dataclass(frozen=True)
class Contact:
    """How to reach the other side: their Telegram account, and a phone if shared."""

    user_id: int
    name: str
    username: str | None
    phone: str | None


@dataclass(frozen=True)
class BookingView:
    """A booking as `role` sees it at one moment."""

    booking: Booking
    role: Role
    actions: tuple[BookingAction, ...]
    other_contact: Contact | None  # None until the contact rule allows it
    contact_pending: bool  # the contact will come once the booking is confirmed
    customer_record: CustomerRecord | None  # for the provider, while the booking is open
    paid: PaidInfo | None = None  # what was paid before it stood, and if it is owed back
    package_left: int | None = None  # paid from a package: the sessions left in it


def allowed_actions(booking: Booking, role: Role, now: datetime) -> tuple[BookingAction, ...]:
    """The actions `role` may take on `booking` at `now`, in the card's order."""
    status, started = booking.status, now >= booking.starts_at
    actions: list[BookingAction] = []
    if _may(Transition.ACCEPT, status, role, started):
        actions += [BookingAction.ACCEPT, BookingAction.DECLINE]
    if status == BookingStatus.CONFIRMED:
        actions.append(BookingAction.CALENDAR)
        if role == Role.CUSTOMER and map_pin(booking.offer) is not None:
            actions.append(BookingAction.MAP)
    if _may(Transition.COMPLETE, status, role, started):
        actions += [BookingAction.COMPLETE, BookingAction.NO_SHOW]
    if open_for_rating(booking, role, now):
        actions.append(BookingAction.RATE)
    if status in ACTIVE_STATUSES and not started:
        actions += [BookingAction.RESCHEDULE, BookingAction.CANCEL]
        if booking.series_id is not None:
            actions.append(BookingAction.CANCEL_FOLLOWING)
    elif status == BookingStatus.HELD:
        actions.append(BookingAction.CANCEL)  # give the held time up instead of paying
    actions.append(BookingAction.REPORT)
    return tuple(actions)


def _may(change: Transition, status: str, role: Role, started: bool) -> bool:
    """Whether the state machine lets `role` make `change` now."""
    rule = CHANGES[change]
    return status in rule.sources and role == rule.by and (started or not rule.after_start)


async def booking_view(
    session: AsyncSession, booking: Booking, viewer: User, now: datetime
) -> BookingView:
    """`booking` as `viewer` (one of its parties) may see and act on it at `now`."""
    role = role_of(booking, viewer)
    contact = None
    if booking.status in CONTACT_STATUSES:
        if role == Role.CUSTOMER:
            other = await session.get(User, booking.provider.user_id)
            phone = booking.provider.phone
        else:
            other = await session.get(User, booking.customer_id)
            phone = None
        if other is not None:
            contact = Contact(other.id, other.full_name, other.username, phone)
    record, blocked = None, False
    if role == Role.PROVIDER and booking.status in ACTIVE_STATUSES:
        record, blocked = await customer_record_for(
            session, booking.customer_id, booking.provider_id
        )
    elif role == Role.PROVIDER and booking.customer_id > 0:
        blocked = await is_blocked(session, booking.provider, booking.customer_id)
    actions = allowed_actions(booking, role, now)
    if role == Role.PROVIDER and booking.customer_id > 0:  # not an erased account
        actions += (BookingAction.UNBLOCK if blocked else BookingAction.BLOCK,)
    paid = None
    if booking.pay_by is not None or booking.offer.prepayment != Prepayment.NONE:
        paid = (await paid_for(session, [booking.id])).get(booking.id)
    package_left = None
    if booking.purchase_id is not None and role == Role.CUSTOMER:
        package_left = await left_in(session, booking.purchase_id)
    return BookingView(
        booking=booking,
        role=role,
        actions=actions,
        paid=paid,
        package_left=package_left,
        other_contact=contact,
        contact_pending=booking.status == BookingStatus.REQUESTED,
        customer_record=record,
    )

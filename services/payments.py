"""Prepayment of bookings through Telegram Payments.

An offer may ask for nothing, a deposit (a fixed amount or a share of the price, per
place) or the full price before a booking stands. With a payment provider token
configured, *Confirm* of such an offer takes the seats as a **hold** (status held, with a
deadline) and the customer gets an invoice:

- `pre_checkout_query`: `check_checkout` re-checks the hold (still held, the customer's
  own, not past its deadline) and the amount; on success the hold is kept a little
  longer, so the payment Telegram then reports cannot arrive after it expired;
- `successful_payment`: `record_payment` writes the ledger row — its Telegram charge id
  is unique, so a message delivered twice records one payment — and turns the hold into
  a booking (or a request, when the provider approves first), exactly once;
- a hold not paid by its deadline expires by the scheduler's sweep, freeing its seats.

A booking that ends in a way that owes the prepayment back (services.payment_ledger)
marks its charges as refunds due; the Bot API cannot refund card payments, so the
scheduler tells the operator's admins (`due_refunds`), who refund in their payment
provider's dashboard.
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from models import (
    Booking,
    BookingStatus,
    NotificationKind,
    Offer,
    Payment,
    Prepayment,
    Refund,
    User,
)
from services import bookings, offers, outbox, payment_ledger, users, waitlist
from services.errors import DomainError
from services.offer_parser import NO_CURRENCY, parse_amount, to_minor
from services.payment_ledger import Charge

log = logging.getLogger(__name__)

PAYLOAD_PREFIX = "gigbot:b"
_PAYLOAD = re.compile(r"^gigbot:b([1-9][0-9]{0,9})$")
DEFAULT_HOLD = timedelta(minutes=15)
# A hold whose pre-checkout passed is kept at least this much longer: Telegram reports
# the payment seconds after the bot's answer.
CHECKOUT_GRACE = timedelta(minutes=5)
DEPOSIT_PERCENTS = (10, 20, 30, 50)


class PaymentError(DomainError):
    """A prepayment setting refused; `key` names the translated reply."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def amount_due(offer: Offer, seats: int) -> int | None:
    """What `seats` places of `offer` cost before the booking stands, in minor units;
    None when nothing is paid first (no prepayment, a free offer, or no currency)."""
    if offer.prepayment == Prepayment.NONE or offer.currency == NO_CURRENCY:
        return None
    full = offer.price_minor * seats
    if offer.prepayment == Prepayment.FULL:
        due = full
    elif offer.deposit_minor is not None:
        due = min(offer.deposit_minor * seats, full)
    elif offer.deposit_percent is not None:
        due = math.ceil(offer.price_minor * offer.deposit_percent / 100) * seats
    else:
        due = 0
    return due if due > 0 else None


def payable(offer: Offer, seats: int, *, enabled: bool) -> int | None:
    """The amount to pay before booking `seats` of `offer`: `amount_due` when payments
    are `enabled` (a provider token is configured), else None (booked as without)."""
    return amount_due(offer, seats) if enabled else None


async def set_prepayment(
    session: AsyncSession,
    user: User,
    offer_id: int,
    kind: str,
    *,
    deposit_minor: int | None = None,
    deposit_percent: int | None = None,
) -> Offer:
    """Set what the user's offer asks for before a booking stands. A deposit is a fixed
    amount below the price or one of DEPOSIT_PERCENTS; a free offer or one without a
    currency cannot ask for money (PaymentError)."""
    offer = await offers.owned_offer(session, user, offer_id)
    if kind not in tuple(Prepayment):
        raise PaymentError("common.expired_button")
    if kind != Prepayment.NONE and (offer.price_minor <= 0 or offer.currency == NO_CURRENCY):
        raise PaymentError("payments.error.free_offer")
    if kind == Prepayment.DEPOSIT:
        if deposit_percent is not None and deposit_percent not in DEPOSIT_PERCENTS:
            raise PaymentError("common.expired_button")
        if deposit_minor is not None and not 0 < deposit_minor < offer.price_minor:
            raise PaymentError("payments.error.deposit_range")
        if (deposit_minor is None) == (deposit_percent is None):
            raise PaymentError("common.expired_button")
    else:
        deposit_minor = deposit_percent = None
    offer.prepayment = kind
    offer.deposit_minor, offer.deposit_percent = deposit_minor, deposit_percent
    await session.flush()
    return offer


def amount_from_text(text: str, offer: Offer) -> int | None:
    """A typed amount (a fixed deposit, a package's price) in the offer's currency's minor
    units, or None when it is no amount (the range is the caller's to check)."""
    if offer.currency == NO_CURRENCY or len(text) > 20:
        return None
    amount = parse_amount(text)
    if amount is None or amount <= 0 or amount > 10**9:
        return None
    return to_minor(amount, offer.currency)


# --- the invoice and its checks ------------------------------------------------------------


def payload_of(booking: Booking) -> str:
    """The invoice payload naming the hold (Telegram echoes it back, ≤ 128 bytes)."""
    return f"{PAYLOAD_PREFIX}{booking.id}"


def booking_id_of(payload: str) -> int | None:
    """The booking an invoice payload names, or None for anything we never sent."""
    found = _PAYLOAD.fullmatch(payload or "")
    return int(found.group(1)) if found else None


@dataclass(frozen=True, slots=True)
class Invoice:
    """What the invoice of a hold asks for."""

    booking: Booking
    payload: str
    currency: str
    amount_minor: int
    full_price: bool  # the full price, not a deposit


def invoice_for(booking: Booking, *, enabled: bool) -> Invoice | None:
    """The invoice of `booking` while it is held (its offer loaded), or None."""
    if booking.status != BookingStatus.HELD:
        return None
    amount = payable(booking.offer, booking.seats, enabled=enabled)
    if amount is None:
        return None
    return Invoice(
        booking,
        payload_of(booking),
        booking.offer.currency,
        amount,
        booking.offer.prepayment == Prepayment.FULL,
    )


async def release_hold(
    session: AsyncSession, user: User, booking_id: int, *, now: datetime
) -> Booking:
    """The customer gives their held time up instead of paying (a booking no longer held:
    NotNow; someone else's: BookingNotFound)."""
    booking = await bookings.party_booking(session, user, booking_id)
    if booking.status != BookingStatus.HELD or booking.customer_id != user.id:
        raise bookings.NotNow()
    return await bookings.change(
        session, user, booking.id, bookings.Transition.CANCEL_BY_CUSTOMER, now=now
    )


class CheckoutRefusal(StrEnum):
    """Why a pre-checkout is refused (each a translated reply to the payer)."""

    UNKNOWN = "payments.refused.unknown"  # not our invoice, or not the payer's
    EXPIRED = "payments.refused.expired"  # the hold ran out: the time may be gone
    CHANGED = "payments.refused.changed"  # the amount or currency no longer matches


async def check_checkout(
    session: AsyncSession,
    user_id: int,
    payload: str,
    currency: str,
    total_amount: int,
    *,
    enabled: bool,
    now: datetime,
) -> CheckoutRefusal | None:
    """Whether the payment of the invoice `payload` may go ahead (None) or why not. On
    success the hold is kept at least CHECKOUT_GRACE longer."""
    booking_id = booking_id_of(payload)
    booking = await _held_booking(session, booking_id) if booking_id else None
    if booking is None or booking.customer_id != user_id:
        return CheckoutRefusal.UNKNOWN
    if booking.status != BookingStatus.HELD or booking.pay_by is None or booking.pay_by <= now:
        return CheckoutRefusal.EXPIRED
    invoice = invoice_for(booking, enabled=enabled)
    if invoice is None or (invoice.currency, invoice.amount_minor) != (currency, total_amount):
        return CheckoutRefusal.CHANGED
    assert booking.pay_by is not None
    kept = await session.execute(
        update(Booking)
        .where(Booking.id == booking.id, Booking.status == BookingStatus.HELD)
        .values(pay_by=max(booking.pay_by, now + CHECKOUT_GRACE))
        .execution_options(synchronize_session=False)
    )
    if kept.rowcount != 1:  # type: ignore[attr-defined]
        return CheckoutRefusal.EXPIRED  # expired or cancelled a moment ago
    return None


async def _held_booking(session: AsyncSession, booking_id: int) -> Booking | None:
    """The booking with its offer and provider, read afresh (a sweep may have changed it)."""
    booking: Booking | None = await session.scalar(
        select(Booking)
        .where(Booking.id == booking_id)
        .options(joinedload(Booking.offer).joinedload(Offer.provider), joinedload(Booking.provider))
        .execution_options(populate_existing=True)
    )
    return booking


# --- the payment ---------------------------------------------------------------------------


class Outcome(StrEnum):
    """What a reported payment did."""

    BOOKED = "booked"  # the hold became a booking (confirmed, or a request)
    REPEATED = "repeated"  # the same charge again: nothing changed
    LOST = "lost"  # the hold had ended: the charge is owed back
    IGNORED = "ignored"  # not an invoice of ours for this payer: nothing recorded


@dataclass(frozen=True, slots=True)
class Paid:
    """The outcome, with the booking it concerns (None when ignored)."""

    outcome: Outcome
    booking: Booking | None


async def record_payment(
    session: AsyncSession, user: User, charge: Charge, *, now: datetime
) -> Paid:
    """Record the charge once (by its Telegram charge id) and turn the hold into a
    booking; a charge for a hold that ended meanwhile is recorded as owed back."""
    booking_id = booking_id_of(charge.payload)
    booking = await _held_booking(session, booking_id) if booking_id else None
    if booking is None or booking.customer_id != user.id or not charge.telegram_charge_id:
        log.warning("a successful payment for no invoice of this user was ignored")
        return Paid(Outcome.IGNORED, None)
    recorded = await payment_ledger.record_charge(
        session,
        charge,
        customer_id=user.id,
        provider_id=booking.provider_id,
        booking_id=booking.id,
        now=now,
    )
    if recorded is None:
        return Paid(Outcome.REPEATED, booking)
    if booking.status != BookingStatus.HELD:
        await _owe_back(session, recorded, now)
        return Paid(Outcome.LOST, booking)
    try:
        booked = await bookings.settle_hold(session, user, booking, now=now)
    except bookings.NotNow:  # expired by the sweep between the two statements
        await _owe_back(session, recorded, now)
        return Paid(Outcome.LOST, booking)
    await waitlist.booked(session, booked)
    return Paid(Outcome.BOOKED, booked)


async def _owe_back(session: AsyncSession, payment_id: int, now: datetime) -> None:
    """A charge for a time no longer held: owed back in full."""
    await session.execute(
        update(Payment)
        .where(Payment.id == payment_id)
        .values(refund=Refund.DUE, refund_due_at=now)
        .execution_options(synchronize_session=False)
    )


@dataclass(frozen=True, slots=True)
class PaidInfo:
    """What was paid for a booking, and whether it is owed back."""

    currency: str
    amount_minor: int
    refund: str


async def paid_for(session: AsyncSession, booking_ids: list[int]) -> dict[int, PaidInfo]:
    """What was paid for each of the bookings (those with payments only)."""
    if not booking_ids:
        return {}
    rows = (
        await session.execute(
            select(Payment.booking_id, Payment.currency, Payment.amount_minor, Payment.refund)
            .where(Payment.booking_id.in_(booking_ids))
            .order_by(Payment.id)
        )
    ).all()
    found: dict[int, PaidInfo] = {}
    for booking_id, currency, amount, refund in rows:
        if booking_id is None:
            continue
        before = found.get(booking_id)
        total = amount + (before.amount_minor if before else 0)
        found[booking_id] = PaidInfo(currency, total, refund)
    return found


# --- refunds due ---------------------------------------------------------------------------


async def due_refunds(session: AsyncSession, admin_ids: list[int], *, now: datetime) -> int:
    """Queue a notice to each of the operator's admins for every refund due not yet told,
    and mark them told (so each is told once). Returns how many refunds were told; none
    while no admin can be written to (ADMIN_IDS empty, or none of them started the bot):
    they wait until one can."""
    # Only admins who have talked to the bot can be written to; until one has, refunds wait.
    admins = await users.reachable(session, admin_ids)
    if not admins:
        return 0
    due = list(
        await session.scalars(
            select(Payment)
            .where(Payment.refund == Refund.DUE, Payment.refund_told.is_(False))
            .order_by(Payment.id)
            .limit(bookings.SWEEP_LIMIT)
            .with_for_update(skip_locked=True)
        )
    )
    await outbox.queue_all(
        session,
        [
            outbox.Entry(
                key=f"refund:{payment.id}:{admin_id}",
                recipient_id=admin_id,
                kind=NotificationKind.REFUND_DUE,
                due_at=now,
                booking_id=payment.booking_id,
                payload={"payment": payment.id},
            )
            for payment in due
            for admin_id in admins
        ],
    )
    for payment in due:
        payment.refund_told = True
    await session.flush()
    return len(due)


async def mark_refunded(session: AsyncSession, payment_id: int) -> Payment | None:
    """An admin refunded the charge (in the payment provider's dashboard): it is done.
    None when no refund was due."""
    done = await session.execute(
        update(Payment)
        .where(Payment.id == payment_id, Payment.refund == Refund.DUE)
        .values(refund=Refund.DONE)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return await session.get(Payment, payment_id)

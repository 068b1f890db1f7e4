"""Delivering due notifications from the outbox: claim, decide, render, send, record.

No database transaction is open while a message goes out: the claim is committed first
(other instances skip it), each message is decided and rendered in a short
transaction, sent, then recorded in another. A crash between sending and recording
leaves the claim to lapse, and the message is sent again: at least once, never lost,
at most the in-flight batch duplicated.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from aiogram.types import InlineKeyboardMarkup
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.i18n import translator_for
from bot.sender import Outcome, Sender
from handlers.booking import card_for
from handlers.booking_views import agenda_screen
from handlers.moderation_views import report_card
from handlers.review_views import new_review_screen, review_request_screen
from models import Booking, Notification, Report, User
from services import bookings, moderation, offers, outbox, reviews
from services.bookings import NotNow
from services.users import mark_reachable

log = logging.getLogger(__name__)

BATCH = 200  # claimed per run; also the most a hard crash can duplicate
CONCURRENCY = 50  # messages in flight (the sender's limits pace them)
FOLLOW_UP_USEFUL_FOR = timedelta(hours=24)
AGENDA_USEFUL_FOR = timedelta(hours=6)  # a morning agenda is no use in the evening


@dataclass(frozen=True, slots=True)
class Message:
    """What to send, rendered in the recipient's language and zone."""

    chat_id: int
    text: str
    markup: InlineKeyboardMarkup | None


async def deliver_due(
    sessions: async_sessionmaker[AsyncSession],
    sender: Sender,
    *,
    now: datetime,
    batch: int = BATCH,
    lease: timedelta = outbox.LEASE,
) -> Counter[str]:
    """Send what is due at `now`; returns how many ended how (sent, expired, …).

    Three steps per batch: claim and decide in one transaction, send (no transaction
    open), record every outcome in one transaction.
    """
    async with sessions() as session:
        # Bookings nobody marked complete themselves first: their review requests are
        # queued in the same transaction and go out in this very run.
        await bookings.complete_finished(session, now=now)
        await session.commit()
    async with sessions() as session:
        claimed = await outbox.claim_due(session, now=now, limit=batch, lease=lease)
        decisions = [(n.id, n.recipient_id, await decide(session, n, now)) for n in claimed]
        await session.commit()
    gate = asyncio.Semaphore(CONCURRENCY)

    async def settle(
        decision: Message | tuple[str, str | None],
    ) -> tuple[str, str | None]:
        if not isinstance(decision, Message):
            return decision
        async with gate:
            outcome = await sender.send(
                decision.chat_id, decision.text, reply_markup=decision.markup
            )
        return ("sent", None) if outcome is Outcome.SENT else ("failed", outcome.value)

    settled = await asyncio.gather(*(settle(decision) for _id, _to, decision in decisions))
    async with sessions() as session:
        for (_id, recipient_id, _decision), (_status, error) in zip(
            decisions, settled, strict=True
        ):
            if error == Outcome.BLOCKED.value:
                await mark_reachable(session, recipient_id, reachable=False)
        await outbox.finish_many(
            session,
            [
                (n_id, status, error)
                for (n_id, _to, _d), (status, error) in zip(decisions, settled, strict=True)
            ],
            now=now,
        )
        await session.commit()
    return Counter(status for status, _error in settled)


async def decide(
    session: AsyncSession, notification: Notification, now: datetime
) -> Message | tuple[str, str | None]:
    """The message to send now, or how the notification ends without one."""
    recipient = await session.get(User, notification.recipient_id)
    if recipient is None or recipient.blocked_bot:
        return ("failed", "blocked")
    if notification.kind == "agenda":
        return await _agenda(session, notification, recipient, now)
    if notification.kind == "report":  # to an admin
        filed = await session.get(Report, int((notification.payload or {}).get("report", 0)))
        if filed is None or filed.status != "open":
            return ("cancelled", "handled")
        found = await moderation.details(session, filed)
        text, markup = report_card(found, translator_for(recipient))
        return Message(recipient.id, text, markup)
    if notification.kind == "message":  # a ready text (an announcement, a notice)
        return Message(recipient.id, str((notification.payload or {}).get("text", "")), None)
    booking = await _booking(session, notification)
    if booking is None:
        return ("cancelled", "no booking")
    if notification.kind == "request_expiry":
        try:
            booking = await bookings.change(session, None, booking.id, "expire", now=now)
        except NotNow:
            if booking.status != "expired":  # expired by an earlier, crashed try: still tell
                return ("cancelled", "answered")
        return await _render(session, booking, recipient, "notify.request_expired", now)
    if notification.kind == "review_request":
        if booking.status != "completed" or await reviews.review_of(session, booking.id):
            return ("cancelled", "reviewed" if booking.status == "completed" else booking.status)
        _ = translator_for(recipient)
        text, markup = review_request_screen(booking, _)
        return Message(recipient.id, text, markup)
    if notification.kind == "new_review":
        review = await reviews.review_of(session, booking.id)
        if review is None or review.hidden:
            return ("cancelled", "no review")
        text, markup = new_review_screen(review, booking.offer.title, translator_for(recipient))
        return Message(recipient.id, text, markup)
    if notification.kind == "notice":  # a booking changed by someone else (moderation, erasure)
        key = str((notification.payload or {}).get("key", "notify.booking_cancelled"))
        return await _render(session, booking, recipient, key, now)
    if notification.kind == "reminder":
        if now >= booking.starts_at:
            log.info("reminder %s: the appointment has started; dropped", notification.key)
            return ("expired", "started")
        if booking.status != "confirmed":
            return ("cancelled", booking.status)
        hours = int((notification.payload or {}).get("hours", 0))
        return await _render(session, booking, recipient, "notify.reminder", now, hours=hours)
    if notification.kind == "follow_up":
        if now > notification.due_at + FOLLOW_UP_USEFUL_FOR:
            log.info(
                "follow-up %s is %s late: dropped", notification.key, now - notification.due_at
            )
            return ("expired", "too late")
        if booking.status not in ("confirmed", "completed"):
            return ("cancelled", booking.status)
        role = bookings.role_of(booking, recipient)
        return await _render(session, booking, recipient, f"notify.follow_up.{role}", now)
    return ("failed", f"unknown kind {notification.kind}")


async def _agenda(
    session: AsyncSession, notification: Notification, provider_user: User, now: datetime
) -> Message | tuple[str, str | None]:
    """The provider's bookings of the day, sent in the morning; nothing on an empty day."""
    if now > notification.due_at + AGENDA_USEFUL_FOR:
        log.info("agenda %s is %s late: dropped", notification.key, now - notification.due_at)
        return ("expired", "too late")
    provider = await offers.provider_of(session, provider_user)
    if provider is None:
        return ("cancelled", "no provider")
    zone = ZoneInfo(provider.timezone)
    day = date.fromisoformat(str((notification.payload or {}).get("day")))
    start = datetime.combine(day, time(0), tzinfo=zone)
    items = await bookings.provider_agenda(
        session, provider_user, start=start, end=start + timedelta(days=1)
    )
    if not items:
        return ("cancelled", "no bookings left that day")
    _ = translator_for(provider_user)
    text, markup = agenda_screen(items, [day], zone, _, title_key="notify.agenda", paged=False)
    return Message(provider_user.id, text, markup)


async def _booking(session: AsyncSession, notification: Notification) -> Booking | None:
    if notification.booking_id is None:
        return None
    recipient = await session.get(User, notification.recipient_id)
    if recipient is None:
        return None
    try:
        return await bookings.party_booking(session, recipient, notification.booking_id)
    except bookings.BookingNotFound:
        return None


async def _render(
    session: AsyncSession,
    booking: Booking,
    recipient: User,
    key: str,
    now: datetime,
    **params: object,
) -> Message:
    _ = translator_for(recipient)
    zone = ZoneInfo(recipient.timezone or booking.provider.timezone)
    card, markup = await card_for(session, booking, recipient, zone, _, now)
    return Message(recipient.id, _(key, **params) + "\n\n" + card, markup)

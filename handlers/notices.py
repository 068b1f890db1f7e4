"""Notifications as the chat handlers' peers: one entry per kind, each deciding whether the
notification is still relevant and rendering it in the recipient's language and zone.

`bot/notifier.py` claims, sends and records; it is handed `decide` by `bot/scheduler.py`,
as `bot/dispatcher.py` hands the dispatcher its routers. A new kind is one function here
and one line in NOTICES.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import translator_for
from bot.notifier import Decision, Notice
from handlers.booking import card_for
from handlers.booking_views import agenda_screen
from handlers.community_views import (
    community_report_screen,
    decided_text,
    submission_screen,
)
from handlers.moderation_views import reason_text, report_card
from handlers.payments_views import refund_notice
from handlers.review_views import new_review_screen, review_request_screen
from handlers.waitlist_views import place_offered_screen
from models import (
    Booking,
    BookingStatus,
    Community,
    CommunityListing,
    CommunityStatus,
    ListingStatus,
    Notification,
    NotificationKind,
    Offer,
    Payment,
    Refund,
    Report,
    User,
)
from services import bookings, communities, moderation, offers, payments, reviews

log = logging.getLogger(__name__)

FOLLOW_UP_USEFUL_FOR = timedelta(hours=24)
AGENDA_USEFUL_FOR = timedelta(hours=6)  # a morning agenda is no use in the evening

# One kind's decision: the recipient (who can be written to) and the moment of sending.
Entry = Callable[[AsyncSession, Notification, User, datetime], Awaitable[Decision]]


async def decide(session: AsyncSession, notification: Notification, now: datetime) -> Decision:
    """The message to send now, or how the notification ends without one."""
    recipient = await session.get(User, notification.recipient_id)
    if recipient is None or recipient.blocked_bot:
        return ("failed", "blocked")
    entry = NOTICES.get(notification.kind)
    if entry is None:
        return ("failed", f"unknown kind {notification.kind}")
    return await entry(session, notification, recipient, now)


async def _report(
    session: AsyncSession, notification: Notification, admin: User, now: datetime
) -> Decision:
    """A report for an admin, while it is still open."""
    filed = await session.get(Report, int((notification.payload or {}).get("report", 0)))
    if filed is None or filed.status != "open":
        return ("cancelled", "handled")
    text, markup = report_card(await moderation.details(session, filed), translator_for(admin))
    return Notice(admin.id, text, markup)


async def _submission(
    session: AsyncSession, notification: Notification, admin: User, now: datetime
) -> Decision:
    """An offer submitted to a community, for one of its admins, while it still waits."""
    payload = notification.payload or {}
    listing = await session.get(CommunityListing, int(payload.get("listing", 0)))
    if listing is None or listing.status != ListingStatus.SUBMITTED:
        return ("cancelled", "decided")
    found = await communities.submission(session, listing.id, listing.community_id)
    text, markup = submission_screen(found, translator_for(admin))
    return Notice(admin.id, text, markup)


async def _submission_decided(
    session: AsyncSession, notification: Notification, provider_user: User, now: datetime
) -> Decision:
    """The community's decision, for the provider, in their language."""
    payload = notification.payload or {}
    listing = await session.get(CommunityListing, int(payload.get("listing", 0)))
    if listing is None:
        return ("cancelled", "gone")
    found = await communities.submission(session, listing.id, listing.community_id)
    return Notice(provider_user.id, decided_text(found, translator_for(provider_user)), None)


async def _community_report(
    session: AsyncSession, notification: Notification, admin: User, now: datetime
) -> Decision:
    """A listed offer reported, for the community's admin, while both still stand."""
    payload = notification.payload or {}
    filed = await session.get(Report, int(payload.get("report", 0)))
    listing = await session.get(CommunityListing, int(payload.get("listing", 0)))
    if filed is None or listing is None or listing.status != ListingStatus.APPROVED:
        return ("cancelled", "handled")
    found = await communities.submission(session, listing.id, listing.community_id)
    _ = translator_for(admin)
    text, markup = community_report_screen(found, reason_text(filed.reason, _), _)
    return Notice(admin.id, text, markup)


async def _community_paused(
    session: AsyncSession, notification: Notification, admin: User, now: datetime
) -> Decision:
    """The bot can no longer post to a community's chat: its admin is told."""
    community = await session.get(Community, int((notification.payload or {}).get("community", 0)))
    if community is None or community.status != CommunityStatus.PAUSED:
        return ("cancelled", "active again")
    return Notice(admin.id, translator_for(admin)("community.paused", name=community.name), None)


async def _message(
    session: AsyncSession, notification: Notification, recipient: User, now: datetime
) -> Decision:
    """A ready text (an announcement, a notice)."""
    return Notice(recipient.id, str((notification.payload or {}).get("text", "")), None)


async def _agenda(
    session: AsyncSession, notification: Notification, provider_user: User, now: datetime
) -> Decision:
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
    paid = await payments.paid_for(session, [booking.id for booking in items])
    text, markup = agenda_screen(
        items, [day], zone, _, title_key="notify.agenda", paged=False, paid=paid
    )
    return Notice(provider_user.id, text, markup)


async def _request_expiry(
    session: AsyncSession, booking: Booking, notification: Notification, to: User, now: datetime
) -> Decision:
    """An unanswered request expires now, and the customer is told."""
    expired = await bookings.expire_request(session, booking.id, now=now)
    if expired is None:  # answered meanwhile (expired by an earlier, crashed try: still tell)
        return ("cancelled", "answered")
    return await _with_card(session, expired, to, "notify.request_expired", now)


async def _waitlist_offer(
    session: AsyncSession, booking: Booking, notification: Notification, to: User, now: datetime
) -> Decision:
    """A freed place held for the first in line, while it is still held for them."""
    if booking.status != BookingStatus.HELD or (booking.pay_by and booking.pay_by <= now):
        return ("cancelled", "no longer held")
    _ = translator_for(to)
    zone = ZoneInfo(to.timezone or booking.provider.timezone)
    text, markup = place_offered_screen(booking, zone, _)
    return Notice(to.id, text, markup)


async def _review_request(
    session: AsyncSession, booking: Booking, notification: Notification, to: User, now: datetime
) -> Decision:
    """How was it? Only for a completed booking not reviewed yet."""
    if booking.status != BookingStatus.COMPLETED or await reviews.review_of(session, booking.id):
        return (
            "cancelled",
            "reviewed" if booking.status == BookingStatus.COMPLETED else booking.status,
        )
    text, markup = review_request_screen(booking, translator_for(to))
    return Notice(to.id, text, markup)


async def _new_review(
    session: AsyncSession, booking: Booking, notification: Notification, to: User, now: datetime
) -> Decision:
    """The provider hears of a new review, unless moderators hid it meanwhile."""
    review = await reviews.review_of(session, booking.id)
    if review is None or review.hidden:
        return ("cancelled", "no review")
    text, markup = new_review_screen(review, booking.offer.title, translator_for(to))
    return Notice(to.id, text, markup)


async def _booking_notice(
    session: AsyncSession, booking: Booking, notification: Notification, to: User, now: datetime
) -> Decision:
    """A booking changed by someone else (moderation, an erasure)."""
    key = str((notification.payload or {}).get("key", "notify.booking_cancelled"))
    return await _with_card(session, booking, to, key, now)


async def _reminder(
    session: AsyncSession, booking: Booking, notification: Notification, to: User, now: datetime
) -> Decision:
    """Before a confirmed booking; never once it has started."""
    if now >= booking.starts_at:
        log.info("reminder %s: the appointment has started; dropped", notification.key)
        return ("expired", "started")
    if booking.status != BookingStatus.CONFIRMED:
        return ("cancelled", booking.status)
    hours = int((notification.payload or {}).get("hours", 0))
    return await _with_card(session, booking, to, "notify.reminder", now, hours=hours)


async def _follow_up(
    session: AsyncSession, booking: Booking, notification: Notification, to: User, now: datetime
) -> Decision:
    """After the end: did it take place? Useless a day later."""
    if now > notification.due_at + FOLLOW_UP_USEFUL_FOR:
        log.info("follow-up %s is %s late: dropped", notification.key, now - notification.due_at)
        return ("expired", "too late")
    if booking.status not in (BookingStatus.CONFIRMED, BookingStatus.COMPLETED):
        return ("cancelled", booking.status)
    role = bookings.role_of(booking, to)
    return await _with_card(session, booking, to, f"notify.follow_up.{role}", now)


BookingEntry = Callable[[AsyncSession, Booking, Notification, User, datetime], Awaitable[Decision]]


def _about_a_booking(entry: BookingEntry) -> Entry:
    """An entry for a kind about a booking the recipient is a party to (else cancelled)."""

    async def decide_for_booking(
        session: AsyncSession, notification: Notification, recipient: User, now: datetime
    ) -> Decision:
        booking = await _booking(session, notification, recipient)
        if booking is None:
            return ("cancelled", "no booking")
        return await entry(session, booking, notification, recipient, now)

    return decide_for_booking


async def _booking(
    session: AsyncSession, notification: Notification, recipient: User
) -> Booking | None:
    if notification.booking_id is None:
        return None
    return await bookings.find_party_booking(session, recipient, notification.booking_id)


async def _with_card(
    session: AsyncSession,
    booking: Booking,
    recipient: User,
    key: str,
    now: datetime,
    **params: object,
) -> Notice:
    """The notice's line above the booking's card, as the recipient sees it."""
    _ = translator_for(recipient)
    zone = ZoneInfo(recipient.timezone or booking.provider.timezone)
    card, markup = await card_for(session, booking, recipient, zone, _, now)
    return Notice(recipient.id, _(key, **params) + "\n\n" + card, markup)


async def _refund_due(
    session: AsyncSession, notification: Notification, admin: User, now: datetime
) -> Decision:
    """A prepayment owed back, for one of the operator's admins, while it is still due."""
    payment = await session.get(Payment, int((notification.payload or {}).get("payment", 0)))
    if payment is None or payment.refund != Refund.DUE:
        return ("cancelled", "handled")
    booking = await session.get(Booking, payment.booking_id) if payment.booking_id else None
    offer = await session.get(Offer, booking.offer_id) if booking is not None else None
    customer = await session.get(User, payment.customer_id)
    text, markup = refund_notice(payment, customer, offer, translator_for(admin))
    return Notice(admin.id, text, markup)


NOTICES: dict[str, Entry] = {
    NotificationKind.AGENDA: _agenda,
    NotificationKind.REFUND_DUE: _refund_due,
    NotificationKind.WAITLIST_OFFER: _about_a_booking(_waitlist_offer),
    NotificationKind.REPORT: _report,
    NotificationKind.MESSAGE: _message,
    NotificationKind.SUBMISSION: _submission,
    NotificationKind.SUBMISSION_DECIDED: _submission_decided,
    NotificationKind.COMMUNITY_REPORT: _community_report,
    NotificationKind.COMMUNITY_PAUSED: _community_paused,
    NotificationKind.REQUEST_EXPIRY: _about_a_booking(_request_expiry),
    NotificationKind.REVIEW_REQUEST: _about_a_booking(_review_request),
    NotificationKind.NEW_REVIEW: _about_a_booking(_new_review),
    NotificationKind.NOTICE: _about_a_booking(_booking_notice),
    NotificationKind.REMINDER: _about_a_booking(_reminder),
    NotificationKind.FOLLOW_UP: _about_a_booking(_follow_up),
}
"""Every notification kind and how it is decided: a test checks that none is missing."""

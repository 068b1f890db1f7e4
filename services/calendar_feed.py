"""A private calendar subscription per user: an iCal feed of their confirmed bookings, as
customer and as provider, which Google, Apple and Outlook calendars fetch every few hours.

The link's secret is 32 random bytes (43 URL-safe characters); a new one makes the old
link stop working, and turning the feed off deletes it. The feed holds confirmed
bookings from PAST_DAYS ago on, and the ones already completed in that window (a
calendar replaces the whole feed on each fetch: a cancelled booking disappears).
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta

from icalendar import Calendar
from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from models import Booking, BookingStatus, CalendarFeed, Provider, User
from services.calendar_file import booking_event

SECRET_RE = re.compile(r"[A-Za-z0-9_-]{43}")
PAST_DAYS = 90
MAX_EVENTS = 1000  # beyond this, the oldest past bookings are left out of a fetch
FEED_STATUSES = (BookingStatus.CONFIRMED, BookingStatus.COMPLETED)


async def feed_secret(session: AsyncSession, user: User, *, now: datetime) -> str:
    """The user's feed secret, made on first use."""
    feed = await session.get(CalendarFeed, user.id)
    if feed is None:
        feed = CalendarFeed(user_id=user.id, secret=secrets.token_urlsafe(32), created_at=now)
        session.add(feed)
        await session.flush()
    return feed.secret


async def rotate(session: AsyncSession, user: User, *, now: datetime) -> str:
    """A new secret: the old link stops working at once."""
    feed = await session.get(CalendarFeed, user.id)
    if feed is None:
        return await feed_secret(session, user, now=now)
    feed.secret = secrets.token_urlsafe(32)
    feed.created_at = now
    await session.flush()
    return feed.secret


async def turn_off(session: AsyncSession, user: User) -> None:
    """Forget the user's feed: its link stops working."""
    await session.execute(delete(CalendarFeed).where(CalendarFeed.user_id == user.id))


async def feed_owner(session: AsyncSession, secret: str) -> int | None:
    """The id of the user whose feed `secret` opens, or None (a malformed secret is not
    looked up)."""
    if not SECRET_RE.fullmatch(secret):
        return None
    return await session.scalar(select(CalendarFeed.user_id).where(CalendarFeed.secret == secret))


async def feed_ics(session: AsyncSession, secret: str, *, now: datetime) -> bytes | None:
    """The feed behind `secret` as an iCalendar file, or None when no feed has it."""
    user_id = await feed_owner(session, secret)
    if user_id is None:
        return None
    provider_id = await session.scalar(select(Provider.id).where(Provider.user_id == user_id))
    mine = Booking.customer_id == user_id
    if provider_id is not None:
        mine = or_(mine, Booking.provider_id == provider_id)
    rows = (
        await session.execute(
            select(Booking, User.first_name, User.last_name)
            .join(User, User.id == Booking.customer_id)
            .options(joinedload(Booking.offer), joinedload(Booking.provider))
            .where(
                mine,
                Booking.status.in_(FEED_STATUSES),
                Booking.starts_at >= now - timedelta(days=PAST_DAYS),
            )
            .order_by(Booking.starts_at.desc())  # the latest kept: what is to come matters
            .limit(MAX_EVENTS)
        )
    ).all()[::-1]
    calendar = Calendar()
    calendar.add("prodid", "-//gigbot//bookings//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "gigbot")
    calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    for booking, first_name, last_name in rows:
        if booking.customer_id == user_id:
            summary = booking.offer.title
            with_whom = booking.provider.display_name
        else:  # the provider's own booking: who comes
            customer = " ".join(part for part in (first_name, last_name) if part)
            summary = f"{booking.offer.title} · {customer}"
            with_whom = customer
        event = booking_event(booking, summary=summary, with_whom=with_whom, now=now)
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return bytes(calendar.to_ical())

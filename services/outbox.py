"""The notifications outbox: queued in the same transaction as the booking change that
causes them, unique by key (nothing is queued twice), claimed in batches with a lease
(a crashed sender's claims are taken again: at least once, never lost).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime, time, timedelta
from functools import cache
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import Insert, and_, bindparam, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from models import Booking, BookingStatus, Notification, NotificationKind, Provider, User, utcnow
from services.input_values import whole_number

REMINDER_CHOICES = (1, 3, 24)  # hours before; each user picks any of them (or none)
DEFAULT_REMINDERS = "24,1"
FOLLOW_UP_AFTER = timedelta(minutes=15)
AGENDA_AT = time(8, 0)  # the provider's local time of the morning agenda
LEASE = timedelta(minutes=2)  # a claim not marked done by then is claimed again


def reminder_hours(user: User) -> list[int]:
    """The hours before an appointment at which `user` wants a reminder."""
    hours = []
    for part in (user.reminder_hours or "").split(","):
        if whole_number(part, 1, 10**4) in REMINDER_CHOICES:
            hours.append(int(part))
    return sorted(set(hours), reverse=True)


async def set_reminder_hours(session: AsyncSession, user: User, hours: list[int]) -> User:
    """Store the user's reminder choice (unknown values are dropped)."""
    chosen = sorted(set(hours) & set(REMINDER_CHOICES), reverse=True)
    user.reminder_hours = ",".join(str(h) for h in chosen)
    await session.flush()
    return user


class Entry(NamedTuple):
    """A notification to queue: what the outbox stores, not yet rendered."""

    key: str  # unique: a notification with a key already queued is not queued again
    recipient_id: int
    kind: NotificationKind
    due_at: datetime
    booking_id: int | None = None
    payload: dict[str, Any] | None = None


async def queue(session: AsyncSession, entry: Entry) -> None:
    """Queue one notification unless one with its key exists."""
    await queue_all(session, [entry])


async def queue_all(session: AsyncSession, entries: list[Entry]) -> None:
    """Queue these notifications in one statement, each unless its key exists."""
    if entries:
        dialect = session.get_bind().dialect.name
        now = utcnow()
        rows = [entry._asdict() | {"now": now} for entry in entries]
        await session.execute(_queue_statement(dialect), rows)


@cache
def _queue_statement(dialect: str) -> Insert:
    """INSERT … ON CONFLICT (key) DO NOTHING for `dialect`, built once: building a
    statement costs more than running it."""
    table = Notification.__table__
    insert = sqlite_insert if dialect == "sqlite" else pg_insert
    columns = ("key", "recipient_id", "kind", "booking_id", "due_at", "payload")
    values = {name: bindparam(name, type_=table.c[name].type) for name in columns}
    return (
        insert(table)  # type: ignore[arg-type]
        .values(
            values
            | {
                "status": "pending",
                "attempts": 0,
                "created_at": bindparam("now", type_=table.c.created_at.type),
            }
        )
        .on_conflict_do_nothing(index_elements=["key"])
    )


async def queue_for_booking(session: AsyncSession, booking: Booking, *, now: datetime) -> None:
    """What the booking's status calls for: an expiry check for a request; reminders and
    follow-ups for both sides of a confirmed booking. Past due times are skipped."""
    if booking.status == BookingStatus.REQUESTED and booking.answer_by is not None:
        await queue(
            session,
            Entry(
                key=f"b{booking.id}:expiry",
                recipient_id=booking.customer_id,
                kind=NotificationKind.REQUEST_EXPIRY,
                due_at=booking.answer_by,
                booking_id=booking.id,
            ),
        )
        return
    if booking.status == BookingStatus.COMPLETED:
        # The customer is asked for a review once the booking is completed, by the
        # provider's mark or by the sweep some hours after its end.
        await queue(
            session,
            Entry(
                key=f"b{booking.id}:review",
                recipient_id=booking.customer_id,
                kind=NotificationKind.REVIEW_REQUEST,
                due_at=now,
                booking_id=booking.id,
            ),
        )
        return
    if booking.status != BookingStatus.CONFIRMED:
        return
    provider = await session.get(Provider, booking.provider_id)
    provider_user_id = provider.user_id if provider else None
    entries: list[Entry] = []  # queued together, in one statement
    if provider is not None:
        # The provider's agenda on the morning of that day, once per day with bookings.
        zone = ZoneInfo(provider.timezone)
        day = booking.starts_at.astimezone(zone).date()
        morning = datetime.combine(day, AGENDA_AT, tzinfo=zone).astimezone(UTC)
        if morning > now:
            entries.append(
                Entry(
                    f"agenda:u{provider.user_id}:{day.isoformat()}",
                    provider.user_id,
                    NotificationKind.AGENDA,
                    morning,
                    payload={"day": day.isoformat()},
                )
            )
    for recipient_id in (booking.customer_id, provider_user_id):
        recipient = await session.get(User, recipient_id) if recipient_id else None
        if recipient is None:
            continue
        recipient_id = recipient.id
        for hours in reminder_hours(recipient):
            due = booking.starts_at - timedelta(hours=hours)
            if due > now:
                entries.append(
                    Entry(
                        f"b{booking.id}:reminder{hours}:u{recipient_id}",
                        recipient_id,
                        NotificationKind.REMINDER,
                        due,
                        booking.id,
                        {"hours": hours},
                    )
                )
        if recipient_id == provider_user_id:
            # The provider is asked to mark whether the booking took place.
            entries.append(
                Entry(
                    f"b{booking.id}:followup:u{recipient_id}",
                    recipient_id,
                    NotificationKind.FOLLOW_UP,
                    booking.ends_at + FOLLOW_UP_AFTER,
                    booking.id,
                )
            )
    await queue_all(session, entries)


async def cancel_for_booking(session: AsyncSession, booking_id: int) -> None:
    """Pending notifications of a booking that changed are not sent."""
    await session.execute(
        update(Notification)
        .where(Notification.booking_id == booking_id, Notification.status == "pending")
        .values(status="cancelled")
        .execution_options(synchronize_session=False)
    )


async def claim_due(
    session: AsyncSession,
    *,
    now: datetime,
    limit: int,
    lease: timedelta = LEASE,
    held: Collection[int] = (),
) -> list[Notification]:
    """Take up to `limit` due notifications (and ones whose claim lapsed), oldest first;
    never one of `held` (the caller's own claims still on their way).

    One statement: an UPDATE of the rows a limited, ordered sub-select picks, returning
    them. On PostgreSQL the sub-select locks them `FOR UPDATE SKIP LOCKED`, so several
    instances claim side by side; the caller commits the claim before sending.
    """
    due = (
        select(Notification.id)
        .where(
            or_(
                and_(Notification.status == "pending", Notification.due_at <= now),
                and_(Notification.status == "sending", Notification.lease_until < now),
            )
        )
        .order_by(Notification.due_at, Notification.id)
        .limit(limit)
    )
    if held:
        due = due.where(Notification.id.not_in(held))
    if session.get_bind().dialect.name != "sqlite":
        due = due.with_for_update(skip_locked=True)
    claim = (
        update(Notification)
        .where(Notification.id.in_(due.scalar_subquery()))
        .values(status="sending", lease_until=now + lease, attempts=Notification.attempts + 1)
        .returning(Notification)
        .execution_options(synchronize_session=False)
    )
    claimed = list(await session.scalars(claim))
    return sorted(claimed, key=lambda n: (n.due_at, n.id))


async def finish_many(
    session: AsyncSession, outcomes: list[tuple[int, str, str | None]], *, now: datetime
) -> None:
    """Record the outcomes of a batch: one UPDATE per (status, error) group."""
    groups: dict[tuple[str, str | None], list[int]] = {}
    for notification_id, status, error in outcomes:
        groups.setdefault((status, error), []).append(notification_id)
    for (status, error), ids in groups.items():
        await session.execute(
            update(Notification)
            .where(Notification.id.in_(ids))
            .values(
                status=status,
                sent_at=now if status == "sent" else None,
                lease_until=None,
                last_error=error[:200] if error else None,
            )
            .execution_options(synchronize_session=False)
        )

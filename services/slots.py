"""Free slots of stored offers: their rules, minus what is already taken."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from sqlalchemy import Select, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import BookingSession, Offer, UTCDateTime
from services.availability import Busy, Slot, free_slots
from services.offers import RULES_JOINED, availability_rules


async def busy_times(
    session: AsyncSession, offers: Sequence[Offer], *, since: datetime | None = None
) -> dict[int, list[Busy]]:
    """What already takes each offer's time, by offer id: seats taken in its own
    sessions, and every other session of the same provider (with its buffer)."""
    if not offers:
        return {}
    provider_ids = sorted({offer.provider_id for offer in offers})
    earliest = since if since is not None else datetime(2000, 1, 1, tzinfo=UTC)
    sessions = (
        await session.execute(_busy_statement(), {"providers": provider_ids, "since": earliest})
    ).all()
    busy: dict[int, list[Busy]] = {}
    for offer in offers:
        busy[offer.id] = [
            Busy(taken.starts_at, taken.ends_at, taken.seats_taken)
            if taken.offer_id == offer.id
            else Busy(taken.starts_at, taken.blocked_until)
            for taken in sessions
            if taken.provider_id == offer.provider_id
        ]
    return busy


@cache
def _busy_statement() -> Select[int, int, datetime, datetime, datetime, int]:
    """Built once: building a statement costs more than running it. Plain rows, not
    ORM objects: cheaper to load, and nothing here changes them."""
    return select(
        BookingSession.offer_id,
        BookingSession.provider_id,
        BookingSession.starts_at,
        BookingSession.ends_at,
        BookingSession.blocked_until,
        BookingSession.seats_taken,
    ).where(
        BookingSession.provider_id.in_(bindparam("providers", expanding=True)),
        BookingSession.seats_taken > 0,
        BookingSession.blocked_until > bindparam("since", type_=UTCDateTime()),
    )


async def offers_with_rules(session: AsyncSession, offer_ids: Iterable[int]) -> list[Offer]:
    """Offers with what their availability and their card need (hours, exceptions and
    provider; not their photos, which no list shows: a follow-up statement saved)."""
    ids = list(offer_ids)
    if not ids:
        return []
    return list((await session.scalars(_offers_statement(), {"ids": ids})).unique())


@cache
def _offers_statement() -> Select[Offer]:
    """Built once: building a statement costs more than running it."""
    statement = select(Offer).where(Offer.id.in_(bindparam("ids", expanding=True)))
    return statement.options(*RULES_JOINED)


async def slots_by_offer(
    session: AsyncSession,
    offers: Sequence[Offer],
    first_day: date,
    last_day: date,
    *,
    now: datetime,
    per_day: int | None = None,
) -> dict[int, list[Slot]]:
    """Free slots of each offer between two dates of the provider's calendar (at most
    `per_day` on each day)."""
    busy = await busy_times(session, offers, since=now)
    return {
        offer.id: free_slots(
            availability_rules(offer),
            first_day,
            last_day,
            now=now,
            busy=busy[offer.id],
            per_day=per_day,
        )
        for offer in offers
    }


async def slots_on_date(
    session: AsyncSession, offers: Sequence[Offer], day: date, timezone: str, *, now: datetime
) -> dict[int, list[Slot]]:
    """Free slots starting on `day` as the customer's calendar in `timezone` reads it."""
    zone = ZoneInfo(timezone)
    # The customer's day spans at most the day before and after in any provider zone.
    found = await slots_by_offer(
        session, offers, day - timedelta(days=1), day + timedelta(days=1), now=now
    )
    return {
        offer_id: [slot for slot in slots if slot.start.astimezone(zone).date() == day]
        for offer_id, slots in found.items()
    }


async def next_free_slots(
    session: AsyncSession, offers: Sequence[Offer], *, now: datetime, days: int = 14, count: int = 1
) -> dict[int, list[Slot]]:
    """The first `count` free slots of each offer within `days` days."""
    busy = await busy_times(session, offers, since=now)
    result: dict[int, list[Slot]] = {}
    for offer in offers:
        today = now.astimezone(ZoneInfo(offer.provider.timezone)).date()
        rules = availability_rules(offer)
        last = today + timedelta(days=days)
        result[offer.id] = free_slots(rules, today, last, now=now, busy=busy[offer.id], limit=count)
    return result

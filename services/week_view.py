"""A provider's week as blocks of time per day in their own zone — open hours, bookings
(group sessions with their seats taken) and time off — for the week picture."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import ACTIVE_STATUSES, Booking, BookingSession, Offer, OfferStatus, Provider
from services.availability import MINUTES_PER_DAY, day_ranges
from services.offers import availability_rules
from services.slots import offers_with_rules

DAYS = 7
MAX_WEEKS_AHEAD = 12  # how far the picture pages forward


class BlockKind(StrEnum):
    """What a block of time is."""

    OPEN = "open"  # bookable hours (free where no booking covers them)
    BOOKED = "booked"
    OFF = "off"  # a date closed by the provider (a day off, or hours off)


@dataclass(frozen=True, slots=True)
class TimeBlock:
    """A block on one day of the week, in local minutes from that day's midnight."""

    day: int  # 0 = the week's first day
    start_min: int
    end_min: int
    kind: BlockKind
    title: str = ""
    seats: tuple[int, int] | None = None  # a group session: (taken, capacity)


@dataclass(frozen=True, slots=True)
class Week:
    """The days shown (from `first`), the provider's zone and the blocks."""

    first: date
    zone: str
    blocks: tuple[TimeBlock, ...]


async def provider_week(session: AsyncSession, provider: Provider, first: date) -> Week:
    """The DAYS days from `first` as the provider lives them: the open hours of their
    published offers, their active bookings (one block per session), and dates off."""
    zone = ZoneInfo(provider.timezone)
    ids = await session.scalars(
        select(Offer.id).where(
            Offer.provider_id == provider.id, Offer.status == OfferStatus.PUBLISHED
        )
    )
    offers = await offers_with_rules(session, ids)
    all_rules = [availability_rules(offer) for offer in offers]
    blocks: list[TimeBlock] = []
    for index in range(DAYS):
        day = first + timedelta(days=index)
        for rules in all_rules:
            for start, end in day_ranges(rules, day):
                blocks.append(TimeBlock(index, start, end, BlockKind.OPEN))
            for exception in rules.exceptions:
                if exception.day == day and exception.closed:
                    start = exception.start_min if exception.start_min is not None else 0
                    end = exception.end_min if exception.end_min is not None else MINUTES_PER_DAY
                    blocks.append(TimeBlock(index, start, end, BlockKind.OFF))
    blocks.extend(await _booked(session, provider, first, zone))
    return Week(first=first, zone=zone.key, blocks=tuple(_unique(blocks)))


async def _booked(
    session: AsyncSession, provider: Provider, first: date, zone: ZoneInfo
) -> list[TimeBlock]:
    """One block per session with an active booking, cut at midnight where it runs over."""
    start = datetime.combine(first, time(), zone)
    end = datetime.combine(first + timedelta(days=DAYS), time(), zone)
    rows = await session.execute(
        select(BookingSession, Offer.title)
        .join(Offer, Offer.id == BookingSession.offer_id)
        .where(
            BookingSession.provider_id == provider.id,
            BookingSession.starts_at < end,
            BookingSession.ends_at > start,
            select(Booking.id)
            .where(Booking.session_id == BookingSession.id, Booking.status.in_(ACTIVE_STATUSES))
            .exists(),
        )
        .order_by(BookingSession.starts_at)
    )
    last = first + timedelta(days=DAYS - 1)
    blocks = []
    for booked, title in rows:
        seats = (booked.seats_taken, booked.capacity) if booked.capacity > 1 else None
        local_start, local_end = booked.starts_at.astimezone(zone), booked.ends_at.astimezone(zone)
        day = max(local_start.date(), first)
        while day <= min(local_end.date(), last):
            # Wall-clock minutes (on a day the clocks change, elapsed time differs).
            from_min = _wall(local_start) if local_start.date() == day else 0
            to_min = _wall(local_end) if local_end.date() == day else MINUTES_PER_DAY
            if to_min > from_min:
                index = (day - first).days
                blocks.append(TimeBlock(index, from_min, to_min, BlockKind.BOOKED, title, seats))
            day += timedelta(days=1)
    return blocks


def _wall(moment: datetime) -> int:
    """Minutes from local midnight on the clock."""
    return moment.hour * 60 + moment.minute


def _unique(blocks: list[TimeBlock]) -> list[TimeBlock]:
    """The blocks without repeats (offers sharing hours open the same block once)."""
    return list(dict.fromkeys(blocks))

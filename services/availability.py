"""Free slots of an offer: weekly hours and date exceptions in the provider's time zone,
minus notice, horizon, buffers and whatever is already booked or held.

Rules are wall-clock: "Mondays 9-12" means 9-12 on the provider's clock, whatever the
season. Slots start on a grid from the start of each range, every duration + buffer,
in local time. Across daylight-saving changes:

- a local start time that does not exist (spring forward) yields no slot;
- a local start time that exists twice (fall back) yields one slot, at its first
  occurrence;
- every slot's end is its start plus the duration in real (UTC) time, and it must end
  within its range in real time too, so its real length always equals the duration.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

MINUTES_PER_DAY = 24 * 60


@dataclass(frozen=True, slots=True)
class WeeklyRange:
    """Open hours on one weekday (Monday = 0), in local minutes from midnight."""

    weekday: int
    start_min: int
    end_min: int


@dataclass(frozen=True, slots=True)
class DateException:
    """A date that differs from the week.

    closed with no range: the whole day off; closed with a range: those hours off;
    open (closed=False) with a range: extra hours that day.
    """

    day: date
    closed: bool
    start_min: int | None = None
    end_min: int | None = None


@dataclass(frozen=True, slots=True)
class Rules:
    """Everything that decides when an offer can be booked."""

    timezone: str
    duration_min: int
    weekly: tuple[WeeklyRange, ...]
    exceptions: tuple[DateException, ...] = ()
    buffer_min: int = 0
    min_notice_min: int = 0
    max_advance_days: int = 60
    capacity: int = 1


@dataclass(frozen=True, slots=True)
class Busy:
    """Time already taken: a booking, a held seat, or the provider's other offer.

    `seats` set: seats taken in a session of this offer with exactly these times (group
    sessions share a slot). `seats` None: the provider is busy; nothing overlapping fits.
    """

    start: datetime
    end: datetime
    seats: int | None = None


@dataclass(frozen=True, slots=True)
class Slot:
    """A bookable time: aware UTC start and end, and the seats still free."""

    start: datetime
    end: datetime
    seats_left: int


def day_ranges(rules: Rules, day: date) -> list[tuple[int, int]]:
    """The open ranges of `day` in local minutes, after exceptions, merged and sorted."""
    ranges = [(r.start_min, r.end_min) for r in rules.weekly if r.weekday == day.weekday()]
    for exception in rules.exceptions:
        if exception.day != day:
            continue
        if exception.start_min is None or exception.end_min is None:
            if exception.closed:
                ranges = []
            continue
        cut = (exception.start_min, exception.end_min)
        ranges = _subtract(ranges, cut) if exception.closed else [*ranges, cut]
    return _merge(ranges)


def _merge(ranges: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _subtract(ranges: Iterable[tuple[int, int]], cut: tuple[int, int]) -> list[tuple[int, int]]:
    left: list[tuple[int, int]] = []
    for start, end in ranges:
        if cut[1] <= start or cut[0] >= end:
            left.append((start, end))
            continue
        if start < cut[0]:
            left.append((start, cut[0]))
        if cut[1] < end:
            left.append((cut[1], end))
    return left


def local_instant(day: date, minute: int, zone: ZoneInfo, *, fold: int = 0) -> datetime | None:
    """The UTC instant of local wall time `minute` on `day`, or None if it does not exist."""
    wall = datetime.combine(day, time()) + timedelta(minutes=minute)
    aware = wall.replace(tzinfo=zone, fold=fold)
    instant = aware.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) != wall:
        return None  # skipped by a spring-forward change
    return instant


def _range_end(day: date, minute: int, zone: ZoneInfo) -> datetime:
    """The real end of a range: the later occurrence of an ambiguous time; for a time
    inside a gap, the moment the clock jumps forward past it."""
    end = local_instant(day, minute, zone, fold=1)
    if end is not None:
        return end
    # Inside a gap: the first existing wall time after it is the real end.
    probe = minute
    while end is None and probe < minute + 180:
        probe += 1
        end = local_instant(day, probe, zone, fold=1)
    assert end is not None, "a gap is never longer than three hours"
    return end


def free_slots(
    rules: Rules,
    first_day: date,
    last_day: date,
    *,
    now: datetime,
    busy: Sequence[Busy] = (),
    limit: int | None = None,
    per_day: int | None = None,
) -> list[Slot]:
    """Bookable slots between two local dates (inclusive), in time order: the first
    `limit` of them, and at most `per_day` on each day (a calendar asks for one: is the
    day free at all?).

    A slot must start at least `min_notice_min` after `now`, on a local date at most
    `max_advance_days` after today, keep `buffer_min` free before and after it from any
    busy time, and have a seat left (capacity minus seats taken in the same session).
    """
    zone = ZoneInfo(rules.timezone)
    today = now.astimezone(zone).date()
    last_day = min(last_day, today + timedelta(days=rules.max_advance_days))
    first_day = max(first_day, today)
    earliest = now + timedelta(minutes=rules.min_notice_min)
    duration = timedelta(minutes=rules.duration_min)
    buffer = timedelta(minutes=rules.buffer_min)
    step = rules.duration_min + rules.buffer_min
    slots: list[Slot] = []
    day = first_day
    while day <= last_day and (limit is None or len(slots) < limit):
        at = wall_clock(day, zone)
        on_day = 0
        for range_start, range_end in day_ranges(rules, day):
            real_end = _range_end(day, range_end, zone)
            minute = range_start
            while minute + rules.duration_min <= range_end:
                start = at(minute)
                minute += step
                if start is None or start < earliest:
                    continue
                end = start + duration
                if end > real_end or (slots and start < slots[-1].end):
                    continue
                seats = _seats_left(rules.capacity, start, end, buffer, busy)
                if seats > 0:
                    slots.append(Slot(start, end, seats))
                    on_day += 1
                    if on_day == per_day or len(slots) == limit:
                        break
            if on_day == per_day or len(slots) == limit:
                break
        day += timedelta(days=1)
    return slots


def wall_clock(day: date, zone: ZoneInfo) -> Callable[[int], datetime | None]:
    """`local_instant` for one day: on a day without a change of offset (nearly every
    day), a fixed offset, which is several times cheaper than asking the zone."""
    midnight = datetime.combine(day, time())
    offset = midnight.replace(tzinfo=zone).utcoffset()
    following = (midnight + timedelta(days=1)).replace(tzinfo=zone).utcoffset()
    if offset is None or offset != following:
        return lambda minute: local_instant(day, minute, zone)
    base = midnight.replace(tzinfo=UTC) - offset
    return lambda minute: base + timedelta(minutes=minute)


def _seats_left(
    capacity: int, start: datetime, end: datetime, buffer: timedelta, busy: Sequence[Busy]
) -> int:
    seats = capacity
    for taken in busy:
        if taken.start >= end + buffer or taken.end <= start - buffer:
            continue
        if taken.seats is not None and taken.start == start and taken.end == end:
            seats -= taken.seats
        else:
            return 0
    return seats

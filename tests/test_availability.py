"""Free slots: weekly hours, exceptions, notice, horizon, buffers, bookings, seats, and
daylight-saving changes in four time zones."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest

from services.availability import (
    Busy,
    DateException,
    Rules,
    Slot,
    WeeklyRange,
    day_ranges,
    free_slots,
    local_instant,
    wall_clock,
)


def before(day: date) -> datetime:
    """A moment two days before `day`: no notice or horizon gets in the way."""
    return datetime.combine(day - timedelta(days=2), time(), UTC)


def every_day(start_h: float, end_h: float) -> tuple[WeeklyRange, ...]:
    return tuple(WeeklyRange(d, int(start_h * 60), int(end_h * 60)) for d in range(7))


def local_starts(slots: list[Slot], zone: str) -> list[str]:
    tz = ZoneInfo(zone)
    return [s.start.astimezone(tz).strftime("%H:%M") for s in slots]


def assert_sound(slots: list[Slot], rules: Rules) -> None:
    """Invariants that hold on every day, DST or not."""
    tz = ZoneInfo(rules.timezone)
    for slot in slots:
        assert slot.start.tzinfo is not None
        assert slot.end - slot.start == timedelta(minutes=rules.duration_min)
        wall = slot.start.astimezone(tz)
        # The wall time exists: converting back gives the same instant.
        assert wall.replace(tzinfo=None).replace(tzinfo=tz, fold=wall.fold).astimezone(UTC) == (
            slot.start
        )
    for earlier, later in pairwise(slots):
        assert earlier.end <= later.start


def slots_on(rules: Rules, day: date) -> list[Slot]:
    slots = free_slots(rules, day, day, now=before(day))
    assert_sound(slots, rules)
    return slots


@pytest.mark.parametrize(
    ("zone", "day", "expected"),
    [
        # Spring forward: 02:00 → 03:00; no slot at 02:00.
        ("Europe/Berlin", date(2026, 3, 29), ["00:00", "01:00", "03:00", "04:00", "05:00"]),
        ("America/New_York", date(2026, 3, 8), ["00:00", "01:00", "03:00", "04:00", "05:00"]),
        # Fall back: 02:00 (Berlin: 03:00 → 02:00) exists twice; offered once.
        (
            "Europe/Berlin",
            date(2026, 10, 25),
            ["00:00", "01:00", "02:00", "03:00", "04:00", "05:00"],
        ),
        (
            "America/New_York",
            date(2026, 11, 1),
            ["00:00", "01:00", "02:00", "03:00", "04:00", "05:00"],
        ),
        # No DST in India: a plain day, half an hour off UTC.
        ("Asia/Kolkata", date(2026, 3, 29), ["00:00", "01:00", "02:00", "03:00", "04:00", "05:00"]),
    ],
)
def test_hourly_slots_around_transitions(zone: str, day: date, expected: list[str]) -> None:
    rules = Rules(timezone=zone, duration_min=60, weekly=every_day(0, 6))
    assert local_starts(slots_on(rules, day), zone) == expected


def test_lord_howe_springs_forward_half_an_hour() -> None:
    # 2026-10-04 02:00 becomes 02:30 (UTC+10:30 → +11).
    rules = Rules(timezone="Australia/Lord_Howe", duration_min=30, weekly=every_day(1, 4))
    slots = slots_on(rules, date(2026, 10, 4))
    assert local_starts(slots, rules.timezone) == ["01:00", "01:30", "02:30", "03:00", "03:30"]
    # The 01:30 slot ends at 02:30 on the wall: half an hour of real time.
    assert slots[1].end.astimezone(ZoneInfo(rules.timezone)).strftime("%H:%M") == "02:30"


def test_lord_howe_falls_back_half_an_hour() -> None:
    # 2026-04-05 02:00 becomes 01:30 again (+11 → +10:30); 01:30 exists twice.
    rules = Rules(timezone="Australia/Lord_Howe", duration_min=30, weekly=every_day(1, 3))
    slots = slots_on(rules, date(2026, 4, 5))
    assert local_starts(slots, rules.timezone) == ["01:00", "01:30", "02:00", "02:30"]


def test_kolkata_slots_are_half_an_hour_off_utc() -> None:
    rules = Rules(timezone="Asia/Kolkata", duration_min=60, weekly=every_day(9, 12))
    slots = slots_on(rules, date(2026, 6, 1))
    assert [s.start.strftime("%H:%M") for s in slots] == ["03:30", "04:30", "05:30"]


def test_a_90_minute_slot_across_spring_forward_keeps_its_real_length() -> None:
    rules = Rules(timezone="Europe/Berlin", duration_min=90, weekly=every_day(0.5, 4))
    slots = slots_on(rules, date(2026, 3, 29))
    # 00:30 → 03:00 on the wall, 90 real minutes; 02:00 does not exist.
    assert local_starts(slots, rules.timezone) == ["00:30"]
    assert slots[0].end.astimezone(ZoneInfo("Europe/Berlin")).strftime("%H:%M") == "03:00"


@pytest.mark.parametrize(
    "zone", ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata"]
)
def test_a_whole_year_is_sound_in_every_zone(zone: str) -> None:
    rules = Rules(
        timezone=zone, duration_min=45, buffer_min=15, weekly=every_day(0, 24), max_advance_days=400
    )
    slots = free_slots(rules, date(2026, 1, 1), date(2026, 12, 31), now=before(date(2026, 1, 1)))
    assert_sound(slots, rules)
    assert len(slots) > 360 * 23  # about 24 a day


def test_several_ranges_a_day_and_days_off() -> None:
    weekly = (WeeklyRange(0, 8 * 60, 12 * 60), WeeklyRange(0, 17 * 60, 20 * 60))
    rules = Rules(timezone="Europe/Berlin", duration_min=60, weekly=weekly)
    monday, tuesday = date(2026, 6, 1), date(2026, 6, 2)
    assert local_starts(slots_on(rules, monday), rules.timezone) == [
        "08:00",
        "09:00",
        "10:00",
        "11:00",
        "17:00",
        "18:00",
        "19:00",
    ]
    assert slots_on(rules, tuesday) == []


def test_exceptions_close_days_hours_and_add_hours() -> None:
    monday = date(2026, 6, 1)
    base = Rules(timezone="Europe/Berlin", duration_min=60, weekly=(WeeklyRange(0, 540, 720),))
    closed = replace(base, exceptions=(DateException(monday, closed=True),))
    assert slots_on(closed, monday) == []
    partly = replace(base, exceptions=(DateException(monday, True, 600, 660),))
    assert local_starts(slots_on(partly, monday), "Europe/Berlin") == ["09:00", "11:00"]
    extra = replace(base, exceptions=(DateException(monday, False, 900, 1020),))
    assert local_starts(slots_on(extra, monday), "Europe/Berlin") == [
        "09:00",
        "10:00",
        "11:00",
        "15:00",
        "16:00",
    ]
    sunday = date(2026, 6, 7)  # no weekly hours; an extra range opens it
    opened = replace(base, exceptions=(DateException(sunday, False, 600, 720),))
    assert day_ranges(opened, sunday) == [(600, 720)]


def test_notice_and_horizon() -> None:
    rules = Rules(
        timezone="UTC",
        duration_min=60,
        weekly=every_day(9, 17),
        min_notice_min=120,
        max_advance_days=2,
    )
    now = datetime(2026, 6, 1, 10, 30, tzinfo=UTC)
    slots = free_slots(rules, date(2026, 6, 1), date(2026, 6, 30), now=now)
    assert slots[0].start == datetime(2026, 6, 1, 13, tzinfo=UTC)  # 12:30 is the earliest
    assert slots[-1].start.date() == date(2026, 6, 3)
    assert free_slots(rules, date(2026, 5, 1), date(2026, 5, 31), now=now) == []


def test_buffer_spaces_slots_and_keeps_bookings_apart() -> None:
    rules = Rules(timezone="UTC", duration_min=60, buffer_min=30, weekly=every_day(9, 14))
    day = date(2026, 6, 1)
    assert local_starts(slots_on(rules, day), "UTC") == ["09:00", "10:30", "12:00"]
    # Time taken elsewhere from 11:45: the 10:30 slot would end 11:30, too close.
    busy = [Busy(datetime(2026, 6, 1, 11, 45, tzinfo=UTC), datetime(2026, 6, 1, 12, tzinfo=UTC))]
    slots = free_slots(rules, day, day, now=before(day), busy=busy)
    assert local_starts(slots, "UTC") == ["09:00"]


def test_a_booked_private_slot_is_gone() -> None:
    rules = Rules(timezone="UTC", duration_min=60, weekly=every_day(9, 12))
    day = date(2026, 6, 1)
    taken = Busy(datetime(2026, 6, 1, 10, tzinfo=UTC), datetime(2026, 6, 1, 11, tzinfo=UTC), 1)
    slots = free_slots(rules, day, day, now=before(day), busy=[taken])
    assert local_starts(slots, "UTC") == ["09:00", "11:00"]


def test_group_sessions_count_seats() -> None:
    rules = Rules(timezone="UTC", duration_min=60, weekly=every_day(9, 11), capacity=4)
    day = date(2026, 6, 1)
    nine = (datetime(2026, 6, 1, 9, tzinfo=UTC), datetime(2026, 6, 1, 10, tzinfo=UTC))
    slots = free_slots(rules, day, day, now=before(day), busy=[Busy(*nine, 3)])
    assert [(s.start.hour, s.seats_left) for s in slots] == [(9, 1), (10, 4)]
    full = free_slots(rules, day, day, now=before(day), busy=[Busy(*nine, 3), Busy(*nine, 1)])
    assert [s.start.hour for s in full] == [10]
    # The provider busy with another offer: no seats at all.
    other = free_slots(rules, day, day, now=before(day), busy=[Busy(*nine)])
    assert [s.start.hour for s in other] == [10]


@pytest.mark.parametrize("zone", ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe"])
def test_a_fixed_offset_day_gives_what_the_zone_gives(zone: str) -> None:
    """Days without an offset change take a fixed offset (fast); it must agree with
    asking the zone for each wall time, on every day of a year with two changes."""
    tz = ZoneInfo(zone)
    day = date(2026, 1, 1)
    while day.year == 2026:
        for minute in range(0, 24 * 60, 30):
            assert wall_clock(day, tz)(minute) == local_instant(day, minute, tz), (day, minute)
        day += timedelta(days=1)


def test_limit_and_per_day_take_the_first_slots() -> None:
    rules = Rules(timezone="Europe/Berlin", duration_min=30, weekly=every_day(8, 20))
    first, last = date(2026, 3, 27), date(2026, 4, 2)  # over the spring change
    everything = free_slots(rules, first, last, now=before(first))
    assert free_slots(rules, first, last, now=before(first), limit=5) == everything[:5]
    tz = ZoneInfo("Europe/Berlin")
    firsts: dict[date, Slot] = {}
    for slot in everything:
        firsts.setdefault(slot.start.astimezone(tz).date(), slot)
    one_a_day = free_slots(rules, first, last, now=before(first), per_day=1)
    assert one_a_day == list(firsts.values())
    assert len(one_a_day) == 7

"""The week picture: the service's blocks of the provider's week (open hours, bookings
with seats taken, time off) and the picture drawn from them, checked pixel by pixel; and
the agenda's button that sends it."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta

import pytest
from PIL import Image
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.db import create_sessionmaker
from emulator import Emulator
from handlers.picture_views import ACCENT
from handlers.week_views import HEIGHT, OFF, OPEN, WIDTH, Layout, WeekLabels, week_png
from models import User
from services import bookings, offers
from services.users import TelegramProfile, touch_user
from services.week_view import BlockKind, TimeBlock, Week, provider_week
from tests.helpers import offer_data, publish

MONDAY = date(2030, 6, 3)  # a week far enough ahead to book and close days in
WEEKDAYS_9_TO_17 = [(d, 540, 1020) for d in range(5)]


@pytest.fixture
async def session(engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    async with create_sessionmaker(engine)() as session:
        yield session


async def test_the_week_holds_open_hours_bookings_with_seats_and_days_off(
    session: AsyncSession,
) -> None:
    anna = await touch_user(session, TelegramProfile(id=1, first_name="Anna"))
    now = datetime(2030, 6, 1, tzinfo=UTC)
    walk = await offers.create_offer(
        session, anna, offer_data("Dog walk", weekly=WEEKDAYS_9_TO_17), default_timezone="UTC"
    )
    yoga = await offers.create_offer(
        session,
        anna,
        offer_data("Yoga group", weekly=[(0, 540, 1020)], capacity=4),
        default_timezone="UTC",
    )
    today = now.date()
    await offers.add_exception(
        session, anna, walk.id, day=MONDAY + timedelta(days=2), closed=True, today=today
    )
    await offers.add_exception(
        session,
        anna,
        walk.id,
        day=MONDAY + timedelta(days=3),
        closed=True,
        start_min=720,
        end_min=840,
        today=today,
    )
    for number, name in ((2, "Carl"), (3, "Dora")):
        customer = await touch_user(session, TelegramProfile(id=number, first_name=name))
        at_ten = datetime(2030, 6, 3, 10, tzinfo=UTC)
        await bookings.book(session, customer, yoga.id, at_ten, now=now)
    carl = await session.get(User, 2)
    assert carl is not None
    await bookings.book(session, carl, walk.id, datetime(2030, 6, 4, 15, tzinfo=UTC), now=now)
    await session.commit()
    provider = await offers.provider_of(session, anna)
    assert provider is not None
    week = await provider_week(session, provider, MONDAY)
    blocks = set(week.blocks)
    assert TimeBlock(0, 540, 1020, BlockKind.OPEN) in blocks  # both offers: one block
    assert TimeBlock(0, 600, 660, BlockKind.BOOKED, "Yoga group", (2, 4)) in blocks
    assert TimeBlock(1, 900, 960, BlockKind.BOOKED, "Dog walk") in blocks
    assert TimeBlock(2, 0, 1440, BlockKind.OFF) in blocks  # Wednesday off
    assert not [b for b in blocks if b.day == 2 and b.kind == BlockKind.OPEN]
    assert TimeBlock(3, 720, 840, BlockKind.OFF) in blocks  # Thursday, hours off
    assert {(b.day, b.start_min, b.end_min) for b in blocks if b.day == 3 and b.kind == "open"} == {
        (3, 540, 720),
        (3, 840, 1020),
    }
    assert not [b for b in blocks if b.day >= 5]  # the weekend: nothing


def test_the_picture_puts_each_block_where_its_day_and_hours_are() -> None:
    week = Week(
        first=MONDAY,
        zone="Europe/Berlin",
        blocks=(
            TimeBlock(0, 540, 1020, BlockKind.OPEN),
            TimeBlock(0, 600, 720, BlockKind.BOOKED, "Yoga group with a long name", (2, 4)),
            TimeBlock(2, 0, 1440, BlockKind.OFF),
            TimeBlock(4, 360, 480, BlockKind.OPEN),  # 06:00: the hours shown widen
        ),
    )
    labels = WeekLabels(
        "Week 3 – 9 Jun", "Europe/Berlin", (("Mon", "3"),) * 7, "Open", "Booked", "Off"
    )
    image = Image.open(io.BytesIO(week_png(week, labels))).convert("RGB")
    assert image.size == (WIDTH, HEIGHT)
    layout = Layout.of(week)
    assert (layout.first_hour, layout.last_hour) == (6, 20)

    def at(day: int, minute: int) -> tuple[int, int, int]:
        x = layout.x(day) + layout.column - 12  # the right of the column: no label there
        pixel = image.getpixel((int(x), int(layout.y(minute))))
        assert isinstance(pixel, tuple)
        return pixel[0], pixel[1], pixel[2]

    assert at(0, 630) == ACCENT  # 10:30 booked
    assert at(0, 900) == OPEN  # 15:00 open
    assert at(0, 1080) != OPEN  # 18:00 closed: paper
    assert at(4, 420) == OPEN
    assert at(1, 600) not in (OPEN, ACCENT, OFF)  # Tuesday: nothing
    column = image.crop(
        (int(layout.x(2)), int(layout.y(600)), int(layout.x(3)), int(layout.y(700)))
    )
    colours = {colour for _, colour in column.getcolors(maxcolors=100_000) or []}
    assert OFF in colours  # hatched grey


async def test_the_agenda_sends_the_week_as_a_picture(tg: Emulator, engine: AsyncEngine) -> None:
    anna = tg.user("Anna")
    await anna.send("/start")
    await publish(engine, anna.id, offer_data("Dog walk"), first_name="Anna")
    await anna.send("/agenda")
    await anna.press("🗓 The week as a picture")
    picture = anna.turn[-1]
    [size] = picture.extra["photo"]
    assert (size["width"], size["height"]) == (WIDTH, HEIGHT)
    assert picture.buttons == ["Week after ›"]
    await anna.press("Week after ›")
    assert anna.turn[-1].buttons == ["‹ Week before", "Week after ›"]
    assert anna.turn[-1].extra["photo"][0]["file_id"] != size["file_id"]


async def test_someone_who_offers_nothing_and_forged_weeks_get_no_picture(tg: Emulator) -> None:
    carl = tg.user("Carl")
    await carl.send("/start")
    agenda = await carl.send("/agenda")
    assert agenda is not None
    assert "🗓 The week as a picture" not in agenda.buttons
    for data in ("wk:0", "wk:13", "wk:-1", "wk:①"):  # no provider; beyond 12 weeks; junk
        await carl.press_callback(agenda, data)
        assert carl.last_answer is not None
        assert carl.last_answer["text"] == "This button is no longer active."
    assert not [m for m in tg.messages_in(carl.id) if m.extra.get("photo")]

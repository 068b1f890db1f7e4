"""/stats_me: the provider's weeks counted (bookings by outcome, income by currency, new
and returning customers, the rating as it stood) and drawn as a chart with a summary."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.db import create_sessionmaker
from emulator import Emulator
from handlers.stats_me_views import HEIGHT, WIDTH, ChartLabels, stats_png
from models import User
from services import bookings, offers, reviews
from services.provider_stats import ProviderStats, WeekStats, first_monday, provider_stats
from services.users import TelegramProfile, touch_user
from tests.helpers import offer_data, publish

NOW = datetime(2030, 6, 5, 12, tzinfo=UTC)  # a Wednesday
THIS_MONDAY = datetime(2030, 6, 3, 10, tzinfo=UTC)
CUSTOMERS = ((2, "Carl"), (3, "Dora"), (4, "Eve"))


@pytest.fixture
async def session(engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    async with create_sessionmaker(engine)() as session:
        yield session


async def person(session: AsyncSession, number: int, name: str) -> User:
    return await touch_user(session, TelegramProfile(id=number, first_name=name))


async def test_the_weeks_count_outcomes_income_customers_and_the_rating(
    session: AsyncSession,
) -> None:
    anna = await person(session, 1, "Anna")
    lesson = await offers.create_offer(
        session,
        anna,
        offer_data("Lesson", price_minor=2000, currency="EUR", capacity=3),
        default_timezone="UTC",
    )
    carl, dora, eve = [await person(session, n, name) for n, name in CUSTOMERS]

    async def booked(who: User, start: datetime, outcome: str, stars: int | None = None) -> None:
        """`who` books `start`; then it is completed, missed or cancelled (and reviewed)."""
        booked = await bookings.book(session, who, lesson.id, start, now=start - timedelta(days=3))
        booking_id = booked.booking.id
        if outcome == "cancel_by_customer":
            await bookings.change(session, who, booking_id, outcome, now=start - timedelta(days=2))
        else:
            await bookings.change(
                session, anna, booking_id, outcome, now=start + timedelta(hours=1)
            )
        if stars is not None:
            later = start + timedelta(hours=2)
            await reviews.review_booking(
                session, who, booking_id, stars=stars, comment=None, now=later
            )

    two_weeks_ago = THIS_MONDAY - timedelta(weeks=2)
    await booked(carl, two_weeks_ago, "complete", stars=5)  # Carl new, two weeks ago
    await booked(carl, THIS_MONDAY - timedelta(weeks=1), "no_show")  # returning, missed
    await booked(dora, THIS_MONDAY - timedelta(weeks=1), "cancel_by_customer")  # not counted
    await booked(carl, THIS_MONDAY, "complete", stars=3)  # returning
    await booked(eve, THIS_MONDAY, "complete")  # new
    await session.commit()
    provider = await offers.provider_of(session, anna)
    assert provider is not None
    stats = await provider_stats(session, provider, weeks=4, now=NOW)
    assert [w.monday for w in stats.weeks] == [
        (THIS_MONDAY - timedelta(weeks=n)).date() for n in (3, 2, 1, 0)
    ]
    assert [(w.completed, w.no_show, w.cancelled) for w in stats.weeks] == [
        (0, 0, 0),
        (1, 0, 0),
        (0, 1, 1),
        (2, 0, 0),
    ]
    assert [(w.new_customers, w.returning_customers) for w in stats.weeks] == [
        (0, 0),
        (1, 0),
        (0, 1),
        (1, 1),
    ]
    assert [w.rating for w in stats.weeks] == [None, 5.0, 5.0, 4.0]
    assert stats.income == {"EUR": 6000}
    assert (stats.completed, stats.no_show, stats.cancelled) == (3, 1, 1)
    assert (stats.customers, stats.new_customers) == (2, 2)  # Carl and Eve; Dora cancelled


def test_first_monday_ends_the_period_with_this_week() -> None:
    assert first_monday(NOW.date(), 1) == THIS_MONDAY.date()
    assert first_monday(NOW.date(), 52) == (THIS_MONDAY - timedelta(weeks=51)).date()


def test_the_chart_is_a_picture_of_the_numbers() -> None:
    labels = ChartLabels(
        "Your last 12 weeks",
        "Bookings",
        "Completed",
        "No-show",
        "Cancelled",
        "Customers",
        "New",
        "Returning",
        "Rating",
        tuple("w" for _ in range(12)),
    )

    def chart(cancelled: int) -> dict[object, int]:
        """Pixels per colour of a chart whose last week had 9 done, 1 missed, `cancelled`."""
        weeks = tuple(WeekStats(THIS_MONDAY.date() - timedelta(weeks=11 - n)) for n in range(12))
        last = weeks[-1]
        last.completed, last.no_show, last.cancelled, last.rating = 9, 1, cancelled, 4.5
        png = stats_png(ProviderStats(weeks), labels)
        image = Image.open(io.BytesIO(png)).convert("RGB")
        assert image.size == (WIDTH, HEIGHT)
        return {colour: count for count, colour in image.getcolors(maxcolors=1_000_000) or []}

    calm, stormy = chart(cancelled=0), chart(cancelled=5)
    green, amber, red = (0x2E, 0x9E, 0x5B), (0xE0, 0xA8, 0x00), (0xC0, 0x39, 0x2B)
    assert calm[green] > 5 * calm[amber] > 0  # nine done for one missed (and the legend)
    assert calm.get(red, 0) < 1000  # the legend's patch only
    assert stormy[red] > 5 * calm.get(red, 1)  # five cancelled: a bar of them
    assert calm.get((0x6F, 0x42, 0xC1), 0) > 0  # the rating's point


async def test_stats_me_sends_the_chart_with_a_summary(tg: Emulator, engine: AsyncEngine) -> None:
    anna = tg.user("Anna", language="ru")
    await anna.send("/start")
    reply = await anna.send("/stats_me")
    assert reply is not None
    assert "/offer" in (reply.text or "")  # not a provider yet
    await publish(engine, anna.id, offer_data("Стрижка"), first_name="Anna")
    await anna.send("/stats_me")
    chart = anna.turn[-1]
    [size] = chart.extra["photo"]
    assert (size["width"], size["height"]) == (WIDTH, HEIGHT)
    caption = chart.extra["caption"]
    assert "Ваши последние недели: 12" in caption
    assert "отзывов пока нет" in caption
    assert chart.buttons == ["4 нед.", "✓ 12 нед.", "52 нед."]
    await anna.press("52 нед.")
    assert anna.turn[-1].buttons == ["4 нед.", "12 нед.", "✓ 52 нед."]
    await anna.press_callback(chart, "st-me:5")  # not a period: the stale answer
    assert anna.last_answer is not None
    assert anna.last_answer["text"] == "Эта кнопка больше не действует."

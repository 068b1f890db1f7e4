"""Reminders and follow-ups from the outbox, delivered at chosen instants through the
emulator: both sides, languages and zones, preferences, cancellation, catch-up after
downtime, request expiry, 403/429/5xx, DST, and claims shared by two instances."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db import create_engine, create_sessionmaker
from bot.notifier import deliver_due
from bot.scheduler import Scheduler
from bot.sender import Sender
from emulator import Emulator, Fault, SimUser
from emulator.harness import RunningBot
from handlers.notices import decide
from models import Booking, Notification, NotificationKind, User
from services import bookings, offers, outbox
from services.offers import OfferData
from services.users import TelegramProfile, touch_user
from tests.databases import empty_pg_database
from tests.helpers import offer_data

T0 = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
START = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)  # a Monday


offer = offer_data


class FakeSleep:
    """Records the sender's waits instead of waiting."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


async def setup_booking(
    tg: Emulator,
    engine: AsyncEngine,
    *,
    start: datetime = START,
    data: OfferData | None = None,
    provider_zone: str = "UTC",
) -> tuple[SimUser, SimUser, int]:
    """Anna (provider, Russian) and Carl (customer, Berlin time) who booked `start`."""
    anna = tg.user("Anna", language="ru")
    carl = tg.user("Carl")
    await anna.send("/start")
    await carl.send("/start")
    async with create_sessionmaker(engine)() as session:
        provider = await touch_user(
            session, TelegramProfile(id=anna.id, first_name="Anna", language_code="ru")
        )
        provider.timezone = provider_zone
        customer = await touch_user(session, TelegramProfile(id=carl.id, first_name="Carl"))
        customer.timezone = "Europe/Berlin"
        offer_id = (
            await offers.create_offer(session, provider, data or offer(), default_timezone="UTC")
        ).id
        booked = await bookings.book(session, customer, offer_id, start, now=T0)
        await session.commit()
    return anna, carl, booked.booking.id


def deliverer(running_bot: RunningBot, sleep: FakeSleep | None = None):  # type: ignore[no-untyped-def]
    sender = Sender(running_bot.app.bot, per_second=1000, sleep=sleep or FakeSleep())

    async def deliver(now: datetime) -> dict[str, int]:
        return dict(await deliver_due(running_bot.app.sessionmaker, sender, decide=decide, now=now))

    return deliver


def texts(tg: Emulator, user: SimUser) -> list[str]:
    return [m.text or "" for m in tg.messages_in(user.id) if m.from_bot]


async def test_reminders_and_follow_ups_reach_both_sides_once(
    tg: Emulator, running_bot: RunningBot, engine: AsyncEngine
) -> None:
    anna, carl, _booking = await setup_booking(tg, engine)
    deliver = deliverer(running_bot)
    assert await deliver(START - timedelta(hours=24, minutes=1)) == {}
    assert await deliver(START - timedelta(hours=24)) == {"sent": 2}
    assert await deliver(START - timedelta(hours=24)) == {}  # never twice
    assert "Reminder" in texts(tg, carl)[-1]
    assert "in 24 h" in texts(tg, carl)[-1]
    assert "11:00" in texts(tg, carl)[-1]  # Carl's Berlin time
    assert "Напоминание" in texts(tg, anna)[-1]  # Anna's language
    # Anna's agenda at 08:00 her time on the day.
    assert await deliver(START - timedelta(hours=2)) == {"sent": 1}
    assert "Доброе утро" in texts(tg, anna)[-1]
    assert "Haircut · 1/1" in texts(tg, anna)[-1]
    assert await deliver(START - timedelta(hours=1)) == {"sent": 2}
    assert "in 1 h" in texts(tg, carl)[-1]
    # After the end, the provider is asked whether it took place; unmarked, the booking
    # completes itself 12 hours after its end and the customer is asked for a review.
    assert await deliver(START + timedelta(hours=1, minutes=15)) == {"sent": 1}
    provider_follow_up = [m for m in tg.messages_in(anna.id) if m.from_bot][-1]
    assert "✅ Состоялась" in provider_follow_up.buttons
    assert await deliver(START + timedelta(hours=12)) == {}
    assert await deliver(START + timedelta(hours=13)) == {"sent": 1}
    assert "How was Haircut" in texts(tg, carl)[-1]
    assert "★★★★★" in [m for m in tg.messages_in(carl.id) if m.from_bot][-1].buttons
    assert await deliver(START + timedelta(hours=14)) == {}


async def test_cancelled_just_before_due_sends_nothing(
    tg: Emulator, running_bot: RunningBot, engine: AsyncEngine
) -> None:
    _anna, carl, booking_id = await setup_booking(tg, engine)
    async with create_sessionmaker(engine)() as session:
        customer = await session.get(User, carl.id)
        assert customer is not None
        await bookings.change(
            session, customer, booking_id, "cancel_by_customer", now=START - timedelta(hours=25)
        )
        await session.commit()
    before = len(texts(tg, carl))
    deliver = deliverer(running_bot)
    # Only Anna's agenda was left queued, for a day with no booking left: not sent.
    assert await deliver(START - timedelta(hours=2)) == {"cancelled": 1}
    assert await deliver(START + timedelta(days=1)) == {}
    assert len(texts(tg, carl)) == before
    async with create_sessionmaker(engine)() as session:
        statuses = set(await session.scalars(select(Notification.status)))
        assert statuses == {"cancelled"}


async def test_downtime_catch_up_and_expiry(
    tg: Emulator, running_bot: RunningBot, engine: AsyncEngine
) -> None:
    _anna, carl, _booking = await setup_booking(tg, engine)
    deliver = deliverer(running_bot)
    # Down from before the 24 h reminder until 30 minutes before the start: both
    # reminders go now (and the provider's agenda of the morning).
    assert await deliver(START - timedelta(minutes=30)) == {"sent": 5}
    # A second booking whose start passed while the bot was down: reminders expire.
    async with create_sessionmaker(engine)() as session:
        customer = await session.get(User, carl.id)
        offer_id = await session.scalar(select(Booking.offer_id))
        assert customer is not None
        assert offer_id is not None
        await bookings.book(session, customer, offer_id, START + timedelta(days=2), now=T0)
        await session.commit()
    before = len(texts(tg, carl))
    outcome = await deliver(START + timedelta(days=2, minutes=5))
    # Its two reminders for each side: expired, none sent. The first booking, unmarked,
    # completed itself (its provider follow-up dropped with it) and only its review
    # request reaches Carl; the provider's agenda of that morning goes too.
    assert outcome == {"expired": 4, "sent": 2}
    assert len(texts(tg, carl)) == before + 1
    assert "How was Haircut" in texts(tg, carl)[-1]


async def test_each_user_chooses_their_reminders(tg: Emulator, engine: AsyncEngine) -> None:
    carl = tg.user("Carl")
    async with create_sessionmaker(engine)() as session:
        customer = await touch_user(session, TelegramProfile(id=carl.id, first_name="Carl"))
        await outbox.set_reminder_hours(session, customer, [3])
        provider = await touch_user(session, TelegramProfile(id=7, first_name="Anna"))
        await outbox.set_reminder_hours(session, provider, [])
        offer_id = (
            await offers.create_offer(session, provider, offer(), default_timezone="UTC")
        ).id
        await bookings.book(session, customer, offer_id, START, now=T0)
        await session.commit()
        queued = {
            (n.recipient_id, n.kind, (n.payload or {}).get("hours"), n.due_at)
            for n in await session.scalars(select(Notification))
        }
    assert (carl.id, "reminder", 3, START - timedelta(hours=3)) in queued
    assert not any(kind == "reminder" and who == 7 for who, kind, _h, _d in queued)
    assert sum(1 for _w, kind, _h, _d in queued if kind == "reminder") == 1


async def test_an_unanswered_request_expires_and_the_customer_is_told(
    tg: Emulator, running_bot: RunningBot, engine: AsyncEngine
) -> None:
    _anna, carl, _booking = await setup_booking(tg, engine, data=offer(requires_approval=True))
    deliver = deliverer(running_bot)
    assert await deliver(T0 + timedelta(hours=23)) == {}
    assert await deliver(T0 + timedelta(hours=24)) == {"sent": 1}
    assert "expired" in texts(tg, carl)[-1]
    async with create_sessionmaker(engine)() as session:
        assert await session.scalar(select(Booking.status)) == "expired"


async def test_blocked_users_are_marked_and_not_retried(
    tg: Emulator, running_bot: RunningBot, engine: AsyncEngine
) -> None:
    _anna, carl, _booking = await setup_booking(tg, engine)
    await carl.block_bot()
    deliver = deliverer(running_bot)
    outcome = await deliver(START - timedelta(hours=24))
    assert outcome == {"sent": 1, "failed": 1}
    async with create_sessionmaker(engine)() as session:
        customer = await session.get(User, carl.id)
        assert customer is not None
        assert customer.blocked_bot
    # The 1 h reminder to Carl is not even tried (Anna gets hers and her agenda).
    outcome = await deliver(START - timedelta(hours=1))
    assert outcome == {"sent": 2, "failed": 1}


async def test_429_is_waited_out_and_5xx_retried(
    tg: Emulator, running_bot: RunningBot, engine: AsyncEngine
) -> None:
    _anna, carl, _booking = await setup_booking(tg, engine)
    sleep = FakeSleep()
    deliver = deliverer(running_bot, sleep)
    tg.inject(Fault(method="sendMessage", chat_id=carl.id, status=429, retry_after=7, times=1))
    tg.inject(
        Fault(
            method="sendMessage",
            chat_id=carl.id,
            status=502,
            description="Bad Gateway",
            retry_after=None,
            times=2,
        )
    )
    before = len(texts(tg, carl))
    assert await deliver(START - timedelta(hours=24)) == {"sent": 2}
    assert len(texts(tg, carl)) == before + 1  # exactly once
    assert 7.0 in sleep.waits
    assert sum(1 for w in sleep.waits if w < 7) >= 2  # two backoffs


async def test_reminders_are_absolute_across_a_dst_change(
    tg: Emulator, running_bot: RunningBot, engine: AsyncEngine
) -> None:
    # New York falls back at 02:00 on 7 November 2027; a 10:00 (EST) appointment that day.
    # Its 24 h reminder falls before the change, at 11:00 EDT the day before: "the same
    # wall-clock time a day earlier" would be 10:00 EDT, an hour too early.
    start = datetime(2027, 11, 7, 15, 0, tzinfo=UTC)
    assert (start - timedelta(hours=24)).astimezone(ZoneInfo("America/New_York")).hour == 11
    await setup_booking(
        tg, engine, start=start, data=offer(max_advance_days=365), provider_zone="America/New_York"
    )
    async with create_sessionmaker(engine)() as session:
        due = set(
            await session.scalars(
                select(Notification.due_at).where(Notification.kind == "reminder")
            )
        )
    assert due == {start - timedelta(hours=24), start - timedelta(hours=1)}
    deliver = deliverer(running_bot)
    assert await deliver(start - timedelta(hours=24)) == {"sent": 2}  # the night repeats an hour:
    assert await deliver(start - timedelta(hours=23)) == {}  # …still sent once


async def test_one_sqlite_process_holds_the_scheduler(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite+aiosqlite:///{tmp_path / 'gigbot.db'}"
    engine = create_engine(url)
    sessions = create_sessionmaker(engine)
    first = Scheduler(sessions, Sender(None, per_second=1), database_url=url, interval_seconds=60)  # type: ignore[arg-type]
    second = Scheduler(sessions, Sender(None, per_second=1), database_url=url, interval_seconds=60)  # type: ignore[arg-type]
    try:
        assert await first.start()
        assert not await second.start()
    finally:
        first.stop()
        second.stop()
        await engine.dispose()


async def test_two_instances_share_due_rows_without_duplicates(pg_url: str) -> None:
    await empty_pg_database(pg_url)
    engine = create_engine(pg_url, pool_size=4)
    sessions = create_sessionmaker(engine)
    async with sessions() as session:
        user = await touch_user(session, TelegramProfile(id=1, first_name="Anna"))
        for n in range(2000):
            await outbox.queue(
                session,
                outbox.Entry(
                    key=f"k{n}",
                    recipient_id=user.id,
                    kind=NotificationKind.REMINDER,
                    due_at=T0,
                ),
            )
        await session.commit()

    async def instance() -> list[int]:
        taken: list[int] = []
        while True:
            async with sessions() as session:
                claimed = await outbox.claim_due(session, now=T0, limit=100)
                await session.commit()
            if not claimed:
                return taken
            taken.extend(n.id for n in claimed)
            await asyncio.sleep(0)

    first, second = await asyncio.gather(instance(), instance())
    try:
        assert not set(first) & set(second)  # 0 duplicates
        assert len(first) + len(second) == 2000  # 0 lost
        async with sessions() as session:
            assert await session.scalar(select(func.count()).select_from(Notification)) == 2000
    finally:
        await engine.dispose()

"""The notifier's pipeline: the next batch is claimed while the current one goes out,
its own claims are never claimed again, sending waits for recording, and a failed claim
still lets what was claimed go out."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest
from aiogram import Bot
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot import notifier
from bot.db import create_sessionmaker
from bot.notifier import Decision, Notice, deliver_due
from bot.sender import Outcome, Sender
from models import Notification, NotificationKind
from services import outbox
from services.users import TelegramProfile, touch_user

T0 = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


class CountingSender(Sender):
    """Sends nothing: counts what it was asked to send, after an optional wait."""

    def __init__(self, before_each: asyncio.Event | None = None) -> None:
        super().__init__(cast(Bot, None))
        self.sent: Counter[str] = Counter()
        self.before_each = before_each

    async def send(self, chat_id: int, text: str, **kwargs: Any) -> Outcome:
        if self.before_each is not None:
            await self.before_each.wait()
        await asyncio.sleep(0)  # a real send yields to the event loop too
        self.sent[text] += 1
        return Outcome.SENT


async def due_messages(engine: AsyncEngine, count: int) -> async_sessionmaker[AsyncSession]:
    """`count` messages due at T0 for one user; the sessionmaker."""
    sessions = create_sessionmaker(engine)
    async with sessions() as session:
        user = await touch_user(session, TelegramProfile(id=7, first_name="Anna"))
        for n in range(count):
            await outbox.queue(
                session,
                outbox.Entry(
                    key=f"m{n}",
                    recipient_id=user.id,
                    kind=NotificationKind.MESSAGE,
                    due_at=T0,
                    payload={"text": f"m{n}"},
                ),
            )
        await session.commit()
    return sessions


async def plain(session: AsyncSession, notification: Notification, now: datetime) -> Decision:
    """The message's text, to its recipient."""
    return Notice(notification.recipient_id, str((notification.payload or {})["text"]), None)


async def statuses(sessions: async_sessionmaker[AsyncSession]) -> dict[str, int]:
    async with sessions() as session:
        rows = await session.execute(
            select(Notification.status, func.count()).group_by(Notification.status)
        )
        return dict(rows.all())


async def test_the_next_batch_is_claimed_while_the_current_one_is_sent(
    engine: AsyncEngine,
) -> None:
    sessions = await due_messages(engine, 30)
    decided: list[int] = []
    second_batch_decided = asyncio.Event()

    async def watching(
        session: AsyncSession, notification: Notification, now: datetime
    ) -> Decision:
        decided.append(notification.id)
        if len(decided) > 10:
            second_batch_decided.set()
        return await plain(session, notification, now)

    # Nothing of the first batch can be sent until the second batch has been decided.
    sender = CountingSender(before_each=second_batch_decided)
    ended = await asyncio.wait_for(
        deliver_due(sessions, sender, decide=watching, now=T0, batch=10), timeout=30
    )
    assert ended == Counter(sent=30)
    assert sender.sent == Counter({f"m{n}": 1 for n in range(30)})
    assert await statuses(sessions) == {"sent": 30}


async def test_claims_on_their_way_are_not_claimed_again_when_their_lease_lapses(
    engine: AsyncEngine,
) -> None:
    sessions = await due_messages(engine, 60)
    sender = CountingSender()
    # A lease that lapses at once: every claim in flight looks abandoned to the next claim.
    ended = await deliver_due(sessions, sender, decide=plain, now=T0, batch=10, lease=timedelta(0))
    assert ended == Counter(sent=60)
    assert sender.sent == Counter({f"m{n}": 1 for n in range(60)})  # none twice


async def test_sending_waits_while_too_many_outcomes_await_recording(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(notifier, "UNRECORDED_LIMIT", 20)
    bound = 20 + notifier.CONCURRENCY  # waiting to be recorded, and in flight
    sessions = await due_messages(engine, notifier.BATCH)
    recorded = 0
    finish_many = outbox.finish_many

    async def slow(session: AsyncSession, outcomes: Any, *, now: datetime) -> None:
        nonlocal recorded
        for _ in range(1000):  # the database is slow to record: the senders go on meanwhile
            await asyncio.sleep(0)
        await finish_many(session, outcomes, now=now)
        recorded += len(outcomes)

    monkeypatch.setattr(outbox, "finish_many", slow)

    class Watching(CountingSender):
        most_unrecorded = 0

        async def send(self, chat_id: int, text: str, **kwargs: Any) -> Outcome:
            # What a crash now would send again: everything sent but not recorded.
            unrecorded = self.sent.total() - recorded + 1
            self.most_unrecorded = max(self.most_unrecorded, unrecorded)
            return await super().send(chat_id, text, **kwargs)

    sender = Watching()
    assert await deliver_due(sessions, sender, decide=plain, now=T0) == Counter(sent=notifier.BATCH)
    assert 0 < sender.most_unrecorded <= bound
    assert await statuses(sessions) == {"sent": notifier.BATCH}


async def test_a_failed_claim_still_sends_and_records_what_was_claimed_before(
    engine: AsyncEngine,
) -> None:
    sessions = await due_messages(engine, 25)
    decided = 0

    async def failing(session: AsyncSession, notification: Notification, now: datetime) -> Decision:
        nonlocal decided
        decided += 1
        if decided > 10:
            raise RuntimeError("the database went away")
        return await plain(session, notification, now)

    sender = CountingSender()
    with pytest.raises(RuntimeError, match="went away"):
        await deliver_due(sessions, sender, decide=failing, now=T0, batch=10)
    assert sender.sent.total() == 10
    assert await statuses(sessions) == {"sent": 10, "pending": 15}

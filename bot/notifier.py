"""Delivering due notifications from the outbox: claim, decide, send, record — pipelined.

What each kind says, and whether it is still relevant, is decided by the `decide` the
wiring hands in (`handlers/notices.py`, wired by `bot/scheduler.py`); this module knows
no kind.

No database transaction is open while a message goes out. One run is a pipeline of
three stages working side by side until nothing due is left:

- the *claimer* claims a batch, decides each notification (rendered in its recipient's
  language and zone) and commits the claim — other instances skip it —, then hands the
  batch to the senders; it claims the next batch while this one goes out, never more
  than one batch ahead, and never re-claims its own claims still on their way;
- `CONCURRENCY` *senders* send through the rate-limited `Sender`;
- the *recorder* records what was sent in one transaction per `RECORD_EVERY` outcomes
  (or per `RECORD_AFTER` seconds), while sending goes on.

A crash between sending and recording leaves the claim to lapse, and the message is
sent again: at least once, never lost. Senders pause while `UNRECORDED_LIMIT` outcomes
await recording, so at most `BATCH` messages (those plus the ones in flight) are sent
twice after a hard crash.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from aiogram.types import InlineKeyboardMarkup
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.sender import Outcome, Sender
from models import Notification
from services import bookings, outbox
from services.users import load_users, mark_reachable

BATCH = 200  # claimed at a time; also the most a hard crash can duplicate
CONCURRENCY = 50  # messages in flight (the sender's limits pace them)
UNRECORDED_LIMIT = BATCH - CONCURRENCY  # sent, not yet recorded: senders wait beyond this
RECORD_EVERY = 50  # outcomes recorded together (fewer, larger transactions) …
RECORD_AFTER = 1.0  # … or after this many seconds, whichever comes first


@dataclass(frozen=True, slots=True)
class Notice:
    """What to send, rendered in the recipient's language and zone."""

    chat_id: int
    text: str
    markup: InlineKeyboardMarkup | None


Decision = Notice | tuple[str, str | None]
"""A notice to send, or how the notification ends without one: (status, reason)."""

Decide = Callable[[AsyncSession, Notification, datetime], Awaitable[Decision]]


Claimed = tuple[int, int, Decision]
"""A claimed notification's id, its recipient and what to do with it."""

Settled = tuple[int, int, str, str | None]
"""A notification's id, its recipient, and how it ended: (status, error)."""


async def deliver_due(
    sessions: async_sessionmaker[AsyncSession],
    sender: Sender,
    *,
    decide: Decide,
    now: datetime,
    batch: int = BATCH,
    lease: timedelta = outbox.LEASE,
) -> Counter[str]:
    """Send what is due at `now` (and what falls due while sending); returns how many
    ended how (sent, expired, …)."""
    async with sessions() as session:
        # Bookings nobody marked complete themselves first: their review requests are
        # queued in the same transaction and go out in this very run.
        await bookings.complete_finished(session, now=now)
        await session.commit()
    run = _Run(sessions, sender, decide, batch, lease, now, time.monotonic())
    try:
        async with asyncio.TaskGroup() as tasks:
            tasks.create_task(run.claim())
            recording = tasks.create_task(run.record())
            await asyncio.gather(*(run.send() for _ in range(CONCURRENCY)))
            run.finished = True
            run.wake.set()
            await recording
    except ExceptionGroup as failed:  # the recorder's failure, as itself
        raise failed.exceptions[0] from None
    if run.failure is not None:  # the claimer's, after what it had claimed went out
        raise run.failure
    return run.ended


@dataclass(eq=False)
class _Run:
    """One run of the pipeline and the state its stages share."""

    sessions: async_sessionmaker[AsyncSession]
    sender: Sender
    decide: Decide
    batch: int
    lease: timedelta
    started_at: datetime
    started: float  # time.monotonic() at `started_at`
    claimed: asyncio.Queue[Claimed | None] = field(init=False)
    held: set[int] = field(default_factory=set)  # claimed, not yet recorded
    unrecorded: list[Settled] = field(default_factory=list)
    recording: int = 0  # outcomes in the recorder's open transaction
    wake: asyncio.Event = field(default_factory=asyncio.Event)  # the recorder's bell
    room: asyncio.Condition = field(default_factory=asyncio.Condition)
    finished: bool = False
    failure: Exception | None = None  # what stopped the claimer
    ended: Counter[str] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self.claimed = asyncio.Queue(maxsize=self.batch)

    def now(self) -> datetime:
        """The run's `now`, moved on by the time spent since it started."""
        return self.started_at + timedelta(seconds=time.monotonic() - self.started)

    async def claim(self) -> None:
        """Claim and decide batch after batch, handing each to the senders; a failure
        ends the claiming, and what was claimed before it still goes out."""
        try:
            while True:
                now = self.now()
                async with self.sessions() as session:
                    claimed = await outbox.claim_due(
                        session,
                        now=now,
                        limit=self.batch,
                        lease=self.lease,
                        held=frozenset(self.held),
                    )
                    recipients = await load_users(session, {n.recipient_id for n in claimed})
                    decisions = [
                        (n.id, n.recipient_id, await self.decide(session, n, now)) for n in claimed
                    ]
                    await session.commit()
                del recipients  # held while deciding: `session.get` found them loaded
                self.held.update(n_id for n_id, _to, _d in decisions)
                for decision in decisions:
                    await self.claimed.put(decision)  # waits while a batch is queued
                if len(claimed) < self.batch:
                    break
        except Exception as error:  # re-raised by deliver_due once the rest went out
            self.failure = error
        for _ in range(CONCURRENCY):  # one end-of-run mark per sender
            await self.claimed.put(None)

    async def send(self) -> None:
        """One sender: send claimed notices until the claimer is done."""
        while (item := await self.claimed.get()) is not None:
            notification_id, recipient_id, decision = item
            if isinstance(decision, Notice):
                async with self.room:
                    await self.room.wait_for(
                        lambda: len(self.unrecorded) + self.recording < UNRECORDED_LIMIT
                    )
                outcome = await self.sender.send(
                    decision.chat_id, decision.text, reply_markup=decision.markup
                )
                status, error = (
                    ("sent", None) if outcome is Outcome.SENT else ("failed", outcome.value)
                )
            else:
                status, error = decision
            self.unrecorded.append((notification_id, recipient_id, status, error))
            if len(self.unrecorded) >= min(RECORD_EVERY, UNRECORDED_LIMIT):
                self.wake.set()

    async def record(self) -> None:
        """Record outcomes in rounds, one transaction for all that waited."""
        while True:
            with contextlib.suppress(TimeoutError):  # a slow trickle is recorded too
                await asyncio.wait_for(self.wake.wait(), RECORD_AFTER)
            self.wake.clear()
            while self.unrecorded:
                settled, self.unrecorded = self.unrecorded, []
                self.recording = len(settled)
                async with self.sessions() as session:
                    for _id, recipient_id, _status, error in settled:
                        if error == Outcome.BLOCKED.value:
                            await mark_reachable(session, recipient_id, reachable=False)
                    await outbox.finish_many(
                        session,
                        [(n_id, status, error) for n_id, _to, status, error in settled],
                        now=self.now(),
                    )
                    await session.commit()
                self.held.difference_update(n_id for n_id, _to, _s, _e in settled)
                self.ended.update(status for _id, _to, status, _error in settled)
                self.recording = 0
                async with self.room:
                    self.room.notify_all()
            if self.finished:
                return

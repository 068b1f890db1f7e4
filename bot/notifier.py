"""Delivering due notifications from the outbox: claim, decide, send, record.

What each kind says, and whether it is still relevant, is decided by the `decide` the
wiring hands in (`handlers/notices.py`, wired by `bot/scheduler.py`); this module knows
no kind.

No database transaction is open while a message goes out: the claim is committed first
(other instances skip it), each message is decided and rendered in a short
transaction, sent, then recorded in another. A crash between sending and recording
leaves the claim to lapse, and the message is sent again: at least once, never lost,
at most the in-flight batch duplicated.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from aiogram.types import InlineKeyboardMarkup
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.sender import Outcome, Sender
from models import Notification
from services import bookings, outbox
from services.users import mark_reachable

BATCH = 200  # claimed per run; also the most a hard crash can duplicate
CONCURRENCY = 50  # messages in flight (the sender's limits pace them)


@dataclass(frozen=True, slots=True)
class Notice:
    """What to send, rendered in the recipient's language and zone."""

    chat_id: int
    text: str
    markup: InlineKeyboardMarkup | None


Decision = Notice | tuple[str, str | None]
"""A notice to send, or how the notification ends without one: (status, reason)."""

Decide = Callable[[AsyncSession, Notification, datetime], Awaitable[Decision]]


async def deliver_due(
    sessions: async_sessionmaker[AsyncSession],
    sender: Sender,
    *,
    decide: Decide,
    now: datetime,
    batch: int = BATCH,
    lease: timedelta = outbox.LEASE,
) -> Counter[str]:
    """Send what is due at `now`; returns how many ended how (sent, expired, …).

    Three steps per batch: claim and decide in one transaction, send (no transaction
    open), record every outcome in one transaction.
    """
    async with sessions() as session:
        # Bookings nobody marked complete themselves first: their review requests are
        # queued in the same transaction and go out in this very run.
        await bookings.complete_finished(session, now=now)
        await session.commit()
    async with sessions() as session:
        claimed = await outbox.claim_due(session, now=now, limit=batch, lease=lease)
        decisions = [(n.id, n.recipient_id, await decide(session, n, now)) for n in claimed]
        await session.commit()
    gate = asyncio.Semaphore(CONCURRENCY)

    async def settle(decision: Decision) -> tuple[str, str | None]:
        if not isinstance(decision, Notice):
            return decision
        async with gate:
            outcome = await sender.send(
                decision.chat_id, decision.text, reply_markup=decision.markup
            )
        return ("sent", None) if outcome is Outcome.SENT else ("failed", outcome.value)

    settled = await asyncio.gather(*(settle(decision) for _id, _to, decision in decisions))
    async with sessions() as session:
        for (_id, recipient_id, _decision), (_status, error) in zip(
            decisions, settled, strict=True
        ):
            if error == Outcome.BLOCKED.value:
                await mark_reachable(session, recipient_id, reachable=False)
        await outbox.finish_many(
            session,
            [
                (n_id, status, error)
                for (n_id, _to, _d), (status, error) in zip(decisions, settled, strict=True)
            ],
            now=now,
        )
        await session.commit()
    return Counter(status for status, _error in settled)

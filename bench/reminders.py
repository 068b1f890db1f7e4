"""Reminders at scale: 10,000 notifications due at once, delivered to the emulator through
the outbox and the rate-limited sender, at a given global limit.

    python -m bench.reminders [--messages 10000] [--rates 30,1000]

Prints, per limit: messages per second achieved and as a fraction of the limit, the
delay after the due time (p50/p99), and how many were lost or duplicated.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bot.app import create_bot
from bot.db import create_engine, create_sessionmaker
from bot.emulator import Emulator
from bot.emulator.harness import make_settings
from bot.migrate import upgrade
from bot.notifier import deliver_due
from bot.sender import Outcome, Sender
from handlers.notices import decide
from models import Notification, NotificationKind, utcnow
from services import outbox
from services.users import TelegramProfile, touch_user


class TimedSender(Sender):
    """A Sender that notes when each message was accepted by the Bot API."""

    done: list[float]

    async def send(self, chat_id: int, text: str, **kwargs: Any) -> Outcome:
        outcome = await super().send(chat_id, text, **kwargs)
        self.done.append(time.monotonic())
        return outcome


async def run(messages: int, rate: float) -> None:
    """Queue `messages` due now, deliver them at `rate`, print what was achieved."""
    emulator = Emulator()
    emulator.add_bot()
    await emulator.start()
    with tempfile.TemporaryDirectory() as directory:
        url = f"sqlite+aiosqlite:///{Path(directory) / 'bench.db'}"
        await upgrade(url)
        engine = create_engine(url)
        sessions = create_sessionmaker(engine)
        users = [emulator.user(f"U{n}") for n in range(messages)]
        due = utcnow()
        async with sessions() as session:
            for n, user in enumerate(users):
                emulator.private_chat(user.account)
                await touch_user(session, TelegramProfile(id=user.id, first_name=f"U{n}"))
                await outbox.queue(
                    session,
                    key=f"r{n}",
                    recipient_id=user.id,
                    kind=NotificationKind.MESSAGE,
                    due_at=due,
                    payload={"text": f"reminder {n}"},
                )
            await session.commit()
        bot = create_bot(make_settings(emulator, url, "polling"))
        sender = TimedSender(bot, per_second=rate)
        sender.done = []
        start = time.monotonic()
        while True:  # the scheduler's job, run back to back
            outcome = await deliver_due(
                sessions, sender, decide=decide, now=due + timedelta(seconds=1)
            )
            if not outcome:
                break
        elapsed = sender.done[-1] - start
        delays = sorted(t - start for t in sender.done)
        received = sum(len(emulator.messages_in(u.id)) for u in users)
        async with sessions() as session:
            sent = await session.scalar(
                select(func.count()).select_from(Notification).where(Notification.status == "sent")
            )
        achieved = len(sender.done) / elapsed
        p99 = statistics.quantiles(delays, n=100)[98]
        print(
            f"limit {rate:>6.0f}/s: {achieved:7.1f} msg/s = {achieved / rate:.2f} of the limit; "
            f"delay after due p50 {statistics.median(delays):6.1f} s, p99 {p99:6.1f} s; "
            f"lost {messages - received}, duplicated {received - messages}, recorded sent {sent}"
        )
        await bot.session.close()
        await engine.dispose()
    await emulator.stop()


async def main() -> None:
    """Parse arguments and run each limit."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--rates", default="30,1000")
    args = parser.parse_args()
    for rate in (float(r) for r in args.rates.split(",")):
        await run(args.messages, rate)


if __name__ == "__main__":
    asyncio.run(main())

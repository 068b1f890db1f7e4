"""Reminders at scale: 10,000 notifications due at once, delivered to the emulator through
the outbox and the rate-limited sender, at a given global limit.

    python -m bench.reminders [--messages 10000] [--rates 30,1000] [--emulator process]

The emulator serves from a process of its own (`--emulator process`, the default, as
Telegram is another machine) or from the bench's own event loop (`inline`, where the
two share one core). Prints, per limit: messages per second achieved and as a fraction
of the limit, the delay after the due time (p50/p99), and how many were lost or
duplicated.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bot.app import create_bot
from bot.config import Settings
from bot.db import create_engine, create_sessionmaker
from bot.migrate import upgrade
from bot.notifier import deliver_due
from bot.sender import Outcome, Sender
from emulator import Emulator
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


class Recipients:
    """The emulator with `messages` users who have talked to the bot, and what they got."""

    url: str
    token: str
    user_ids: list[int]

    async def received(self) -> list[int]:
        """How many messages each user has received."""
        raise NotImplementedError

    async def cpu(self) -> float:
        """CPU seconds the emulator's process has used (the bench's own when inline)."""
        return time.process_time()

    async def close(self) -> None:
        """Stop the emulator."""


class InlineRecipients(Recipients):
    """The emulator on the bench's own event loop."""

    def __init__(self, messages: int) -> None:
        self.emulator = Emulator()
        self.token = self.emulator.add_bot().token
        users = [self.emulator.user(f"U{n}") for n in range(messages)]
        for user in users:
            self.emulator.private_chat(user.account)
        self.user_ids = [user.id for user in users]

    async def start(self) -> None:
        """Serve on a free loopback port."""
        self.url = await self.emulator.start()

    async def received(self) -> list[int]:
        return [len(self.emulator.messages_in(user_id)) for user_id in self.user_ids]

    async def close(self) -> None:
        await self.emulator.stop()


class ProcessRecipients(Recipients):
    """The emulator in a process of its own (`python -m bench.reminders --serve N`),
    asked over its standard input and output."""

    async def start(self, messages: int) -> None:
        """Start the process and read where it serves."""
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.reminders",
            "--serve",
            str(messages),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            limit=2**24,  # the counts of 10,000s of users come as one line
        )
        ready = json.loads(await self._line())
        self.url, self.token, self.user_ids = ready["url"], ready["token"], ready["users"]

    async def _line(self) -> bytes:
        assert self.process.stdout is not None
        return await self.process.stdout.readline()

    async def received(self) -> list[int]:
        assert self.process.stdin is not None
        self.process.stdin.write(b"received\n")
        await self.process.stdin.drain()
        return list(json.loads(await self._line()))

    async def cpu(self) -> float:
        assert self.process.stdin is not None
        self.process.stdin.write(b"cpu\n")
        await self.process.stdin.drain()
        return float(json.loads(await self._line()))

    async def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        await self.process.wait()


async def serve(messages: int) -> None:
    """The emulator process: serve, say where on one line, answer `received` with the
    counts per user, stop at the end of input."""
    recipients = InlineRecipients(messages)
    await recipients.start()
    print(
        json.dumps(
            {"url": recipients.url, "token": recipients.token, "users": recipients.user_ids}
        ),
        flush=True,
    )
    loop = asyncio.get_running_loop()
    while line := await loop.run_in_executor(None, sys.stdin.readline):
        if line.strip() == "received":
            print(json.dumps(await recipients.received()), flush=True)
        elif line.strip() == "cpu":
            print(json.dumps(time.process_time()), flush=True)
    await recipients.close()


async def run(messages: int, rate: float, mode: str) -> None:
    """Queue `messages` due now, deliver them at `rate`, print what was achieved."""
    recipients: Recipients
    if mode == "process":
        recipients = ProcessRecipients()
        await recipients.start(messages)
    else:
        recipients = InlineRecipients(messages)
        await recipients.start()
    with tempfile.TemporaryDirectory() as directory:
        url = f"sqlite+aiosqlite:///{Path(directory) / 'bench.db'}"
        await upgrade(url)
        engine = create_engine(url)
        sessions = create_sessionmaker(engine)
        due = utcnow()
        async with sessions() as session:
            for n, user_id in enumerate(recipients.user_ids):
                await touch_user(session, TelegramProfile(id=user_id, first_name=f"U{n}"))
                await outbox.queue(
                    session,
                    outbox.Entry(
                        key=f"r{n}",
                        recipient_id=user_id,
                        kind=NotificationKind.MESSAGE,
                        due_at=due,
                        payload={"text": f"reminder {n}"},
                    ),
                )
            await session.commit()
        settings = Settings(
            _env_file=None,
            bot_token=recipients.token,
            database_url=url,
            telegram_api_url=recipients.url,
        )
        bot = create_bot(settings)
        sender = TimedSender(bot, per_second=rate)
        sender.done = []
        start, cpu, emulator_cpu = time.monotonic(), time.process_time(), await recipients.cpu()
        while await deliver_due(sessions, sender, decide=decide, now=due + timedelta(seconds=1)):
            pass  # the scheduler's job, run back to back until nothing is left
        elapsed = sender.done[-1] - start
        cpu = (time.process_time() - cpu) / messages * 1000
        emulator_cpu = (await recipients.cpu() - emulator_cpu) / messages * 1000
        shared = "" if mode == "process" else " (the emulator's included)"
        delays = sorted(t - start for t in sender.done)
        received = await recipients.received()
        async with sessions() as session:
            sent = await session.scalar(
                select(func.count()).select_from(Notification).where(Notification.status == "sent")
            )
        achieved = len(sender.done) / elapsed
        p99 = statistics.quantiles(delays, n=100)[98]
        lost = sum(1 for count in received if count == 0)
        print(
            f"limit {rate:>6.0f}/s, emulator {mode:>7}: {achieved:7.1f} msg/s = "
            f"{achieved / rate:.2f} of the limit; delay after due "
            f"p50 {statistics.median(delays):6.1f} s, p99 {p99:6.1f} s; "
            f"lost {lost}, duplicated {sum(received) - messages + lost}, recorded sent {sent}; "
            f"CPU per message: bench {cpu:.2f} ms{shared}"
            + (f", emulator {emulator_cpu:.2f} ms" if mode == "process" else "")
        )
        await bot.session.close()
        await engine.dispose()
    await recipients.close()


async def main() -> None:
    """Parse arguments and run each limit."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--rates", default="30,1000")
    parser.add_argument("--emulator", choices=("process", "inline"), default="process")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)  # the emulator process
    args = parser.parse_args()
    if args.serve is not None:
        await serve(args.serve)
        return
    for rate in (float(r) for r in args.rates.split(",")):
        await run(args.messages, rate, args.emulator)


if __name__ == "__main__":
    asyncio.run(main())

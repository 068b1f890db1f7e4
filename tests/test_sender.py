"""The rate-limited sender's pacing, with a fake clock: one message a second per private
chat, 20 a minute per group, the global rate across chats."""

from __future__ import annotations

import asyncio
from itertools import pairwise
from typing import Any

from bot.sender import GROUP_PER_MINUTE, Outcome, Sender


class FakeBot:
    """Records sends at the fake clock's time."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.sent: list[tuple[float, int]] = []

    async def send_message(self, chat_id: int, text: str, **kwargs: Any) -> None:
        self.sent.append((self.clock.now, chat_id))


class FakeClock:
    """Time that moves only when the sender sleeps."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)


def sender(per_second: float = 1000) -> tuple[Sender, FakeBot, FakeClock]:
    clock = FakeClock()
    bot = FakeBot(clock)
    return Sender(bot, per_second=per_second, sleep=clock.sleep, clock=clock), bot, clock  # type: ignore[arg-type]


async def test_one_message_a_second_to_a_private_chat() -> None:
    send, bot, clock = sender()
    for n in range(5):
        assert await send.send(42, f"m{n}") is Outcome.SENT
    times = [t for t, _chat in bot.sent]
    assert all(b - a >= 1.0 for a, b in pairwise(times))
    # Another chat is not held back by the first one's spacing: it goes at once.
    now = clock.now
    await send.send(43, "other")
    assert bot.sent[-1] == (now, 43)


async def test_twenty_messages_a_minute_to_a_group() -> None:
    send, bot, _clock = sender()
    for n in range(GROUP_PER_MINUTE + 5):
        await send.send(-100, f"m{n}")
    times = [t for t, _chat in bot.sent]
    for i in range(len(times) - GROUP_PER_MINUTE):
        assert times[i + GROUP_PER_MINUTE] - times[i] >= 60  # never 21 within a minute

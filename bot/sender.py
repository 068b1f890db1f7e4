"""One rate-limited sender for everything gigbot sends on its own initiative.

Telegram allows about 30 messages a second overall, one a second to a private chat and
20 a minute to a group. The sender keeps below that (a global leaky bucket from
aiolimiter, default 25/s; per-chat spacing), waits out a 429's `retry_after`, retries
5xx and network errors with backoff, and reports a 403 (the user blocked the bot) so
the caller stops trying.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, TypeVar

from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiolimiter import AsyncLimiter

log = logging.getLogger(__name__)
T = TypeVar("T")

PRIVATE_INTERVAL = 1.0  # seconds between two messages to one private chat
GROUP_PER_MINUTE = 20
RETRIES = 4  # for 5xx and network errors (429s are waited out, not counted)
BACKOFF = 0.5  # seconds, doubled after each failed try
MAX_TRACKED_CHATS = 10_000  # beyond this, idle chats' pacing state is forgotten


class Outcome(Enum):
    """How a send ended."""

    SENT = "sent"
    BLOCKED = "blocked"  # 403: the user blocked the bot, or was deactivated
    REJECTED = "rejected"  # 400: the message or chat is wrong; retrying will not help
    FAILED = "failed"  # 5xx or network errors outlasted the retries


@dataclass
class Sender:
    """Sends messages within Telegram's limits; one per bot instance."""

    bot: Bot
    per_second: float = 25.0
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    clock: Callable[[], float] = time.monotonic
    _global: AsyncLimiter = field(init=False)
    _next_private: dict[int, float] = field(default_factory=dict, init=False)
    # Told each result: ok, 429, 403, 400, 5xx, retried, failed (bot.metrics counts them).
    count: Callable[[str], None] = field(default=lambda _result: None)
    _group_sends: dict[int, deque[float]] = field(default_factory=dict, init=False)
    _locks: dict[int, asyncio.Lock] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        # A bucket of a tenth of a second's messages: smooth, with no burst above the rate.
        self._global = AsyncLimiter(max(self.per_second / 10, 1), 0.1)

    async def send(self, chat_id: int, text: str, **kwargs: Any) -> Outcome:
        """Send `text` to `chat_id` (HTML), waiting for the limits; never raises for
        Telegram's answers."""
        outcome, _ = await self.call(
            chat_id, lambda: self.bot.send_message(chat_id, text, **kwargs)
        )
        return outcome

    async def call(
        self, chat_id: int, request: Callable[[], Awaitable[T]]
    ) -> tuple[Outcome, T | None]:
        """Make a Bot API request concerning `chat_id` (post, edit, delete) within the
        same limits and retries as `send`; its result when it was made."""
        lock = self._locks.setdefault(chat_id, asyncio.Lock())
        async with lock:  # one message at a time per chat keeps the per-chat spacing exact
            await self._wait_for_chat(chat_id)
            outcome, result = await self._with_retries(chat_id, request)
            self._record(chat_id)
            return outcome, result

    async def _with_retries(
        self, chat_id: int, request: Callable[[], Awaitable[T]]
    ) -> tuple[Outcome, T | None]:
        failures = 0
        while True:
            async with self._global:
                try:
                    result = await request()
                    self.count("ok")
                    return Outcome.SENT, result
                except TelegramRetryAfter as error:
                    self.count("429")
                    log.warning("429 from Telegram: waiting %s s", error.retry_after)
                    await self.sleep(float(error.retry_after))
                except TelegramForbiddenError:
                    self.count("403")
                    return Outcome.BLOCKED, None
                except TelegramBadRequest as error:
                    self.count("400")
                    log.warning("message to chat %s refused: %s", chat_id, error.message)
                    return Outcome.REJECTED, None
                except (TelegramServerError, TelegramNetworkError) as error:
                    self.count("5xx")
                    failures += 1
                    if failures > RETRIES:
                        self.count("failed")
                        log.warning(
                            "giving up on chat %s after %s tries: %s", chat_id, failures, error
                        )
                        return Outcome.FAILED, None
                    await self.sleep(BACKOFF * 2 ** (failures - 1))
            self.count("retried")

    async def _wait_for_chat(self, chat_id: int) -> None:
        now = self.clock()
        if chat_id > 0:  # a private chat
            wait = self._next_private.get(chat_id, 0.0) - now
        else:  # a group: at most GROUP_PER_MINUTE in any minute
            sends = self._group_sends.setdefault(chat_id, deque())
            while sends and now - sends[0] >= 60:
                sends.popleft()
            wait = 60 - (now - sends[0]) if len(sends) >= GROUP_PER_MINUTE else 0.0
        if wait > 0:
            await self.sleep(wait)

    def _record(self, chat_id: int) -> None:
        now = self.clock()
        if chat_id > 0:
            self._next_private[chat_id] = now + PRIVATE_INTERVAL
        else:
            self._group_sends.setdefault(chat_id, deque()).append(now)
        if len(self._locks) > MAX_TRACKED_CHATS:
            self._forget_idle(now)

    def _forget_idle(self, now: float) -> None:
        """Drop the pacing state of chats nobody is sending to (it has expired anyway)."""
        for chat_id in [c for c, lock in self._locks.items() if not lock.locked()]:
            if self._next_private.get(chat_id, 0.0) <= now and not self._group_sends.get(chat_id):
                self._locks.pop(chat_id, None)
                self._next_private.pop(chat_id, None)
                self._group_sends.pop(chat_id, None)

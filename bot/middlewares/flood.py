"""Per-user flood control: a token bucket per user, in this process (in Redis, shared by
every instance, when REDIS_URL is set: bot/redis_flood.py)."""

from __future__ import annotations

import enum
import time
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from aiogram import BaseMiddleware
from aiogram.types import CallbackQuery, Message, TelegramObject, User

from bot.config import Locale
from bot.i18n import pick_locale, translator
from bot.middlewares.note import NOTE, UpdateNote


class Verdict(enum.Enum):
    """What flood control says of one update."""

    ALLOW = "allow"
    WARN = "warn"  # refused, and the person is told to slow down (once per flood)
    DROP = "drop"  # refused silently: they have been told


class TokenBucket:
    """Allows `burst` events at once and `rate` per second after that, per key."""

    def __init__(self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic):
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._buckets: dict[int, tuple[float, float]] = {}
        self._warned: set[int] = set()

    def take(self, key: int) -> bool:
        """Spend one token of `key`; False when none is left."""
        now = self._clock()
        tokens, last = self._buckets.get(key, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - last) * self.rate)
        if len(self._buckets) > 50_000:
            self._forget_full(now)
        if tokens < 1:
            self._buckets[key] = (tokens, now)
            return False
        self._buckets[key] = (tokens - 1, now)
        return True

    async def allow(self, key: int) -> Verdict:
        """FloodBucket.allow: `take` in this process, warning once per flood."""
        if self.take(key):
            self._warned.discard(key)
            return Verdict.ALLOW
        if key in self._warned:
            return Verdict.DROP
        if len(self._warned) > 10_000:  # flooders who never came back; forget them
            self._warned.clear()
        self._warned.add(key)
        return Verdict.WARN

    def _forget_full(self, now: float) -> None:
        """Drop buckets that have refilled, so memory stays bounded."""
        full_after = self.burst / self.rate
        self._buckets = {
            key: value for key, value in self._buckets.items() if now - value[1] < full_after
        }


class FloodBucket(Protocol):
    """Where a user's tokens are counted."""

    async def allow(self, key: int) -> Verdict:
        """Spend one token of `key`: PASS, or WARN the first time none is left in a
        flood, DROP after that."""


class FloodMiddleware(BaseMiddleware):
    """Drops a user's updates beyond the limit, telling them once per flood to slow down.

    With Redis the bucket is shared, so the limit holds whichever instance an update
    reaches; without it, in this process.
    """

    def __init__(self, bucket: FloodBucket, default_locale: Locale) -> None:
        self._bucket = bucket
        self._default_locale = default_locale

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        user: User | None = data.get("event_from_user")
        if user is None:
            return await handler(event, data)
        verdict = await self._bucket.allow(user.id)
        if verdict is Verdict.ALLOW:
            return await handler(event, data)
        note: UpdateNote | None = data.get(NOTE)
        if note is not None:
            note.outcome = "flood"
        _ = translator(pick_locale(None, user.language_code, self._default_locale))
        inner = getattr(event, "event", None)
        if isinstance(inner, CallbackQuery):  # a press is answered whatever the verdict
            await inner.answer(_.text("flood.slow_down"))
        elif isinstance(inner, Message) and verdict is Verdict.WARN:
            await inner.answer(_("flood.slow_down"))
        return None

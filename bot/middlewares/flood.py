"""Per-user flood control: a token bucket per user, in this process."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import CallbackQuery, Message, TelegramObject, User

from bot.config import Locale
from bot.i18n import pick_locale, translator


class TokenBucket:
    """Allows `burst` events at once and `rate` per second after that, per key."""

    def __init__(self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic):
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._buckets: dict[int, tuple[float, float]] = {}

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

    def _forget_full(self, now: float) -> None:
        """Drop buckets that have refilled, so memory stays bounded."""
        full_after = self.burst / self.rate
        self._buckets = {
            key: value for key, value in self._buckets.items() if now - value[1] < full_after
        }


class FloodMiddleware(BaseMiddleware):
    """Drops a user's updates beyond the limit, telling them once per flood to slow down.

    Limits are per bot process; behind a load balancer each instance counts its own share.
    """

    def __init__(self, bucket: TokenBucket, default_locale: Locale) -> None:
        self._bucket = bucket
        self._default_locale = default_locale
        self._warned: set[int] = set()

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        user: User | None = data.get("event_from_user")
        if user is None or self._bucket.take(user.id):
            if user is not None:
                self._warned.discard(user.id)
            return await handler(event, data)
        _ = translator(pick_locale(None, user.language_code, self._default_locale))
        inner = getattr(event, "event", None)
        if isinstance(inner, CallbackQuery):
            await inner.answer(_.text("flood.slow_down"))
        elif isinstance(inner, Message) and user.id not in self._warned:
            await inner.answer(_("flood.slow_down"))
        if len(self._warned) > 10_000:  # flooders who never came back; forget them
            self._warned.clear()
        self._warned.add(user.id)
        return None

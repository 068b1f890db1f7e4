"""The outermost update middleware: each update counted and timed for `/metrics`, and
one log event per update (update id, a hashed user id, handler, duration, outcome).

The user id is hashed with a key derived from the bot token: the log can tell one
person's updates apart without naming them, and ids (a small space) cannot be found
again by hashing every candidate without the token.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.types import TelegramObject, Update
from aiogram.types import User as TelegramUser

from bot.metrics import Metrics
from bot.middlewares.note import NOTE, UpdateNote
from bot.middlewares.once import IN_FLIGHT

log = logging.getLogger("gigbot.updates")


def user_hasher(token: str) -> Callable[[int], str]:
    """A keyed hash of user ids for logs (16 hex digits)."""
    key = hashlib.sha256(b"gigbot log ids:" + token.encode()).digest()[:32]

    def hashed(user_id: int) -> str:
        return hashlib.blake2b(str(user_id).encode(), key=key, digest_size=8).hexdigest()

    return hashed


class Measured(BaseMiddleware):
    """Counts, times and logs every update; `log_level` is INFO with JSON logs (the
    event is the point) and DEBUG with text logs (a line per update is noise there)."""

    def __init__(self, metrics: Metrics, hash_user: Callable[[int], str], log_level: int) -> None:
        self._metrics = metrics
        self._hash = hash_user
        self._level = log_level

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        if not isinstance(event, Update):
            return await handler(event, data)
        kind = event.event_type
        note = data[NOTE] = UpdateNote()
        started = time.perf_counter()
        outcome = "error"
        try:
            result = await handler(event, data)
            if result is IN_FLIGHT:
                outcome = "in_flight"
            elif note.outcome is not None:
                outcome = note.outcome
            elif result is UNHANDLED:
                outcome = "unhandled"
            else:
                outcome = "handled"
            return result
        finally:
            seconds = time.perf_counter() - started
            self._metrics.updates.labels(kind, outcome).inc()
            self._metrics.update_seconds.labels(kind).observe(seconds)
            if outcome == "error":
                self._metrics.errors.labels("update").inc()
            if log.isEnabledFor(self._level):
                user: TelegramUser | None = data.get("event_from_user")
                log.log(
                    self._level,
                    "update %s %s: %s in %.1f ms",
                    event.update_id,
                    kind,
                    outcome,
                    seconds * 1000,
                    extra={
                        "event": {
                            "update_id": event.update_id,
                            "type": kind,
                            "user": self._hash(user.id) if user else None,
                            "handler": note.handler,
                            "duration_ms": round(seconds * 1000, 2),
                            "outcome": outcome,
                        }
                    },
                )

"""The note an update carries through the middlewares: which handler took it, and how
a layer that dropped it (flood control, a duplicate) ended it; bot.middlewares.measured
reads it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject

NOTE = "update_note"  # the key of the UpdateNote in the middleware data


@dataclass
class UpdateNote:
    """What the inner layers tell the outermost one about an update."""

    handler: str | None = None
    outcome: str | None = None  # set by a layer that drops the update (flood, duplicate)


class NoteHandler(BaseMiddleware):
    """Inner middleware of every event type: records which handler took the update."""

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        note: UpdateNote | None = data.get(NOTE)
        chosen = data.get("handler")
        if note is not None and chosen is not None:
            callback = chosen.callback
            note.handler = f"{callback.__module__}.{getattr(callback, '__qualname__', '?')}"
        return await handler(event, data)

"""Drops updates whose sender is missing or not a possible Telegram user."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update
from aiogram.types import User as TelegramUser

from services.input_values import USER_ID_MAX

log = logging.getLogger(__name__)

# Updates that come from a chat rather than a person, and so carry no `from`.
WITHOUT_SENDER = frozenset({"channel_post", "edited_channel_post", "poll"})


class SenderCheck(BaseMiddleware):
    """Outermost update middleware: an update must come from a user id in 1..2^63-1.

    Telegram ids are positive; gigbot keeps 0 and negative ids for erased accounts, so a
    forged update claiming one must never reach `users`. Such updates, and messages or
    button presses without `from`, are dropped with a DEBUG line.
    """

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        sender: TelegramUser | None = data.get("event_from_user")
        kind = event.event_type if isinstance(event, Update) else type(event).__name__
        if sender is None and kind not in WITHOUT_SENDER:
            log.debug("dropped a %s update without a sender", kind)
            return None
        if sender is not None and not 1 <= sender.id <= USER_ID_MAX:
            log.debug("dropped a %s update from an impossible user id", kind)
            return None
        return await handler(event, data)

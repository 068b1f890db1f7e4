"""The update middleware just inside the metrics: an update already handled, here or on
another instance, is skipped (see bot.update_claims)."""

from __future__ import annotations

import asyncio
import enum
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update

from bot.middlewares.note import NOTE, UpdateNote
from bot.update_claims import Claim, UpdateClaims

log = logging.getLogger(__name__)

BUSY_RETRY_SECONDS = 0.5


class InFlight(enum.Enum):
    """What the dispatcher returns for an update another delivery of which is being
    handled; the webhook answers 503, so that Telegram delivers it again later."""

    UPDATE = "in flight"


IN_FLIGHT = InFlight.UPDATE


class HandledOnce(BaseMiddleware):
    """Claims each update before handling it and marks it done after.

    `wait_when_busy`: polling waits for another delivery's claim to end (it cannot ask
    for the update again); the webhook gets IN_FLIGHT back instead.
    """

    def __init__(self, claims: UpdateClaims, *, wait_when_busy: bool) -> None:
        self.claims = claims
        self._wait = wait_when_busy

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        if not isinstance(event, Update):
            return await handler(event, data)
        update_id = event.update_id
        while (found := await self.claims.claim(update_id)) is Claim.BUSY:
            if not self._wait:
                return IN_FLIGHT
            await asyncio.sleep(BUSY_RETRY_SECONDS)
        if found is Claim.DONE:
            log.debug("update %s was handled already; skipped", update_id)
            note: UpdateNote | None = data.get(NOTE)
            if note is not None:
                note.outcome = "duplicate"
            return None
        try:
            result = await handler(event, data)
        except asyncio.CancelledError:
            await asyncio.shield(self.claims.release(update_id))
            raise
        except Exception:
            # Handled, if badly: delivering it again would fail the same way.
            await self.claims.finish(update_id)
            raise
        await self.claims.finish(update_id)
        return result

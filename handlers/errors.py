"""The error handler: log without secrets, apologise to the user instead of silence."""

from __future__ import annotations

import logging
from contextlib import suppress

from aiogram import Router
from aiogram.exceptions import TelegramAPIError
from aiogram.types import ErrorEvent

from bot.i18n import Translator, translator

log = logging.getLogger(__name__)


async def on_error(event: ErrorEvent, _: Translator | None = None) -> None:
    """Log the failure (the log filter hides the token) and answer the user briefly."""
    log.error(
        "update %s failed: %s",
        event.update.update_id,
        type(event.exception).__name__,
        exc_info=event.exception,
    )
    _ = _ or translator("en")
    update = event.update
    with suppress(TelegramAPIError):
        if update.callback_query is not None:
            query = update.callback_query
            if query.bot is not None:
                await query.bot.send_message(query.from_user.id, _("common.error"))
        elif update.message is not None and update.message.chat.type == "private":
            await update.message.answer(_("common.error"))


def build_router() -> Router:
    """The error handler for every update."""
    router = Router(name="errors")
    router.errors.register(on_error)
    return router

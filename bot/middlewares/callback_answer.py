"""Answers every callback query after its handler; failing to answer is not the user's error."""

from __future__ import annotations

import logging
from typing import Any

from aiogram.exceptions import TelegramAPIError
from aiogram.types import CallbackQuery
from aiogram.utils.callback_answer import CallbackAnswer, CallbackAnswerMiddleware

log = logging.getLogger(__name__)


class CallbackAnswers(CallbackAnswerMiddleware):
    """aiogram's CallbackAnswerMiddleware, but an answer Telegram refuses is logged at DEBUG.

    A callback delivered twice, or handled after Telegram's answer deadline, cannot be
    answered any more ("query is too old"): the change was committed and the user already
    sees its result, so apologising for it would be wrong. aiogram's own INFO line per
    answer is left out too: an idle-by-default log should not grow with every press.
    """

    def answer(self, event: CallbackQuery, callback_answer: CallbackAnswer) -> Any:
        """Answer `event` as the handler set `callback_answer`; never raises a Bot API error."""
        return self._answer_quietly(event, callback_answer)

    async def _answer_quietly(self, event: CallbackQuery, callback_answer: CallbackAnswer) -> None:
        try:
            await event.answer(
                text=callback_answer.text,
                show_alert=callback_answer.show_alert,
                url=callback_answer.url,
                cache_time=callback_answer.cache_time,
            )
        except TelegramAPIError as error:
            log.debug("callback query %s not answered: %s", event.id, type(error).__name__)

"""Small async filters (aiogram runs sync filters in a worker thread, which is slow)."""

from __future__ import annotations

from aiogram.filters import Filter
from aiogram.types import CallbackQuery, Message


class PrivateChat(Filter):
    """Passes messages and callback queries that come from a private chat."""

    async def __call__(self, event: Message | CallbackQuery) -> bool:
        message = event.message if isinstance(event, CallbackQuery) else event
        return message is not None and message.chat.type == "private"


class HasText(Filter):
    """Passes messages that carry text."""

    async def __call__(self, message: Message) -> bool:
        return message.text is not None


class HasLocation(Filter):
    """Passes messages that carry a shared location."""

    async def __call__(self, message: Message) -> bool:
        return message.location is not None

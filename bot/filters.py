"""Small async filters (aiogram runs sync filters in a worker thread, which is slow)."""

from __future__ import annotations

from typing import Any

from aiogram.filters import Filter
from aiogram.types import CallbackQuery, Message

from services.geo import GeoPoint


class PrivateChat(Filter):
    """Passes messages and callback queries that come from a private chat."""

    async def __call__(self, event: Message | CallbackQuery) -> bool:
        message = event.message if isinstance(event, CallbackQuery) else event
        return message is not None and message.chat.type == "private"


class HasText(Filter):
    """Passes messages that carry text."""

    async def __call__(self, message: Message) -> bool:
        return message.text is not None


def shared_point(message: Message) -> GeoPoint | None:
    """The message's shared location, if it has one with coordinates in range."""
    location = message.location
    if location is None:
        return None
    point = GeoPoint(location.latitude, location.longitude)
    return point if point.is_valid() else None


class SharedPoint(Filter):
    """Passes messages that carry a shared location with coordinates in range, handing the
    handler `point` (a GeoPoint); a location with coordinates out of range does not pass."""

    async def __call__(self, message: Message) -> bool | dict[str, Any]:
        point = shared_point(message)
        return {"point": point} if point is not None else False

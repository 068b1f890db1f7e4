"""Small async filters (aiogram runs sync filters in a worker thread, which is slow)."""

from __future__ import annotations

from typing import Any

from aiogram.filters import Filter
from aiogram.types import CallbackQuery, ChatMemberUpdated, Message

from services.geo import GeoPoint


class PrivateChat(Filter):
    """Passes messages, callback queries and chat member updates of a private chat."""

    async def __call__(self, event: Message | CallbackQuery | ChatMemberUpdated) -> bool:
        if isinstance(event, ChatMemberUpdated):
            return event.chat.type == "private"
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


class GroupOrChannel(Filter):
    """Passes messages and chat member updates from a group, supergroup or channel."""

    async def __call__(self, event: Message | ChatMemberUpdated) -> bool:
        return event.chat.type in ("group", "supergroup", "channel")


class SharedChat(Filter):
    """Passes the message Telegram sends when someone picks a chat with a `request_chat`
    button (`chat_shared`)."""

    async def __call__(self, message: Message) -> bool:
        return message.chat_shared is not None


class PaidMessage(Filter):
    """Passes the service message of a successful payment."""

    async def __call__(self, message: Message) -> bool:
        return message.successful_payment is not None


class GroupMigrated(Filter):
    """Passes the service message of a group upgraded to a supergroup (in the old chat)."""

    async def __call__(self, message: Message) -> bool:
        return message.migrate_to_chat_id is not None

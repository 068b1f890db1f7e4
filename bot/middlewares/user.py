"""Keeps the user's row current and hands it to handlers as `user`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject
from aiogram.types import User as TelegramUser
from sqlalchemy.ext.asyncio import AsyncSession

from services.users import TelegramProfile, touch_user


class UserMiddleware(BaseMiddleware):
    """Upserts the sender in its own short transaction before the handler runs.

    Committing here keeps SQLite's write lock short, and the user row exists even if the
    handler fails afterwards.
    """

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        sender: TelegramUser | None = data.get("event_from_user")
        if sender is not None and not sender.is_bot:
            session: AsyncSession = data["session"]
            data["user"] = await touch_user(
                session,
                TelegramProfile(
                    id=sender.id,
                    first_name=sender.first_name,
                    last_name=sender.last_name,
                    username=sender.username,
                    language_code=sender.language_code,
                ),
            )
            await session.commit()
        return await handler(event, data)

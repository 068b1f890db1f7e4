"""Keeps the user's row current and hands it to handlers as `user`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject
from aiogram.types import User as TelegramUser
from sqlalchemy.ext.asyncio import AsyncSession

from models import utcnow
from services.users import TelegramProfile, current_user, upsert_user


class UserMiddleware(BaseMiddleware):
    """Hands the handler the sender's row, upserted in its own short transaction when it
    is new, changed or not seen for a while (services.users.TOUCH_EVERY).

    Committing the upsert keeps SQLite's write lock short, and the user row exists even
    if the handler fails afterwards; a row that is current is only read, and the
    handler's work continues in that transaction.
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
            profile = TelegramProfile(
                id=sender.id,
                first_name=sender.first_name,
                last_name=sender.last_name,
                username=sender.username,
                language_code=sender.language_code,
            )
            now = utcnow()
            user = await current_user(session, profile, now=now)
            if user is None:
                user = await upsert_user(session, profile, now=now)
                await session.commit()
            data["user"] = user
        return await handler(event, data)

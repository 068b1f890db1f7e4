"""Chooses each update's language and time zone and hands `_` and `tz` to handlers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from zoneinfo import ZoneInfo

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject
from aiogram.types import User as TelegramUser

from bot.config import Locale
from bot.i18n import pick_locale, translator
from models import User


class I18nMiddleware(BaseMiddleware):
    """Sets `_` (a Translator), `locale` and `tz` (ZoneInfo) in the handler data."""

    def __init__(self, default_locale: Locale, default_timezone: str) -> None:
        self._default_locale = default_locale
        self._default_timezone = default_timezone

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        user: User | None = data.get("user")
        sender: TelegramUser | None = data.get("event_from_user")
        locale = pick_locale(
            user.language if user else None,
            sender.language_code if sender else None,
            self._default_locale,
        )
        data["locale"] = locale
        data["_"] = translator(locale)
        data["tz"] = ZoneInfo((user.timezone if user else None) or self._default_timezone)
        return await handler(event, data)

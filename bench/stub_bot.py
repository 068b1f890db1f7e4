"""What the in-process benches share: a bench bot's settings, and a Bot API session that
answers every method at once, as Telegram would a plain sendMessage."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any, cast

from aiogram import Bot
from aiogram.client.session.base import BaseSession
from aiogram.methods import TelegramMethod
from aiogram.methods.base import TelegramType

from bot.config import Settings

TOKEN = "123456789:AAbenchBENCHbenchBENCHbenchBENCH12345"  # noqa: S105 - not a real token


def bench_settings(database_url: str) -> Settings:
    """A bench bot on `database_url`: no .env, and no flood control in the way."""
    return Settings(
        _env_file=None,
        bot_token=TOKEN,
        database_url=database_url,
        flood_rate=1e9,
        flood_burst=10**9,
    )


class StubSession(BaseSession):
    """Answers every method as Telegram would for a plain sendMessage, without I/O."""

    async def make_request(
        self, bot: Bot, method: TelegramMethod[TelegramType], timeout: int | None = None
    ) -> TelegramType:
        return self.answer(method, getattr(method, "chat_id", 1), 1)

    @staticmethod
    def answer(method: TelegramMethod[TelegramType], chat_id: Any, message_id: int) -> TelegramType:
        """The method's result: a message `message_id` in `chat_id`, or True."""
        payload: Any = {
            "message_id": message_id,
            "date": 0,
            "text": "ok",
            "chat": {"id": chat_id, "type": "private", "first_name": "x"},
        }
        returning: Any = method.__returning__
        result: Any = (
            returning.model_validate(payload) if hasattr(returning, "model_validate") else True
        )
        return cast(TelegramType, result)

    async def close(self) -> None:
        """Nothing to close."""

    def stream_content(self, *args: Any, **kwargs: Any) -> AsyncGenerator[bytes, None]:
        """Not used by the benches."""
        raise NotImplementedError

"""Keep aiogram's parsed-response models alive for the life of the process.

aiogram validates every Bot API answer with `Response[<the method's result type>]`, a
pydantic generic model built on first use. pydantic caches such models in a
`WeakValueDictionary`: once nothing else refers to one, the next garbage collection
drops it and the next request builds it again — about 10 ms of CPU each time, which in
a busy process happens every few hundred requests (measured with `bench.reminders`:
50 rebuilds while sending 5,000 messages). Holding each one here builds it once.
"""

from __future__ import annotations

from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType


class KeepResponseModels(BaseRequestMiddleware):
    """Bot API request middleware: holds `Response[T]` of every result type used."""

    def __init__(self) -> None:
        self._models: dict[Any, type[Response[Any]]] = {}

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        result_type = method.__returning__
        if result_type not in self._models:
            self._models[result_type] = Response[result_type]  # type: ignore[valid-type]
        return await make_request(bot, method)

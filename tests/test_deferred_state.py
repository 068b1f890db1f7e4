"""Dialogue writes take effect once the update has been handled: inside an update they
are buffered (and read back), stored when the handler returns, and dropped when it is
cancelled (the instance stopping: the update is delivered again, from the dialogue as
it was)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiogram.fsm.storage.base import StorageKey
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.types import TelegramObject

from bot.deferred_state import DeferredStorage, DeferredWrites

KEY = StorageKey(bot_id=1, chat_id=7, user_id=7)


async def test_writes_land_after_the_handler_and_are_read_back_before() -> None:
    inner = MemoryStorage()
    storage = DeferredStorage(inner)
    await storage.set_state(KEY, "Booking:confirm")  # outside an update: at once
    assert await inner.get_state(KEY) == "Booking:confirm"
    seen: dict[str, Any] = {}

    async def handler(_event: TelegramObject, _data: dict[str, Any]) -> str:
        await storage.set_state(KEY, None)
        await storage.set_data(KEY, {"booked": 12})
        seen["state"] = await storage.get_state(KEY)
        seen["data"] = await storage.get_data(KEY)
        seen["stored while handling"] = await inner.get_state(KEY)
        return "done"

    assert await DeferredWrites(storage)(handler, TelegramObject(), {}) == "done"
    assert seen == {
        "state": None,
        "data": {"booked": 12},
        "stored while handling": "Booking:confirm",  # a crash here leaves the dialogue
    }
    assert await inner.get_state(KEY) is None
    assert await inner.get_data(KEY) == {"booked": 12}


async def test_a_cancelled_update_stores_nothing() -> None:
    inner = MemoryStorage()
    storage = DeferredStorage(inner)
    await inner.set_state(KEY, "Booking:confirm")
    started = asyncio.Event()

    async def handler(_event: TelegramObject, _data: dict[str, Any]) -> None:
        await storage.set_state(KEY, None)
        started.set()
        await asyncio.Event().wait()  # stopped here

    task = asyncio.create_task(DeferredWrites(storage)(handler, TelegramObject(), {}))
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await inner.get_state(KEY) == "Booking:confirm"


async def test_a_failed_update_stores_its_writes_as_aiogram_would() -> None:
    inner = MemoryStorage()
    storage = DeferredStorage(inner)

    async def handler(_event: TelegramObject, _data: dict[str, Any]) -> None:
        await storage.set_state(KEY, "Reviews:comment")
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        await DeferredWrites(storage)(handler, TelegramObject(), {})
    assert await inner.get_state(KEY) == "Reviews:comment"

"""An update's session keeps what it loaded for as long as the update."""

from __future__ import annotations

import gc
from typing import Any

from aiogram.types import TelegramObject
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.db import create_sessionmaker
from bot.middlewares.database import DatabaseMiddleware
from models import User


async def test_a_row_read_twice_in_one_update_is_read_once(engine: AsyncEngine) -> None:
    sessions = create_sessionmaker(engine)
    async with sessions() as session:
        session.add(User(id=7, first_name="Pat"))
        await session.commit()
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    async def handler(_event: TelegramObject, data: dict[str, Any]) -> None:
        session: AsyncSession = data["session"]
        assert await session.get(User, 7) is not None  # and let go of at once
        gc.collect()
        assert await session.get(User, 7) is not None

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        await DatabaseMiddleware(sessions)(handler, TelegramObject(), {})
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)
    assert [s for s in statements if "FROM users" in s] == [statements[0]]

"""Transactions around updates: committed before the bot speaks; concurrent users are safe."""

from __future__ import annotations

import asyncio
import logging

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from emulator import Emulator, Fault
from tests.helpers import stored_user


async def test_a_change_is_durable_before_the_bot_talks_about_it(
    tg: Emulator, engine: AsyncEngine
) -> None:
    alice = tg.user("Alice")
    await alice.send("/settings")
    await alice.press("Language")
    # Telegram fails the confirmation edit: the handler raises after saving.
    tg.inject(Fault(method="editMessageText", status=500, description="Internal Server Error"))
    await alice.press("Español")
    assert (await stored_user(engine, alice.id)).language == "es"


async def test_many_users_at_once_all_get_answers(
    tg: Emulator, engine: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR)
    people = [tg.user(f"User {n}", language=("en", "ru", "es")[n % 3]) for n in range(40)]
    replies = await asyncio.gather(*(person.send("/start") for person in people))
    assert all(reply is not None and "User" in (reply.text or "") for reply in replies)
    assert "database is locked" not in caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    for person in people:
        assert (await stored_user(engine, person.id)).first_name == person.account.first_name

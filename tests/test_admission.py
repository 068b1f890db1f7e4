"""Admission: a burst of updates is worked on a few at a time, first come first served,
an update coming back from a Bot API call goes before new ones, and the database pool
is never asked for more connections than that."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from aiogram.types import Update
from sqlalchemy import event

from bot.app import create_bot
from bot.config import Settings
from bot.db import create_engine, create_sessionmaker
from bot.dispatcher import build_dispatcher, create_storage
from bot.middlewares import Gate
from emulator import Emulator, Fault
from emulator.harness import make_settings
from tests.databases import empty_pg_database, sqlite_copy


async def test_the_gate_lets_in_first_come_first_served_and_returning_work_first() -> None:
    gate = Gate(1)
    order: list[str] = []
    await gate.enter()  # one update inside

    async def arrive(name: str, *, returning: bool = False) -> None:
        await gate.enter(returning=returning)
        order.append(name)

    waiting = [asyncio.create_task(arrive(name)) for name in ("new 1", "new 2")]
    await asyncio.sleep(0)
    waiting.append(asyncio.create_task(arrive("back from Telegram", returning=True)))
    await asyncio.sleep(0)
    assert gate.waiting == 3
    for _ in range(3):
        gate.leave()
        await asyncio.sleep(0)
    assert order == ["back from Telegram", "new 1", "new 2"]
    await asyncio.gather(*waiting)


async def test_a_cancelled_waiter_passes_its_slot_on() -> None:
    gate = Gate(1)
    await gate.enter()
    cancelled = asyncio.create_task(gate.enter())
    after = asyncio.create_task(gate.enter())
    await asyncio.sleep(0)
    cancelled.cancel()
    gate.leave()
    await asyncio.wait_for(after, 5)  # the slot went past the cancelled waiter
    gate.leave()
    await gate.enter()  # and nothing was lost or duplicated: exactly one slot is free
    assert gate.waiting == 0
    second = asyncio.create_task(gate.enter())
    for _ in range(10):
        await asyncio.sleep(0)
    assert not second.done()  # no second slot appeared
    second.cancel()


def start(user_id: int, update_id: int) -> Update:
    return Update.model_validate(
        {
            "update_id": update_id,
            "message": {
                "message_id": update_id,
                "date": 1_800_000_000,
                "chat": {"id": user_id, "type": "private"},
                "from": {"id": user_id, "is_bot": False, "first_name": f"U{user_id}"},
                "text": "/start",
                "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
            },
        }
    )


@pytest.mark.postgres
async def test_a_burst_of_100_updates_takes_at_most_the_admitted_connections(
    emulator: Emulator, pg_url: str
) -> None:
    await empty_pg_database(pg_url)
    settings: Settings = make_settings(emulator, pg_url, "polling", update_concurrency=3)
    engine = create_engine(pg_url)  # a pool of 5 + 10: without the gate all 15 are taken
    taken = most = 0

    @event.listens_for(engine.sync_engine, "checkout")
    def _out(*_: object) -> None:
        nonlocal taken, most
        taken += 1
        most = max(most, taken)

    @event.listens_for(engine.sync_engine, "checkin")
    def _in(*_: object) -> None:
        nonlocal taken
        taken -= 1

    storage, isolation = create_storage(settings)
    dispatcher = build_dispatcher(settings, create_sessionmaker(engine), storage, isolation)
    bot = create_bot(settings)
    users = [emulator.user(f"U{n}") for n in range(100)]
    for user in users:
        emulator.private_chat(user.account)
    try:
        await asyncio.gather(
            *(dispatcher.feed_update(bot, start(user.id, n + 1)) for n, user in enumerate(users))
        )
    finally:
        await bot.session.close()
        await engine.dispose()
    assert all(emulator.messages_in(user.id) for user in users)  # every one answered
    assert 1 < most <= 3


async def test_an_update_waiting_for_telegram_lets_the_next_one_in(
    emulator: Emulator, tmp_path: Path, sqlite_template_path: Path
) -> None:
    url = sqlite_copy(sqlite_template_path, tmp_path)
    settings: Settings = make_settings(emulator, url, "polling", update_concurrency=1)
    slow, quick = emulator.user("Slow"), emulator.user("Quick")
    for user in (slow, quick):
        emulator.private_chat(user.account)
    # Telegram takes very long to take the first user's reply.
    held_up = emulator.inject(Fault(method="sendMessage", chat_id=slow.id, status=0, latency=600))
    engine = create_engine(url)
    storage, isolation = create_storage(settings)
    dispatcher = build_dispatcher(settings, create_sessionmaker(engine), storage, isolation)
    bot = create_bot(settings)
    try:
        waiting = asyncio.create_task(dispatcher.feed_update(bot, start(slow.id, 1)))
        while held_up.times:  # noqa: ASYNC110 - the emulator's state, polled until the slow reply is on its way
            await asyncio.sleep(0.01)
        # With one slot, the second update runs only if the first stepped out.
        await asyncio.wait_for(dispatcher.feed_update(bot, start(quick.id, 2)), 30)
        assert emulator.messages_in(quick.id)
        assert not waiting.done()
        waiting.cancel()
    finally:
        await bot.session.close()
        await engine.dispose()

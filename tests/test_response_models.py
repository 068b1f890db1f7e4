"""aiogram's response models are built once per process, not after every garbage
collection (pydantic keeps generic models only weakly)."""

from __future__ import annotations

import gc
import weakref

from aiogram.methods import Response
from aiogram.types import Message

from bot.app import create_bot
from emulator import Emulator
from emulator.harness import make_settings


async def test_the_message_response_model_survives_a_garbage_collection(
    emulator: Emulator,
) -> None:
    user = emulator.user("Anna")
    emulator.private_chat(user.account)
    bot = create_bot(make_settings(emulator, "sqlite+aiosqlite:///unused.db", "polling"))
    try:
        await bot.send_message(user.id, "hello")
        model = weakref.ref(Response[Message])
        gc.collect()
        assert model() is not None  # still there: the next answer is not a rebuild
        await bot.send_message(user.id, "again")
        assert Response[Message] is model()
    finally:
        await bot.session.close()

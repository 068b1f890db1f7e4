"""Per-user flood control and the error handler, seen from the chat."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from emulator import Emulator
from emulator.harness import RunningBot, make_settings, start_bot


@pytest.fixture
async def strict_bot(emulator: Emulator, database_url: str) -> AsyncIterator[RunningBot]:
    # A tiny rate: the test's messages arrive far faster than one per 1000 s refills.
    settings = make_settings(emulator, database_url, "polling", flood_rate=0.001, flood_burst=3)
    bot = await start_bot(settings, emulator)
    yield bot
    await bot.stop()


async def test_a_flooding_user_is_told_once_then_ignored(
    strict_bot: RunningBot, emulator: Emulator
) -> None:
    mallory = emulator.user("Mallory")
    alice = emulator.user("Alice")
    for _ in range(3):
        assert await mallory.send("spam") is not None
    warning = await mallory.send("spam")
    assert warning is not None
    assert "too fast" in (warning.text or "")
    assert await mallory.send("spam") is None  # silence, no reply storm
    # Others are unaffected.
    reply = await alice.send("/start")
    assert reply is not None
    assert "Hi, Alice" in (reply.text or "")


async def test_a_flooding_user_pressing_buttons_still_gets_answers(
    strict_bot: RunningBot, emulator: Emulator
) -> None:
    mallory = emulator.user("Mallory")
    menu = await mallory.send("/start")
    assert menu is not None
    for _ in range(4):
        await mallory.press_callback(menu, "menu-find")  # press() fails if unanswered
    assert mallory.last_answer is not None
    assert "too fast" in (mallory.last_answer["text"] or "")

"""A callback delivered twice, or handled after Telegram's deadline, cannot be answered
again; that is not the user's error, so nobody apologises for a success."""

from __future__ import annotations

import logging

import pytest

from emulator import Emulator


async def test_a_redelivered_callback_gets_no_apology(
    tg: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    alice = tg.user("Alice", language="en")
    await alice.send("/settings")
    assert alice.last is not None
    message = alice.last
    data = message.inline_keyboard[0][0]["callback_data"]
    await alice.press_callback(message, data)
    [query_id] = list(tg.bot.callback_answers)
    payload = {
        "callback_query": {
            "id": query_id,  # the same query again: Telegram refuses a second answer
            "from": alice.account.to_api(),
            "message": message.to_api(),
            "chat_instance": str(message.chat.id),
            "data": data,
        }
    }
    caplog.set_level(logging.DEBUG, logger="bot.middlewares.callback_answer")
    update_id = await tg.push_update(tg.bot, payload)
    await tg.wait_processed(tg.bot, update_id)
    texts = [m.text or "" for m in alice.messages]
    assert not any("went wrong" in text for text in texts)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert any("not answered" in r.getMessage() for r in caplog.records)

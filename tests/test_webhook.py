"""Webhook mode: the secret header is required; updates flow through the real handler."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from bot.emulator import Emulator
from bot.emulator.harness import WEBHOOK_SECRET, RunningBot, make_settings, start_bot


@pytest.fixture
async def webhook_bot(emulator: Emulator, database_url: str) -> AsyncIterator[RunningBot]:
    bot = await start_bot(make_settings(emulator, database_url, "webhook"), emulator)
    yield bot
    await bot.stop()


UPDATE = {
    "update_id": 999,
    "message": {
        "message_id": 1,
        "date": 0,
        "text": "/help",
        "chat": {"id": 1, "type": "private", "first_name": "Eve"},
        "from": {"id": 1, "is_bot": False, "first_name": "Eve"},
    },
}


@pytest.mark.parametrize("headers", [{}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}])
async def test_a_request_without_the_right_secret_gets_401(
    webhook_bot: RunningBot, emulator: Emulator, headers: dict[str, str]
) -> None:
    url = webhook_bot.app.settings.webhook_url
    assert url is not None
    async with (
        aiohttp.ClientSession() as client,
        client.post(url, json=UPDATE, headers=headers) as response,
    ):
        assert response.status == 401
    assert not emulator.calls_of("sendMessage")


async def test_the_bot_registers_its_webhook_with_the_secret(
    webhook_bot: RunningBot, emulator: Emulator
) -> None:
    webhook = emulator.bot.webhook
    assert webhook is not None
    assert webhook.url == webhook_bot.app.settings.webhook_url
    assert webhook.secret_token == WEBHOOK_SECRET
    assert "callback_query" in (emulator.bot.allowed_updates or [])


async def test_health_check_answers(webhook_bot: RunningBot) -> None:
    settings = webhook_bot.app.settings
    async with (
        aiohttp.ClientSession() as client,
        client.get(f"http://127.0.0.1:{settings.webhook_port}/healthz") as response,
    ):
        assert response.status == 200
        assert await response.json() == {"ok": True}


async def test_polling_while_a_webhook_is_set_is_a_conflict(
    webhook_bot: RunningBot, emulator: Emulator
) -> None:
    async with (
        aiohttp.ClientSession() as client,
        client.post(f"{emulator.url}/bot{emulator.bot.token}/getUpdates") as response,
    ):
        body = await response.json()
    assert body["error_code"] == 409

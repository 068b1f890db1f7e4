"""Webhook mode: the secret header is required; updates flow through the real handler."""

from __future__ import annotations

import asyncio
import copy
import json
import logging
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import aiohttp
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from emulator import Emulator
from emulator.harness import WEBHOOK_SECRET, RunningBot, make_settings, start_bot


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


async def raw_post(url: str, headers: bytes, body: bytes) -> int:
    """POST raw bytes (headers as the wire carries them) and return the status code."""
    parts = urlsplit(url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    request = (
        f"POST {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\n".encode()
        + headers
        + f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        "Connection: close\r\n\r\n".encode()
        + body
    )
    writer.write(request)
    await writer.drain()
    status_line = await reader.readline()
    writer.close()
    await writer.wait_closed()
    return int(status_line.split()[1])


SECRET = f"X-Telegram-Bot-Api-Secret-Token: {WEBHOOK_SECRET}\r\n".encode()


async def test_a_secret_with_non_ascii_bytes_gets_401_without_a_traceback(
    webhook_bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    url = webhook_bot.app.settings.webhook_url
    assert url is not None
    for secret in ("tëst-secret_0123456789".encode(), b"\xff\xfe-garbage", "秘密".encode()):
        header = b"X-Telegram-Bot-Api-Secret-Token: " + secret + b"\r\n"
        assert await raw_post(url, header, json.dumps(UPDATE).encode()) == 401
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"\xff\xfe\xfd",
        b"[" * 100_000 + b"]" * 100_000,
        b"[]",
        b'{"update_id": "x"}',
        b'{"message": {"text": "hi"}}',
        b'{"update_id": 5, "message": {"message_id": "m"}}',
    ],
)
async def test_a_body_that_is_not_an_update_gets_400_and_one_warning(
    webhook_bot: RunningBot, caplog: pytest.LogCaptureFixture, body: bytes
) -> None:
    url = webhook_bot.app.settings.webhook_url
    assert url is not None
    caplog.set_level(logging.WARNING)
    assert await raw_post(url, SECRET, body) == 400
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.levelno for r in warnings] == [logging.WARNING]


@pytest.mark.parametrize("sender", [None, 0, -7, 2**63])
async def test_an_update_from_no_one_or_an_impossible_id_is_dropped(
    webhook_bot: RunningBot, emulator: Emulator, engine: AsyncEngine, sender: int | None
) -> None:
    url = webhook_bot.app.settings.webhook_url
    assert url is not None
    update = copy.deepcopy(UPDATE)
    if sender is None:
        del update["message"]["from"]  # type: ignore[attr-defined]
    else:
        update["message"]["from"]["id"] = sender  # type: ignore[index]
    handled = asyncio.Event()
    feed = webhook_bot.app.dispatcher.feed_update

    async def observed(*args: object, **kwargs: object) -> object:
        try:
            return await feed(*args, **kwargs)  # type: ignore[arg-type]
        finally:
            handled.set()

    webhook_bot.app.dispatcher.feed_update = observed  # type: ignore[method-assign]
    assert await raw_post(url, SECRET, json.dumps(update).encode()) == 200
    await asyncio.wait_for(handled.wait(), 10)
    async with engine.connect() as connection:
        assert (await connection.execute(text("SELECT count(*) FROM users"))).scalar() == 0
    assert not emulator.calls_of("sendMessage")

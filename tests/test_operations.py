"""What operators see: /metrics in the Prometheus format, /healthz naming what failed
(webhook and polling), and LOG_FORMAT=json with one event per update."""

from __future__ import annotations

import io
import json
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db import create_engine, create_sessionmaker
from bot.metrics import Health
from emulator import Emulator
from emulator.harness import RunningBot, free_port, make_settings, start_bot
from models import NotificationKind, utcnow
from services import outbox
from services.users import TelegramProfile, touch_user
from tests.test_logging import logging_to_buffer


@pytest.fixture
async def webhook_bot(emulator: Emulator, database_url: str) -> AsyncIterator[RunningBot]:
    bot = await start_bot(make_settings(emulator, database_url, "webhook"), emulator)
    yield bot
    await bot.stop()


async def get(url: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as client, client.get(url) as response:
        return response.status, await response.text()


def samples(exposition: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a /metrics page, by name and labels."""
    found = {}
    for family in text_string_to_metric_families(exposition):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def base(running: RunningBot) -> str:
    return f"http://127.0.0.1:{running.app.settings.webhook_port}"


async def queue_notice(engine: AsyncEngine, user_id: int, key: str, minutes_ago: int) -> None:
    async with create_sessionmaker(engine)() as session:
        await touch_user(session, TelegramProfile(id=user_id, first_name="P"))
        await outbox.queue(
            session,
            outbox.Entry(
                key=key,
                recipient_id=user_id,
                kind=NotificationKind.MESSAGE,
                due_at=utcnow() - timedelta(minutes=minutes_ago),
                payload={"text": f"notice {key}"},
            ),
        )
        await session.commit()


async def test_metrics_count_updates_sends_and_the_outbox(
    webhook_bot: RunningBot, emulator: Emulator, engine: AsyncEngine
) -> None:
    alice, bob = emulator.user("Alice"), emulator.user("Bob")
    await alice.send("/help")
    await bob.send("/start")
    await bob.block_bot()
    await queue_notice(engine, alice.id, "a", minutes_ago=5)
    await queue_notice(engine, bob.id, "b", minutes_ago=2)
    status, page = await get(f"{base(webhook_bot)}/metrics")
    assert status == 200
    found = samples(page)
    handled = (("outcome", "handled"), ("type", "message"))
    assert found[("gigbot_updates_total", handled)] == 2
    assert found[("gigbot_update_seconds_count", (("type", "message"),))] == 2
    assert found[("gigbot_outbox_depth", ())] == 2
    assert 5 * 60 <= found[("gigbot_outbox_lag_seconds", ())] < 6 * 60
    assert found[("gigbot_db_pool_size", ())] >= 1
    assert ("gigbot_db_pool_checked_out", ()) in found
    # The scheduler sends one and meets a 403 for the other.
    await webhook_bot.app.scheduler.run_once()
    found = samples((await get(f"{base(webhook_bot)}/metrics"))[1])
    assert found[("gigbot_sends_total", (("result", "ok"),))] == 1
    assert found[("gigbot_sends_total", (("result", "403"),))] == 1
    assert found[("gigbot_notifications_total", (("status", "sent"),))] == 1
    assert found[("gigbot_outbox_depth", ())] == 0
    assert found[("gigbot_outbox_lag_seconds", ())] == 0


async def test_healthz_is_200_when_all_is_well(webhook_bot: RunningBot) -> None:
    status, body = await get(f"{base(webhook_bot)}/healthz")
    assert (status, json.loads(body)) == (200, {"ok": True})


class StaleScheduler:
    active = True
    last_run = 0.0  # 1970: long ago


async def failing_ping() -> None:
    raise ConnectionError("Error 111 connecting to 127.0.0.1:1. Connection refused.")


async def test_healthz_names_each_failed_check_with_503(webhook_bot: RunningBot) -> None:
    dead = create_engine("postgresql+asyncpg://postgres@127.0.0.1:1/gigbot")
    try:
        webhook_bot.app.health = Health(dead, failing_ping, StaleScheduler(), stale_after=60)
        status, body = await get(f"{base(webhook_bot)}/healthz")
    finally:
        await dead.dispose()
    assert status == 503
    answer = json.loads(body)
    assert answer["ok"] is False
    assert set(answer["failed"]) == {"database", "redis", "scheduler"}
    assert "refused" in answer["failed"]["redis"].lower()
    assert answer["failed"]["scheduler"].startswith("no run finished for")


async def test_polling_serves_healthz_and_metrics_on_the_status_port(
    emulator: Emulator, database_url: str
) -> None:
    port = free_port()
    settings = make_settings(emulator, database_url, "polling", status_port=port)
    from bot.app import listen, status_application

    running = await start_bot(settings, emulator)
    runner = await listen(status_application(running.app), "127.0.0.1", port, "STATUS_PORT")
    try:
        await emulator.user("Carol").send("/help")
        assert (await get(f"http://127.0.0.1:{port}/healthz"))[0] == 200
        status, page = await get(f"http://127.0.0.1:{port}/metrics")
        assert status == 200
        assert (
            samples(page)[("gigbot_updates_total", (("outcome", "handled"), ("type", "message")))]
            == 1
        )
    finally:
        await runner.cleanup()
        await running.stop()


@pytest.fixture
def json_log(emulator: Emulator) -> Iterator[io.StringIO]:
    yield from logging_to_buffer("INFO", [emulator.bot.token], log_format="json")


async def test_json_logs_have_one_event_per_update_without_ids_or_secrets(
    emulator: Emulator, database_url: str, json_log: io.StringIO
) -> None:
    settings = make_settings(emulator, database_url, "polling", log_format="json")
    running = await start_bot(settings, emulator)
    try:
        dave = emulator.user("Dave")
        await dave.send("/help")
        await dave.share_contact("+34 600 123 456")
        menu = next(m for m in dave.messages if m.reply_markup)
        await dave.press_callback(menu, "no-such-button")
    finally:
        await running.stop()
    output = json_log.getvalue()
    events = [json.loads(line) for line in output.splitlines()]  # every line is JSON
    updates = [e for e in events if e["logger"] == "gigbot.updates"]
    assert len(updates) == 3
    first = updates[0]
    assert first["level"] == "INFO"
    assert first["type"] == "message"
    assert first["outcome"] == "handled"
    assert first["handler"].startswith("handlers.")
    assert first["duration_ms"] > 0
    assert isinstance(first["update_id"], int)
    assert len(first["user"]) == 16
    assert {e["user"] for e in updates} == {first["user"]}  # the same person, hashed
    assert updates[2]["type"] == "callback_query"
    assert str(dave.id) not in output
    assert "600 123 456" not in output
    assert "600123456" not in output
    assert emulator.bot.token not in output

"""Each update is handled once: a second delivery (Telegram's retry, another instance,
polling after a crash) is skipped; one arriving while the first is handled gets 503; the
webhook answers after handling unless WEBHOOK_ANSWER=at_once."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import aiohttp
import pytest
import redis.asyncio as redis
from aiogram.types import Update

from bot.app import assemble, close
from bot.middlewares import HandledOnce
from bot.update_claims import DONE_SECONDS, Claim, MemoryClaims, RedisClaims, UpdateClaims
from emulator import Emulator
from emulator.harness import WEBHOOK_SECRET, RunningBot, make_settings, start_bot
from emulator.state import Fault
from tests.databases import unavailable

REDIS_URL = "redis://127.0.0.1:6379/0"


def help_update(update_id: int, user_id: int = 7) -> dict[str, object]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 0,
            "text": "/help",
            "chat": {"id": user_id, "type": "private", "first_name": "Eve"},
            "from": {"id": user_id, "is_bot": False, "first_name": "Eve"},
            "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
        },
    }


@pytest.fixture
async def redis_client() -> AsyncIterator[redis.Redis]:
    client = redis.Redis.from_url(REDIS_URL)
    try:
        await client.ping()
    except (redis.ConnectionError, OSError) as error:
        await client.aclose()
        unavailable("Redis at 127.0.0.1:6379", error)
    yield client
    await client.aclose()


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def test_claims_in_memory_run_out_after_the_lease() -> None:
    clock = Clock()
    claims = MemoryClaims(lease_seconds=30, clock=clock)
    assert await claims.claim(1) is Claim.TAKEN
    assert await claims.claim(1) is Claim.BUSY
    clock.now = 31  # the instance died holding it: the next delivery takes it
    assert await claims.claim(1) is Claim.TAKEN
    await claims.finish(1)
    assert await claims.claim(1) is Claim.DONE
    clock.now += DONE_SECONDS + 1
    assert await claims.claim(1) is Claim.TAKEN
    await claims.release(1)
    assert await claims.claim(1) is Claim.TAKEN


@pytest.mark.redis
async def test_claims_in_redis_are_shared_and_expire(redis_client: redis.Redis) -> None:
    prefix = f"gigbot-test-{uuid.uuid4().hex[:8]}"
    one: UpdateClaims = RedisClaims(redis_client, prefix, lease_seconds=30)
    other: UpdateClaims = RedisClaims(redis_client, prefix, lease_seconds=30)
    try:
        assert await one.claim(5) is Claim.TAKEN
        assert await other.claim(5) is Claim.BUSY
        assert 0 < await redis_client.pttl(f"{prefix}:update:5") <= 30_000
        await one.finish(5)
        assert await other.claim(5) is Claim.DONE
        assert 30 < await redis_client.ttl(f"{prefix}:update:5") <= DONE_SECONDS
        assert await other.claim(6) is Claim.TAKEN
        await other.release(6)
        assert await one.claim(6) is Claim.TAKEN
    finally:
        await redis_client.delete(*[k async for k in redis_client.scan_iter(f"{prefix}:*")])


def replies(emulator: Emulator) -> int:
    return len([call for call in emulator.calls_of("sendMessage") if call.ok])


def eve(emulator: Emulator) -> int:
    """A person who has a chat with the bot; returns their id."""
    person = emulator.user("Eve")
    emulator.private_chat(person.account)
    return person.id


@pytest.mark.redis
async def test_two_instances_sharing_redis_handle_an_update_once(
    emulator: Emulator, database_url: str, redis_client: redis.Redis
) -> None:
    user = eve(emulator)
    prefix = f"gigbot-test-{uuid.uuid4().hex[:8]}"
    settings = make_settings(
        emulator, database_url, "polling", redis_url=REDIS_URL, redis_key_prefix=prefix
    )
    apps = [assemble(settings), assemble(settings)]
    try:
        update = Update.model_validate(help_update(41, user))
        await asyncio.gather(*(app.dispatcher.feed_update(app.bot, update) for app in apps))
        await apps[1].dispatcher.feed_update(apps[1].bot, update)  # polling after a crash
        assert replies(emulator) == 1
        other = Update.model_validate(help_update(42, user))
        await apps[1].dispatcher.feed_update(apps[1].bot, other)
        assert replies(emulator) == 2
    finally:
        for app in apps:
            await close(app)
        await redis_client.delete(*[k async for k in redis_client.scan_iter(f"{prefix}:*")])


def claims_of(running: RunningBot) -> UpdateClaims:
    [once] = [
        m for m in running.app.dispatcher.update.outer_middleware if isinstance(m, HandledOnce)
    ]
    return once.claims


async def post(url: str, body: dict[str, object]) -> tuple[int, str | None]:
    headers = {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}
    async with aiohttp.ClientSession() as client, client.post(url, json=body, headers=headers) as r:
        return r.status, r.headers.get("Retry-After")


async def test_the_webhook_answers_after_handling_and_skips_a_redelivery(
    emulator: Emulator, database_url: str
) -> None:
    user = eve(emulator)
    running = await start_bot(make_settings(emulator, database_url, "webhook"), emulator)
    url = running.app.settings.webhook_url
    assert url is not None
    try:
        assert await post(url, help_update(77, user)) == (200, None)
        assert replies(emulator) == 1  # sent before the 200
        assert await post(url, help_update(77, user)) == (200, None)  # Telegram's retry
        assert replies(emulator) == 1
        # Another instance holds update 78 now: 503, and Telegram delivers it again.
        claims = claims_of(running)
        assert await claims.claim(78) is Claim.TAKEN
        assert await post(url, help_update(78, user)) == (503, "1")
        assert replies(emulator) == 1
        await claims.release(78)  # that instance shut down without handling it
        assert await post(url, help_update(78, user)) == (200, None)
        assert replies(emulator) == 2
    finally:
        await running.stop()


async def test_at_once_answers_before_handling(emulator: Emulator, database_url: str) -> None:
    user = eve(emulator)
    settings = make_settings(emulator, database_url, "webhook", webhook_answer="at_once")
    running = await start_bot(settings, emulator)
    url = running.app.settings.webhook_url
    assert url is not None
    emulator.inject(Fault(method="sendMessage", status=0, latency=5))
    try:
        assert await post(url, help_update(90, user)) == (200, None)
        assert replies(emulator) == 0  # answered while the reply is still on its way
        await emulator.wait_processed(emulator.bot, 90)
        assert replies(emulator) == 1
    finally:
        await running.stop()


@pytest.mark.redis
async def test_the_flood_limit_holds_across_instances(
    emulator: Emulator, database_url: str, redis_client: redis.Redis
) -> None:
    user = eve(emulator)
    prefix = f"gigbot-test-{uuid.uuid4().hex[:8]}"
    settings = make_settings(
        emulator,
        database_url,
        "polling",
        redis_url=REDIS_URL,
        redis_key_prefix=prefix,
        flood_rate=0.001,  # no refill within the test
        flood_burst=3,
    )
    apps = [assemble(settings), assemble(settings)]
    try:
        for number in range(6):  # alternately to each instance, as a load balancer would
            app = apps[number % 2]
            await app.dispatcher.feed_update(
                app.bot, Update.model_validate(help_update(number, user))
            )
        texts = [call.params["text"] for call in emulator.calls_of("sendMessage") if call.ok]
        assert len(texts) == 4  # three answers, then one "too fast" — not three each
        assert "too fast" in texts[3]
        [key] = [k async for k in redis_client.scan_iter(f"{prefix}:*:flood:*")]
        assert str(user).encode() not in key  # the id hashed: nothing to read after erasure
        assert 0 < await redis_client.pttl(key) <= (3 / 0.001 + 1) * 1000
    finally:
        for app in apps:
            await close(app)
        await redis_client.delete(*[k async for k in redis_client.scan_iter(f"{prefix}:*")])

"""With REDIS_URL set, dialogue state lives in Redis (shared by instances, kept on restart)."""

from __future__ import annotations

import uuid

import pytest
import redis.asyncio as redis

from emulator import Emulator
from emulator.harness import make_settings, start_bot
from tests.databases import unavailable

REDIS_URL = "redis://127.0.0.1:6379/0"

pytestmark = pytest.mark.redis


@pytest.fixture
async def redis_client() -> redis.Redis:
    client = redis.Redis.from_url(REDIS_URL)
    try:
        await client.ping()
    except (redis.ConnectionError, OSError) as error:
        await client.aclose()
        unavailable("Redis at 127.0.0.1:6379", error)
    return client


async def test_dialogue_state_is_kept_in_redis_and_survives_a_restart(
    emulator: Emulator, database_url: str, redis_client: redis.Redis
) -> None:
    prefix = f"gigbot-test-{uuid.uuid4().hex[:8]}"
    settings = make_settings(
        emulator, database_url, "polling", redis_url=REDIS_URL, redis_key_prefix=prefix
    )
    try:
        running = await start_bot(settings, emulator)
        alice = emulator.user("Alice")
        await alice.send("/settings")
        await alice.press("Time zone")
        keys = [key.decode() async for key in redis_client.scan_iter(f"{prefix}:*")]
        state_keys = [key for key in keys if key.endswith(":state")]
        assert len(state_keys) == 1
        assert str(alice.id) in state_keys[0]
        assert await redis_client.get(state_keys[0]) == b"SettingsStates:timezone"
        await running.stop()

        # A new instance (same Redis) continues the dialogue where the first left it.
        running = await start_bot(settings, emulator)
        await alice.send("Lisbon")
        assert any("Europe/Lisbon" in (m.text or "") for m in alice.turn)
        assert await redis_client.get(state_keys[0]) is None
        await running.stop()
    finally:
        async for key in redis_client.scan_iter(f"{prefix}:*"):
            await redis_client.delete(key)
        await redis_client.aclose()

"""Each update handled once across instances: a claim per `update_id`.

Telegram delivers an update again when its webhook call failed or timed out, and polling
gets again what the last `getUpdates` fetched before a crash. Behind a load balancer the
second delivery may reach another instance while the first still works on it. Before
handling, an instance claims the update: the first claim wins for a lease (an instance
killed mid-update loses it when the lease runs out, and the update is handled then);
when the handling ends the claim becomes "done" for an hour, and later deliveries of
the update are skipped.

With Redis the claims are shared by every instance (`SET NX PX`, then `SET EX`); without
it they live in this process (one instance: a crash forgets them, and the update the
crash interrupted is handled again after the restart).
"""

from __future__ import annotations

import enum
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Protocol

from redis.asyncio import Redis

DONE_SECONDS = 3600  # Telegram redelivers within minutes; an hour leaves a wide margin
MEMORY_LIMIT = 100_000  # claims kept in process, oldest forgotten first


class Claim(enum.Enum):
    """What a claim found."""

    TAKEN = "taken"  # this instance handles the update now
    BUSY = "busy"  # another delivery of it is being handled (its lease has not run out)
    DONE = "done"  # it has been handled


class UpdateClaims(Protocol):
    """Where claims live."""

    async def claim(self, update_id: int) -> Claim:
        """Claim `update_id` for the lease, unless it is claimed or done."""

    async def finish(self, update_id: int) -> None:
        """Mark `update_id` handled: later deliveries are skipped."""

    async def release(self, update_id: int) -> None:
        """Give the claim back unhandled (shutting down): the next delivery handles it."""


class MemoryClaims:
    """Claims of one process, bounded to the newest MEMORY_LIMIT."""

    def __init__(self, lease_seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._lease = lease_seconds
        self._clock = clock
        self._claims: OrderedDict[int, tuple[Claim, float]] = OrderedDict()

    async def claim(self, update_id: int) -> Claim:
        """See UpdateClaims.claim."""
        now = self._clock()
        found = self._claims.get(update_id)
        if found is not None and found[1] > now:
            return found[0]
        self._set(update_id, Claim.BUSY, now + self._lease)
        return Claim.TAKEN

    async def finish(self, update_id: int) -> None:
        """See UpdateClaims.finish."""
        self._set(update_id, Claim.DONE, self._clock() + DONE_SECONDS)

    async def release(self, update_id: int) -> None:
        """See UpdateClaims.release."""
        self._claims.pop(update_id, None)

    def _set(self, update_id: int, state: Claim, until: float) -> None:
        self._claims[update_id] = (state, until)
        self._claims.move_to_end(update_id)
        while len(self._claims) > MEMORY_LIMIT:
            self._claims.popitem(last=False)


class RedisClaims:
    """Claims shared by every instance through Redis."""

    def __init__(self, redis: Redis, prefix: str, lease_seconds: float) -> None:
        self._redis = redis
        self._prefix = prefix
        self._lease_ms = max(1, int(lease_seconds * 1000))

    def _key(self, update_id: int) -> str:
        return f"{self._prefix}:update:{update_id}"

    async def claim(self, update_id: int) -> Claim:
        """See UpdateClaims.claim."""
        key = self._key(update_id)
        if await self._redis.set(key, b"busy", nx=True, px=self._lease_ms):
            return Claim.TAKEN
        state = await self._redis.get(key)
        if state is None:  # the other claim ran out between the two calls
            return await self.claim(update_id)
        return Claim.DONE if state == b"done" else Claim.BUSY

    async def finish(self, update_id: int) -> None:
        """See UpdateClaims.finish."""
        await self._redis.set(self._key(update_id), b"done", ex=DONE_SECONDS)

    async def release(self, update_id: int) -> None:
        """See UpdateClaims.release."""
        await self._redis.delete(self._key(update_id))

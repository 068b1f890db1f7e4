"""Flood control shared by every instance: one token bucket per user in Redis.

The bucket is read, refilled, spent and written back by one Lua script, which Redis runs
atomically, on Redis's own clock (instances' clocks may disagree). A bucket's key
expires once it would be full again, so an idle user leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Callable

from redis.asyncio import Redis

from bot.middlewares.flood import Verdict

# KEYS[1] the bucket; ARGV rate (tokens a second), burst. Returns 1 when a token was
# spent; when none was left, 0 the first time in a flood (the person is told) and -1 after.
TAKE = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at', 'told')
local tokens = tonumber(state[1]) or burst
local at = tonumber(state[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * rate)
local verdict = 1
local told = state[3]
if tokens >= 1 then
  tokens = tokens - 1
  told = '0'
elseif told == '1' then
  verdict = -1
else
  verdict = 0
  told = '1'
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now), 'told', told or '0')
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) / rate * 1000) + 1000)
return verdict
"""


class RedisTokenBucket:
    """Allows `burst` updates at once and `rate` a second after that, per user, counted
    across all instances."""

    def __init__(
        self, redis: Redis, prefix: str, rate: float, burst: int, hashed: Callable[[int], str]
    ) -> None:
        self.rate = rate
        self.burst = burst
        self._prefix = prefix
        self._hashed = hashed
        self._take = redis.register_script(TAKE)

    async def allow(self, key: int) -> Verdict:
        """FloodBucket.allow, in Redis (the bucket named by the user id's keyed hash: an
        erased user leaves no id behind, even for the seconds a bucket lives)."""
        name = f"{self._prefix}:flood:{self._hashed(key)}"
        found = await self._take(keys=[name], args=[self.rate, self.burst])
        return {1: Verdict.ALLOW, 0: Verdict.WARN}.get(int(found), Verdict.DROP)

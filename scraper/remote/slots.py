"""``JOBSCRAPER_PER_HOST`` for all workers together: a per-host set of leases in Redis.

A lease is taken (atomically, by a Lua script timed by the Redis server's clock) before each
request and given back after it; a lease outlives its request's timeout by a margin and
then expires, so a killed worker's leases come back on their own."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import random
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import redis.asyncio as aioredis

from scraper.fetch import HostKey
from scraper.remote.common import host_key

# KEYS[1]: the host's lease set; ARGV: limit, lease ms, token. 1 when taken, else 0.
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
  return 1
end
return 0
"""
_FIRST_WAIT_S = 0.002
_MAX_WAIT_S = 0.04
LEASE_MARGIN_S = 10.0


class RedisHostGate:
    """A HostGate (scraper.fetch) whose limit ``per_host`` holds across every process that
    uses the same Redis."""

    def __init__(self, client: aioredis.Redis, per_host: int, timeout_s: float) -> None:
        self._redis = client
        self._limit = per_host
        self._lease_ms = int((timeout_s + LEASE_MARGIN_S) * 1000)
        self._acquire = client.register_script(_ACQUIRE)
        # A lease's token: unique across processes (the prefix) and requests (the count).
        self._prefix = uuid.uuid4().hex[:16]
        self._count = itertools.count()

    @asynccontextmanager
    async def slot(self, host: HostKey) -> AsyncIterator[None]:
        key = host_key(*host)
        token = f"{self._prefix}.{next(self._count)}"
        wait = _FIRST_WAIT_S
        while not await self._acquire(keys=[key], args=[self._limit, self._lease_ms, token]):
            # Polling, backing off to 40 ms: cheaper than a blocking queue per host, and a
            # freed slot is taken within a fraction of a 100+ ms request.
            await asyncio.sleep(wait * random.uniform(0.5, 1.5))
            wait = min(wait * 2, _MAX_WAIT_S)
        try:
            yield
        finally:
            # Shielded: a cancelled request still gives its lease back at once.
            await asyncio.shield(self._release(key, token))

    async def _release(self, key: str, token: str) -> None:
        with contextlib.suppress(aioredis.RedisError, OSError):  # else it expires by itself
            await self._redis.zrem(key, token)

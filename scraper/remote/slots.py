"""``JOBSCRAPER_PER_HOST`` for all workers together: a per-host set of leases in Redis.

A lease is taken (atomically, by a Lua script timed by the Redis server's clock) before a
request and given back after it; a lease outlives its request's timeout by a margin and
then expires, so a killed worker's leases come back on their own. A lease given back while
another request of the same process waits for that host goes to it directly, as long as the
lease is young enough to cover that request too: a busy host costs Redis round trips per
lease, not per request; so does one given back just before this process's next request to
the host (it lingers a few milliseconds for it)."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import random
import uuid
from collections import deque
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from typing import Any

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
LINGER_S = 0.01  # a lease given back waits this long for the next request of this process
# A lease serves its process's requests for at most this long, then goes back to Redis, where
# the other processes waiting for the host may take it.
REUSE_S = 1.0


_Lease = tuple[str, float]  # token, when Redis granted it (loop time)


class RedisHostGate:
    """A HostGate (scraper.fetch) whose limit ``per_host`` holds across every process that
    uses the same Redis."""

    def __init__(self, client: aioredis.Redis, per_host: int, timeout_s: float) -> None:
        self._redis = client
        self._limit = per_host
        self._lease_ms = int((timeout_s + LEASE_MARGIN_S) * 1000)
        # Handed on only while a whole request (timeout_s) still fits in its life.
        self._reuse_s = min(REUSE_S, LEASE_MARGIN_S / 2)
        self._acquire = client.register_script(_ACQUIRE)
        # A lease's token: unique across processes (the prefix) and requests (the count).
        self._prefix = uuid.uuid4().hex[:16]
        self._count = itertools.count()
        self._waiters: dict[str, deque[asyncio.Future[_Lease]]] = {}
        self._idle: dict[str, list[_Lease]] = {}  # given back, lingering
        self._tasks: set[asyncio.Task[None]] = set()

    @asynccontextmanager
    async def slot(self, host: HostKey) -> AsyncIterator[None]:
        key = host_key(*host)
        lease = await self._take(key)
        try:
            yield
        finally:
            # Shielded: a cancelled request still gives its lease back at once.
            await asyncio.shield(self._give_back(key, lease))

    async def _take(self, key: str) -> _Lease:
        loop = asyncio.get_running_loop()
        idle = self._idle.get(key)
        while idle:
            lease = idle.pop()
            if loop.time() - lease[1] < self._reuse_s:
                return lease
            self._spawn(self._release(key, lease[0]))
        token = f"{self._prefix}.{next(self._count)}"
        if await self._try(key, token):
            return token, loop.time()
        waiter: asyncio.Future[_Lease] = loop.create_future()
        queue = self._waiters.setdefault(key, deque())
        queue.append(waiter)
        wait = _FIRST_WAIT_S
        try:
            while True:
                # Polling Redis, backing off to 40 ms (cheaper than a blocking queue per
                # host; a freed slot is taken within a fraction of a 100+ ms request),
                # unless a request of this process hands its lease over first.
                await asyncio.wait({waiter}, timeout=wait * random.uniform(0.5, 1.5))
                if waiter.done():
                    return waiter.result()
                if await self._try(key, token):
                    if waiter.done():  # handed one meanwhile: keep that, give this back
                        await self._release(key, token)
                        return waiter.result()
                    return token, loop.time()
                wait = min(wait * 2, _MAX_WAIT_S)
        except BaseException:
            if waiter.done() and not waiter.cancelled():
                self._spawn(self._release(key, waiter.result()[0]))
            raise
        finally:
            with contextlib.suppress(ValueError):
                queue.remove(waiter)
            if not queue and self._waiters.get(key) is queue:
                del self._waiters[key]

    async def _give_back(self, key: str, lease: _Lease) -> None:
        token, granted = lease
        if asyncio.get_running_loop().time() - granted < self._reuse_s:
            queue = self._waiters.get(key)
            while queue:
                waiter = queue.popleft()
                if not waiter.done():
                    waiter.set_result(lease)
                    return
            idle = self._idle.setdefault(key, [])
            idle.append(lease)
            if len(idle) == 1:
                self._spawn(self._drain(key))
            return
        await self._release(key, token)

    async def _drain(self, key: str) -> None:
        """Give the host's lingering leases back to Redis."""
        await asyncio.sleep(LINGER_S)
        for token, _ in self._idle.pop(key, []):
            await self._release(key, token)

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _try(self, key: str, token: str) -> bool:
        return bool(await self._acquire(keys=[key], args=[self._limit, self._lease_ms, token]))

    async def _release(self, key: str, token: str) -> None:
        with contextlib.suppress(aioredis.RedisError, OSError):  # else it expires by itself
            await self._redis.zrem(key, token)

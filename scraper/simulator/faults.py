"""Fault boards: each misbehaves in one way, named by its slug, while pretending to be a format."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from aiohttp import web

from scraper.simulator.world import Board

if TYPE_CHECKING:
    from scraper.simulator.server import Simulator

# (slug, failure kind, format it pretends to be)
FAILURE_BOARDS = (
    ("broken-404", "404", "greenhouse"),
    ("flaky-500", "500-then-ok", "lever"),
    ("rate-limited-429", "429", "ashby"),
    ("slow-timeout", "slow", "workable"),
    ("oversized-body", "oversized", "greenhouse"),
    ("malformed-json", "malformed", "lever"),
    ("redirect-loop", "redirect-loop", "recruitee"),
    ("connection-reset", "reset", "smartrecruiters"),
    ("pinpoint-flaky-500", "500-then-ok", "pinpoint"),
    ("rippling-rate-limited-429", "429", "rippling"),
    ("GemBroken404", "404", "gem"),
    ("bamboohr-html-200", "html-200", "bamboohr"),
    ("teamtailor-flaky-500", "500-then-ok", "teamtailor"),
    ("breezy-malformed-json", "malformed", "breezy"),
    ("join-placeholder-233", "placeholder-company", "join"),
    ("oracle-rate-limited-429", "429", "oracle"),
    ("jazzhr-broken-404", "404", "jazzhr"),
    ("careers-icims-flaky-500", "500-then-ok", "icims"),
)
# Failure boards that end up serving their jobs to a patient or retrying client.
RECOVERING = frozenset({"500-then-ok", "429", "slow"})
FLAKY_FAILURES_PER_DAY = 1
OVERSIZED_BYTES = 22 * 1024 * 1024


async def respond(sim: Simulator, request: web.Request, board: Board) -> web.StreamResponse | None:
    """The misbehaviour of a failure board, or None when it serves normally this time."""
    kind = board.failure
    if kind is None:
        return None
    if kind == "404":
        return web.json_response({"status": 404, "error": "Job board not found"}, status=404)
    if kind in ("500-then-ok", "429"):
        if sim.count_hit(board) > FLAKY_FAILURES_PER_DAY:
            return None
        if kind == "429":
            return web.json_response({"error": "Too Many Requests"}, status=429, headers={"Retry-After": "1"})
        return web.Response(status=500, text="Internal Server Error")
    if kind == "slow":
        return await _slow(sim)
    if kind == "oversized":
        return await _oversized(request)
    if kind == "malformed":
        return web.Response(body=b'[{"id": "0b6e", "text": "Backend Engineer", "categories": {,]',
                            content_type="application/json")  # fmt: skip
    if kind == "html-200":  # a marketing page where the board should be (BambooHR's unknown board)
        return web.Response(text="<!DOCTYPE html><html><body><h1>Welcome</h1></body></html>", content_type="text/html")
    if kind == "redirect-loop":
        target = request.path if request.query.get("hop") else f"{request.path}?hop=1"
        raise web.HTTPFound(target)
    return await _reset(request)


async def _slow(sim: Simulator) -> web.StreamResponse | None:
    try:
        await asyncio.wait_for(sim.closing.wait(), timeout=sim.slow_s)
    except TimeoutError:
        return None  # waited it out: serve the board
    return web.Response(status=503, text="simulator shutting down")


async def _oversized(request: web.Request) -> web.StreamResponse:
    resp = web.StreamResponse(headers={"Content-Type": "application/json"})
    await resp.prepare(request)
    chunk = (b'{"id": 1, "title": "' + b"x" * 65_000 + b'"},')
    try:
        await resp.write(b'{"jobs": [')
        for _ in range(OVERSIZED_BYTES // len(chunk) + 1):
            await resp.write(chunk)
        await resp.write(b'{}], "meta": {"total": 0}}')
    except ConnectionError:
        pass  # the client gave up at its size cap, as it should
    return resp


async def _reset(request: web.Request) -> web.StreamResponse:
    resp = web.StreamResponse(headers={"Content-Type": "application/json", "Content-Length": "50000"})
    await resp.prepare(request)
    await resp.write(b'{"offset": 0, "limit": 100, "totalFound": 3, "content": [')
    assert request.transport is not None
    request.transport.abort()
    raise asyncio.CancelledError  # the handler is over: nothing more can be sent

"""The HTTP client of a scrape: one aiohttp session, global and per-host limits, timeouts,
retries with backoff, a streamed size cap, checked redirects and prompt cancellation.

Every failure is a ``FetchError(url, reason, status)`` whose ``reason`` a user can read
('404 not found', 'HTTP 500 after 3 attempts', 'timed out after 20 s', 'response over 20 MB').
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import json
import random
import threading
import time
from collections.abc import Callable, Coroutine, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from types import TracebackType
from typing import Any, Protocol, TypeVar
from urllib.parse import urljoin, urlsplit

import aiohttp

from scraper.errors import FetchError, ScraperError
from scraper.netguard import BlockedAddress, GuardedResolver, allow_private_from_env, check_url_host

USER_AGENT = "jobscraper/0.1 (+shared job dashboard)"
MAX_REDIRECTS = 5
RETRY_AFTER_CAP_S = 30.0
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_CANCEL_POLL_S = 0.05
_CHUNK = 64 * 1024

T = TypeVar("T")


class Cancelled(ScraperError):
    """The run was cancelled while this request was waiting or in flight."""


@dataclass(frozen=True, slots=True)
class FetchSettings:
    """Limits of one run. ``retries`` is the number of attempts in all for a retryable failure
    (connection error, 429, 5xx); ``backoff_s`` is the first backoff delay, doubled each time;
    ``allow_private`` lets requests reach loopback, link-local and private addresses."""

    concurrency: int = 16
    per_host: int = 4
    timeout_s: float = 20.0
    max_bytes: int = 20 * 2**20
    retries: int = 3
    detail_cap: int = 200
    jsonld_follow_cap: int = 30
    backoff_s: float = 0.5
    # None: JOBSCRAPER_ALLOW_PRIVATE=1 in the environment decides (scraper.netguard).
    allow_private: bool | None = None
    # One company's whole scrape, from its first request; 0: no limit.
    company_deadline_s: float = 300.0


@dataclass(frozen=True, slots=True)
class Response:
    """A fully read response: final URL (after redirects), status, headers and body."""

    url: str
    status: int
    headers: Mapping[str, str]
    body: bytes

    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


class _Retryable(Exception):
    """An attempt failed in a way worth retrying; ``wait_s`` is a server-requested delay."""

    def __init__(self, reason: str, status: int | None = None, wait_s: float | None = None):
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.wait_s = wait_s


def human_bytes(n: int) -> str:
    """'20 MB', '512 KB', '100 bytes'."""
    if n >= 2**20:
        return f"{n / 2**20:g} MB"
    if n >= 2**10:
        return f"{n / 2**10:g} KB"
    return f"{n} bytes"


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta seconds or an HTTP-date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def check_scheme(url: str) -> None:
    """FetchError unless ``url`` is http(s): file:, ftp:, javascript: are never fetched."""
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:  # e.g. 'http://[broken': urlsplit refuses a bad IPv6 host
        raise FetchError(url, "invalid URL") from None
    if scheme not in ("http", "https"):
        shown = scheme or "none"
        raise FetchError(url, f"unsupported URL scheme '{shown}' (only http and https)")


def _redirect_target(url: str, current: str, location: str) -> str:
    """The absolute URL a redirect from ``current`` leads to; FetchError (naming ``url``, the
    request asked for) when it is not an http(s) URL."""
    try:
        target = urljoin(current, location)
        check_scheme(target)
    except (ValueError, FetchError) as exc:
        why = exc.reason if isinstance(exc, FetchError) else "invalid URL"
        raise FetchError(url, f"redirect to {location[:100]!r} refused: {why}") from None
    return target


def _one_line(text: str, cap: int = 160) -> str:
    """A library's message as one short line: a garbage status line or body would otherwise
    put a kilobyte of raw bytes over several lines into the company's error."""
    flat = " ".join(text.split())
    return flat if len(flat) <= cap else flat[: cap - 1] + "…"


def _status_reason(status: int) -> str:
    try:
        phrase = HTTPStatus(status).phrase.lower()
    except ValueError:
        phrase = "unexpected status"
    return f"{status} {phrase}"


def _connection_reason(exc: aiohttp.ClientError) -> str:
    if isinstance(exc, aiohttp.ClientConnectorError):
        why = exc.os_error.strerror or str(exc.os_error)
        return f"cannot connect to {exc.host}:{exc.port} ({why.lower()})"
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return "server disconnected"
    if isinstance(exc, aiohttp.ClientOSError) and exc.errno == errno.ECONNRESET:
        return "connection reset"
    if isinstance(exc, aiohttp.ClientPayloadError):
        return "connection reset"
    return f"connection error ({type(exc).__name__}: {_one_line(str(exc))})"


HostKey = tuple[str, int | None]


class HostGate(Protocol):
    """A per-host limit shared beyond this process (Celery workers share one through Redis):
    ``slot(host)`` is held around each request, inside this process's own per-host limit."""

    def slot(self, host: HostKey) -> AbstractAsyncContextManager[object]: ...


class _Shared:
    """What every scope of one Fetcher shares: the session, the settings, the cancel signal."""

    def __init__(
        self, settings: FetchSettings, cancel: threading.Event | None, gate: HostGate | None = None
    ) -> None:
        self.settings = settings
        self.cancel = cancel
        self.gate = gate
        allow = settings.allow_private
        self.allow_private = allow_private_from_env() if allow is None else allow
        self.session: aiohttp.ClientSession | None = None
        # Slots are taken before sending so the timeout runs from the send, not from the
        # queue: aiohttp's own total timeout counts the wait for a pooled connection.
        self.slots = asyncio.Semaphore(settings.concurrency)
        self.host_slots: dict[tuple[str, int | None], asyncio.Semaphore] = {}
        # One future per request in flight or waiting for slots, set when the run is
        # cancelled. (One future shared by all of them instead costs O(waiting requests) per
        # request, as its callback list is scanned on every removal: O(n^2) in a large run.)
        self.stops: set[asyncio.Future[None]] | None = None
        self.watcher: asyncio.Task[None] | None = None
        self.requests = 0

    def host_slot(self, url: str) -> asyncio.Semaphore:
        """The per-host limit of ``url``; a host is host and port, as aiohttp counts it."""
        key = host_key(url)
        if key not in self.host_slots:
            self.host_slots[key] = asyncio.Semaphore(self.settings.per_host)
        return self.host_slots[key]

    def gate_slot(self, url: str) -> AbstractAsyncContextManager[object]:
        """The shared per-host slot of ``url`` when a gate is set, else nothing to wait for."""
        return self.gate.slot(host_key(url)) if self.gate is not None else contextlib.nullcontext()


def host_key(url: str) -> HostKey:
    """(host, port) of ``url``, as aiohttp's connector counts hosts."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:  # 'http://host:99999/': aiohttp would refuse it too
        raise FetchError(url, "invalid URL (bad port)") from None
    return (parts.hostname or "").lower(), port


class Fetcher:
    """``async with Fetcher(settings, cancel) as f: await f.get_text(url)``.

    ``scope()`` gives a view sharing the session and limits but counting its own requests
    (one per company); ``requests`` counts every HTTP request sent, redirects and retries
    included. ``gate`` adds a per-host limit shared with other processes."""

    def __init__(
        self,
        settings: FetchSettings | None = None,
        cancel: threading.Event | None = None,
        *,
        gate: HostGate | None = None,
        _shared: _Shared | None = None,
        on_first_request: Callable[[], None] | None = None,
    ) -> None:
        self._shared = _shared or _Shared(settings or FetchSettings(), cancel, gate)
        self.settings = self._shared.settings
        self.requests = 0
        self._on_first_request = on_first_request
        self._waiting: dict[int, str] = {}  # requests sent and not yet answered, by id
        self._last_url = ""

    async def __aenter__(self) -> Fetcher:
        s = self.settings
        resolver = None if self._shared.allow_private else GuardedResolver()
        connector = aiohttp.TCPConnector(
            limit=s.concurrency, limit_per_host=s.per_host, resolver=resolver
        )
        self._shared.session = aiohttp.ClientSession(
            connector=connector,
            headers={"User-Agent": USER_AGENT},
            timeout=aiohttp.ClientTimeout(total=None),  # see _send: timed per request
        )
        self._shared.stops = set()
        if self._shared.cancel is not None:
            self._shared.watcher = asyncio.get_running_loop().create_task(self._watch_cancel())
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._shared.watcher is not None:
            self._shared.watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._shared.watcher
        if self._shared.session is not None:
            await self._shared.session.close()

    def scope(self, on_first_request: Callable[[], None] | None = None) -> Fetcher:
        """A view on the same session with its own request count; ``on_first_request`` is
        called once, when the scope's first request has its slots and is about to be sent
        (so a caller can tell 'running' from 'waiting for a connection slot')."""
        return Fetcher(_shared=self._shared, on_first_request=on_first_request)

    def activity(self) -> str:
        """What this scope is doing, for a user: '37 requests sent, 4 waiting for an answer
        (e.g. GET https://…)'."""
        sent = f"{self.requests} request{'' if self.requests == 1 else 's'} sent"
        if self._waiting:
            example = next(iter(self._waiting.values()))
            return f"{sent}, {len(self._waiting)} waiting for an answer (e.g. {example})"
        return f"{sent}, the last to {self._last_url}" if self._last_url else sent

    @property
    def total_requests(self) -> int:
        return self._shared.requests

    @property
    def is_cancelled(self) -> bool:
        cancel = self._shared.cancel
        return cancel is not None and cancel.is_set()

    async def _watch_cancel(self) -> None:
        # A threading.Event cannot wake the loop, so poll it; one poller per run.
        assert self._shared.cancel is not None and self._shared.stops is not None
        while not self._shared.cancel.is_set():
            await asyncio.sleep(_CANCEL_POLL_S)
        for stop in self._shared.stops:
            if not stop.done():
                stop.set_result(None)

    async def _guard(self, coro: Coroutine[Any, Any, T]) -> T:
        """Await ``coro`` unless the run is cancelled first (then Cancelled, and it is stopped)."""
        if self.is_cancelled:
            coro.close()
            raise Cancelled("cancelled")
        stops = self._shared.stops
        task = asyncio.ensure_future(coro)
        if stops is None:
            return await task
        fut = asyncio.get_running_loop().create_future()
        stops.add(fut)
        waiters: set[asyncio.Future[Any]] = {task, fut}
        try:
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stops.discard(fut)
            if not task.done():
                task.cancel()
                # The request is abandoned: whatever it raises while unwinding is moot.
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        if task.cancelled() or not task.done():
            raise Cancelled("cancelled")
        return task.result()

    async def get_text(self, url: str, *, params: Mapping[str, str] | None = None) -> str:
        """The body of a GET as text (UTF-8, invalid bytes replaced)."""
        return (await self.request("GET", url, params=params)).text()

    async def get_json(self, url: str, *, params: Mapping[str, str] | None = None) -> Any:
        """The decoded JSON body of a GET."""
        return decode_json(await self.request("GET", url, params=params))

    async def post_json(self, url: str, body: Any) -> Any:
        """POST ``body`` as JSON and decode the JSON answer."""
        return decode_json(await self.request("POST", url, json_body=body))

    async def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        json_body: Any = None,
    ) -> Response:
        """One logical request: retries, backoff, redirects and caps applied; a 2xx Response
        or FetchError / Cancelled."""
        check_scheme(url)
        s = self.settings
        deadline = time.monotonic() + s.timeout_s * max(1, s.retries)
        attempt = 0
        while True:
            attempt += 1
            try:
                return await self._guard(self._follow(method, url, params, json_body))
            except _Retryable as exc:
                if attempt >= s.retries:
                    raise FetchError(url, self._final_reason(exc, attempt), exc.status) from None
                wait = self._backoff(attempt, exc.wait_s)
                if time.monotonic() + wait > deadline:
                    raise FetchError(url, self._final_reason(exc, attempt), exc.status) from None
                await self._guard(asyncio.sleep(wait))

    @staticmethod
    def _final_reason(exc: _Retryable, attempts: int) -> str:
        if attempts == 1:
            return exc.reason
        return f"{exc.reason} after {attempts} attempts"

    def _backoff(self, attempt: int, wait_s: float | None) -> float:
        if wait_s is not None:
            return min(wait_s, RETRY_AFTER_CAP_S)
        base = self.settings.backoff_s * 2 ** (attempt - 1)
        return base + random.uniform(0, base / 2)

    async def _follow(
        self, method: str, url: str, params: Mapping[str, str] | None, json_body: Any
    ) -> Response:
        """One attempt, following up to MAX_REDIRECTS redirects to http(s) URLs."""
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            try:
                resp = await self._send(method, current, params, json_body)
            except BlockedAddress as exc:
                if current == url:
                    raise FetchError(url, exc.reason) from None
                host = urlsplit(current).hostname
                raise FetchError(url, f"redirect to {host} {exc.reason}") from None
            if isinstance(resp, Response):
                return resp
            nxt = _redirect_target(url, current, resp)
            if method == "POST":
                method, json_body = "GET", None
            current, params = nxt, None
        raise FetchError(url, f"too many redirects (over {MAX_REDIRECTS})")

    async def _send(
        self, method: str, url: str, params: Mapping[str, str] | None, json_body: Any
    ) -> Response | str:
        """Send once: a Response, or the Location of a redirect."""
        session = self._shared.session
        if session is None:
            raise RuntimeError("Fetcher used outside 'async with'")
        if not self._shared.allow_private:
            check_url_host(url)  # names are checked by the connector's GuardedResolver
        # The host's slot first: holding a global slot while queueing for a busy host
        # would idle the other hosts. The shared gate last: a lease held while this process
        # waits for a global slot would idle the host for every other process.
        shared = self._shared
        async with shared.host_slot(url), shared.slots, shared.gate_slot(url):
            if self.requests == 0 and self._on_first_request is not None:
                self._on_first_request()
            self.requests += 1
            self._shared.requests += 1
            key = self._shared.requests
            self._waiting[key] = f"{method} {url[:200]}"
            self._last_url = url[:200]
            try:
                response = await self._send_now(session, method, url, params, json_body)
            except asyncio.CancelledError:
                raise  # stays listed: it was still waiting when the company was stopped
            except BaseException:
                del self._waiting[key]
                raise
            del self._waiting[key]
            return response

    async def _send_now(
        self,
        session: aiohttp.ClientSession,
        method: str,
        url: str,
        params: Mapping[str, str] | None,
        json_body: Any,
    ) -> Response | str:
        s = self.settings
        try:
            async with asyncio.timeout(s.timeout_s), session.request(
                method, url, params=params, json=json_body, allow_redirects=False
            ) as resp:
                return await self._read(url, resp)
        except TimeoutError:
            # Not retried: a board that needs 20 s once would cost a minute in retries.
            raise FetchError(url, f"timed out after {s.timeout_s:g} s") from None
        except aiohttp.InvalidURL:
            raise FetchError(url, "invalid URL") from None
        except aiohttp.ClientResponseError as exc:
            raise FetchError(url, f"bad response ({_one_line(exc.message)})", exc.status) from None
        except aiohttp.ClientConnectorDNSError as exc:
            if isinstance(exc.os_error, BlockedAddress):
                raise exc.os_error from None
            raise _Retryable(_connection_reason(exc)) from None
        except aiohttp.ClientError as exc:
            raise _Retryable(_connection_reason(exc)) from None

    async def _read(self, url: str, resp: aiohttp.ClientResponse) -> Response | str:
        status = resp.status
        if status in REDIRECT_STATUSES:
            location = resp.headers.get("Location")
            if not location:
                raise FetchError(url, f"{status} redirect without a Location", status)
            return location
        if status == 429:
            wait = parse_retry_after(resp.headers.get("Retry-After"))
            raise _Retryable("HTTP 429 too many requests", status, wait)
        if status >= 500:
            raise _Retryable(f"HTTP {status}", status)
        if status >= 400:
            raise FetchError(url, _status_reason(status), status)
        body = await self._read_capped(url, resp)
        return Response(str(resp.url), status, dict(resp.headers), body)

    async def _read_capped(self, url: str, resp: aiohttp.ClientResponse) -> bytes:
        cap = self.settings.max_bytes
        too_big = FetchError(url, f"response over {human_bytes(cap)}", resp.status)
        if resp.content_length is not None and resp.content_length > cap:
            raise too_big
        chunks: list[bytes] = []
        size = 0
        async for chunk in resp.content.iter_chunked(_CHUNK):
            size += len(chunk)
            if size > cap:
                raise too_big
            chunks.append(chunk)
        return b"".join(chunks)


def decode_json(resp: Response) -> Any:
    """The JSON of a response; FetchError('invalid JSON at line L column C') otherwise."""
    try:
        return json.loads(resp.body)
    except UnicodeDecodeError:
        raise FetchError(resp.url, "invalid JSON (not UTF-8)", resp.status) from None
    except json.JSONDecodeError as exc:
        raise FetchError(
            resp.url, f"invalid JSON at line {exc.lineno} column {exc.colno}", resp.status
        ) from None
    except ValueError:  # an integer of over 4,300 digits
        raise FetchError(resp.url, "invalid JSON (a number over 4,300 digits)", resp.status) from None
    except RecursionError:
        raise FetchError(resp.url, "invalid JSON (nested too deeply)", resp.status) from None

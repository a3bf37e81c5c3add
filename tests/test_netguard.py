"""Issue 11, item 2: scraping and Check refuse loopback, link-local and private targets unless
JOBSCRAPER_ALLOW_PRIVATE=1; names are checked as resolved, every redirect hop is checked."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult

import scraper.netguard as netguard
from app.companies import check_async, check_message
from scraper.errors import FetchError
from scraper.fetch import Fetcher, FetchSettings
from scraper.models import Company
from scraper.netguard import allow_private_from_env, is_public
from scraper.runner import scrape

pytestmark = pytest.mark.usefixtures("private_refused")

FAST = FetchSettings(timeout_s=3.0, backoff_s=0.01)


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1", "127.8.9.10", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1",
        "169.254.169.254", "100.64.0.1", "0.0.0.0", "224.0.0.1", "255.255.255.255",
        "::1", "::", "fe80::1", "fc00::1", "fd12:3456::1", "::ffff:127.0.0.1",
        "::ffff:169.254.169.254", "2002:7f00:1::", "64:ff9b::a00:1", "ff02::1",
    ],
)
def test_non_public_addresses_are_refused(address: str) -> None:
    assert not is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["8.8.8.8", "151.101.1.69", "2606:4700::6810:84e5",
                                     "::ffff:8.8.8.8"])
def test_public_addresses_are_allowed(address: str) -> None:
    assert is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize(("raw", "allowed"), [("1", True), ("true", True), ("", False),
                                              ("0", False), ("no", False)])
def test_allow_private_reads_the_environment(raw: str, allowed: bool) -> None:
    assert allow_private_from_env({"JOBSCRAPER_ALLOW_PRIVATE": raw}) is allowed


class Hits:
    def __init__(self) -> None:
        self.paths: list[str] = []
        self.base = ""
        self.port = 0


HITS = web.AppKey("hits", Hits)


async def _ok(request: web.Request) -> web.Response:
    request.app[HITS].paths.append(request.path)
    return web.json_response({"jobs": []})


async def _redirect(request: web.Request) -> web.Response:
    request.app[HITS].paths.append(request.path)
    raise web.HTTPFound(request.query["to"])


@pytest.fixture
async def local() -> AsyncIterator[Hits]:
    hits = Hits()
    app = web.Application()
    app[HITS] = hits
    app.router.add_get("/ok", _ok)
    app.router.add_get("/redirect", _redirect)
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    hits.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    hits.base = f"http://127.0.0.1:{hits.port}"
    yield hits
    await runner.cleanup()


async def _error(url: str, settings: FetchSettings = FAST) -> FetchError:
    async with Fetcher(settings) as f:
        with pytest.raises(FetchError) as info:
            await f.get_text(url)
    return info.value


async def test_loopback_literal_is_refused_before_connecting(local: Hits) -> None:
    err = await _error(f"{local.base}/ok")
    assert err.reason.startswith("refused: 127.0.0.1 is a private, loopback or link-local")
    assert "JOBSCRAPER_ALLOW_PRIVATE=1" in err.reason
    assert local.paths == []


async def test_a_name_resolving_to_loopback_is_refused(local: Hits) -> None:
    err = await _error(f"http://localhost:{local.port}/ok")
    assert err.reason.startswith("refused: localhost (")
    assert local.paths == []


async def test_open_and_closed_ports_read_the_same(local: Hits) -> None:
    # The replies must not tell an internal port scanner which ports listen.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    open_err = await _error(f"{local.base}/ok")
    closed_err = await _error(f"http://127.0.0.1:{closed}/ok")
    assert open_err.reason == closed_err.reason
    assert open_err.status is closed_err.status is None


@pytest.mark.parametrize("url", ["http://10.0.0.7/", "http://[::1]:9/", "http://169.254.169.254/latest/",
                                 "http://[::ffff:127.0.0.1]/", "http://0.0.0.0:80/"])
async def test_private_literals_are_refused_without_retries(url: str) -> None:
    async with Fetcher(FAST) as f:
        with pytest.raises(FetchError, match="^refused: "):
            await f.get_text(url)
        assert f.total_requests == 0


async def test_explicit_allow_reaches_loopback(local: Hits) -> None:
    async with Fetcher(FetchSettings(allow_private=True)) as f:
        assert await f.get_json(f"{local.base}/ok") == {"jobs": []}


async def test_environment_allow_reaches_loopback(
    local: Hits, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JOBSCRAPER_ALLOW_PRIVATE", "1")
    async with Fetcher(FAST) as f:
        assert await f.get_json(f"{local.base}/ok") == {"jobs": []}


class FakeDNS(AbstractResolver):
    """Names of the test: ``public.test`` answers the local server's address, which the test
    treats as public; ``inside.test`` answers another loopback address, treated as private."""

    def __init__(self, *_: object, **__: object) -> None:
        self.asked: list[str] = []

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        address = {"public.test": "127.0.0.1", "inside.test": "127.0.0.2"}[host]
        return [{"hostname": host, "host": address, "port": port, "family": socket.AF_INET,
                 "proto": 0, "flags": 0}]

    async def close(self) -> None:
        pass


@pytest.fixture
def only_127_0_0_1_public(monkeypatch: pytest.MonkeyPatch) -> None:
    """The test server can only listen on loopback: let 127.0.0.1 stand for a public host."""
    monkeypatch.setattr(netguard, "is_public", lambda a: str(a) == "127.0.0.1")
    monkeypatch.setattr(netguard, "DefaultResolver", FakeDNS)


@pytest.mark.usefixtures("only_127_0_0_1_public")
async def test_names_are_checked_by_the_resolver_that_connects(local: Hits) -> None:
    async with Fetcher(FAST) as f:
        assert await f.get_json(f"http://public.test:{local.port}/ok") == {"jobs": []}
    err = await _error(f"http://inside.test:{local.port}/ok")
    assert err.reason.startswith("refused: inside.test (127.0.0.2) is a private")
    assert local.paths == ["/ok"]


@pytest.mark.usefixtures("only_127_0_0_1_public")
@pytest.mark.parametrize("hop", ["http://127.0.0.2:{port}/ok", "http://inside.test:{port}/ok",
                                 "http://[::1]:{port}/ok"])
async def test_every_redirect_hop_is_checked(local: Hits, hop: str) -> None:
    target = hop.format(port=local.port)
    url = f"http://public.test:{local.port}/redirect?to={target}"
    err = await _error(url)
    assert err.url == url
    assert err.reason.startswith("redirect to ")
    assert " refused: " in err.reason
    assert local.paths == ["/redirect"]


async def test_scrape_of_a_loopback_board_fails_readably(local: Hits) -> None:
    company = Company("Inside", "greenhouse", "inside", f"{local.base}/ok", company_id=1)
    [result] = await scrape([company], on_event=lambda e: None, settings=FAST)
    assert result.state == "failed"
    assert result.error is not None and result.error.startswith("refused: 127.0.0.1")
    assert local.paths == []


async def test_check_of_a_metadata_address_is_refused() -> None:
    company = Company("Metadata", "greenhouse", "x", "http://169.254.169.254/latest/", company_id=1)
    [result] = await check_async([company])
    assert check_message(result).startswith("Metadata: failed: refused: 169.254.169.254 is a")

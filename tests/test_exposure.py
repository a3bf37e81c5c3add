"""Issue 11, items 1 and 2: the shipped server config (loopback bind, allowedHosts, no error
details for visitors, no GC after every rerun), checked against Streamlit's own options and a
live server; the database-lock page names no path or process."""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest
from streamlit import config as st_config
from streamlit.testing.v1 import AppTest

from tests.conftest import MAIN, ROOT
from tests.test_browser import free_port, wait_healthy

CONFIG = ROOT / ".streamlit" / "config.toml"


def shipped() -> dict[str, object]:
    """The config file's options as Streamlit names them ('server.address': ...)."""
    data = tomllib.loads(CONFIG.read_text())
    return {f"{section}.{key}": value for section, opts in data.items() for key, value in opts.items()}


def test_every_shipped_option_is_a_streamlit_option() -> None:
    # A misspelt key is ignored by Streamlit with only a log line.
    known = set(st_config._config_options_template)
    assert set(shipped()) - known == set()


def test_shipped_defaults_suit_a_shared_instance() -> None:
    opts = shipped()
    assert opts["server.address"] == "127.0.0.1"
    assert opts["server.allowedHosts"] == ["localhost", "127.0.0.1"]
    assert opts["client.showErrorDetails"] == "none"
    assert opts["runner.postScriptGC"] is False
    assert opts["server.enableXsrfProtection"] is True


def test_visitors_see_no_traceback_and_the_server_logs_it() -> None:
    # AppTest reads the config file of the working directory, as `streamlit run` does.
    assert st_config.get_option("client.showErrorDetails") == "none"
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    streamlit_log = logging.getLogger("streamlit.error_util")
    streamlit_log.addHandler(handler)
    try:
        at = AppTest.from_function(_failing_script).run()
    finally:
        streamlit_log.removeHandler(handler)
    [shown] = at.exception
    assert shown.stack_trace == []
    assert "/srv/secret" not in shown.message and "RuntimeError" not in shown.message
    [logged] = [r for r in records if r.exc_info]
    assert logged.exc_info is not None and "/srv/secret" in str(logged.exc_info[1])


def _failing_script() -> None:
    raise RuntimeError("cannot read /srv/secret/config")


def test_lock_page_names_no_path_or_process(
    db_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb, sys; c = duckdb.connect({str(db_path)!r}); "
         "print('ready', flush=True); sys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        with caplog.at_level(logging.ERROR, logger="app.ui"):
            at = AppTest.from_file(MAIN, default_timeout=30).run()
    finally:
        holder.communicate("")
    assert not at.exception
    [error] = at.error
    assert error.value.startswith("The database is open in another process")
    assert str(db_path) not in error.value and str(db_path.parent) not in error.value
    assert "PID" not in error.value and str(holder.pid) not in error.value
    assert str(db_path) in caplog.text and "PID" in caplog.text


def outbound_address() -> str | None:
    """This machine's address on its default route (no packet is sent), if not loopback."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.1", 9))
        except OSError:
            return None
        address = str(s.getsockname()[0])
    return None if address.startswith("127.") else address


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """`streamlit run app/main.py` with only the port given: the shipped config decides."""
    tmp = tmp_path_factory.mktemp("exposure")
    port = free_port()
    env = {**os.environ, "JOBSCRAPER_DB": str(tmp / "jobs.duckdb"),
           "JOBSCRAPER_COMPANIES": str(tmp / "none.toml"), "JOBSCRAPER_ALLOW_PRIVATE": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app/main.py", "--server.port", str(port)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        wait_healthy(f"http://127.0.0.1:{port}", proc)
        yield port
    finally:
        proc.kill()
        proc.wait(10)


def test_server_listens_on_loopback_only(server: int) -> None:
    address = outbound_address()
    if address is None:
        pytest.skip("this machine has no non-loopback address to try")
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((address, server), timeout=5).close()


async def _websocket(port: int, host: str) -> int:
    """The status of a websocket handshake on Streamlit's stream with this Host header."""
    async with aiohttp.ClientSession() as session:
        try:
            async with session.ws_connect(
                f"ws://127.0.0.1:{port}/_stcore/stream", headers={"Host": host},
                protocols=("streamlit",), timeout=aiohttp.ClientWSTimeout(ws_receive=5),
            ):
                return 101
        except aiohttp.WSServerHandshakeError as exc:
            return exc.status


async def test_websocket_refuses_a_rebound_host_name(server: int) -> None:
    assert await _websocket(server, f"127.0.0.1:{server}") == 101
    assert await _websocket(server, f"localhost:{server}") == 101
    assert await _websocket(server, f"attacker.example:{server}") != 101

"""A real redis-server and real `jobscraper worker` processes for the tests, on free ports."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import redis

ROOT = Path(__file__).resolve().parent.parent
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until(check: object, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if callable(check) and check():
            return
        time.sleep(0.05)
    raise TimeoutError(f"{what} not within {timeout_s:g} s")


class RedisServer:
    """``redis-server`` on a free loopback port, nothing persisted."""

    def __init__(self, password: str | None = None) -> None:
        self.port = free_port()
        self.password = password
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        auth = f":{self.password}@" if self.password else ""
        return f"redis://{auth}127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        args = [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning"]
        if self.password:
            args += ["--requirepass", self.password]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = self.client()

        def up() -> bool:
            try:
                return bool(client.ping())
            except redis.RedisError:
                return False

        wait_until(up, 10, f"redis-server on port {self.port}")
        return self

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url, socket_timeout=2)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


class Worker:
    """`python -m app worker` in a child process, ready once its heartbeat is in Redis."""

    def __init__(self, broker: str, log_dir: Path, concurrency: int = 8,
                 env: dict[str, str] | None = None) -> None:
        self.broker = broker
        self.concurrency = concurrency
        self.log_path = log_dir / f"worker-{time.monotonic_ns()}.log"
        self.extra_env = env or {}
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    @property
    def name(self) -> str:
        return f"jobscraper-{self.pid}@{socket.gethostname()}"

    def start(self) -> Worker:
        env = dict(os.environ, PYTHONPATH=str(ROOT), JOBSCRAPER_HEARTBEAT_S="0.5",
                   JOBSCRAPER_ALLOW_PRIVATE="1", **self.extra_env)
        env.pop("JOBSCRAPER_BROKER", None)
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "app", "worker", "--concurrency", str(self.concurrency),
                 "--broker", self.broker],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            )
        return self

    def wait_ready(self, client: redis.Redis, timeout_s: float = 60) -> Worker:
        key = f"jobscraper:worker:{self.name}"

        def ready() -> bool:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"worker exited {self.proc.returncode}: {self.log()[-2000:]}")
            raw = client.get(key)
            return raw is not None and json.loads(raw)["name"] == self.name

        wait_until(ready, timeout_s, f"worker {self.name} online")
        return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def kill(self) -> None:
        """kill -9: no goodbye, its heartbeat key simply expires."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGQUIT)  # Celery's cold shutdown: do not wait for tasks
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.kill()


def start_workers(broker: str, log_dir: Path, count: int, concurrency: int = 8,
                  env: dict[str, str] | None = None) -> list[Worker]:
    """``count`` workers started side by side (their start-up overlaps)."""
    workers = [Worker(broker, log_dir, concurrency, env).start() for _ in range(count)]
    client = redis.Redis.from_url(broker, socket_timeout=2)
    try:
        for w in workers:
            w.wait_ready(client)
    except BaseException:
        for w in workers:
            w.stop()
        raise
    return workers


# -- pytest fixtures (a plugin: tests/conftest.py lists this module in pytest_plugins) -------

from collections.abc import Iterator  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from typing import Any  # noqa: E402

import pytest  # noqa: E402


def _need_redis() -> None:
    if not Path(REDIS_SERVER).exists():
        if os.environ.get("JOBSCRAPER_REQUIRE_REDIS"):
            raise RuntimeError(f"{REDIS_SERVER} is missing: apt-get install redis-server")
        pytest.skip("redis-server is not installed (apt-get install redis-server)")


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """One redis-server for the session; worker sets use their own database numbers."""
    _need_redis()
    server = RedisServer().start()
    yield server
    server.stop()


@dataclass
class WorkerSet:
    broker: str
    workers: list[Worker] = field(default_factory=list)

    def stop(self) -> None:
        for w in self.workers:
            w.stop()


def _worker_set(server: RedisServer, db: int, count: int, log_dir: Path) -> WorkerSet:
    broker = server.url.rsplit("/", 1)[0] + f"/{db}"
    return WorkerSet(broker, start_workers(broker, log_dir, count))


@pytest.fixture(scope="session")
def one_worker(redis_server: RedisServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WorkerSet]:
    ws = _worker_set(redis_server, 1, 1, tmp_path_factory.mktemp("worker1"))
    yield ws
    ws.stop()


@pytest.fixture(scope="session")
def two_workers(redis_server: RedisServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WorkerSet]:
    ws = _worker_set(redis_server, 2, 2, tmp_path_factory.mktemp("worker2"))
    yield ws
    ws.stop()


@dataclass(frozen=True)
class Mode:
    """Where a test's scrape runs: in-process (broker None) or on a set of workers."""

    name: str
    broker: str | None = None
    batch: int = 0  # companies per task (0: the runner's choice, one each for small runs)

    def runner(self, **remote: Any) -> Any:
        """The runner for ``app.pipeline.run_scrape`` (None: its in-process default)."""
        if self.broker is None:
            return None
        from scraper.remote.client import RemoteRunner, RemoteSettings

        remote.setdefault("batch", self.batch)
        return RemoteRunner(self.broker, RemoteSettings(**remote)).scrape


MODES = ("in-process", "1 worker", "2 workers")


@pytest.fixture(params=MODES)
def mode(request: pytest.FixtureRequest) -> Mode:
    """Each test using it runs in-process, on one worker process and on two."""
    return _mode(request)


@pytest.fixture(params=("in-process", "2 workers"))
def mode2(request: pytest.FixtureRequest) -> Mode:
    """In-process and on two worker processes (for tests where one worker adds nothing)."""
    return _mode(request)


def _mode(request: pytest.FixtureRequest) -> Mode:
    name = request.param
    if name == "in-process":
        return Mode(name)
    fixture = "one_worker" if name == "1 worker" else "two_workers"
    ws: WorkerSet = request.getfixturevalue(fixture)
    # One worker gets a task per company, two get batches of 3: both ways are tested.
    return Mode(name, ws.broker, batch=1 if name == "1 worker" else 3)

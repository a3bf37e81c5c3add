"""What the app and the workers share: the Celery app's configuration, Redis key names,
task ids, and the broker URL with its password hidden."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

if TYPE_CHECKING:
    import redis
    from celery import Celery

TASK_NAME = "jobscraper.scrape_batch"
QUEUE = "jobscraper"
PREFIX = "jobscraper:"
RUN_TTL_S = 24 * 3600
DEFAULT_MAX_RESULT_BYTES = 64 * 2**20
REDIS_TIMEOUT_S = 5.0
# Pool threads of a worker: each hands one batch to the worker's event loop and waits until
# its companies are admitted there; two keep the next batch ready while one waits.
FEEDERS = 2


class BrokerUrlError(ValueError):
    """The broker URL is not a Redis URL."""


def check_broker_url(url: str) -> str:
    """``url`` when it is a redis://, rediss:// or unix:// URL; BrokerUrlError otherwise."""
    scheme = urlsplit(url).scheme.lower()
    if scheme not in ("redis", "rediss", "unix"):
        raise BrokerUrlError(
            f"{safe_url(url)!r} is not a Redis URL (e.g. redis://localhost:6379/0)"
        )
    return url


def safe_url(url: str) -> str:
    """``url`` with its password (if any) replaced by ``***``: for pages and logs."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<invalid URL>"
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    port = f":{parts.port}" if parts.port else ""
    netloc = f"{user}:***@{host}{port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def hide_password(text: str, url: str) -> str:
    """``text`` (an error message) with ``url``'s password removed wherever it appears."""
    password = urlsplit(url).password
    text = text.replace(url, safe_url(url))
    return text.replace(password, "***") if password else text


def redis_client(url: str, timeout_s: float = REDIS_TIMEOUT_S) -> redis.Redis:
    """A Redis client that fails fast: no retries, bounded connect and socket timeouts."""
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    return redis.Redis.from_url(
        url, socket_connect_timeout=min(timeout_s, 3.0), socket_timeout=timeout_s,
        retry=Retry(NoBackoff(), 0), health_check_interval=0,
    )


def make_celery(url: str) -> Celery:
    """The Celery app of both sides: Redis as the broker, JSON only. No result backend:
    workers push each company's result on its run's event list (scraper.remote.worker)."""
    from celery import Celery

    app = Celery("jobscraper", broker=url, set_as_current=False)
    app.conf.update(
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],  # a pickled message is refused, never loaded
        result_accept_content=["json"],
        task_ignore_result=True,
        task_default_queue=QUEUE,
        task_acks_late=True,  # acked once its companies are admitted (see worker.py)
        worker_prefetch_multiplier=1,  # reserve only what the pool is about to run
        worker_pool="threads",  # tasks share the worker's event loop (scraper.remote.worker)
        worker_concurrency=FEEDERS,
        worker_hijack_root_logger=False,
        broker_connection_timeout=3,
        broker_connection_retry_on_startup=True,
        broker_transport_options={"visibility_timeout": 3600},
        redis_socket_connect_timeout=3,
        redis_socket_timeout=REDIS_TIMEOUT_S,
        task_publish_retry_policy={"max_retries": 2, "interval_start": 0,
                                   "interval_step": 0.5, "interval_max": 1},
    )
    return app


def worker_concurrency() -> int:
    """Requests in flight on one worker: ``JOBSCRAPER_CONCURRENCY`` (default 16)."""
    raw = os.environ.get("JOBSCRAPER_CONCURRENCY", "").strip()
    return int(raw) if raw.isdigit() and int(raw) > 0 else 16


def run_state_key(run_key: str) -> str:
    return f"{PREFIX}run:{run_key}"


def run_events_key(run_key: str) -> str:
    return f"{PREFIX}run:{run_key}:events"


def worker_key(name: str) -> str:
    return f"{PREFIX}worker:{name}"


def host_key(host: str, port: int | None) -> str:
    return f"{PREFIX}host:{host}:{port or ''}"


def task_id(run_key: str, seq: int) -> str:
    """The id of the run's ``seq``-th task (a batch of companies)."""
    return f"{run_key}.{seq}"


def run_of_task(tid: str) -> str | None:
    """The run key of one of our task ids, or None."""
    run_key, _, seq = tid.rpartition(".")
    return run_key if run_key and seq.isdigit() else None

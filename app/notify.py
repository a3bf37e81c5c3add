"""Notifications of saved searches through Apprise (Slack, Teams, Discord, e-mail, ntfy,
JSON webhooks...), sent off the scrape's path: ``Notifier.after_run`` queues one task per
target on a small thread pool and returns at once.

Each target is independent and bounded in time (its connect and read timeouts are capped at
``timeout_s``): one that answers 500, refuses or hangs is logged with its URL masked, its
error is stored (``saved_search_deliveries``) and shown on the saved search, and the others
are served. Nothing here raises into the run. Target URLs can hold secrets (tokens,
passwords): only ``mask(url)`` is ever shown or logged.
"""

from __future__ import annotations

import hashlib
import logging
import socket
import threading
from collections.abc import Sequence
from concurrent import futures
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

import apprise
import duckdb
import polars as pl

from app import queries
from app import saved_searches as ss
from app.saved_searches import RunMatches, SavedSearch
from app.search.index import SearchIndex
from app.store import utcnow
from scraper.netguard import allow_private_from_env, is_public, literal_address

log = logging.getLogger(__name__)

TIMEOUT_S = 10.0
LISTED = 10  # jobs listed in a message
DIGEST_EVERY = timedelta(days=1)
JOBS_PATH = "jobs"  # the Jobs page's URL path under JOBSCRAPER_PUBLIC_URL


def mask(url: str) -> str:
    """``url`` with its secrets hidden (Apprise's privacy rendering: ``slack://T...A/...``,
    ``mailto://user:****@host``); a URL Apprise cannot read shows only its scheme."""
    plugin = apprise.Apprise.instantiate(url)
    if plugin is None:
        scheme = url.split("://", 1)[0][:20] if "://" in url else "?"
        return f"{scheme}://… (not a valid Apprise URL)"
    # The options are left out: they are noise here, and some (headers) may hold secrets.
    return str(plugin.url(privacy=True)).split("?", 1)[0]


def target_key(url: str) -> str:
    """A stable id of a target that reveals nothing of it."""
    return hashlib.sha256(url.encode()).hexdigest()[:16]


def check_target(url: str) -> str | None:
    """Why ``url`` cannot be a notification target (None: it can): Apprise must know it, and
    like a scrape a target may not point into this server's own network unless
    JOBSCRAPER_ALLOW_PRIVATE=1."""
    plugin = apprise.Apprise.instantiate(url)
    if plugin is None:
        return (f"Not a notification target Apprise understands: {mask(url)}. Use an Apprise "
                "URL such as slack://TokenA/TokenB/TokenC/#channel, "
                "mailto://user:pass@example.com or json://host/path.")
    return _private_host(plugin)


def _private_host(plugin: apprise.NotifyBase) -> str | None:
    host = getattr(plugin, "host", None)
    if not isinstance(host, str) or not host or allow_private_from_env():
        return None
    addresses = [literal_address(host)]
    if addresses[0] is None:
        try:
            infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
        except OSError:
            return None  # unresolvable here: sending will say so
        addresses = [literal_address(str(i[4][0])) for i in infos]
    if any(a is not None and not is_public(a) for a in addresses):
        return (f"Refused target {plugin.url(privacy=True)}: {host} is a private, loopback or "
                "link-local address (set JOBSCRAPER_ALLOW_PRIVATE=1 to allow such targets).")
    return None


# -- the message ---------------------------------------------------------------------------


def view_link(public_url: str | None, search: SavedSearch) -> str | None:
    """The saved search's view in the app (``<JOBSCRAPER_PUBLIC_URL>/jobs?saved=3``)."""
    if not public_url:
        return None
    return f"{public_url.rstrip('/')}/{JOBS_PATH}?{urlencode({'saved': search.search_id})}"


def _job_line(job: dict[str, object]) -> str:
    salary = queries.salary_text(job["salary_min"], job["salary_max"],  # type: ignore[arg-type]
                                 job["salary_currency"], job["salary_period"])  # type: ignore[arg-type]
    facts = " · ".join(str(p) for p in (job["company"], job["location"], salary) if p)
    return f"- {job['title']}" + (f" — {facts}" if facts else "") + f"\n  {job['url']}"


def message(search: SavedSearch, new: pl.DataFrame, closed: int, link: str | None,
            *, digest: bool = False) -> tuple[str, str]:
    """(title, body): how many new matches, up to ten of them (title, company, location,
    salary, posting link), the closed count and the link back to the view."""
    n = new.height
    jobs = "job" if n == 1 else "jobs"
    when = "in the last day" if digest else "in the latest scrape"
    title = f"{search.name}: {n} new {jobs}"
    lines = [f"{n} new {jobs} {when} match the saved search “{search.name}”:", ""]
    lines += [_job_line(j) for j in new.head(LISTED).iter_rows(named=True)]
    if n > LISTED:
        lines.append(f"…and {n - LISTED} more.")
    if closed:
        lines += ["", f"{closed} matching job{'s' * (closed != 1)} closed."]
    lines += ["", f"See them all: {link}" if link else
              "(Set JOBSCRAPER_PUBLIC_URL for a link back to the view.)"]
    return title, "\n".join(lines)


# -- sending -------------------------------------------------------------------------------


class _Captured(logging.Handler):
    """Apprise reports why a send failed only in its log: keep each thread's warnings."""

    local = threading.local()

    def emit(self, record: logging.LogRecord) -> None:
        sink = getattr(self.local, "sink", None)
        if sink is not None and record.levelno >= logging.WARNING:
            sink.append(record.getMessage())


_CAPTURE = _Captured()
logging.getLogger("apprise").addHandler(_CAPTURE)


@dataclass(frozen=True, slots=True)
class Outcome:
    target: str  # masked
    ok: bool
    error: str | None = None


def send(url: str, title: str, body: str, timeout_s: float = TIMEOUT_S) -> Outcome:
    """Send one message to one target, its connect and read timeouts capped at
    ``timeout_s``; never raises."""
    shown = mask(url)
    problem = check_target(url)
    if problem:
        return Outcome(shown, False, problem)
    plugin = apprise.Apprise.instantiate(url)
    assert plugin is not None  # check_target said so
    plugin.socket_connect_timeout = min(plugin.socket_connect_timeout or timeout_s, timeout_s)
    plugin.socket_read_timeout = min(plugin.socket_read_timeout or timeout_s, timeout_s)
    said: list[str] = []
    _CAPTURE.local.sink = said
    try:
        ok = bool(plugin.notify(body=body, title=title))
    except Exception as exc:  # noqa: BLE001 - a plugin's bug must not reach the run
        ok, said = False, [*said, f"{type(exc).__name__}: {exc}"]
    finally:
        _CAPTURE.local.sink = None
    if ok:
        return Outcome(shown, True)
    why = "; ".join(dict.fromkeys(said)) or "the target refused the message"
    return Outcome(shown, False, f"{why} (from {shown})")


@dataclass(frozen=True, slots=True)
class Delivery:
    """One message to send: to every target of ``search``."""

    search: SavedSearch
    reason: str  # run, digest, test
    run_id: int | None
    title: str
    body: str
    jobs: int


class Notifier:
    """Sends saved searches' messages on a pool of ``workers`` threads, each target its own
    task, and records every outcome through a cursor of ``con``. ``public_url``:
    JOBSCRAPER_PUBLIC_URL, for links back to the views."""

    def __init__(self, con: duckdb.DuckDBPyConnection, public_url: str | None = None, *,
                 timeout_s: float = TIMEOUT_S, workers: int = 4) -> None:
        self._con = con
        self.public_url = public_url
        self.timeout_s = timeout_s
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="jobscraper-notify")
        self._lock = threading.Lock()
        self._pending: list[Future[Outcome]] = []

    def after_run(self, run_id: int, matches: Sequence[RunMatches],
                  now: datetime | None = None) -> list[Delivery]:
        """Queue the messages run ``run_id``'s matches call for (per-run searches with new
        matches; daily digests that are due) and return them; never raises."""
        try:
            deliveries = self.deliveries(run_id, matches, now or utcnow())
        except Exception:  # noqa: BLE001 - the run is saved; notifying is best effort
            log.exception("could not prepare the notifications of run %s", run_id)
            return []
        for d in deliveries:
            self.submit(d)
        return deliveries

    def deliveries(self, run_id: int, matches: Sequence[RunMatches],
                   now: datetime) -> list[Delivery]:
        """What to send after run ``run_id`` (digests due are marked sent)."""
        cur = self._con.cursor()
        try:
            out = []
            for m in matches:
                s = m.search
                if not s.targets or s.notify == "off":
                    continue
                if s.notify == "run" and m.new:
                    out.append(self._delivery(cur, s, [run_id], "run", run_id))
                elif s.notify == "daily" and (s.digest_at is None
                                              or now - s.digest_at >= DIGEST_EVERY):
                    runs = ss.runs_since(cur, s.digest_run_id, run_id)
                    cur.execute("UPDATE saved_searches SET digest_at = ?, digest_run_id = ? "
                                "WHERE search_id = ?", [now, run_id, s.search_id])
                    d = self._delivery(cur, s, runs, "digest", run_id)
                    if d.jobs:
                        out.append(d)
            return out
        finally:
            cur.close()

    def _delivery(self, cur: duckdb.DuckDBPyConnection, search: SavedSearch,
                  runs: Sequence[int], reason: str, run_id: int) -> Delivery:
        new = ss.matched_jobs(cur, search.search_id, runs, "new")
        closed = ss.matched_jobs(cur, search.search_id, runs, "closed").height
        title, body = message(search, new, closed, view_link(self.public_url, search),
                              digest=reason == "digest")
        return Delivery(search, reason, run_id, title, body, new.height)

    def submit(self, delivery: Delivery) -> list[Future[Outcome]]:
        """Queue ``delivery`` to each of its targets (independently)."""
        futures = [self._pool.submit(self._deliver, delivery, url)
                   for url in delivery.search.targets]
        with self._lock:
            self._pending = [f for f in self._pending if not f.done()] + futures
        return futures

    def send_test(self, search: SavedSearch, url: str) -> Outcome:
        """Send a test message to one target now (waits for it, bounded by the timeout)."""
        title = f"{search.name}: test notification"
        link = view_link(self.public_url, search)
        body = (f"This is a test of the saved search “{search.name}”: after each scrape, its "
                "new matching jobs are sent here." + (f"\n\nThe view: {link}" if link else ""))
        d = Delivery(search, "test", None, title, body, 0)
        return self._pool.submit(self._deliver, d, url).result()

    def _deliver(self, d: Delivery, url: str) -> Outcome:
        outcome = send(url, d.title, d.body, self.timeout_s)
        if not outcome.ok:
            log.warning("notification of saved search %r failed: %s", d.search.name,
                        outcome.error)
        try:
            self._record(d, url, outcome)
        except Exception:  # noqa: BLE001 - e.g. the search was deleted meanwhile
            log.exception("could not record a notification outcome of %r", d.search.name)
        return outcome

    def _record(self, d: Delivery, url: str, outcome: Outcome) -> None:
        cur = self._con.cursor()
        try:
            cur.execute(
                'INSERT INTO saved_search_deliveries (search_id, target_key, target, "at", '
                "reason, run_id, jobs, ok, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [d.search.search_id, target_key(url), outcome.target, utcnow(), d.reason,
                 d.run_id, d.jobs, outcome.ok, outcome.error])
        finally:
            cur.close()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the queued messages; True when none is left."""
        with self._lock:
            pending = list(self._pending)
        done, not_done = futures.wait(pending, timeout)
        return not not_done

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


INDEX_WAIT_S = 10.0


def after_run(con: duckdb.DuckDBPyConnection, notifier: Notifier | None, run_id: int,
              now: datetime | None = None, index: SearchIndex | None = None,
              ) -> list[RunMatches]:
    """What the registry and ``jobscraper scrape`` do once a run's results are saved: match
    and record every saved search (text through ``index`` once it has followed the run's
    last batch, or an in-memory index of the run's jobs), then queue their notifications;
    never raises."""
    try:
        if index is not None:
            index.flush(INDEX_WAIT_S)
        matches = ss.evaluate_run(con, run_id, now, index)
    except Exception:  # noqa: BLE001 - the run is saved; the next run is matched again
        log.exception("matching the saved searches against run %s failed", run_id)
        return []
    if notifier is not None:
        notifier.after_run(run_id, matches, now)
    return matches

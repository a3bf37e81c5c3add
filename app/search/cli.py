"""`jobscraper reindex` and `jobscraper search`, and the index step of `jobscraper scrape`."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TextIO

import duckdb

from app.search import SearchIndex, SearchIndexError, open_index, parse, search
from app.settings import Settings


class ProgressBar:
    """``label [#####.....]  45% 450,000/1,000,000 jobs 3,210/s``, redrawn in place on a
    terminal, a new line every 5 s elsewhere (a log), and always at the end."""

    def __init__(self, label: str, stream: TextIO | None = None, width: int = 30) -> None:
        self.label, self.stream, self.width = label, stream or sys.stderr, width
        self.started = time.monotonic()
        self._last = 0.0
        self._tty = self.stream.isatty()

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and now - self._last < (0.2 if self._tty else 5.0):
            return
        self._last = now
        fraction = done / total if total else 1.0
        rate = done / max(now - self.started, 1e-6)
        filled = int(fraction * self.width)
        line = (f"{self.label} [{'#' * filled}{'.' * (self.width - filled)}] {fraction:4.0%} "
                f"{done:,}/{total:,} jobs {rate:,.0f}/s")
        end = "\n" if done >= total or not self._tty else ""
        self.stream.write(("\r" if self._tty else "") + line + end)
        self.stream.flush()


def open_current_index(con: duckdb.DuckDBPyConnection, db_path: Path, conf: Settings,
                       command: str) -> SearchIndex | None:
    """The database's index, caught up (with a progress bar) when missing or behind; None,
    with a warning, when it cannot be used (the command goes on without it)."""
    try:
        index = open_index(db_path, conf.index_path)
        if index.reset_reason:
            print(f"{command}: the search index is rebuilt: {index.reset_reason}", file=sys.stderr)
        if not index.is_current(con):
            index.catch_up(con, ProgressBar(f"{command}: updating the search index"))
    except SearchIndexError as exc:
        print(f"{command}: search index unavailable: {exc}", file=sys.stderr)
        return None
    return index


def _connect(db: str | None, command: str) -> tuple[duckdb.DuckDBPyConnection, Path, Settings] | None:
    from app.db import DatabaseLockedError, connect
    from app.settings import SettingsError, load_settings

    try:
        conf = load_settings()
        path = Path(db) if db else conf.db_path
        return connect(path), path, conf
    except (SettingsError, DatabaseLockedError) as exc:
        print(f"{command}: {exc}", file=sys.stderr)
        return None


def cli_reindex(*, db: str | None) -> int:
    """`jobscraper reindex`: rebuild the index from scratch; 0 on success, 1 otherwise."""
    opened = _connect(db, "jobscraper reindex")
    if opened is None:
        return 1
    con, path, conf = opened
    try:
        index = open_index(path, conf.index_path)
        started = time.monotonic()
        done = index.rebuild(con, ProgressBar("jobscraper reindex"))
        print(f"indexed {done:,} jobs in {time.monotonic() - started:.1f} s into {index.path}")
        return 0
    except SearchIndexError as exc:
        print(f"jobscraper reindex: {exc}", file=sys.stderr)
        return 1
    finally:
        con.close()


def cli_search(*, db: str | None, query: str, limit: int) -> int:
    """`jobscraper search`: the best open matches as tab-separated id, company, title and
    score; hints about the query on stderr. 0 with matches, 1 without or on error."""
    opened = _connect(db, "jobscraper search")
    if opened is None:
        return 1
    con, path, conf = opened
    try:
        index = open_current_index(con, path, conf, "jobscraper search")
        if index is None:
            return 1
        parsed = parse(query)
        for hint in parsed.hints:
            print(f"jobscraper search: {hint}", file=sys.stderr)
        if parsed.empty:
            return 1
        hits = search(con, index, query, limit)
        for hit in hits:
            print(f"{hit.job_id}\t{hit.company or ''}\t{hit.title}\t{hit.score:.3f}")
        if not hits:
            print("jobscraper search: no open job matches", file=sys.stderr)
        return 0 if hits else 1
    finally:
        con.close()

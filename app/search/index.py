"""The full-text index of the jobs: derived data beside the database, never the truth.

Each document is one job, keyed by ``jobs.doc_key`` (an integer, so the ids of a million
matches travel as one column) and stamped with the job's ``last_seen_at``: a scrape
refreshes a job's text on every sighting, so a (key, stamp) pair the index lacks is a
document to (re)write. The index records the fingerprint of the pairs it reflects; a
database whose fingerprint differs (a crash between the two commits, a copied file, jobs
written by other means) is caught up by comparing the pairs. Open/closed and every other
filter stay in DuckDB.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pyarrow as pa
import tantivy

from app.queries import SearchHits
from app.search.query import ParsedQuery, analyzer, to_tantivy

log = logging.getLogger(__name__)

FORMAT = 1  # bump when the schema or the analyzer changes: old indexes are rebuilt
STATE_FILE = "jobscraper-search.json"
TOKENIZER = "jobs_en"
# Index field -> jobs column.
TEXT_FIELDS = {"title": "title", "company": "company", "department": "department",
               "location": "location", "description": "description_text"}
HITS_SCHEMA = {"doc_key": pl.Int64, "score": pl.Float32}
_BATCH_ROWS = 2_000
_DELETE_CHUNK = 20_000
_CACHED_QUERIES = 4
# DuckDB's buffer pool while a bulk (re)index streams every job's text: without a cap the
# scan leaves the whole table cached (DuckDB's default limit is 80 % of RAM), which at a
# million 5 KB descriptions is ~2.4 GB on top of tantivy's writer heap.
BULK_BUFFER_LIMIT = "128MB"
# Above this many matches, when they are most of the index, hits are given as the misses.
NEGATE_ABOVE = 100_000
# keys_matching: keys at most _KEY_GAP apart, _KEY_RUN or more of them, are asked as a range.
_KEY_GAP = 4
_KEY_RUN = 16

# (documents done, documents to do): called from the thread doing the work.
ProgressHandler = Callable[[int, int], None]


class SearchIndexError(RuntimeError):
    """The index cannot be used or rebuilt where it is configured; the message says why."""


def default_path(db_path: str | Path) -> Path:
    """``<db file>.search/`` beside the database."""
    db = Path(db_path).expanduser()
    return db.with_name(db.name + ".search")


def fingerprint(con: duckdb.DuckDBPyConnection) -> str:
    """A digest of every job's (doc_key, last_seen_at): what the index must mirror."""
    rows = con.execute(
        "SELECT count(*), coalesce(bit_xor(hash(doc_key, last_seen_at)), 0) FROM jobs"
    ).fetchall()
    return f"{rows[0][0]}:{rows[0][1]}"


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("key", indexed=True, fast=True)
    builder.add_integer_field("seen", fast=True)
    for name in TEXT_FIELDS:
        builder.add_text_field(name, tokenizer_name=TOKENIZER)
    return builder.build()


def _empty_hits() -> pl.DataFrame:
    return pl.DataFrame(schema=HITS_SCHEMA)


def _unreadable(exc: BaseException) -> bool:
    """Whether tantivy failed on damaged files: an error, or a Rust panic (which pyo3 raises
    as a BaseException that ``except Exception`` does not catch)."""
    return isinstance(exc, ValueError | OSError | RuntimeError) or (
        type(exc).__name__ == "PanicException")


def _looks_like_index(path: Path) -> bool:
    """A folder this code may wipe: empty, or holding a tantivy index or our state file."""
    return not any(path.iterdir()) or (path / "meta.json").exists() or (path / STATE_FILE).exists()


class SearchIndex:
    """One tantivy index, on disk at ``path`` (or in memory when None). Writes hold a lock,
    so one writer at a time in the process; the database's own lock keeps other processes
    out. Reads are safe from any thread."""

    def __init__(self, path: str | Path | None) -> None:
        self.path = Path(path).expanduser() if path is not None else None
        self.schema = _schema()
        self._lock = threading.RLock()
        self._cache: OrderedDict[tuple[Any, int], SearchHits] = OrderedDict()
        self._generation = 0
        self._recorded: str | None = None
        self.reset_reason: str | None = None
        self.damaged = False  # a search found damaged files: the next catch-up rebuilds
        self._index = self._open()
        # Set when the index is known to mirror the database (checked, caught up, rebuilt).
        self._current = False
        self._worker: threading.Thread | None = None
        self._worker_lock = threading.Lock()
        self.progress: tuple[int, int] = (0, 0)
        self.error: str | None = None
        # The caller's data version the last check found current (app.ui keeps it).
        self.checked_version: str | None = None
        self._pending: list[tuple[int, list[int], str | None]] = []
        self._follower: threading.Thread | None = None
        self._follow_lock = threading.Lock()

    # -- opening --------------------------------------------------------------------------

    def _open(self) -> tantivy.Index:
        if self.path is None:
            return self._new_index()
        if self.path.exists() and not self.path.is_dir():
            raise SearchIndexError(f"the search index path {self.path} is a file: give a folder "
                                   "(JOBSCRAPER_INDEX)")
        if self.path.is_dir() and not _looks_like_index(self.path):
            raise SearchIndexError(
                f"{self.path} holds other files and is not a search index: point "
                "JOBSCRAPER_INDEX at an empty or new folder")
        state = self._read_state()
        if self.path.is_dir() and (self.path / "meta.json").exists():
            if state.get("format") != FORMAT:
                return self._reset("it was built by another version")
            try:
                index = tantivy.Index.open(str(self.path))
                index.register_tokenizer(TOKENIZER, analyzer())
                index.searcher().search(tantivy.Query.all_query(), 1)
            except BaseException as exc:  # noqa: BLE001 - tantivy panics on damaged files
                if not _unreadable(exc):
                    raise
                return self._reset(f"it could not be read ({exc})")
            self._recorded = state.get("fingerprint")
            return index
        return self._reset(None)

    def _read_state(self) -> dict[str, Any]:
        assert self.path is not None
        try:
            data = json.loads((self.path / STATE_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def _reset(self, reason: str | None) -> tantivy.Index:
        """An empty index in place of a missing, stale or corrupt one."""
        assert self.path is not None
        if reason:
            log.warning("search index %s is rebuilt: %s", self.path, reason)
            self.reset_reason = reason
        if self.path.exists():
            shutil.rmtree(self.path)
        self.path.mkdir(parents=True)
        self._recorded = None
        return self._new_index()

    def _new_index(self) -> tantivy.Index:
        index = tantivy.Index(self.schema, path=str(self.path) if self.path else None)
        index.register_tokenizer(TOKENIZER, analyzer())
        return index

    # -- state ----------------------------------------------------------------------------

    @property
    def docs(self) -> int:
        return int(self._index.searcher().num_docs)

    @property
    def generation(self) -> int:
        """Changes with every commit: keys caches of what the index answered."""
        return self._generation

    @property
    def recorded(self) -> str | None:
        """The fingerprint of the data the index reflects (None: not known)."""
        return self._recorded

    def is_current(self, con: duckdb.DuckDBPyConnection) -> bool:
        """Whether the index reflects the database's jobs as they are now."""
        self._current = (not self.damaged and self._recorded is not None
                         and self._recorded == fingerprint(con))
        return self._current

    def _record(self, print_: str) -> None:
        self._recorded = print_
        self._current = True
        if self.path is None:
            return
        state = {"format": FORMAT, "fingerprint": print_, "docs": self.docs,
                 "updated_at": datetime.now(UTC).isoformat(timespec="seconds")}
        tmp = self.path / (STATE_FILE + ".tmp")
        tmp.write_text(json.dumps(state), encoding="utf-8")
        os.replace(tmp, self.path / STATE_FILE)

    # -- writing --------------------------------------------------------------------------

    def rebuild(self, con: duckdb.DuckDBPyConnection, on_progress: ProgressHandler | None = None,
                ) -> int:
        """Index every job from scratch; returns how many."""
        with self._lock:
            print_ = fingerprint(con)
            [(total,)] = con.execute("SELECT count(*) FROM jobs").fetchall()
            writer = self._writer(bulk=True)
            writer.delete_all_documents()
            with _lean_buffer(con):
                done = self._add(writer, con, None, int(total), on_progress)
            self._commit(writer)
            self.damaged = False
            self._record(print_)
            return done

    def catch_up(self, con: duckdb.DuckDBPyConnection, on_progress: ProgressHandler | None = None,
                 ) -> int:
        """Bring the index level with the database (a no-op when it is); returns how many
        documents were (re)written or removed."""
        with self._lock:
            if self.is_current(con):
                return 0
            if self.docs == 0 or self.damaged:
                return self.rebuild(con, on_progress)
            print_ = fingerprint(con)
            theirs = self._index_pairs()
            ours = con.sql("SELECT doc_key, epoch_us(last_seen_at) AS seen FROM jobs").pl()
            todo = ours.join(theirs, on=["doc_key", "seen"], how="anti")["doc_key"]
            gone = theirs.join(ours, on="doc_key", how="anti")["doc_key"]
            if todo.len() > max(ours.height // 2, 10_000):  # most changed: start afresh
                return self.rebuild(con, on_progress)
            bulk = todo.len() > 10_000
            writer = self._writer(bulk=bulk)
            self._delete(writer, [*todo.to_list(), *gone.to_list()])
            with _lean_buffer(con) if bulk else _nothing():
                done = self._add(writer, con, todo, todo.len(), on_progress)
            self._commit(writer)
            self._record(print_)
            return done + gone.len()

    def update_saved(self, con: duckdb.DuckDBPyConnection, run_id: int,
                     company_ids: Sequence[int], print_: str | None = None) -> int:
        """Rewrite the jobs run ``run_id`` saw for ``company_ids`` (what a batch of results
        just committed). ``print_``: the database's fingerprint right after that commit,
        recorded when the index mirrored the database before."""
        return self._apply(con, [(run_id, list(company_ids), print_)])

    def _apply(self, con: duckdb.DuckDBPyConnection,
               items: Sequence[tuple[int, list[int], str | None]]) -> int:
        with self._lock:
            keys: list[int] = []
            for run_id, company_ids, _ in items:
                keys.extend(r[0] for r in con.execute(
                    "SELECT doc_key FROM jobs WHERE list_contains(?, company_id) "
                    "AND last_seen_run = ?", [company_ids, run_id]).fetchall())
            writer = self._writer(bulk=False)
            self._delete(writer, keys)
            done = self._add(writer, con, pl.Series("doc_key", keys, dtype=pl.Int64), len(keys),
                             None)
            self._commit(writer)
            print_ = items[-1][2]
            if self._current and print_ is not None:
                self._record(print_)
            return done

    def after_commit(self, con: duckdb.DuckDBPyConnection, run_id: int,
                     counts: Sequence[Any]) -> None:
        """The pipeline's post-commit hook (on the writer thread): note the database's
        fingerprint now and hand what the batch's ok companies saved to a follower thread,
        so the writer does not wait for the index's own commit (fsyncs: ~0.1-0.5 s here)."""
        company_ids = [c.company_id for c in counts if c.state == "ok"]
        if not company_ids:
            return
        item = (run_id, company_ids, fingerprint(con))
        with self._follow_lock:
            self._pending.append(item)
            if self._follower is None:
                self._follower = threading.Thread(
                    target=self._follow, args=(con.cursor(),), name="jobscraper-search-follower",
                    daemon=True)
                self._follower.start()

    def _follow(self, cur: duckdb.DuckDBPyConnection) -> None:
        """Index pending batches, several per commit when they queue up, until none is left."""
        try:
            while True:
                with self._follow_lock:
                    items, self._pending = self._pending, []
                    if not items:
                        self._follower = None
                        return
                try:
                    self._apply(cur, items)
                except Exception:  # noqa: BLE001 - the data is saved; a catch-up repairs this
                    log.exception("indexing saved jobs failed; the index will catch up")
                    self._current = False
        finally:
            cur.close()

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until the batches handed over by ``after_commit`` are indexed; True if so."""
        follower = self._follower
        if follower is not None:
            follower.join(timeout)
        return self._follower is None or not self._follower.is_alive()

    def catch_up_in_background(self, con: duckdb.DuckDBPyConnection) -> None:
        """Start ``catch_up`` on a thread of its own (with a cursor of ``con``) unless one is
        running; ``progress`` and ``error`` tell how it goes."""
        with self._worker_lock:
            if self.catching_up:
                return
            self.error = None
            self.progress = (0, 0)
            self._worker = threading.Thread(target=self._catch_up_worker, args=(con.cursor(),),
                                            name="jobscraper-search-catch-up", daemon=True)
            self._worker.start()

    def _catch_up_worker(self, cur: duckdb.DuckDBPyConnection) -> None:
        try:
            self.catch_up(cur, self._set_progress)
        except Exception as exc:  # noqa: BLE001 - shown on the page; searching scans instead
            log.exception("catching up the search index failed")
            self.error = f"{type(exc).__name__}: {exc}"
        finally:
            cur.close()

    def _set_progress(self, done: int, total: int) -> None:
        self.progress = (done, total)

    @property
    def catching_up(self) -> bool:
        return self._worker is not None and self._worker.is_alive()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for a background catch-up; True when none is running any more."""
        worker = self._worker
        if worker is not None:
            worker.join(timeout)
        return not self.catching_up

    def _writer(self, *, bulk: bool) -> tantivy.IndexWriter:
        # Each thread needs at least 15 MB; a bulk build gets more for fewer, larger segments.
        if bulk:
            return self._index.writer(heap_size=256_000_000, num_threads=2)
        return self._index.writer(heap_size=32_000_000, num_threads=1)

    def _delete(self, writer: tantivy.IndexWriter, keys: Sequence[int]) -> None:
        for start in range(0, len(keys), _DELETE_CHUNK):
            chunk = list(keys[start:start + _DELETE_CHUNK])
            writer.delete_documents_by_query(
                tantivy.Query.term_set_query(self.schema, "key", chunk))

    def _add(self, writer: tantivy.IndexWriter, con: duckdb.DuckDBPyConnection,
             keys: pl.Series | None, total: int, on_progress: ProgressHandler | None) -> int:
        """Add the jobs with ``keys`` (all jobs when None) streamed from DuckDB in batches."""
        columns = ", ".join(f"{c} AS {f}" for f, c in TEXT_FIELDS.items())
        sql = f"SELECT doc_key AS key, epoch_us(last_seen_at) AS seen, {columns} FROM jobs"
        cur = con.cursor()
        try:
            if keys is not None:
                if keys.is_empty():
                    return 0
                cur.register("search_todo", pa.table({"doc_key": keys.to_arrow()}))
                sql += " WHERE doc_key IN (SELECT doc_key FROM search_todo)"
            done = 0
            reader = cur.sql(sql).to_arrow_reader(_BATCH_ROWS)
            if on_progress is not None:
                on_progress(0, total)
            for batch in reader:
                for row in batch.to_pylist():
                    writer.add_document(_document(row))
                done += batch.num_rows
                if on_progress is not None:
                    on_progress(done, total)
            return done
        finally:
            cur.close()

    def _commit(self, writer: tantivy.IndexWriter) -> None:
        writer.commit()
        # Merges run in the writer's threads: wait, so segments do not pile up per batch.
        writer.wait_merging_threads()
        self._index.reload()
        self._generation += 1
        self._cache.clear()

    @classmethod
    def of_rows(cls, rows: Sequence[dict[str, Any]]) -> SearchIndex:
        """An in-memory index of just ``rows`` (each: ``key`` (doc_key), ``seen``, and the
        text fields by their index names), built as the database's index builds its
        documents: the same schema, analyzer and queries, so it matches the same jobs."""
        index = cls(None)
        if rows:
            writer = index._writer(bulk=False)
            for row in rows:
                writer.add_document(_document(row))
            index._commit(writer)
        return index

    # -- reading --------------------------------------------------------------------------

    def _index_pairs(self) -> pl.DataFrame:
        """(doc_key, seen) of every document in the index."""
        searcher = self._index.searcher()
        if not searcher.num_docs:
            return pl.DataFrame(schema={"doc_key": pl.Int64, "seen": pl.Int64})
        hits = searcher.search(tantivy.Query.all_query(), searcher.num_docs, count=False,
                               order_by_field="key").hits
        addresses = [address for _, address in hits]
        return pl.DataFrame(
            {"doc_key": [key for key, _ in hits],
             "seen": searcher.fast_field_values("seen", addresses)},
            schema={"doc_key": pl.Int64, "seen": pl.Int64},
        )

    def clear_cache(self) -> None:
        """Forget recent queries' hits (benchmarks measure uncached searches)."""
        self._cache.clear()

    def hits(self, parsed: ParsedQuery) -> SearchHits:
        """What ``parsed`` matches (see ``queries.SearchHits``): every match with its score,
        or, when it matches most of a large index, every document it does not match (a
        million Python objects cost seconds; the misses of a common word are few)."""
        if parsed.empty:
            return SearchHits(_empty_hits())
        key = (parsed.clauses, self._generation)
        cached = self._cache.get(key)
        if cached is not None:
            self._cache.move_to_end(key)
            return cached
        try:
            result = self._hits(to_tantivy(parsed, self.schema))
        except BaseException as exc:  # noqa: BLE001 - tantivy panics on damaged files
            if not _unreadable(exc):
                raise
            self.damaged = True
            raise SearchIndexError(f"the search index is damaged ({exc}); it is rebuilt when "
                                   "next caught up (or run `jobscraper reindex`)") from None
        self._cache[key] = result
        while len(self._cache) > _CACHED_QUERIES:
            self._cache.popitem(last=False)
        return result

    def keys_matching(self, queries: Sequence[ParsedQuery], keys: Sequence[int],
                      ) -> list[list[int]]:
        """For each of ``queries`` (none empty), which of the documents ``keys`` it matches:
        each query intersected with just those keys, so the cost follows their number more
        than the index's size."""
        searcher = self._index.searcher()
        if not keys or not searcher.num_docs:
            return [[] for _ in queries]
        only, most = self._keys_query(keys)
        wanted = set(keys)
        out = []
        for parsed in queries:
            query = tantivy.Query.boolean_query([
                (tantivy.Occur.Must, to_tantivy(parsed, self.schema)),
                (tantivy.Occur.Must, only)])
            hits = searcher.search(query, most, count=False).hits
            out.append([k for k in searcher.fast_field_values("key", [a for _, a in hits])
                        if isinstance(k, int) and k in wanted])
        return out

    def _keys_query(self, keys: Sequence[int]) -> tuple[tantivy.Query, int]:
        """Documents with one of ``keys`` or near them, and how many at most: runs of nearby
        keys (a run's new jobs) as key ranges, which tantivy answers from the fast field in
        microseconds; the scattered rest as a term set (milliseconds). The caller drops the
        near misses."""
        ordered = sorted(set(keys))
        ranges: list[tuple[int, int]] = []
        single: list[int] = []
        start = 0
        for i in range(1, len(ordered) + 1):
            if i < len(ordered) and ordered[i] - ordered[i - 1] <= _KEY_GAP:
                continue
            run = ordered[start:i]
            if len(run) >= _KEY_RUN:
                ranges.append((run[0], run[-1]))
            else:
                single.extend(run)
            start = i
        parts = [(tantivy.Occur.Should, tantivy.Query.range_query(
            self.schema, "key", tantivy.FieldType.Integer, lo, hi)) for lo, hi in ranges]
        if single:
            parts.append((tantivy.Occur.Should,
                          tantivy.Query.term_set_query(self.schema, "key", single)))
        return (tantivy.Query.boolean_query(parts),
                sum(hi - lo + 1 for lo, hi in ranges) + len(single))

    def _hits(self, query: tantivy.Query) -> SearchHits:
        searcher = self._index.searcher()
        docs = searcher.num_docs
        if not docs:  # tantivy refuses a limit of 0
            return SearchHits(_empty_hits())
        matches = int(searcher.search(query, 1, count=True).count)  # type: ignore[attr-defined]
        max_key = searcher.search(tantivy.Query.all_query(), 1, order_by_field="key").hits[0][0]
        if matches <= NEGATE_ABOVE or docs - matches >= matches:
            return SearchHits(_best(searcher, query, max(matches, 1)), max_key=max_key,
                              total=matches)
        misses = docs - matches
        keys: list[int] = []
        if misses:
            others = tantivy.Query.boolean_query([(tantivy.Occur.Must, tantivy.Query.all_query()),
                                                  (tantivy.Occur.MustNot, query)])
            keys = [k for k, _ in searcher.search(others, misses, count=False,
                                                  order_by_field="key").hits]
        return SearchHits(pl.DataFrame({"doc_key": keys}, schema={"doc_key": pl.Int64}),
                          negated=True, best=lambda k: _best(self._index.searcher(), query, k),
                          max_key=max_key, total=matches)


def _unrounded(shown: str) -> str:
    """A memory setting as read back ("2.6 GiB", cut to 0.1 of a unit) as a value to set
    that reads back the same: the middle of the 0.1 it was cut from."""
    number, _, unit = shown.partition(" ")
    try:
        return f"{float(number) + 0.05:.2f} {unit}".rstrip()
    except ValueError:
        return shown


@contextmanager
def _nothing() -> Iterator[None]:
    yield


@contextmanager
def _lean_buffer(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Cap DuckDB's buffer pool at ``BULK_BUFFER_LIMIT`` while a bulk index streams the
    table, then restore the limit it had. The limit is the database's, so queries running
    meanwhile get the smaller pool too (they spill rather than fail); a rebuild is rare."""
    [(before,)] = con.execute("SELECT current_setting('memory_limit')").fetchall()
    try:
        con.execute("SET memory_limit = ?", [BULK_BUFFER_LIMIT])
    except duckdb.Error as exc:  # buffers pinned by a running query: index as things are
        log.info("search index: could not cap DuckDB's memory for the rebuild: %s", exc)
        yield
        return
    try:
        yield
    finally:
        try:
            # The setting reads back rounded down to 0.1 of a unit: reset the default rather
            # than set its rounding, so rebuild after rebuild does not shrink the pool.
            [(default,)] = duckdb.connect().execute(
                "SELECT current_setting('memory_limit')").fetchall()
            if before == default:
                con.execute("RESET memory_limit")
            else:
                con.execute("SET memory_limit = ?", [_unrounded(before)])
        except duckdb.Error:
            log.exception("search index: could not restore DuckDB's memory_limit %s", before)


def _best(searcher: tantivy.Searcher, query: tantivy.Query, k: int) -> pl.DataFrame:
    """The ``k`` best matches of ``query``: (doc_key, score), best first."""
    hits = searcher.search(query, k, count=False).hits
    return pl.DataFrame({"doc_key": searcher.fast_field_values("key", [a for _, a in hits]),
                         "score": [score for score, _ in hits]}, schema=HITS_SCHEMA)


def _document(row: dict[str, Any]) -> tantivy.Document:
    doc = tantivy.Document()
    doc.add_integer("key", row["key"])
    doc.add_integer("seen", row["seen"])
    for name in TEXT_FIELDS:
        if row[name]:
            doc.add_text(name, row[name])
    return doc


def open_index(db_path: str | Path, configured: str | Path | None = None) -> SearchIndex:
    """The index of the database at ``db_path``: at ``configured`` (JOBSCRAPER_INDEX) or
    beside it; in memory for ``:memory:``. Missing or unreadable indexes start empty."""
    if str(db_path) == ":memory:" and configured is None:
        return SearchIndex(None)
    return SearchIndex(configured or default_path(db_path))

"""Saved searches: a named Jobs view (filters, search text and sort, as the URL carries them)
shared by the team, and what each run brought that matches it. No Streamlit.

    save_search(con, person, "Backend, Berlin", filters)    # who made it is recorded
    evaluate_run(con, run_id)   # after a run saved its results: the new/closed matches
    saved_searches(con)         # each with its latest counts ("3 new")

A run's *new matches* are the jobs it first saw that match the view; its *closed matches*
the matching jobs it closed. Matching uses the Jobs page's own rules: the structured filters
are ``queries.filter_clause`` (over only the run's new and closed jobs, never the whole
table) and the search text goes through the same parser, analyzer and tantivy queries as
the page's index, in a small in-memory index of just those jobs. The view's "Show" choice
(new since a visit, in the latest run...) and "include closed" do not apply: the run says
what is new. The page number is not saved.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import duckdb
import polars as pl

from app import activity, queries
from app.activity import Entry
from app.jobs_view import Filters, job_filters
from app.people import Person, require_person
from app.search.index import TEXT_FIELDS, SearchIndex
from app.search.query import ParsedQuery, parse
from app.store import StoreError, transaction, utcnow

MAX_NAME = 80
MAX_TARGETS = 10
NOTIFY_MODES = {"run": "after every run", "daily": "daily digest", "off": "no notifications"}
_NOT_SAVED = ("page",)  # URL parameters that are not part of a view


class SavedSearchError(StoreError):
    """A saved search cannot be saved as asked; the message says what to do instead."""


@dataclass(frozen=True, slots=True)
class SavedSearch:
    """One saved search. ``params`` are the view's URL parameters (``Filters.to_url``);
    ``targets`` Apprise URLs (they may hold secrets: show ``app.notify.mask`` of them)."""

    search_id: int
    name: str
    params: dict[str, str]
    targets: tuple[str, ...] = ()
    notify: str = "run"
    created_at: datetime | None = None
    created_by: str = ""
    updated_at: datetime | None = None
    updated_by: str = ""
    last_run_id: int | None = None
    last_new: int = 0
    last_closed: int = 0
    last_evaluated_at: datetime | None = None
    digest_at: datetime | None = None
    digest_run_id: int | None = None

    @property
    def view(self) -> Filters:
        """The saved view as the Jobs page's Filters (kept as saved: a company that no longer
        exists stays in the filter rather than widening it to every company)."""
        return view_of(self.params)

    @property
    def label(self) -> str:
        """``Backend, Berlin · 3 new · 1 closed`` (the latest run's counts, when any)."""
        counts = [f"{n} {what}" for n, what in ((self.last_new, "new"),
                                                 (self.last_closed, "closed")) if n]
        return " · ".join([self.name, *counts])


def view_of(params: Mapping[str, str]) -> Filters:
    """The Filters of saved URL parameters, keeping the saved companies and currency."""
    companies = [int(p) for p in params.get("company", "").split(",") if p.isdigit()]
    currency = params.get("currency")
    return Filters.from_url(params, companies=companies,
                            currencies=[currency] if currency else [])


def params_of(view: Filters) -> dict[str, str]:
    """The URL parameters a view is saved as (the page number left out)."""
    return {k: v for k, v in view.to_url().items() if k not in _NOT_SAVED}


def clean_name(text: str) -> str:
    """A saved search's name: trimmed, 1 to MAX_NAME characters, no control characters."""
    name = " ".join((text or "").split())
    if not name:
        raise SavedSearchError("Give the saved search a name, e.g. “Backend, Berlin”.")
    if len(name) > MAX_NAME:
        raise SavedSearchError(f"A saved search's name has at most {MAX_NAME} characters.")
    return name


_COLUMNS = ("search_id, name, params, targets, notify, created_at, created_by, updated_at, "
            "updated_by, last_run_id, last_new, last_closed, last_evaluated_at, digest_at, "
            "digest_run_id")


def _from_row(row: Sequence[Any]) -> SavedSearch:
    values = dict(zip([c.strip() for c in _COLUMNS.split(",")], row, strict=True))
    values["params"] = json.loads(values["params"])
    values["targets"] = tuple(values["targets"] or ())
    return SavedSearch(**values)


def saved_searches(con: duckdb.DuckDBPyConnection) -> list[SavedSearch]:
    """Every saved search, by name."""
    rows = con.execute(f"SELECT {_COLUMNS} FROM saved_searches ORDER BY lower(name), search_id"
                       ).fetchall()
    return [_from_row(r) for r in rows]


def get_search(con: duckdb.DuckDBPyConnection, search_id: int) -> SavedSearch | None:
    rows = con.execute(f"SELECT {_COLUMNS} FROM saved_searches WHERE search_id = ?",
                       [search_id]).fetchall()
    return _from_row(rows[0]) if rows else None


def _check_name_free(con: duckdb.DuckDBPyConnection, name: str, search_id: int | None) -> None:
    taken = con.execute("SELECT search_id FROM saved_searches WHERE lower(name) = lower(?) "
                        "AND search_id IS DISTINCT FROM ?", [name, search_id]).fetchall()
    if taken:
        raise SavedSearchError(f"A saved search is already named “{name}”: pick another "
                               "name, or open that one and save your changes to it.")


def _check_targets(targets: Sequence[str], notify: str) -> tuple[str, ...]:
    from app.notify import check_target

    if notify not in NOTIFY_MODES:
        raise SavedSearchError(f"Unknown notification mode {notify!r}: use one of "
                               f"{', '.join(NOTIFY_MODES)}.")
    cleaned = tuple(dict.fromkeys(t.strip() for t in targets if t.strip()))
    if len(cleaned) > MAX_TARGETS:
        raise SavedSearchError(f"A saved search has at most {MAX_TARGETS} notification targets.")
    for target in cleaned:
        problem = check_target(target)
        if problem:
            raise SavedSearchError(problem)
    return cleaned


def save_search(con: duckdb.DuckDBPyConnection, person: Person, name: str, view: Filters,
                *, targets: Sequence[str] = (), notify: str = "run",
                at: datetime | None = None) -> SavedSearch:
    """Save ``view`` as a new saved search named ``name``, made by ``person`` (who must be
    known); SavedSearchError when the name is taken or a target is unusable."""
    require_person(person, "save a search")
    name = clean_name(name)
    cleaned = _check_targets(targets, notify)
    at = at or utcnow()
    params = params_of(view)
    with transaction(con):
        _check_name_free(con, name, None)
        [(search_id,)] = con.execute(
            "INSERT INTO saved_searches (name, params, targets, notify, created_at, created_by, "
            "created_by_key, updated_at, updated_by, updated_by_key, digest_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING search_id",
            [name, json.dumps(params), list(cleaned), notify, at, person.name, person.key, at,
             person.name, person.key, at]).fetchall()
        activity.record(con, person, Entry("search.save", str(search_id), name,
                                           new=_describe(params)), at=at)
    saved = get_search(con, int(search_id))
    assert saved is not None
    return saved


def update_search(con: duckdb.DuckDBPyConnection, person: Person, search_id: int, *,
                  name: str | None = None, view: Filters | None = None,
                  targets: Sequence[str] | None = None, notify: str | None = None,
                  at: datetime | None = None) -> SavedSearch:
    """Rename, re-save the view of, or change the notifications of a saved search (only the
    parts given change); each change is in the activity feed as ``person``'s."""
    require_person(person, "change a saved search")
    old = get_search(con, search_id)
    if old is None:
        raise SavedSearchError("This saved search no longer exists (someone deleted it).")
    new_name = clean_name(name) if name is not None else old.name
    new_params = params_of(view) if view is not None else old.params
    new_notify = notify if notify is not None else old.notify
    new_targets = (_check_targets(targets, new_notify) if targets is not None
                   else _check_targets(old.targets, new_notify))
    changes = [(what, a, b) for what, a, b in (
        ("name", old.name, new_name),
        ("view", _describe(old.params), _describe(new_params)),
        ("notify", old.notify, new_notify),
        ("targets", _targets_text(old.targets), _targets_text(new_targets)),
    ) if a != b]
    if not changes:
        return old
    at = at or utcnow()
    with transaction(con):
        _check_name_free(con, new_name, search_id)
        con.execute(
            "UPDATE saved_searches SET name = ?, params = ?, targets = ?, notify = ?, "
            "updated_at = ?, updated_by = ?, updated_by_key = ? WHERE search_id = ?",
            [new_name, json.dumps(new_params), list(new_targets), new_notify, at, person.name,
             person.key, search_id])
        activity.record_many(con, person, [
            Entry("search.edit", str(search_id), new_name, old=f"{what}: {a}", new=f"{what}: {b}")
            for what, a, b in changes], at=at)
    saved = get_search(con, search_id)
    assert saved is not None
    return saved


def delete_search(con: duckdb.DuckDBPyConnection, person: Person, search_id: int) -> None:
    """Delete a saved search with its match history and notification outcomes."""
    require_person(person, "delete a saved search")
    old = get_search(con, search_id)
    if old is None:
        return
    with transaction(con):
        for table in ("saved_search_matches", "saved_search_deliveries", "saved_searches"):
            con.execute(f"DELETE FROM {table} WHERE search_id = ?", [search_id])
        activity.record(con, person, Entry("search.delete", str(search_id), old.name,
                                           old=_describe(old.params)))


def _describe(params: Mapping[str, str]) -> str:
    return "&".join(f"{k}={v}" for k, v in params.items()) or "(every open job)"


def _targets_text(targets: Sequence[str]) -> str:
    from app.notify import mask

    return ", ".join(mask(t) for t in targets) or "(none)"


# -- after a run ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RunMatches:
    """What run ``run_id`` brought one saved search: the job ids of its new and closed
    matches."""

    search: SavedSearch
    run_id: int
    new: tuple[str, ...] = ()
    closed: tuple[str, ...] = ()


def run_candidates(con: duckdb.DuckDBPyConnection, run_id: int, *, text: bool = False,
                   kinds: Sequence[str] = ("new", "closed")) -> pl.DataFrame:
    """The jobs run ``run_id`` added (``match_kind`` new) and closed (closed), with every
    column but the descriptions (``text``: with ``description_text``). One query of one
    filtered column per kind, so DuckDB skips the rest of the table (and, above all, never
    reads the descriptions of jobs the run did not touch)."""
    columns = "* EXCLUDE (description_html)" if text else \
        "* EXCLUDE (description_html, description_text)"
    where = {"new": "first_seen_run = $run",
             "closed": "closed_run = $run AND closed_at IS NOT NULL"}
    sql = " UNION ALL ".join(f"SELECT {columns}, '{kind}' AS match_kind FROM jobs "
                             f"WHERE {where[kind]}" for kind in kinds)
    return con.sql(sql, params={"run": run_id}).pl()


def _evaluation_filters(view: Filters) -> queries.JobFilters:
    """The view's filters as matched against a run's jobs: its structured filters, with
    neither "Show" nor "include closed" (the run defines new and closed)."""
    return replace(job_filters(replace(view, new="", closed=True)), search="")


def _index_of(cand: pl.DataFrame) -> SearchIndex:
    """An in-memory index of just these jobs (with their text), built as the database's."""
    docs = cand.select(pl.col("doc_key").alias("key"),
                       pl.col("last_seen_at").dt.epoch("us").alias("seen"),
                       *(pl.col(c).alias(f) for f, c in TEXT_FIELDS.items()))
    return SearchIndex.of_rows(docs.to_dicts())


def _text_matches(con: duckdb.DuckDBPyConnection, run_id: int, cand: pl.DataFrame,
                  parsed: Sequence[ParsedQuery], index: SearchIndex | None) -> list[list[int]]:
    """For each query, the doc keys of the run's jobs it matches. The run's new jobs are
    asked of the database's index when it mirrors the database: their keys are the newest,
    one cheap key range there. The closed ones are scattered over the whole index (a set of
    scattered keys costs tantivy milliseconds per query), so they, and everything when the
    index is behind, are asked of an in-memory index of just those jobs."""
    current = index is not None and not index.catching_up and index.is_current(con)
    found: list[list[int]] = [[] for _ in parsed]
    if index is not None and current:
        new = cand.filter(pl.col("match_kind") == "new")["doc_key"].to_list()
        found = index.keys_matching(parsed, new)
    rest = ("closed",) if current else ("new", "closed")
    if not cand.filter(pl.col("match_kind").is_in(rest)).is_empty():
        texts = run_candidates(con, run_id, text=True, kinds=rest)
        small = _index_of(texts).keys_matching(parsed, texts["doc_key"].to_list())
        found = [a + b for a, b in zip(found, small, strict=True)]
    return found


def match_run(con: duckdb.DuckDBPyConnection, run_id: int, searches: Sequence[SavedSearch],
              candidates: pl.DataFrame | None = None, index: SearchIndex | None = None,
              ) -> list[RunMatches]:
    """Each search's new and closed matches among run ``run_id``'s jobs, in one DuckDB query
    over only those jobs (``candidates``: ``run_candidates``, when already read). Search text
    is matched with the page's parser and analyzer (see ``_text_matches``)."""
    if not searches:
        return []
    cand = run_candidates(con, run_id) if candidates is None else candidates
    if cand.is_empty():
        return [RunMatches(s, run_id) for s in searches]
    texted = {s.search_id: parse(s.view.q) for s in searches}
    texted = {k: p for k, p in texted.items() if not p.empty}
    text_keys: dict[int, list[int]] = {}
    if texted:
        matched = _text_matches(con, run_id, cand, list(texted.values()), index)
        text_keys = dict(zip(texted, matched, strict=True))
    parts: list[str] = []
    params: list[Any] = []
    for s in searches:
        where, values = queries.filter_clause(_evaluation_filters(s.view))
        parts.append(f"SELECT ? AS search_id, doc_key, job_id, match_kind FROM saved_cand {where}")
        params.extend([s.search_id, *values])
    cur = con.cursor()
    try:
        # The run's jobs only, with the jobs table's columns (which the filter clause names).
        cur.register("saved_cand", cand.to_arrow())
        rows = cur.sql(" UNION ALL ".join(parts), params=params).pl()
    finally:
        cur.close()
    hits = pl.DataFrame([(i, k) for i, keys in text_keys.items() for k in keys],
                        schema={"search_id": rows.schema["search_id"], "doc_key": pl.Int64},
                        orient="row")
    rows = pl.concat([rows.filter(~pl.col("search_id").is_in(list(text_keys))),
                      rows.join(hits, on=["search_id", "doc_key"], how="semi")])  # both match
    found: dict[tuple[int, str], tuple[str, ...]] = {
        (search_id, kind): tuple(sorted(ids)) for search_id, kind, ids in
        rows.group_by("search_id", "match_kind").agg("job_id").iter_rows()}
    return [RunMatches(s, run_id, found.get((s.search_id, "new"), ()),
                       found.get((s.search_id, "closed"), ())) for s in searches]


def record_matches(con: duckdb.DuckDBPyConnection, matches: Sequence[RunMatches],
                   at: datetime | None = None) -> None:
    """Keep each search's matches of a run and set its latest counts (one transaction)."""
    if not matches:
        return
    at = at or utcnow()
    rows = [(m.search.search_id, m.run_id, job_id, kind) for m in matches
            for kind, ids in (("new", m.new), ("closed", m.closed)) for job_id in ids]
    frame = pl.DataFrame(rows, schema={"search_id": pl.Int32, "run_id": pl.Int32,
                                       "job_id": pl.String, "kind": pl.String}, orient="row")
    counts = pl.DataFrame([(m.search.search_id, m.run_id, len(m.new), len(m.closed))
                           for m in matches],
                          schema={"search_id": pl.Int32, "run_id": pl.Int32, "n_new": pl.Int32,
                                  "n_closed": pl.Int32}, orient="row")
    cur = con.cursor()
    try:
        cur.register("incoming_matches", frame.to_arrow())
        cur.register("incoming_counts", counts.to_arrow())
        with transaction(cur):
            cur.execute("INSERT OR REPLACE INTO saved_search_matches "
                        "SELECT search_id, run_id, job_id, kind FROM incoming_matches")
            cur.execute("UPDATE saved_searches SET last_run_id = c.run_id, last_new = c.n_new, "
                        "last_closed = c.n_closed, last_evaluated_at = ? FROM incoming_counts c "
                        "WHERE saved_searches.search_id = c.search_id", [at])
    finally:
        cur.close()


def evaluate_run(con: duckdb.DuckDBPyConnection, run_id: int, at: datetime | None = None,
                 index: SearchIndex | None = None) -> list[RunMatches]:
    """Match every saved search against what run ``run_id`` added and closed, and record it
    (call once the run's results are saved; ``index``: the database's search index, used
    when current); returns each search's matches."""
    matches = match_run(con, run_id, saved_searches(con), index=index)
    record_matches(con, matches, at)
    return matches


def run_outcome(con: duckdb.DuckDBPyConnection, run_id: int) -> pl.DataFrame:
    """The saved searches with matches in run ``run_id``: search_id, name, new, closed (most
    new first), for the Scraping page's outcome."""
    return con.sql(
        "SELECT s.search_id, s.name, count(*) FILTER (WHERE m.kind = 'new') AS new, "
        "count(*) FILTER (WHERE m.kind = 'closed') AS closed "
        "FROM saved_search_matches m JOIN saved_searches s USING (search_id) "
        "WHERE m.run_id = ? GROUP BY s.search_id, s.name ORDER BY new DESC, closed DESC, s.name",
        params=[run_id]).pl()


def matched_jobs(con: duckdb.DuckDBPyConnection, search_id: int, run_ids: Sequence[int],
                 kind: str = "new") -> pl.DataFrame:
    """The jobs a search matched (``kind``: new or closed) in ``run_ids``, for a message:
    job_id, title, company, location, salary fields, url; newest posting first."""
    return con.sql(
        "SELECT j.job_id, j.title, j.company, j.location, j.salary_min, j.salary_max, "
        "j.salary_currency, j.salary_period, j.url, j.posted_at FROM saved_search_matches m "
        "JOIN jobs j USING (job_id) WHERE m.search_id = ? AND list_contains(?, m.run_id) "
        "AND m.kind = ? ORDER BY j.posted_at DESC NULLS LAST, j.job_id",
        params=[search_id, list(run_ids), kind]).pl()


def runs_since(con: duckdb.DuckDBPyConnection, after_run: int | None, upto_run: int) -> list[int]:
    """The run ids after ``after_run`` (None: all) up to ``upto_run``, oldest first."""
    rows = con.execute("SELECT run_id FROM runs WHERE run_id > ? AND run_id <= ? ORDER BY run_id",
                       [after_run or 0, upto_run]).fetchall()
    return [r[0] for r in rows]


def last_deliveries(con: duckdb.DuckDBPyConnection, search_id: int) -> pl.DataFrame:
    """Each target's latest notification outcome: target_key, target (masked), at, reason,
    ok, error, jobs."""
    return con.sql(
        'SELECT target_key, target, "at", reason, ok, error, jobs FROM saved_search_deliveries '
        'WHERE search_id = ? QUALIFY row_number() OVER (PARTITION BY target_key '
        'ORDER BY "at" DESC, delivery_id DESC) = 1 ORDER BY target', params=[search_id]).pl()


def summary(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """One row per saved search for scripts: id, name, last run, new, closed, targets,
    notify, the latest failed notification (if its target's last one failed)."""
    return con.sql(
        "SELECT s.search_id, s.name, s.last_run_id, s.last_new, s.last_closed, "
        "len(s.targets) AS targets, s.notify, "
        "(SELECT string_agg(d.error, '; ') FROM (SELECT error, ok FROM saved_search_deliveries d "
        " WHERE d.search_id = s.search_id QUALIFY row_number() OVER (PARTITION BY target_key "
        " ORDER BY \"at\" DESC, delivery_id DESC) = 1) d WHERE NOT d.ok) AS failing "
        "FROM saved_searches s ORDER BY lower(s.name), s.search_id").pl()


def differs(search: SavedSearch, view: Filters) -> bool:
    """Whether ``view`` (the page's widgets) is no longer the saved view."""
    return params_of(view) != search.params


def delivery_text(row: Mapping[str, Any]) -> str:
    """A target's latest outcome in words: ``last notification sent 10:02 UTC (3 jobs)`` or
    ``last notification failed 10:02 UTC: 500 from …``."""
    when = f"{row['at']:%Y-%m-%d %H:%M} UTC"
    what = "test notification" if row["reason"] == "test" else "notification"
    if row["ok"]:
        jobs = f" ({row['jobs']} job{'s' * (row['jobs'] != 1)})" if row["reason"] != "test" else ""
        return f"last {what} sent {when}{jobs}"
    return f"last {what} failed {when}: {row['error']}"

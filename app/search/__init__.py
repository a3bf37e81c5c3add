"""Full-text search of the jobs: a tantivy index derived from DuckDB (``index``), the search
box's language (``query``) and where a job matched (``highlight``).

The index answers which jobs match and how well (doc_key, score); DuckDB applies every
other filter, the sort and the page (see ``app.queries``)."""

from __future__ import annotations

from dataclasses import dataclass, replace

import duckdb
import polars as pl

from app import queries
from app.queries import JobFilters, SearchHits
from app.search.highlight import highlight_html, highlight_text, snippet
from app.search.index import (
    SearchIndex,
    SearchIndexError,
    default_path,
    fingerprint,
    open_index,
)
from app.search.query import HELP, ParsedQuery, parse

__all__ = [
    "HELP", "Hit", "ParsedQuery", "SearchIndex", "SearchIndexError", "default_path",
    "fingerprint", "highlight_html", "highlight_text", "matching_ids", "open_index", "parse",
    "page_search", "search", "search_hits", "snippet", "snippets",
]


@dataclass(frozen=True, slots=True)
class Hit:
    job_id: str
    company: str | None
    title: str
    score: float


def search(con: duckdb.DuckDBPyConnection, index: SearchIndex, query: str, limit: int = 20,
           *, include_closed: bool = False) -> list[Hit]:
    """The best ``limit`` open jobs (all jobs with ``include_closed``) matching ``query``."""
    parsed = parse(query)
    if parsed.empty:
        return []
    frame = queries.best_matches(con, JobFilters(search=query, include_closed=include_closed),
                                 index.hits(parsed), "job_id, company, title, score",
                                 limit=limit)
    return [Hit(**row) for row in frame.iter_rows(named=True)]


def matching_ids(con: duckdb.DuckDBPyConnection, index: SearchIndex, query: str,
                 *, include_closed: bool = False) -> list[str]:
    """The ids of every open job (all jobs with ``include_closed``) matching ``query``,
    best first; an empty query (nothing to search for) matches every job, newest first."""
    parsed = parse(query)
    filters = JobFilters(search=query if not parsed.empty else "", include_closed=include_closed)
    hits = None if parsed.empty else index.hits(parsed)
    frame = queries.export_jobs(con, filters, hits=hits)
    return frame["job_id"].to_list()


def search_hits(index: SearchIndex | None, text: str) -> tuple[ParsedQuery, SearchHits | None]:
    """``text`` parsed, and the index's hits for it (None when there is nothing to search
    for, or no index: the caller then lists without a search, or scans)."""
    parsed = parse(text)
    if parsed.empty or index is None:
        return parsed, None
    return parsed, index.hits(parsed)


def effective_filters(filters: JobFilters, parsed: ParsedQuery) -> JobFilters:
    """``filters`` without a search that has nothing to search for (only punctuation...)."""
    return replace(filters, search="") if parsed.empty else filters


def snippets(con: duckdb.DuckDBPyConnection, parsed: ParsedQuery,
             job_ids: list[str]) -> dict[str, str | None]:
    """job_id -> where its description matched (None: it matched elsewhere)."""
    if parsed.empty or not job_ids:
        return {}
    texts = queries.descriptions(con, job_ids)
    return {job_id: snippet(texts.get(job_id), parsed) for job_id in job_ids}


@dataclass(frozen=True, slots=True)
class SearchPage:
    parsed: ParsedQuery
    total: int
    frame: pl.DataFrame
    snippets: dict[str, str | None]


def page_search(con: duckdb.DuckDBPyConnection, index: SearchIndex | None, filters: JobFilters,
                *, sort: str, descending: bool, offset: int, limit: int) -> SearchPage:
    """What the Jobs page shows for ``filters``: the exact count, one page and a snippet per
    row; the index finds the matches, DuckDB filters, sorts and pages them."""
    parsed, hits = search_hits(index, filters.search)
    filters = effective_filters(filters, parsed)
    total = queries.jobs_count(con, filters, hits=hits)
    frame = queries.jobs_page(con, filters, sort=sort, descending=descending, offset=offset,
                              limit=limit, hits=hits)
    return SearchPage(parsed, total, frame, snippets(con, parsed, frame["job_id"].to_list()))

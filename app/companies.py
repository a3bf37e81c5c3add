"""The Companies page's logic without Streamlit: a paste of careers URLs or an imported
TOML/CSV file into per-entry outcomes, saving the valid ones, exporting the list, the
overview query, and the network **Check** of a board through the runner.

A pasted line is a URL, optionally preceded by a name and a ``|``::

    https://boards.greenhouse.io/stripe
    Acme Robotics | https://careers.acme.example/jobs

Blank lines and lines starting with ``#`` are skipped.
"""

from __future__ import annotations

import asyncio
import csv
import io
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

import duckdb
import polars as pl

from app import store
from app.plain import csv_cell, from_csv_cell
from scraper.detect import UNKNOWN_HOST
from scraper.errors import DetectError
from scraper.fetch import FetchSettings
from scraper.models import SOURCES, Company, CompanyResult, ScrapeEvent
from scraper.runner import scrape

CSV_COLUMNS = ("name", "url", "ats", "board", "enabled")
NOT_A_URL = "not a URL: paste a careers page address starting with https://"
PASTE_UNKNOWN_HOST = (
    "no ATS recognised in this URL: pick the ATS for other hosts "
    "(jsonld for a careers page with schema.org job postings)"
)
_HOST_NOISE = {"www", "careers", "career", "jobs", "job", "karriere", "apply", "work", "join"}
_SECOND_LEVEL = {"co", "com", "org", "net", "ac", "gov", "edu"}
_TRUE = {"true", "1", "yes", "y", "on"}
_FALSE = {"false", "0", "no", "n", "off"}


@dataclass(frozen=True, slots=True)
class Entry:
    """One pasted line or imported entry: the Company it makes, or why it makes none.
    ``enabled`` is None when the input does not say; ``text`` is the pasted line."""

    where: str
    url: str
    company: Company | None = None
    enabled: bool | None = None
    error: str | None = None
    text: str = ""

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def message(self) -> str:
        """``Line 3 (https://…): reason`` — what the user reads for a rejected entry."""
        shown = self.url or "no URL"
        return f"{self.where.capitalize()} ({shown}): {self.error}"


@dataclass(frozen=True, slots=True)
class SaveReport:
    """What a save did: companies added, tracked ones updated, entries rejected, tracked
    ones given again exactly as they were (``unchanged``)."""

    added: list[Company]
    updated: list[Company]
    rejected: list[Entry]
    unchanged: list[Company] = field(default_factory=list)


def _key(company: Company) -> tuple[str, str]:
    # Board slugs are case-insensitive on most ATSs: "Stripe" and "stripe" are one board.
    return company.ats, company.board.casefold()


def default_name(company: Company) -> str:
    """A display name from the board: ``acme-corp`` -> ``Acme Corp``; for a careers page,
    its host's main label (``careers.acme.com`` -> ``Acme``)."""
    slug = company.board
    if company.ats == "jsonld":
        host = urlsplit(company.url).hostname or slug
        labels = [p for p in host.split(".") if p and p not in _HOST_NOISE][:-1]
        while len(labels) > 1 and labels[-1] in _SECOND_LEVEL:
            labels.pop()
        slug = labels[-1] if labels else host
    words = [w for w in re.split(r"[-_.\s]+", slug) if w]
    return " ".join(w[:1].upper() + w[1:] for w in words) or slug


def _scheme(url: str) -> str:
    """The URL's scheme, '' for plain words; never raises ('http://[::1' has one too)."""
    try:
        return urlsplit(url).scheme
    except ValueError:
        return url.split(":", 1)[0] if "://" in url else ""


def _reason(exc: store.StoreError, url: str) -> str:
    cause = exc.__cause__
    if isinstance(cause, DetectError):
        if cause.reason == UNKNOWN_HOST:
            return PASTE_UNKNOWN_HOST
        # Plain words ("not a url") have no scheme: the detector's http-only note misleads.
        return NOT_A_URL if not _scheme(url) else cause.reason
    return str(exc)


def _entry(where: str, config: Mapping[str, Any], fallback_ats: str = "") -> Entry:
    """An Entry from a name/url/ats/board mapping; the fallback ATS applies to URLs whose host
    tells none."""
    url = str(config.get("url") or "").strip()
    try:
        company = store.company_from_config(config)
    except store.StoreError as exc:
        unknown = isinstance(exc.__cause__, DetectError) and exc.__cause__.reason == UNKNOWN_HOST
        if not (fallback_ats and unknown):
            return Entry(where, url, error=_reason(exc, url))
        return _entry(where, {**config, "ats": fallback_ats})
    if not str(config.get("name") or "").strip():
        company = replace(company, name=default_name(company))
    return Entry(where, url, company)


def mark_duplicates(entries: Sequence[Entry], tracked: Iterable[Company] = ()) -> list[Entry]:
    """The entries with those already tracked, or repeating an earlier entry, rejected."""
    known = {_key(c): f"already tracked as {c.name}" for c in tracked}
    out = []
    for e in entries:
        if e.company is None:
            out.append(e)
            continue
        key = _key(e.company)
        if key in known:
            out.append(replace(e, company=None, error=f"duplicate: {known[key]}"))
            continue
        known[key] = f"same board as {e.where}"
        out.append(e)
    return out


def _split_line(line: str) -> dict[str, str]:
    name, bar, url = line.rpartition("|")
    return {"name": name.strip(), "url": url.strip()} if bar else {"url": line.strip()}


def parse_paste(
    text: str, tracked: Iterable[Company] = (), *, fallback_ats: str = ""
) -> list[Entry]:
    """One Entry per non-blank, non-comment line (``[Name |] URL``), numbered as pasted;
    duplicates of ``tracked`` or of an earlier line are rejected."""
    if fallback_ats and fallback_ats not in SOURCES:
        raise ValueError(f"unknown ATS {fallback_ats!r}: use one of {', '.join(SOURCES)}")
    entries = []
    for n, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if line and not line.startswith("#"):
            entries.append(replace(_entry(f"line {n}", _split_line(line), fallback_ats), text=line))
    return mark_duplicates(entries, tracked)


def _enabled(value: Any) -> bool | None:
    if isinstance(value, bool) or value is None:
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    if not text:
        return None
    raise ValueError(f"enabled must be true or false, not {value!r}")


def _config_entry(where: str, config: Mapping[str, Any]) -> Entry:
    url = str(config.get("url") or "").strip()
    try:
        enabled = _enabled(config.get("enabled"))
    except ValueError as exc:
        return Entry(where, url, error=str(exc))
    return replace(_entry(where, config), enabled=enabled)


# Each entry is detected and checked for duplicates: an 81,410-row CSV held a page's script
# thread for minutes. A team tracks dozens to a few hundred boards.
MAX_IMPORT_ENTRIES = 20_000


def _too_many(n: int, what: str) -> Entry:
    return Entry("file", "", error=f"the file has {n:,} {what}, over the limit of "
                                   f"{MAX_IMPORT_ENTRIES:,}: split it and import the parts")


def parse_toml(text: str) -> list[Entry]:
    """One Entry per ``[[company]]`` table; a file that is not TOML is one rejected Entry."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return [Entry("file", "", error=f"not a valid TOML file: {exc}")]
    tables = data.get("company")
    if not isinstance(tables, list) or not tables:
        return [Entry("file", "", error="no [[company]] tables found")]
    if len(tables) > MAX_IMPORT_ENTRIES:
        return [_too_many(len(tables), "[[company]] tables")]
    entries = []
    for i, table in enumerate(tables, start=1):
        if isinstance(table, dict):
            entries.append(_config_entry(f"entry {i}", table))
        else:
            entries.append(Entry(f"entry {i}", "", error="expected a [[company]] table"))
    return mark_duplicates(entries)


def parse_csv(text: str) -> list[Entry]:
    """One Entry per data row of a CSV with a header (name,url,ats,board,enabled; url
    required), rows numbered as in a spreadsheet (the header is row 1)."""
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    if "url" not in header:
        return [Entry("file", "", error=f"the CSV needs a url column ({','.join(CSV_COLUMNS)})")]
    reader.fieldnames = header
    rows = [(reader.line_num, row) for row in reader]
    if len(rows) > MAX_IMPORT_ENTRIES:
        return [_too_many(len(rows), "rows")]
    entries = []
    for line, row in rows:
        values = {k: from_csv_cell((v or "").strip()) for k, v in row.items() if isinstance(k, str)}
        if any(values.values()):
            entries.append(_config_entry(f"row {line}", values))
    return mark_duplicates(entries)


def upload_refusal(filename: str, size: int | None, limit_mb: int) -> str:
    """What to say when Import finds no file (``size`` None) or one over ``limit_mb``
    (Streamlit's ``server.maxUploadSize``; its browser side refuses larger files as they are
    chosen, so the server never sees them), or "" when the upload may be read."""
    split = "split it and import the parts"
    if size is None:
        return (f"No file to import: choose a TOML or CSV file first. A file over the limit of "
                f"{limit_mb} MB is refused as it is chosen: {split}.")
    if size > limit_mb * 1024 * 1024:
        return (f"{filename} is {size / 1024 / 1024:.1f} MB, over the limit of {limit_mb} MB: "
                f"{split}.")
    return ""


def parse_import(filename: str, data: bytes) -> list[Entry]:
    """Entries of an uploaded file: CSV when its name ends in .csv, TOML otherwise."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [Entry("file", "", error=f"{filename} is not UTF-8 text")]
    return parse_csv(text) if filename.lower().endswith(".csv") else parse_toml(text)


def save_entries(con: duckdb.DuckDBPyConnection, entries: Sequence[Entry]) -> SaveReport:
    """Save the valid entries with the ``enabled`` they give, in one transaction (tracked
    boards get their name and URL updated)."""
    before = _tracked_state(con)
    valid = [e for e in entries if e.company is not None]
    saved = store.save_companies(
        con, [e.company for e in valid if e.company is not None], enabled=[e.enabled for e in valid]
    )
    after = _tracked_state(con)
    added = [c for c in saved if _key(c) not in before]
    updated = [c for c in saved if _key(c) in before and before[_key(c)] != after[_key(c)]]
    unchanged = [c for c in saved if _key(c) in before and before[_key(c)] == after[_key(c)]]
    return SaveReport(added, updated, [e for e in entries if not e.ok], unchanged)


def _tracked_state(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], tuple[Any, ...]]:
    rows = con.execute("SELECT ats, board, name, url, enabled FROM companies").fetchall()
    return {(ats, board.casefold()): tuple(rest) for ats, board, *rest in rows}


def left_in_box(
    con: duckdb.DuckDBPyConnection, report: SaveReport, *, fallback_ats: str = ""
) -> tuple[str, list[Entry]]:
    """After Add: the rejected lines as left in the box, and why each is rejected, numbered by
    its line there and judged against what is tracked now (the errors point at the box the
    person now sees)."""
    text = "\n".join(e.text for e in report.rejected)
    return text, parse_paste(text, store.companies(con), fallback_ats=fallback_ats)


def export_rows(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Every tracked company as name, url, ats, board, enabled, by name."""
    rows = con.execute(
        "SELECT name, url, ats, board, enabled FROM companies ORDER BY lower(name), company_id"
    ).fetchall()
    return [dict(zip(CSV_COLUMNS, r, strict=True)) for r in rows]


def _toml_str(value: str) -> str:
    escapes = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r"}
    out = []
    for ch in value:
        if ch in escapes:
            out.append(escapes[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def to_toml(rows: Sequence[Mapping[str, Any]]) -> str:
    """The companies TOML of DESIGN.md (``[[company]]`` tables), with ats, board and enabled."""
    blocks = []
    for r in rows:
        lines = ["[[company]]"]
        lines += [f"{k} = {_toml_str(str(r[k]))}" for k in ("name", "url", "ats", "board")]
        lines.append(f"enabled = {'true' if r['enabled'] else 'false'}")
        blocks.append("\n".join(lines) + "\n")
    return "\n".join(blocks)


def to_csv(rows: Sequence[Mapping[str, Any]]) -> str:
    """CSV with the columns name,url,ats,board,enabled (enabled as true/false)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for r in rows:
        writer.writerow([csv_cell(str(r[k])) for k in ("name", "url", "ats", "board")]
                        + [str(bool(r["enabled"])).lower()])
    return buf.getvalue()


_OVERVIEW = """
WITH counts AS (
    SELECT company_id,
           count(*) FILTER (WHERE closed_at IS NULL) AS open_jobs,
           count(*) AS total_jobs
    FROM jobs WHERE company_id IS NOT NULL GROUP BY company_id
), latest AS (
    SELECT company_id, state, jobs_seen, error, finished_at
    FROM run_results
    -- A run cancelled before the company ended tells nothing about its board.
    WHERE state <> 'cancelled'
    QUALIFY row_number() OVER (PARTITION BY company_id ORDER BY finished_at DESC, run_id DESC) = 1
)
SELECT c.company_id, c.name, c.ats, c.board, c.url, c.enabled,
       coalesce(n.open_jobs, 0)::INTEGER AS open_jobs,
       coalesce(n.total_jobs, 0)::INTEGER AS total_jobs,
       l.state AS last_state, l.finished_at AS last_scraped_at,
       l.jobs_seen AS last_jobs_seen, l.error AS last_error
FROM companies c
LEFT JOIN counts n ON n.company_id = c.company_id
LEFT JOIN latest l ON l.company_id = c.company_id
ORDER BY lower(c.name), c.company_id
"""


def overview(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """One row per company: its config, open and total jobs, and its latest scrape outcome
    (state, time, jobs seen, error; null before its first scrape), cancelled runs skipped."""
    return con.sql(_OVERVIEW).pl()


def check_settings(
    concurrency: int = 16, per_host: int = 4, timeout_s: float = 20.0
) -> FetchSettings:
    """Fetch settings for a Check: the app's limits, one retry, no per-posting detail calls
    (only the count matters)."""
    return FetchSettings(
        concurrency=concurrency, per_host=per_host, timeout_s=timeout_s, retries=2, detail_cap=0
    )


def _ignore(_: ScrapeEvent) -> None:
    """A Check shows results at the end, not progress."""


async def check_async(
    companies: Sequence[Company], settings: FetchSettings | None = None
) -> list[CompanyResult]:
    """Scrape the companies once through the runner, saving nothing."""
    return await scrape(companies, on_event=_ignore, settings=settings or check_settings())


def check(
    companies: Sequence[Company], settings: FetchSettings | None = None
) -> list[CompanyResult]:
    """``check_async`` from synchronous code (a page script) that runs no event loop."""
    return asyncio.run(check_async(companies, settings))


def check_message(result: CompanyResult) -> str:
    """``Stripe: would find 12 jobs`` or ``Stripe: failed: 404 board not found``."""
    name = result.company.name
    if result.ok:
        n = len(result.jobs)
        return f"{name}: would find {n} job{'' if n == 1 else 's'}"
    return f"{name}: {result.state}: {result.error}"

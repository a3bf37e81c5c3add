"""Full-text search: relevance, the query language, every odd input, the index following the
database (writer hook, crash catch-up, closed and deleted jobs, rescrapes), safe snippets and
highlights, and the CLI. Regression tests for issue 12."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from app import queries, search, store
from app.cli import main as cli_main
from app.db import connect
from app.pipeline import Writer
from app.queries import JobFilters
from app.search import SearchIndex, SearchIndexError
from app.search.index import BULK_BUFFER_LIMIT, STATE_FILE
from scraper.models import Company, CompanyResult, Job

ACME = Company("Acme", "greenhouse", "acme", "https://boards.greenhouse.io/acme")
BETA = Company("Beta", "lever", "beta", "https://jobs.lever.co/beta")


def job(company: Company, ext: str, title: str, text: str = "", **fields: object) -> Job:
    return Job(source=company.ats, board=company.board, external_id=ext, title=title,
               company=company.name, url=f"https://example.test/{company.board}/{ext}",
               description_text=text or None, **fields)  # type: ignore[arg-type]


ACME_JOBS = (
    job(ACME, "1", "Kubernetes Platform Engineer", "You run our clusters and write Go."),
    job(ACME, "2", "Office Manager", "Keep the office running. Some exposure to kubernetes "
        "dashboards is a plus, and so is data engineering.", department="Operations"),
    job(ACME, "3", "Data Engineer", "Build pipelines in Python; machine learning later.",
        location="Zürich, Switzerland"),
    job(ACME, "4", "Senior Data Analyst", "Dashboards, SQL and a bit of machine work. "
        "No learning required."),
)
BETA_JOBS = (
    job(BETA, "1", "Backend Engineer", "Python services, 100% remote, C++ and node.js welcome."),
    job(BETA, "2", "Engineering Intern", "Learn the ropes of engineering with mentors."),
)


def ext(job_ids: list[str]) -> list[str]:
    """'greenhouse:acme:1' -> 'acme:1'."""
    return [":".join(j.split(":")[1:]) for j in job_ids]


def save(con: duckdb.DuckDBPyConnection, results: list[CompanyResult],
         index: SearchIndex | None = None) -> int:
    """Save ``results`` as one run through the store; the index follows when given, as the
    pipeline's writer makes it do."""
    run_id = store.start_run(con, "test", len(results))
    counts = store.save_company_results(con, run_id, results)
    if index is not None:
        index.after_commit(con, run_id, counts)
        assert index.flush(10)
    return run_id


@pytest.fixture
def companies(fresh_db: duckdb.DuckDBPyConnection) -> tuple[Company, Company]:
    acme, beta = store.save_companies(fresh_db, [ACME, BETA])
    return acme, beta


@pytest.fixture
def indexed(fresh_db: duckdb.DuckDBPyConnection, companies: tuple[Company, Company]
            ) -> Iterator[SearchIndex]:
    acme, beta = companies
    index = search.open_index(":memory:")
    index.catch_up(fresh_db)
    save(fresh_db, [CompanyResult(acme, "ok", ACME_JOBS), CompanyResult(beta, "ok", BETA_JOBS)],
         index)
    yield index


def found(con: duckdb.DuckDBPyConnection, index: SearchIndex, query: str) -> list[str]:
    return ext(search.matching_ids(con, index, query))


# -- relevance and the language -----------------------------------------------------------


def test_title_match_ranks_above_a_description_mention(
        fresh_db: duckdb.DuckDBPyConnection, indexed: SearchIndex) -> None:
    assert found(fresh_db, indexed, "kubernetes") == ["acme:1", "acme:2"]


def test_words_match_their_other_forms_case_and_accents(
        fresh_db: duckdb.DuckDBPyConnection, indexed: SearchIndex) -> None:
    assert set(found(fresh_db, indexed, "ENGINEERS")) == {"acme:1", "acme:2", "acme:3",
                                                          "beta:1", "beta:2"}
    assert found(fresh_db, indexed, "zurich") == ["acme:3"]


@pytest.mark.parametrize(("query", "expected"), [
    ("data engineer", {"acme:2", "acme:3"}),  # every word, in any field
    ('"machine learning"', {"acme:3"}),  # acme:4 has both words, not together
    ("machine learning", {"acme:3", "acme:4"}),
    ("engineer -python", {"acme:1", "acme:2", "beta:2"}),
    ("engineer NOT python", {"acme:1", "acme:2", "beta:2"}),
    ("title:engineer", {"acme:1", "acme:3", "beta:1", "beta:2"}),
    ("title:kubernetes", {"acme:1"}),
    ("department:operations", {"acme:2"}),
    ("location:zurich data", {"acme:3"}),
    ("kube*", {"acme:1", "acme:2"}),
    ("engineeri*", {"acme:1", "acme:2", "acme:3", "beta:1", "beta:2"}),
    ('"data eng*"', {"acme:2", "acme:3"}),
    ("intern OR analyst", {"acme:4", "beta:2"}),
    ("python AND remote", {"beta:1"}),
    ("-engineer", {"acme:4"}),  # only exclusions: every job without the word
    ("node.js", {"beta:1"}),  # one word split by punctuation: a phrase
])
def test_query_language(fresh_db: duckdb.DuckDBPyConnection, indexed: SearchIndex, query: str,
                        expected: set[str]) -> None:
    assert set(found(fresh_db, indexed, query)) == expected


ODD_INPUTS = ["%", "_", "100%", "'", '"', "''", '""', "\\", "\\\\'", '"unbalanced phrase',
              'data "engineer', "AND", "OR", "NOT", "AND OR NOT", "data OR", "OR data", "NOT",
              "*", "**", "a*", "-", "--", "-*", "title:", "title:*", "nosuchfield:data",
              "https://example.test/x?y=1", "C++", "c#", "😀", "data\x00engineer", "(data",
              "data)", "[a TO z]", "data^5", "data~2", "+data", "!!!", ".,;:!?", " ",
              "x" * 10_000, "data engineer " * 1_000]


@pytest.mark.parametrize("query", ODD_INPUTS, ids=lambda q: repr(q[:20]))
def test_odd_input_gives_results_or_a_hint(fresh_db: duckdb.DuckDBPyConnection,
                                           indexed: SearchIndex, query: str) -> None:
    parsed = search.parse(query)
    page = search.page_search(fresh_db, indexed, JobFilters(search=query), sort="relevance",
                              descending=True, offset=0, limit=100)
    assert page.total == page.frame.height
    assert page.total or parsed.hints or not parsed.empty  # no results only with a reason
    if parsed.empty and query.strip():
        assert page.total == 6 and parsed.hints  # nothing to search for: every job, said so


def test_long_paste_is_cut_with_a_hint() -> None:
    parsed = search.parse("data engineer " * 1_000)
    assert len(parsed.clauses) == 32
    assert any("first 2,000 characters" in h for h in parsed.hints)


def test_hints_name_what_was_not_understood() -> None:
    assert search.parse('"data eng').hints == (
        "A quote was not closed: the words after it are searched as a phrase.",)
    assert "not a field" in search.parse("salary:100k").hints[0]
    assert "Nothing to search for" in search.parse("%").hints[0]
    assert search.parse("data engineer").hints == ()


# -- the index follows the database -------------------------------------------------------


def test_closed_job_leaves_default_results_but_not_include_closed(
        fresh_db: duckdb.DuckDBPyConnection, companies: tuple[Company, Company],
        indexed: SearchIndex) -> None:
    acme, _ = companies
    save(fresh_db, [CompanyResult(acme, "ok", ACME_JOBS[1:])], indexed)  # acme:1 closes
    assert found(fresh_db, indexed, "kubernetes") == ["acme:2"]
    assert ext(search.matching_ids(fresh_db, indexed, "kubernetes", include_closed=True)) == [
        "acme:1", "acme:2"]
    hits = indexed.hits(search.parse("kubernetes"))
    assert queries.jobs_count(fresh_db, JobFilters(search="kubernetes"), hits=hits) == 1
    assert queries.jobs_count(fresh_db, JobFilters(search="kubernetes", include_closed=True),
                              hits=hits) == 2


def test_deleted_company_jobs_are_gone_from_results_and_the_index(
        fresh_db: duckdb.DuckDBPyConnection, companies: tuple[Company, Company],
        indexed: SearchIndex) -> None:
    _, beta = companies
    assert beta.company_id is not None
    store.delete_company(fresh_db, beta.company_id, keep_jobs=False)
    assert found(fresh_db, indexed, "python") == ["acme:3"]  # at once: DuckDB has no such job
    assert not indexed.is_current(fresh_db)
    assert indexed.catch_up(fresh_db) == 2
    assert indexed.docs == 4 and indexed.is_current(fresh_db)


def test_rescrape_does_not_duplicate_documents(
        fresh_db: duckdb.DuckDBPyConnection, companies: tuple[Company, Company],
        indexed: SearchIndex) -> None:
    acme, beta = companies
    for _ in range(3):
        save(fresh_db, [CompanyResult(acme, "ok", ACME_JOBS), CompanyResult(beta, "ok", BETA_JOBS)],
             indexed)
    assert indexed.docs == 6
    assert indexed.is_current(fresh_db)
    assert found(fresh_db, indexed, "kubernetes") == ["acme:1", "acme:2"]


def test_rescrape_with_new_text_replaces_the_old_text(
        fresh_db: duckdb.DuckDBPyConnection, companies: tuple[Company, Company],
        indexed: SearchIndex) -> None:
    acme, _ = companies
    changed = (job(ACME, "1", "Kubernetes Platform Engineer", "Now mostly Rust."), *ACME_JOBS[1:])
    save(fresh_db, [CompanyResult(acme, "ok", changed)], indexed)
    assert found(fresh_db, indexed, "rust") == ["acme:1"]
    assert found(fresh_db, indexed, "clusters") == []


def test_failed_company_changes_nothing_in_the_index(
        fresh_db: duckdb.DuckDBPyConnection, companies: tuple[Company, Company],
        indexed: SearchIndex) -> None:
    acme, _ = companies
    save(fresh_db, [CompanyResult(acme, "failed", (), "HTTP 500")], indexed)
    assert indexed.is_current(fresh_db)
    assert found(fresh_db, indexed, "kubernetes") == ["acme:1", "acme:2"]


def _disk_db(tmp_path: Path) -> tuple[duckdb.DuckDBPyConnection, Path, Company]:
    path = tmp_path / "jobs.duckdb"
    con = connect(path)
    [acme] = store.save_companies(con, [ACME])
    return con, path, acme


def test_index_lives_beside_the_database_and_records_its_data_version(tmp_path: Path) -> None:
    con, path, acme = _disk_db(tmp_path)
    index = search.open_index(path)
    assert index.path == tmp_path / "jobs.duckdb.search"
    index.catch_up(con)
    save(con, [CompanyResult(acme, "ok", ACME_JOBS)], index)
    state = json.loads((index.path / STATE_FILE).read_text())
    assert state["fingerprint"] == search.fingerprint(con) and state["docs"] == 4
    assert search.open_index(path).is_current(con)  # reopened from disk


def test_catch_up_after_a_crash_between_the_two_commits(tmp_path: Path) -> None:
    con, path, acme = _disk_db(tmp_path)
    index = search.open_index(path)
    index.catch_up(con)
    save(con, [CompanyResult(acme, "ok", ACME_JOBS[:2])], index)
    # The database commits a rescrape (new text, a new job, a closed one); the process dies
    # before the index hears of it.
    changed = (job(ACME, "2", "Office Manager", "Now with quokkas."), ACME_JOBS[2])
    save(con, [CompanyResult(acme, "ok", changed)])
    reopened = search.open_index(path)
    assert not reopened.is_current(con)
    assert found(con, reopened, "quokka") == []
    assert reopened.catch_up(con) == 2
    assert reopened.is_current(con) and reopened.docs == 3
    assert found(con, reopened, "quokka") == ["acme:2"]
    assert found(con, reopened, "pipelines") == ["acme:3"]


@pytest.mark.parametrize("damage", ["meta", "state", "segments"])
def test_corrupt_index_is_rebuilt(tmp_path: Path, damage: str) -> None:
    con, path, acme = _disk_db(tmp_path)
    index = search.open_index(path)
    index.catch_up(con)
    save(con, [CompanyResult(acme, "ok", ACME_JOBS)], index)
    assert index.path is not None
    if damage == "meta":
        (index.path / "meta.json").write_text("{not json")
    elif damage == "state":
        (index.path / STATE_FILE).write_text(json.dumps({"format": 999}))
    else:
        for f in index.path.iterdir():
            if f.suffix in (".idx", ".term", ".pos"):
                f.write_bytes(b"garbage")
    reopened = search.open_index(path)
    assert reopened.reset_reason is not None and reopened.docs == 0
    assert not reopened.is_current(con)
    reopened.catch_up(con)
    assert found(con, reopened, "kubernetes") == ["acme:1", "acme:2"]


def test_index_folder_with_other_files_is_refused(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(SearchIndexError, match="not a search index"):
        search.open_index(tmp_path / "jobs.duckdb", tmp_path)
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_catch_up_in_background_reports_progress(
        fresh_db: duckdb.DuckDBPyConnection, companies: tuple[Company, Company]) -> None:
    acme, beta = companies
    save(fresh_db, [CompanyResult(acme, "ok", ACME_JOBS), CompanyResult(beta, "ok", BETA_JOBS)])
    index = search.open_index(":memory:")
    index.catch_up_in_background(fresh_db)
    assert index.wait(30)
    assert index.progress == (6, 6) and index.error is None
    assert index.is_current(fresh_db)


def test_writer_runs_the_hook_after_each_commit_and_survives_its_failure(
        fresh_db: duckdb.DuckDBPyConnection, companies: tuple[Company, Company]) -> None:
    acme, beta = companies
    index = search.open_index(":memory:")
    index.catch_up(fresh_db)
    calls: list[list[int]] = []

    def hook(con: duckdb.DuckDBPyConnection, run_id: int, counts: list[store.ResultCounts]) -> None:
        calls.append([c.company_id for c in counts])
        index.after_commit(con, run_id, counts)
        if len(calls) == 1:
            raise RuntimeError("index broke")

    run_id = store.start_run(fresh_db, "test", 2)
    writer = Writer(fresh_db, run_id, datetime(2026, 11, 1), on_commit=hook)
    writer.inbox.put(CompanyResult(acme, "ok", ACME_JOBS))
    writer.inbox.put(None)
    writer.run()
    writer = Writer(fresh_db, run_id, datetime(2026, 11, 1), on_commit=hook)
    writer.inbox.put(CompanyResult(beta, "ok", BETA_JOBS))
    writer.inbox.put(None)
    writer.run()
    assert calls == [[acme.company_id], [beta.company_id]]
    assert index.flush(10)
    assert index.is_current(fresh_db) and index.docs == 6


# -- snippets and highlights ----------------------------------------------------------------


HOSTILE = ('<p>We use <b>kubernetes</b> daily.</p><script>alert("kubernetes")</script>'
           '<img src=x onerror="alert(1)"><a href="javascript:alert(2)">kubernetes</a>'
           '<p>&lt;script&gt;kubernetes&lt;/script&gt; as text</p>')


def test_highlight_marks_words_and_stays_sanitized() -> None:
    marked = search.highlight_html(HOSTILE, search.parse("kubernetes"))
    assert "<b><mark>kubernetes</mark></b>" in marked
    assert "&lt;script&gt;<mark>kubernetes</mark>&lt;/script&gt;" in marked
    for bad in ("<script", "onerror", "javascript:", "<img"):
        assert bad not in marked.lower()


def test_highlight_text_escapes_scraped_markup() -> None:
    marked = search.highlight_text('<script>alert("x")</script> Data engineers\n\nwanted',
                                   search.parse("engineer"))
    assert marked == ('<p>&lt;script&gt;alert("x")&lt;/script&gt; Data '
                      "<mark>engineers</mark></p><p>wanted</p>")


def test_snippet_shows_where_the_description_matched_as_plain_text() -> None:
    text = "Intro words. " * 30 + 'Then <script>alert(1)</script> we run kubernetes clusters.'
    snip = search.snippet(text, search.parse("kubernetes"))
    assert snip is not None and snip.startswith("…") and "kubernetes clusters." in snip
    assert len(snip) <= search.highlight.SNIPPET_CHARS + 2
    assert search.snippet(text, search.parse("quokka")) is None


def test_page_search_gives_a_snippet_per_row(fresh_db: duckdb.DuckDBPyConnection,
                                             indexed: SearchIndex) -> None:
    page = search.page_search(fresh_db, indexed, JobFilters(search="dashboards"),
                              sort="relevance", descending=True, offset=0, limit=100)
    assert page.total == 2
    assert {ext([k])[0]: v for k, v in page.snippets.items()} == {
        "acme:2": "…running. Some exposure to kubernetes dashboards is a plus, and so is data "
                  "engineering.",
        "acme:4": "Dashboards, SQL and a bit of machine work. No learning required.",
    }


def test_other_sorts_and_filters_combine_with_a_search(
        fresh_db: duckdb.DuckDBPyConnection, indexed: SearchIndex,
        companies: tuple[Company, Company]) -> None:
    _, beta = companies
    assert beta.company_id is not None
    hits = indexed.hits(search.parse("engineer"))
    filters = JobFilters(search="engineer", company_ids=(beta.company_id,))
    assert queries.jobs_count(fresh_db, filters, hits=hits) == 2
    page = queries.jobs_page(fresh_db, JobFilters(search="engineer"), sort="title",
                             descending=False, hits=hits, limit=2, offset=1)
    assert page["title"].to_list() == ["Data Engineer", "Engineering Intern"]


# -- command line -------------------------------------------------------------------------


def test_cli_reindex_and_search(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JOBSCRAPER_INDEX", raising=False)
    con, path, acme = _disk_db(tmp_path)
    save(con, [CompanyResult(acme, "ok", ACME_JOBS)])
    con.close()
    assert cli_main(["search", "kubernetes", "--db", str(path), "--limit", "1"]) == 0
    out, err = capsys.readouterr()
    [line] = out.splitlines()
    assert line.split("\t")[:3] == ["greenhouse:acme:1", "Acme", "Kubernetes Platform Engineer"]
    assert "updating the search index" in err  # the missing index was built first
    assert cli_main(["reindex", "--db", str(path)]) == 0
    assert "indexed 4 jobs" in capsys.readouterr().out
    assert cli_main(["search", "%", "--db", str(path)]) == 1
    assert "Nothing to search for" in capsys.readouterr().err
    assert cli_main(["search", "quokka", "--db", str(path)]) == 1
    assert "no open job matches" in capsys.readouterr().err


@pytest.mark.parametrize("query", ["engineer", "-quokka", "python OR engineer", "eng*"])
def test_queries_matching_most_jobs_give_the_same_answers_through_their_misses(
        fresh_db: duckdb.DuckDBPyConnection, indexed: SearchIndex, query: str,
        companies: tuple[Company, Company], monkeypatch: pytest.MonkeyPatch) -> None:
    _, beta = companies
    assert beta.company_id is not None
    parsed = search.parse(query)
    direct = indexed.hits(parsed)
    monkeypatch.setattr(search.index, "NEGATE_ABOVE", 0)
    indexed.clear_cache()
    negated = indexed.hits(parsed)
    assert negated.negated and not direct.negated and negated.total == direct.total
    for filters in (JobFilters(search=query), JobFilters(search=query, include_closed=True),
                    JobFilters(search=query, company_ids=(beta.company_id,))):
        for sort in ("relevance", "title"):
            pages = [queries.jobs_page(fresh_db, filters, sort=sort, hits=h, limit=2, offset=1)
                     for h in (direct, negated)]
            assert pages[0].equals(pages[1])
        assert (queries.jobs_count(fresh_db, filters, hits=direct)
                == queries.jobs_count(fresh_db, filters, hits=negated))
    assert search.matching_ids(fresh_db, indexed, query) == ext_ids(direct, fresh_db)


def ext_ids(hits: queries.SearchHits, con: duckdb.DuckDBPyConnection) -> list[str]:
    return queries.export_jobs(con, JobFilters(search="x"), hits=hits)["job_id"].to_list()


def test_jobs_saved_after_the_index_match_nothing_until_indexed(
        fresh_db: duckdb.DuckDBPyConnection, indexed: SearchIndex,
        companies: tuple[Company, Company], monkeypatch: pytest.MonkeyPatch) -> None:
    acme, _ = companies
    monkeypatch.setattr(search.index, "NEGATE_ABOVE", 0)
    save(fresh_db, [CompanyResult(acme, "ok", (*ACME_JOBS, job(ACME, "9", "Engineer X", "")))])
    hits = indexed.hits(search.parse("engineer"))
    assert hits.negated
    assert "acme:9" not in found(fresh_db, indexed, "engineer")
    assert queries.jobs_count(fresh_db, JobFilters(search="engineer"), hits=hits) == 5


def test_rebuild_caps_duckdbs_buffer_pool_while_streaming_and_restores_it(
        fresh_db: duckdb.DuckDBPyConnection, companies: tuple[Company, Company]) -> None:
    # A full rebuild streams every description: with DuckDB's default limit (80 % of RAM)
    # the scan would leave the whole table cached in the process (GBs at a million jobs).
    acme, beta = companies
    save(fresh_db, [CompanyResult(acme, "ok", ACME_JOBS), CompanyResult(beta, "ok", BETA_JOBS)])
    def limit() -> str:
        [(value,)] = fresh_db.execute("SELECT current_setting('memory_limit')").fetchall()
        return str(value)

    before = limit()
    seen: list[str] = []
    index = search.open_index(":memory:")
    index.rebuild(fresh_db, on_progress=lambda done, total: seen.append(limit()))
    assert seen and set(seen) == {limit_of(BULK_BUFFER_LIMIT)}
    assert limit() == before == limit_of(None)  # the default, not its rounding
    fresh_db.execute("SET memory_limit = '3GB'")
    index.rebuild(fresh_db)
    assert limit() == limit_of("3GB")
    assert found(fresh_db, index, "kubernetes") == ["acme:1", "acme:2"]


def limit_of(value: str | None) -> str:
    con = duckdb.connect()
    if value is not None:
        con.execute("SET memory_limit = ?", [value])
    [(shown,)] = con.execute("SELECT current_setting('memory_limit')").fetchall()
    return str(shown)

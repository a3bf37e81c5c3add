"""Saved searches evaluated after a run: 100 searches (half structured filters only, half
with search text, some both) against a run that added and closed a few thousand jobs in a
database of N jobs, side by side with a baseline measured in the same run.

    python -m benchmarks.saved_searches [--jobs 1000000] [--new 2000] [--closed 1000]
                                        [--reps 5] [--keep] [--dir /tmp/i18]

Data: ``benchmarks.search.generate`` (~5 KB descriptions generated in DuckDB SQL), then a
second run inserts ``--new`` jobs and closes ``--closed`` in SQL, and the full search index
is built (``jobscraper reindex`` in a child process, as benchmarks.search does).

Measured (median of --reps, wall and CPU time):
- ``evaluate_run``: what the app does after a run: read the run's new and closed jobs,
  match each search text in the database's index restricted to the new jobs' key range and
  in an in-memory index of the closed jobs, one DuckDB query over only those jobs for all
  100 searches' filters, and record the matches and counts. Also the fallback when the
  index is behind: an in-memory index of all the run's jobs.
- baseline: each search as the Jobs page runs it with Show = "New in the latest run" and
  "Closed in the latest run": the full index's hits over all N jobs joined in DuckDB with
  the filters (two page queries per search).
All must give the same job ids for every search; the script stops if they differ.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import time
from dataclasses import replace
from pathlib import Path

import duckdb

from app import queries, search, store
from app import saved_searches as ss
from app.db import connect
from app.jobs_view import Filters, job_filters
from app.people import Person
from benchmarks.search import (
    _JOBS_SQL,
    _MACROS,
    _PARAGRAPHS_SQL,
    COMMON,
    LEVELS,
    N_COMPANIES,
    PARAGRAPHS,
    PHRASES,
    PLACES,
    RARE,
    ROLES,
    generate,
    rebuild_in_child,
)

BENCH = Person("bench", "bench", True, "header", True)
_RUN_JOBS_SQL = _JOBS_SQL.replace("$now, $now, 1, 1", "$now, $now, $run, $run")
if _RUN_JOBS_SQL == _JOBS_SQL:
    raise RuntimeError("benchmarks.search's jobs SQL changed: update this benchmark")


def add_run(path: Path, n: int, new: int, closed: int) -> int:
    """A second run over the generated database: ``new`` jobs first seen in it and
    ``closed`` of the old ones closed by it; returns its id."""
    con = connect(path)
    try:
        run_id = store.start_run(con, "benchmark", N_COMPANIES)
        now = store.utcnow()
        con.execute(_MACROS)
        con.execute(_PARAGRAPHS_SQL, {"vocab": COMMON, "paragraphs": PARAGRAPHS})
        con.execute(_RUN_JOBS_SQL, {
            "nc": N_COMPANIES, "levels": list(LEVELS), "roles": list(ROLES),
            "places": list(PLACES), "rare": list(RARE), "phrases": list(PHRASES), "now": now,
            "start": n, "stop": n + new, "run": run_id})
        con.execute("UPDATE jobs SET closed_at = $now, closed_run = $run WHERE first_seen_run "
                    "<> $run AND hash(job_id, 'close') % $every = 0",
                    {"now": now, "run": run_id, "every": max(n // max(closed, 1), 1)})
        con.execute("INSERT INTO run_results (run_id, company_id, state, finished_at) "
                    "SELECT ?, company_id, 'ok', ? FROM companies", [run_id, now])
        store.finish_run(con, run_id, "finished")
        con.execute("CHECKPOINT")
        return run_id
    finally:
        con.close()


def views() -> list[Filters]:
    """100 saved views: 50 structured only, 50 with search text (30 of them also filtered)."""
    places = ("Berlin", "London", "Remote", "New York", "Paris", "Toronto", "Austin")
    departments = ("Engineering", "Data", "Product", "Sales", "People")
    structured = []
    for i in range(50):
        structured.append(Filters(
            workplace=(("remote",), ("hybrid", "onsite"), (), ("remote", "unknown"))[i % 4],
            loc=places[i % len(places)] if i % 3 else "",
            department=(departments[i % len(departments)],) if i % 2 else (),
            days=(0, 7, 30)[i % 3],
            company=tuple(range(1 + i % 7, N_COMPANIES, 9)) if i % 5 == 0 else ()))
    texts = [*RARE, *(f'"{p}"' for p in PHRASES), "backend engineer", "data*", "senior python",
             "remote kubernetes", "title:staff", "title:lead OR title:principal", "-manager",
             "product -designer", "quokka OR zeppelin", "engineer", "team", "xylophonist"]
    texted = []
    for i in range(50):
        text = texts[i % len(texts)]
        texted.append(Filters(q=text) if i < 20 else replace(
            structured[i], q=text, sort="relevance"))
    return structured + texted


def baseline(con: duckdb.DuckDBPyConnection, index: search.SearchIndex,
             searches: list[ss.SavedSearch]) -> dict[int, tuple[set[str], set[str]]]:
    """Each search as the Jobs page lists it with Show = new / closed in the latest run."""
    out = {}
    for s in searches:
        index.clear_cache()
        found = []
        for show in ("run", "closed"):
            filters = job_filters(replace(s.view, new=show))
            parsed, hits = search.search_hits(index, filters.search)
            filters = search.effective_filters(filters, parsed)
            page = queries.jobs_page(con, filters, sort="posted", limit=10_000_000, hits=hits)
            found.append(set(page["job_id"]))
        out[s.search_id] = (found[0], found[1])
    return out


def _median(action: object, reps: int) -> tuple[float, float, object]:
    """Median wall and CPU (this process's, all threads) seconds of ``action``, and its
    result."""
    wall, cpu, result = [], [], None
    for _ in range(reps):
        started, used = time.perf_counter(), time.process_time()
        result = action()  # type: ignore[operator]
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - used)
    return statistics.median(wall), statistics.median(cpu), result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=1_000_000)
    parser.add_argument("--new", type=int, default=2_000)
    parser.add_argument("--closed", type=int, default=1_000)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep (and reuse) the database")
    parser.add_argument("--dir", default="/tmp/i18")
    args = parser.parse_args(argv)
    folder = Path(args.dir)
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / f"saved-{args.jobs}.duckdb"
    index_dir = folder / f"saved-{args.jobs}.duckdb.search"
    if not (args.keep and db.exists()):
        started = time.perf_counter()
        generate(db, args.jobs)
        add_run(db, args.jobs, args.new, args.closed)
        print(f"generated {args.jobs:,} jobs + a run in {time.perf_counter() - started:.0f} s",
              flush=True)
        shutil.rmtree(index_dir, ignore_errors=True)
        build_s, _ = rebuild_in_child(db, index_dir)
        print(f"full index built in {build_s:.0f} s", flush=True)
    con = connect(db)
    try:
        index = search.open_index(db, index_dir)
        if not index.is_current(con):
            raise RuntimeError("the index does not match the database: run without --keep")
        run_id = queries.latest_results_run(con)
        assert run_id is not None
        con.execute("DELETE FROM saved_search_matches")
        con.execute("DELETE FROM saved_searches")
        searches = [ss.save_search(con, BENCH, f"search {i}", v) for i, v in enumerate(views())]
        [(total, new, closed)] = con.execute(
            "SELECT count(*), count(*) FILTER (WHERE first_seen_run = $r), "
            "count(*) FILTER (WHERE closed_run = $r) FROM jobs", {"r": run_id}).fetchall()
        texted = sum(1 for s in searches if s.view.q)
        print(f"\n{total:,} jobs; run {run_id} added {new:,} and closed {closed:,}; "
              f"{len(searches)} saved searches ({texted} with search text)", flush=True)

        cand = _median(lambda: ss.run_candidates(con, run_id), args.reps)
        match = _median(lambda: ss.match_run(con, run_id, searches, index=index), args.reps)
        small = _median(lambda: ss.match_run(con, run_id, searches), args.reps)
        evaluated = _median(lambda: ss.evaluate_run(con, run_id, index=index), args.reps)
        base = _median(lambda: baseline(con, index, searches), max(args.reps // 2, 1))
        matches, fallback, expected = match[2], small[2], base[2]
        assert isinstance(matches, list) and isinstance(fallback, list)
        assert isinstance(expected, dict)
        for m in [*matches, *fallback]:
            if (set(m.new), set(m.closed)) != expected[m.search.search_id]:
                raise RuntimeError(f"{m.search.view} differs from the Jobs page's answer")
        hits = sum(len(m.new) + len(m.closed) for m in matches)
        with_news = sum(1 for m in matches if m.new or m.closed)
        print(f"matches: {hits:,} in total, {with_news} searches with news; identical to the "
              f"Jobs page's answer for all {len(searches)} searches")
        print(f"{'':<46} {'wall s':>8} {'CPU s':>8}")
        for label, (wall, cpu, _) in (
                ("read the run's new + closed jobs", cand),
                ("match all, new jobs' text via the db index", match),
                ("match all, text via an index of the run only", small),
                ("evaluate_run (match + record)", evaluated),
                ("baseline: each search as the Jobs page", base)):
            print(f"{label:<46} {wall:>8.3f} {cpu:>8.3f}")
        print(f"evaluate_run: {base[0] / evaluated[0]:.1f}x faster than the baseline (wall), "
              f"{base[1] / evaluated[1]:.1f}x (CPU); {evaluated[0]:.3f} s wall is "
              f"{'under' if evaluated[0] < 1 else 'OVER'} the 1 s budget for "
              f"{len(searches)} searches")
    finally:
        con.close()
        if not args.keep:
            db.unlink(missing_ok=True)
            db.with_name(db.name + ".wal").unlink(missing_ok=True)
            shutil.rmtree(index_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The Jobs page's search with the full-text index vs. today's substring scan, side by side
on the same generated data, at a small and a large size.

    python -m benchmarks.search [--small 10000] [--large 1000000] [--reps 5] [--scan-reps 1]
                                [--scan-texts 2] [--keep] [--dir /tmp/jobscraper-bench]

Each size gets a fresh database whose ~5 KB descriptions are generated in DuckDB SQL from an
English vocabulary drawn Zipf-like (common words in most jobs), with rare words in a few
percent of the jobs and some stock phrases. Prints, per query kind (rare, common, two-word,
phrase, no-match) and overall, the median and p95 seconds of a search as the page does it:
count + first page (+ snippets for the index), the index build rate and the peak RSS of the
rebuilding process (`jobscraper reindex`), the index size beside the database size, and what
the index adds to saving a company's jobs. The database is deleted afterwards unless --keep.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import duckdb

from app import queries, search, store
from app.db import connect
from app.queries import JobFilters
from scraper.models import Company, CompanyResult, Job

_VOCABULARY = (
    "the of and to a in for is on that by this with you it not or be are from at as your all "
    "have new more an was we will can us about if my has but our one other do no time they he "
    "up may what which their out use any there see only so his when here who web also now help "
    "get pm view online first am been would how were me some these its like service than find "
    "work team experience customer data product build design support people role company "
    "skills working development business systems engineering platform software cloud "
    "security tools quality process growth culture mission impact ownership scale users "
    "deliver ship improve learn mentor collaborate communicate review test deploy monitor "
    "reliable fast simple clear strong modern global remote hybrid office benefits health "
    "salary equity bonus vacation parental insurance flexible hours budget conference "
    "travel relocation visa hiring interview offer candidates applicants diverse inclusive "
    "equal opportunity employer background gender identity orientation disability veteran "
    "status python java typescript javascript golang rust kotlin swift react vue angular node "
    "django flask spring postgres mysql redis kafka spark airflow kubernetes docker terraform "
    "aws azure gcp linux git api rest graphql microservices distributed backend frontend "
    "mobile ios android fullstack infrastructure devops observability metrics logging "
    "incident oncall architecture performance latency throughput storage database queries "
    "pipelines analytics dashboards reporting finance sales marketing operations legal "
    "recruiting partners vendors contracts revenue pricing billing payments fraud risk "
    "compliance privacy regulation audit strategy roadmap planning priorities stakeholders "
    "leadership managers directors executives founders startup enterprise customers market "
    "competitive industry healthcare education logistics retail energy climate media games "
    "senior junior staff principal lead head intern graduate years degree bachelor master "
    "phd equivalent practical knowledge understanding ability passion curiosity empathy "
    "attention detail written verbal english german french spanish fluent hands thrive "
    "ambiguity environment fast-paced autonomous accountable humble kind honest transparent "
    "feedback growth career path promotion ladder levels compensation transparent range"
)
COMMON = _VOCABULARY.split()
RARE = ("quokka", "zeppelin", "marzipan", "obsidian", "kaleidoscope", "tambourine",
        "sassafras", "wolverine", "flamingo", "archipelago")
PHRASES = ("machine learning", "data platform", "customer success", "site reliability")
QUERIES: dict[str, tuple[str, ...]] = {
    "rare": ("quokka", "zeppelin"),
    "common": ("team", "experience"),
    "two-word": ("senior python", "remote kubernetes"),
    "phrase": ('"machine learning"', '"customer success"'),
    "no-match": ("xylophonist", "qwertyuiopz"),
}
ROLES = ("Backend Engineer", "Frontend Engineer", "Data Engineer", "Data Scientist",
         "ML Engineer", "Site Reliability Engineer", "Security Engineer", "Product Manager",
         "Product Designer", "Account Executive", "Customer Success Manager", "Recruiter",
         "Financial Analyst")
LEVELS = ("", "Senior ", "Staff ", "Junior ", "Lead ", "Principal ")
PLACES = ("New York, NY", "San Francisco, CA", "Austin, TX", "Remote - US", "Toronto, Canada",
          "London, United Kingdom", "Berlin, Germany", "Paris, France", "Remote - EU")
N_COMPANIES = 80
CHUNK = 25_000

# pick(list, hash): one element, chosen by the hash (a macro: hash() is a UBIGINT); zipf:
# early elements far more often (the vocabulary is listed roughly by frequency).
_MACROS = """
CREATE OR REPLACE TEMP MACRO pick(items, h) AS items[1 + (h % len(items))::BIGINT];
CREATE OR REPLACE TEMP MACRO zipf(items, h) AS
    items[1 + floor(len(items) * pow((h % 1000003)::DOUBLE / 1000003.0, 2.5))::BIGINT];
"""
# A pool of generated paragraphs; a description is ~10 of them drawn at random (drawing each
# of a million descriptions' 900 words one by one takes over an hour on this machine).
PARAGRAPHS = 20_000
_PARAGRAPHS_SQL = """
CREATE OR REPLACE TEMP TABLE paragraphs AS
SELECT list(p ORDER BY n) AS pool FROM (
    SELECT n // 7 AS n, string_agg(s, ' ' ORDER BY n) AS p FROM (
        SELECT n, upper(w[1]) || w[2:] || '.' AS s FROM (
            SELECT n, array_to_string(list_transform(range(7 + (hash(n, 'len') % 12)::BIGINT),
                                      lambda j: zipf($vocab, hash(n, j))), ' ') AS w
            FROM range($paragraphs * 7) t(n)))
    GROUP BY n // 7)
"""
_JOBS_SQL = """
INSERT INTO jobs (job_id, company_id, source, board, external_id, title, company, url,
                  location, locations, workplace, department, employment_type, posted_at,
                  description_text, first_seen_at, last_seen_at, first_seen_run, last_seen_run)
SELECT 'greenhouse:bench' || (i % $nc) || ':' || i, (i % $nc) + 1, 'greenhouse',
       'bench' || (i % $nc), i::VARCHAR,
       pick($levels, hash(i, 'l')) || pick($roles, hash(i, 'r')),
       'Company ' || (i % $nc), 'https://careers.bench.test/jobs/' || i,
       pick($places, hash(i, 'p')), [pick($places, hash(i, 'p'))],
       pick(['remote', 'hybrid', 'onsite', NULL], hash(i, 'w')),
       pick(['Engineering', 'Data', 'Product', 'Sales', 'People'], hash(i, 'd')),
       'Full-time', $now - to_days((hash(i, 'age') % 60)::INTEGER),
       array_to_string(list_transform(range(8 + (hash(i, 'n') % 5)::BIGINT),
                                      lambda j: pick(pool, hash(i, j))), ' ')
       || CASE WHEN hash(i, 'rare') % 5 = 0
               THEN ' We like ' || pick($rare, hash(i, 'which')) || '.' ELSE '' END
       || CASE WHEN hash(i, 'phrase') % 10 = 0
               THEN ' You know ' || pick($phrases, hash(i, 'ph')) || '.' ELSE '' END,
       $now, $now, 1, 1
FROM range($start, $stop) t(i), paragraphs
"""


def generate(path: Path, n: int) -> float:
    """A fresh database at ``path`` with ``n`` generated jobs; returns seconds taken."""
    started = time.perf_counter()
    for stale in (path, path.with_name(path.name + ".wal")):
        stale.unlink(missing_ok=True)
    con = connect(path)
    store.save_companies(con, [Company(f"Company {i}", "greenhouse", f"bench{i}",
                                       f"https://boards.greenhouse.io/bench{i}")
                               for i in range(N_COMPANIES)])
    run_id = store.start_run(con, "benchmark", N_COMPANIES)
    params = {"nc": N_COMPANIES, "levels": list(LEVELS), "roles": list(ROLES),
              "places": list(PLACES), "rare": list(RARE),
              "phrases": list(PHRASES), "now": store.utcnow()}
    con.execute(_MACROS)
    con.execute(_PARAGRAPHS_SQL, {"vocab": COMMON, "paragraphs": PARAGRAPHS})
    for start in range(0, n, CHUNK):
        con.execute(_JOBS_SQL, {**params, "start": start, "stop": min(start + CHUNK, n)})
    store.finish_run(con, run_id, "finished")
    con.execute("CHECKPOINT")
    con.close()
    return time.perf_counter() - started


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def rebuild_in_child(db: Path, index_dir: Path) -> tuple[float, int]:
    """`jobscraper reindex` in a process of its own: (seconds, peak RSS in bytes)."""
    env = {**os.environ, "JOBSCRAPER_INDEX": str(index_dir)}
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "app", "reindex", "--db", str(db)], check=True, env=env,
                   stdout=subprocess.DEVNULL)
    seconds = time.perf_counter() - started
    return seconds, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024


def _timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def scan_search(con: duckdb.DuckDBPyConnection, text: str) -> None:
    """Today's page: the count and the first page, each a substring scan of five columns."""
    filters = JobFilters(search=text.replace('"', ""))
    queries.jobs_count(con, filters)
    queries.jobs_page(con, filters, limit=100)


def index_search(con: duckdb.DuckDBPyConnection, index: search.SearchIndex, text: str) -> None:
    """The page with the index: hits, the count and first page joined in DuckDB (relevance
    order), and a snippet per row. Uncached: the index's query cache is emptied first."""
    index.clear_cache()
    search.page_search(con, index, JobFilters(search=text), sort=queries.RELEVANCE,
                       descending=True, offset=0, limit=100)


def measure(con: duckdb.DuckDBPyConnection, run: Callable[[str], object], reps: int,
            texts_per_kind: int = 2) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {}
    for kind, texts in QUERIES.items():
        out[kind] = [_timed(lambda t=t: run(t)) for t in texts[:texts_per_kind]
                     for _ in range(reps)]
    return out


def _stats(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


def saving_overhead(con: duckdb.DuckDBPyConnection, index: search.SearchIndex,
                    reps: int = 7, jobs: int = 200) -> tuple[float, float, float]:
    """Median seconds to save one company's ``jobs`` (a rescrape): the save alone, the save
    plus the post-commit hook on the writer thread, and the follower's indexing after it."""
    [company] = store.save_companies(con, [Company("Overhead Co", "lever", "overhead",
                                                   "https://jobs.lever.co/overhead")])
    texts = [r[0] for r in con.execute(
        "SELECT description_text FROM jobs ORDER BY doc_key LIMIT ?", [jobs]).fetchall()]
    batch = tuple(Job("lever", "overhead", str(i), f"Engineer {i}", "Overhead Co",
                      f"https://jobs.lever.co/overhead/{i}", description_text=t)
                  for i, t in enumerate(texts))
    result = CompanyResult(company, "ok", batch)
    plain, hooked, follow = [], [], []
    for rep in range(reps * 2 + 1):
        run_id = store.start_run(con, "benchmark", 1)
        started = time.perf_counter()
        counts = store.save_company_results(con, run_id, [result])
        saved = time.perf_counter()
        if rep % 2:
            index.after_commit(con, run_id, counts)
        handed = time.perf_counter()
        index.flush()
        indexed = time.perf_counter()
        if not rep:
            continue  # the first save inserts; the rest are rescrapes
        if rep % 2:
            hooked.append(handed - started)
            follow.append(indexed - handed)
        else:
            plain.append(saved - started)
    if not index.is_current(con):
        raise RuntimeError("the index did not follow the saves")
    return statistics.median(plain), statistics.median(hooked), statistics.median(follow)


def bench_size(n: int, args: argparse.Namespace) -> dict[str, object]:
    folder = Path(args.dir)
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / f"search-{n}.duckdb"
    index_dir = folder / f"search-{n}.duckdb.search"
    print(f"\n== {n:,} jobs", flush=True)
    if not (args.keep and db.exists()):
        print(f"generating… {generate(db, n):.0f} s", flush=True)
    shutil.rmtree(index_dir, ignore_errors=True)
    build_s, rss = rebuild_in_child(db, index_dir)
    print(f"index built in {build_s:.0f} s ({n / build_s:,.0f} jobs/s), peak RSS "
          f"{rss / 2**20:,.0f} MB", flush=True)
    con = connect(db)
    index = search.open_index(db, index_dir)
    if not index.is_current(con):
        raise RuntimeError("the rebuilt index does not match the database")
    [(avg_desc,)] = con.execute("SELECT avg(strlen(description_text)) FROM jobs").fetchall()
    index_search(con, index, "warmup")
    indexed = measure(con, lambda t: index_search(con, index, t), args.reps)
    print("index searches done", flush=True)
    scanned = measure(con, lambda t: scan_search(con, t), args.scan_reps,
                      args.scan_texts if n > args.small else 2)
    print("scans done", flush=True)
    plain, hooked, follow = saving_overhead(con, index)
    con.close()
    out = {"n": n, "build_s": build_s, "rss": rss, "db_bytes": _size(db),
           "index_bytes": _size(index_dir), "avg_desc": avg_desc, "indexed": indexed,
           "scanned": scanned, "save_plain": plain, "save_hooked": hooked,
           "save_follow": follow}
    if not args.keep:
        db.unlink(missing_ok=True)
        shutil.rmtree(index_dir, ignore_errors=True)
    return out


def report(r: dict[str, object]) -> None:
    n = r["n"]
    indexed, scanned = r["indexed"], r["scanned"]
    assert isinstance(n, int) and isinstance(indexed, dict) and isinstance(scanned, dict)
    print(f"\n{n:,} jobs, descriptions {r['avg_desc']:,.0f} characters on average")
    print(f"{'query kind':<10} {'index median':>13} {'p95':>7} {'scan median':>12} {'p95':>7} "
          f"{'speed-up':>9}")
    rows = [*QUERIES, "all"]
    for kind in rows:
        a = indexed[kind] if kind != "all" else [v for vs in indexed.values() for v in vs]
        b = scanned[kind] if kind != "all" else [v for vs in scanned.values() for v in vs]
        (am, ap), (bm, bp) = _stats(a), _stats(b)
        print(f"{kind:<10} {am:>13.3f} {ap:>7.3f} {bm:>12.3f} {bp:>7.3f} {bm / am:>8.0f}x")
    build_s, rss = r["build_s"], r["rss"]
    db_bytes, index_bytes = r["db_bytes"], r["index_bytes"]
    plain, hooked, follow = r["save_plain"], r["save_hooked"], r["save_follow"]
    assert isinstance(build_s, float) and isinstance(rss, int)
    assert isinstance(db_bytes, int) and isinstance(index_bytes, int)
    assert isinstance(plain, float) and isinstance(hooked, float) and isinstance(follow, float)
    print(f"index build: {n / build_s:,.0f} jobs/s ({build_s:.0f} s), peak RSS of the "
          f"rebuilding process {rss / 2**20:,.0f} MB")
    print(f"sizes: database {db_bytes / 2**20:,.0f} MB, index {index_bytes / 2**20:,.0f} MB "
          f"({index_bytes / db_bytes:.2f} of the database)")
    print(f"saving a company's 200 jobs (rescrape): {plain * 1000:.0f} ms; with the post-commit "
          f"hook {hooked * 1000:.0f} ms on the writer thread ({hooked / plain:.2f}x), then "
          f"{follow * 1000:.0f} ms on the index's follower thread until searchable")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--reps", type=int, default=5, help="repeats of each index query")
    parser.add_argument("--scan-reps", type=int, default=1, help="repeats of each scan")
    parser.add_argument("--scan-texts", type=int, default=2,
                        help="queries of each kind scanned at the large size (1 or 2)")
    parser.add_argument("--keep", action="store_true", help="keep (and reuse) the databases")
    parser.add_argument("--dir", default="/tmp/jobscraper-bench")
    args = parser.parse_args(argv)
    results = [bench_size(n, args) for n in (args.small, args.large)]
    for r in results:
        report(r)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

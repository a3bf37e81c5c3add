"""`jobscraper` commands: parse, detect, scrape, reindex, search, searches, simulate, worker
(DESIGN.md)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from scraper.errors import ScraperError


def _parse(args: argparse.Namespace) -> int:
    from scraper.boards import parse

    path = Path(args.file)
    try:
        payload = path.read_bytes()
    except OSError as exc:
        print(f"jobscraper parse: cannot read {path}: {exc.strerror}", file=sys.stderr)
        return 1
    board = args.board or path.stem
    url = args.url or f"file://{path.resolve()}"
    try:
        jobs = parse(args.format, payload, board=board, url=url)
    except ScraperError as exc:
        print(f"jobscraper parse: {path}: {exc}", file=sys.stderr)
        return 1
    if not jobs:
        # An empty board is valid input, but so silent an answer hides a wrong FORMAT or file.
        print(f"jobscraper parse: no job postings found in {path} (as {args.format})",
              file=sys.stderr)
        return 0
    out = sys.stdout
    for job in jobs:
        out.write(json.dumps(job.to_dict(), ensure_ascii=False) + "\n")
    return 0


def _detect(args: argparse.Namespace) -> int:
    from scraper.detect import detect

    if args.html is not None:
        return _detect_html(args)
    url = args.url or args.page_url
    if url is None:
        print("jobscraper detect: give a URL, or --html FILE [--url URL]", file=sys.stderr)
        return 1
    try:
        target = detect(url)
    except ScraperError as exc:
        print(f"jobscraper detect: {exc}", file=sys.stderr)
        return 1
    print(f"ats: {target.ats}\nboard: {target.board}\nendpoint: {target.endpoint}")
    return 0


MAX_HTML_BYTES = 20 * 1024 * 1024  # a careers page, not a site dump


def _detect_html(args: argparse.Namespace) -> int:
    """The board embedded in a saved careers page; ``--url`` is where it was saved from
    (relative links resolve against it, and an API on that same host is recognised)."""
    from scraper.detect import detect_in_html
    from scraper.normalize import http_url
    from scraper.runner import mirrored_api

    path = Path(args.html)
    if args.url is not None and args.page_url is not None:
        print("jobscraper detect: with --html, give the page's URL once, as --url URL",
              file=sys.stderr)
        return 1
    page_url = args.page_url or args.url
    if page_url is not None and http_url(page_url) is None:
        print(f"jobscraper detect: --url must be an http(s) URL: {page_url}", file=sys.stderr)
        return 1
    try:
        with path.open("rb") as f:
            raw = f.read(MAX_HTML_BYTES + 1)
    except OSError as exc:
        print(f"jobscraper detect: cannot read {path}: {exc.strerror}", file=sys.stderr)
        return 1
    if len(raw) > MAX_HTML_BYTES:
        print(f"jobscraper detect: {path} is larger than {MAX_HTML_BYTES // 1024:,} KB: "
              "not a careers page", file=sys.stderr)
        return 1
    html = raw.decode("utf-8", errors="replace")
    target = detect_in_html(html, page_url or "")
    if target is None and page_url is not None:
        target = mirrored_api(html, page_url)
    if target is None:
        print(f"jobscraper detect: no board of a known ATS linked or embedded in {path}",
              file=sys.stderr)
        return 1
    print(f"ats: {target.ats}\nboard: {target.board}\nendpoint: {target.endpoint}")
    return 0


def _scrape(args: argparse.Namespace) -> int:
    from app.pipeline import cli_scrape

    return cli_scrape(db=args.db, companies_file=args.companies)


def _reindex(args: argparse.Namespace) -> int:
    from app.search.cli import cli_reindex

    return cli_reindex(db=args.db)


def _search(args: argparse.Namespace) -> int:
    from app.search.cli import cli_search

    return cli_search(db=args.db, query=args.query, limit=args.limit)


def _searches(args: argparse.Namespace) -> int:
    """`jobscraper searches`: the saved searches with their latest run's match counts,
    tab-separated with a header line (targets are counted, never printed: they hold secrets)."""
    from app.db import DatabaseLockedError, connect
    from app.saved_searches import summary
    from app.settings import SettingsError, load_settings

    try:
        con = connect(args.db or load_settings().db_path)
    except (SettingsError, DatabaseLockedError) as exc:
        print(f"jobscraper searches: {exc}", file=sys.stderr)
        return 1
    try:
        frame = summary(con)
    finally:
        con.close()
    print("id\tname\tlast_run\tnew\tclosed\ttargets\tnotify\tfailing")
    for r in frame.iter_rows():
        print("\t".join("" if v is None else " ".join(str(v).split()) for v in r))
    if frame.is_empty():
        print("jobscraper searches: no saved searches yet (save one on the Jobs page)",
              file=sys.stderr)
    return 0


def _simulate(args: argparse.Namespace) -> int:
    from scraper.simulator import cli_simulate

    return cli_simulate(
        port=args.port,
        boards=args.boards,
        latency_ms=args.latency_ms,
        seed=args.seed,
        write_companies=args.write_companies,
    )


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not 1 or more")
    return value


def _search_help() -> str:
    from app.search.query import HELP

    return HELP


def _worker(args: argparse.Namespace) -> int:
    from scraper.remote.worker import main

    return main(concurrency=args.concurrency, broker=args.broker)


SIMULATE_DESCRIPTION = """\
Serve generated boards of every format, in each ATS's real shape and paths, on 127.0.0.1
until Ctrl-C, for demos, tests and benchmarks. The board list is at http://127.0.0.1:PORT/.

Days: the simulator starts at day 0 and moves only when told, never with the clock:
  curl -X POST -d '{"day": 1}' http://127.0.0.1:PORT/_control/day
Each new day some jobs close, a few are new, and a job missing one day may come back the
next; scrape again to see it. Posting dates are relative to the simulated day: whatever
the day, the boards' "today" is the real today, so jobs new on day N are dated today, a
job first listed on day 0 is N days old at day N, and "posted within 7 days" finds jobs.
"""


def build_parser() -> argparse.ArgumentParser:
    from scraper.models import SOURCES

    parser = argparse.ArgumentParser(prog="jobscraper", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("parse", help="parse a saved board payload into JSON Lines of jobs")
    p.add_argument("format", choices=SOURCES)
    p.add_argument("file")
    p.add_argument("--board", help="board slug (default: the file's name)")
    p.add_argument(
        "--url", help="the http(s) URL the payload came from (postings without their own URL link to it)"
    )
    p.set_defaults(func=_parse)

    p = sub.add_parser(
        "detect", help="tell the ATS, board and API endpoint of a URL or a saved careers page"
    )
    p.add_argument("url", nargs="?", help="a careers or API URL")
    p.add_argument("--html", metavar="FILE", help="a saved careers page to find the board in")
    p.add_argument("--url", dest="page_url", metavar="URL",
                   help="with --html: the page's address (resolves its relative links)")
    p.set_defaults(func=_detect)

    p = sub.add_parser("scrape", help="scrape every enabled company once into the database")
    p.add_argument("--db", help="DuckDB file (default: $JOBSCRAPER_DB or data/jobs.duckdb)")
    p.add_argument("--companies", help="companies TOML to upsert before the run")
    p.set_defaults(func=_scrape)

    p = sub.add_parser("reindex", help="rebuild the full-text search index from the database")
    p.add_argument("--db", help="DuckDB file (default: $JOBSCRAPER_DB or data/jobs.duckdb)")
    p.set_defaults(func=_reindex)

    p = sub.add_parser("search", help="print the open jobs best matching a search, for scripts",
                       description="Prints job id, company, title and score, tab-separated. "
                       + _search_help())
    p.add_argument("query")
    p.add_argument("--db", help="DuckDB file (default: $JOBSCRAPER_DB or data/jobs.duckdb)")
    p.add_argument("--limit", type=_positive, default=20, help="how many (default 20)")
    p.set_defaults(func=_search)

    p = sub.add_parser("searches", help="list the saved searches with their latest new-match counts",
                       description="Tab-separated: id, name, the latest run matched, its new and "
                       "closed matches, the number of notification targets, the notification "
                       "mode, and the error of each target whose last notification failed.")
    p.add_argument("--db", help="DuckDB file (default: $JOBSCRAPER_DB or data/jobs.duckdb)")
    p.set_defaults(func=_searches)

    p = sub.add_parser(
        "simulate",
        help="serve simulated boards of every format on 127.0.0.1",
        description=SIMULATE_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--port", type=int, default=8700,
                   help="first port; boards are spread over it and the next two (default: 8700)")
    p.add_argument("--boards", type=int, default=27,
                   help="how many well-behaved boards, cycling through the formats; one failing "
                        "board per fault mode comes on top (default: 27)")
    p.add_argument("--latency-ms", type=int, default=50,
                   help="delay added to every response, in milliseconds (default: 50)")
    p.add_argument("--seed", type=int, default=1,
                   help="the same seed serves the same boards, names and jobs (default: 1)")
    p.add_argument("--write-companies", metavar="FILE",
                   help="write the boards as a companies TOML to FILE, for "
                        "`jobscraper scrape --companies FILE` or the Companies page")  # fmt: skip
    p.set_defaults(func=_simulate)

    p = sub.add_parser("worker", help="run a Celery worker that fetches and parses for the app")
    p.add_argument("--concurrency", type=int, metavar="N",
                   help="requests in flight on this worker (default: $JOBSCRAPER_CONCURRENCY or 16)")
    p.add_argument("--broker", metavar="URL",
                   help="Redis URL (default: $JOBSCRAPER_BROKER or redis://localhost:6379/0)")
    p.set_defaults(func=_worker)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    raise SystemExit(main())

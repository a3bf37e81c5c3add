"""`jobscraper` commands: parse, detect, scrape, simulate (see DESIGN.md, Command line)."""

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
    out = sys.stdout
    for job in jobs:
        out.write(json.dumps(job.to_dict(), ensure_ascii=False) + "\n")
    return 0


def _detect(args: argparse.Namespace) -> int:
    from scraper.detect import detect

    try:
        target = detect(args.url)
    except ScraperError as exc:
        print(f"jobscraper detect: {exc}", file=sys.stderr)
        return 1
    print(f"ats: {target.ats}\nboard: {target.board}\nendpoint: {target.endpoint}")
    return 0


def _scrape(args: argparse.Namespace) -> int:
    from app.pipeline import cli_scrape

    return cli_scrape(db=args.db, companies_file=args.companies)


def _simulate(args: argparse.Namespace) -> int:
    from scraper.simulator import cli_simulate

    return cli_simulate(
        port=args.port,
        boards=args.boards,
        latency_ms=args.latency_ms,
        seed=args.seed,
        write_companies=args.write_companies,
    )


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

    p = sub.add_parser("detect", help="tell the ATS, board and API endpoint of a URL")
    p.add_argument("url")
    p.set_defaults(func=_detect)

    p = sub.add_parser("scrape", help="scrape every enabled company once into the database")
    p.add_argument("--db", help="DuckDB file (default: $JOBSCRAPER_DB or data/jobs.duckdb)")
    p.add_argument("--companies", help="companies TOML to upsert before the run")
    p.set_defaults(func=_scrape)

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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    raise SystemExit(main())

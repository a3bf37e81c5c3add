"""Jobs parsed per second per board format vs. decoding the same payload alone, in one run.

    python benchmarks/parse.py [--jobs 5000] [--formats greenhouse,lever,...]

Greenhouse, Lever, Ashby and Workable boards are generated here (``--jobs`` postings with
~5 KB HTML descriptions, escaped for Greenhouse). Every other format whose parser exists
is scaled up from its golden fixture: the fixture's postings are repeated to ``--jobs``
(HTML fields replaced by the same ~5 KB description); a format whose payload holds one
posting (a Workday detail, a JSON-LD page) is parsed ``--jobs`` times. The baseline is
``json.loads`` (lxml for XML and HTML payloads) on the very same bytes.
"""

from __future__ import annotations

import argparse
import html
import json
import random
import time
from collections.abc import Callable
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import lxml.etree
import lxml.html

from scraper.boards import parse
from scraper.models import SOURCES

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures"
CITIES = ["Seattle", "San Francisco, CA", "New York City", "Remote - US", "Berlin, Germany",
          "London", "Toronto, ON", "Anywhere", "Hybrid - Amsterdam", "Austin, TX"]
SALARIES = ["$120,000 - $150,000 USD", "$95.4K–$190K annually", "€60k–75k", "£45,000 per annum",
            "$50-$65/hr", "USD 180000-220000", "up to $90,000", "74,000 – 106,000 USD"]


def description(rng: random.Random) -> str:
    """A ~5 KB job description in HTML, with a salary sentence somewhere in the middle."""
    words = ["platform", "customers", "reliability", "data", "team", "ship", "design", "build", "own", "scale", "secure", "latency", "merchants", "ledger", "pipeline", "review", "mentor", "roadmap", "quality", "api"]

    def sentence() -> str:
        return " ".join(rng.choice(words) for _ in range(14)).capitalize() + "."

    parts = ["<h2>About the role</h2>"]
    while sum(map(len, parts)) < 4_600:
        parts.append(f"<p>{' '.join(sentence() for _ in range(4))}&nbsp;</p>")
        parts.append("<ul>" + "".join(f"<li>{sentence()}</li>" for _ in range(4)) + "</ul>")
    parts.insert(len(parts) // 2, f"<p>The base pay range is {rng.choice(SALARIES)}, plus equity.</p>")
    return "\n".join(parts)


def greenhouse(n: int, rng: random.Random) -> bytes:
    jobs: list[dict[str, Any]] = [{
        "id": 4_000_000 + i, "internal_job_id": 3_000_000 + i, "title": f"Engineer {i}  ",
        "company_name": "Bench", "absolute_url": f"https://boards.greenhouse.io/bench/jobs/{4_000_000 + i}",
        "location": {"name": rng.choice(CITIES)}, "metadata": None,
        "first_published": "2026-09-25T16:45:00-04:00", "updated_at": "2026-10-02T09:15:12-04:00",
        "content": html.escape(description(rng)),
        "departments": [{"id": 1, "name": "Engineering", "parent_id": None, "child_ids": []}],
        "offices": [{"id": 2, "name": "Seattle", "location": None, "parent_id": None, "child_ids": []}],
    } for i in range(n)]
    return json.dumps({"jobs": jobs, "meta": {"total": n}}).encode()


def lever(n: int, rng: random.Random) -> bytes:
    postings = []
    for i in range(n):
        city = rng.choice(CITIES)
        postings.append({
            "id": f"00000000-0000-4000-8000-{i:012d}", "text": f"Engineer {i}",
            "categories": {"commitment": "Full-time", "department": "Engineering", "team": "Core",
                           "location": city, "allLocations": [city]},
            "country": "US", "workplaceType": rng.choice(["remote", "hybrid", "onsite", "unspecified"]),
            "createdAt": 1790347500000 + i, "hostedUrl": f"https://jobs.lever.co/bench/{i}",
            "applyUrl": f"https://jobs.lever.co/bench/{i}/apply", "description": description(rng),
            "descriptionPlain": "", "lists": [{"text": "You bring", "content": "<li>Go</li><li>SQL</li>"}],
            "additional": "<p>Benefits.</p>", "additionalPlain": "Benefits.",
        })
    return json.dumps(postings).encode()


def ashby(n: int, rng: random.Random) -> bytes:
    jobs = [{
        "id": f"00000000-0000-4000-9000-{i:012d}", "title": f"Engineer {i}", "department": "Engineering",
        "team": "Core", "employmentType": "FullTime", "location": rng.choice(CITIES),
        "secondaryLocations": [{"location": "Remote"}], "publishedAt": "2026-11-24T17:02:45.123+00:00",
        "isListed": True, "isRemote": rng.choice([True, False, None]),
        "workplaceType": rng.choice(["Remote", "Hybrid", "OnSite", None]),
        "jobUrl": f"https://jobs.ashbyhq.com/bench/{i}", "applyUrl": f"https://jobs.ashbyhq.com/bench/{i}/application",
        "descriptionHtml": description(rng), "descriptionPlain": "",
        "shouldDisplayCompensationOnJobPostings": i % 2 == 0,
        "compensation": {"compensationTierSummary": "$189K – $330K", "summaryComponents": [
            {"compensationType": "Salary", "interval": "1 YEAR", "currencyCode": "USD",
             "minValue": 189000, "maxValue": 330000}]},
    } for i in range(n)]
    return json.dumps({"apiVersion": "1", "jobs": jobs}).encode()


def workable(n: int, rng: random.Random) -> bytes:
    jobs = [{
        "title": f"Engineer {i}", "shortcode": f"{i:010X}", "code": "", "employment_type": "Full-time",
        "telecommuting": rng.random() < 0.3, "department": "Engineering",
        "url": f"https://apply.workable.com/j/{i:010X}", "application_url": "",
        "published_on": "2026-08-07", "created_at": "2026-08-05", "country": "Germany",
        "city": "Munich", "state": "", "locations": [{"country": "Germany", "countryCode": "DE",
                                                       "city": "Munich", "region": "Bavaria", "hidden": False}],
        "description": description(rng),
    } for i in range(n)]
    return json.dumps({"name": "Bench", "description": "", "jobs": jobs}).encode()


GENERATED: dict[str, Callable[[int, random.Random], bytes]] = {
    "greenhouse": greenhouse, "lever": lever, "ashby": ashby, "workable": workable,
}


def _enlarge(value: Any, big_html: str) -> Any:
    """``value`` with every HTML-looking string replaced by ``big_html``."""
    if isinstance(value, dict):
        return {k: _enlarge(v, big_html) for k, v in value.items()}
    if isinstance(value, list):
        return [_enlarge(v, big_html) for v in value]
    if isinstance(value, str) and "<" in value and ">" in value:
        return big_html
    return value


def scaled_from_fixture(fmt: str, n: int, rng: random.Random) -> tuple[list[bytes], int] | None:
    """(payloads, jobs expected) for a format without a generator, from its largest fixture."""
    paths = [p for p in (FIXTURES / fmt).glob("*") if not p.name.endswith(".expected.json")]
    if not paths:
        return None
    fixture = max(paths, key=lambda p: p.stat().st_size)
    if fixture.suffix == ".xml":
        root = lxml.etree.fromstring(fixture.read_bytes())
        holder = root.find("channel") if root.tag == "rss" else root  # RSS: the items of its channel
        assert holder is not None
        items = list(holder.iter("item")) if root.tag == "rss" else list(root)
        for item in items:
            holder.remove(item)
        for i in range(n):
            holder.append(lxml.etree.fromstring(lxml.etree.tostring(items[i % len(items)])))
        return [lxml.etree.tostring(root)], n
    if fixture.suffix != ".json":
        return [fixture.read_bytes()] * n, n
    doc = json.loads(fixture.read_bytes())
    doc = _enlarge(doc, description(rng))
    key = next((k for k, v in doc.items() if isinstance(v, list) and v and isinstance(v[0], dict)), None) \
        if isinstance(doc, dict) else None
    if isinstance(doc, list) or key is None:
        if isinstance(doc, list):
            return [json.dumps([_numbered(doc[i % len(doc)], i) for i in range(n)]).encode()], n
        return [json.dumps(doc).encode()] * n, n
    items = doc[key]
    doc[key] = [_numbered(items[i % len(items)], i) for i in range(n)]
    return [json.dumps(doc).encode()], n


def _numbered(item: Any, i: int) -> Any:
    """A copy of posting ``item`` with an id of its own (parsers that merge by id, such as
    Rippling's one-row-per-location list, would otherwise fold the copies into one)."""
    if not isinstance(item, dict):
        return item
    copy = dict(item)
    for key in ("id", "uuid", "Id", "shortcode"):
        if isinstance(copy.get(key), str):
            copy[key] = f"{copy[key]}-{i}"
        elif isinstance(copy.get(key), int) and not isinstance(copy.get(key), bool):
            copy[key] = copy[key] * 100_000 + i
    return copy


def baseline(payload: bytes) -> None:
    if payload.lstrip()[:1] in (b"{", b"["):
        json.loads(payload)
    elif payload.lstrip()[:5] == b"<?xml" or b"<workzag-jobs" in payload[:200]:
        lxml.etree.fromstring(payload)
    else:
        lxml.html.document_fromstring(payload)


def seconds(action: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        best = min(best, time.perf_counter() - start)
    return best


def measure(fmt: str, payloads: list[bytes], repeat: int) -> tuple[int, float, float]:
    """(jobs parsed, parse seconds, baseline seconds) over all ``payloads``."""
    url = f"https://example.test/{fmt}/bench"
    counts: list[int] = []

    def run() -> None:
        counts.append(sum(len(parse(fmt, p, board="bench", url=url)) for p in payloads))

    parse_s = seconds(run, repeat)
    def decode() -> None:
        for p in payloads:
            baseline(p)

    base_s = seconds(decode, repeat)
    return counts[-1], parse_s, base_s


def main() -> None:
    cli = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    cli.add_argument("--jobs", type=int, default=5000, help="postings per format (default 5000)")
    cli.add_argument("--repeat", type=int, default=3, help="best of N timings (default 3)")
    cli.add_argument("--formats", default=",".join(SOURCES), help="comma-separated formats")
    cli.add_argument("--seed", type=int, default=7)
    args = cli.parse_args()
    print(f"parse benchmark: {args.jobs} postings per format, best of {args.repeat}")
    print(f"{'format':<16}{'jobs':>7}{'payload':>10}{'parse s':>10}{'jobs/s':>10}"
          f"{'decode s':>10}{'baseline':>12}{'parse/decode':>14}")
    for fmt in args.formats.split(","):
        if find_spec(f"scraper.boards.{fmt}") is None:
            print(f"{fmt:<16}(no parser module yet)")
            continue
        rng = random.Random(args.seed)
        if fmt in GENERATED:
            payloads: list[bytes] = [GENERATED[fmt](args.jobs, rng)]
        elif (scaled := scaled_from_fixture(fmt, args.jobs, rng)) is not None:
            payloads = scaled[0]
        else:
            print(f"{fmt:<16}(no fixture to scale)")
            continue
        jobs, parse_s, base_s = measure(fmt, payloads, args.repeat)
        size = sum(map(len, payloads)) / 1e6
        base_name = "json.loads" if payloads[0].lstrip()[:1] in (b"{", b"[") else "lxml"
        print(f"{fmt:<16}{jobs:>7}{size:>8.1f}MB{parse_s:>10.2f}{jobs / parse_s:>10.0f}"
              f"{base_s:>10.3f}{base_name:>12}{parse_s / base_s:>13.0f}x")


if __name__ == "__main__":
    main()

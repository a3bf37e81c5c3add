"""Every parser, fed broken input, raises ParseError or returns well-formed Jobs: nothing else.

Inputs: random bytes and text, random JSON values, the golden fixture payloads cut at a
random point, with a random slice replaced, or (for JSON) with one value swapped for a
random one anywhere in the tree.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scraper.boards import parse
from scraper.errors import ParseError
from scraper.models import JOB_FIELDS, SOURCES, Job

FIXTURES = Path(__file__).parent / "fixtures"
NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
ISO_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


def fixture_payloads(fmt: str) -> list[bytes]:
    return [
        p.read_bytes()
        for p in sorted((FIXTURES / fmt).glob("*"))
        if p.is_file() and not p.name.endswith(".expected.json")
    ]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=12), inner, max_size=5),
    max_leaves=25,
)


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value inside a decoded JSON document (the root included)."""
    found = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*path, index))
    return found


def _replace(document: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    container = document
    for step in path[:-1]:
        container = container[step]
    container[path[-1]] = new
    return document


@st.composite
def swapped_json(draw: st.DrawFn, payloads: list[bytes]) -> Any:
    document = json.loads(draw(st.sampled_from(payloads)))
    path = draw(st.sampled_from(_paths(document)))
    new = draw(json_values | st.sampled_from(["", " ", "N/A", "null", "{}", "\u200b", "<p> </p>", "-1", "1e999", "<p>", "&lt;"]))
    document = _replace(document, path, new)
    return draw(st.sampled_from([document, json.dumps(document)]))


@st.composite
def cut(draw: st.DrawFn, payloads: list[bytes]) -> bytes:
    payload = draw(st.sampled_from(payloads))
    return payload[: draw(st.integers(0, max(len(payload) - 1, 0)))]


@st.composite
def spliced(draw: st.DrawFn, payloads: list[bytes]) -> bytes:
    payload = draw(st.sampled_from(payloads))
    start = draw(st.integers(0, len(payload)))
    end = draw(st.integers(start, min(len(payload), start + 40)))
    return payload[:start] + draw(st.binary(max_size=20) | st.text(max_size=20).map(str.encode)) + payload[end:]


def payloads_for(fmt: str) -> st.SearchStrategy[Any]:
    noise: st.SearchStrategy[Any] = st.one_of(
        st.binary(max_size=200),
        st.text(max_size=200),
        json_values,
        json_values.map(json.dumps),
    )
    payloads = fixture_payloads(fmt)
    if not payloads:
        return noise
    valid_json = []
    for payload in payloads:
        try:
            json.loads(payload)
            valid_json.append(payload)
        except ValueError:
            continue
    mutated = [cut(payloads), spliced(payloads)]
    if valid_json:
        mutated.append(swapped_json(valid_json))
    return st.one_of(noise, *mutated)


def assert_well_formed(job: Job) -> None:
    assert isinstance(job, Job)
    for name in ("source", "board", "external_id", "title", "url"):
        assert isinstance(getattr(job, name), str) and getattr(job, name), name
    assert job.workplace in (None, "remote", "hybrid", "onsite")
    assert job.salary_period in (None, "year", "month", "week", "day", "hour")
    assert job.salary_source in (None, "structured", "text")
    for stamp in (job.posted_at, job.updated_at):
        assert stamp is None or ISO_UTC.match(stamp), stamp
    assert all(isinstance(place, str) and place for place in job.locations)
    invisible = " \t\r\n\u00a0\u200b\u200c\u200d\u2060\ufeff"
    assert all(place.strip(invisible) for place in job.locations)
    for field in JOB_FIELDS:
        value = getattr(job, field)
        assert not isinstance(value, str) or value.strip(invisible), field
    assert job.description_html is None or job.description_text is not None
    # A range may start at 0 (issue 17); its top, and any single amount, is positive.
    assert job.salary_min is None or (isinstance(job.salary_min, float) and job.salary_min >= 0)
    assert job.salary_max is None or (isinstance(job.salary_max, float) and job.salary_max > 0)
    assert job.salary_min != 0 or job.salary_max is not None, job.salary_min
    json.dumps(job.to_dict())


@pytest.mark.parametrize("fmt", SOURCES)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_broken_payload_raises_only_parse_error(fmt: str, data: st.DataObject) -> None:
    payload = data.draw(payloads_for(fmt), label="payload")
    try:
        jobs = parse(fmt, payload, board="acme", url="https://example.test/acme", now=NOW)
    except ParseError:
        return
    assert isinstance(jobs, list)
    for job in jobs:
        assert_well_formed(job)


WRONG_TYPES: list[Any] = [None, True, 0, 1.5, -1, "", "\ufeff ", "{}", "x", [], {}, [None], {"a": None}]


@pytest.mark.parametrize("fmt", SOURCES)
def test_every_field_of_the_wrong_type_raises_only_parse_error(fmt: str) -> None:
    """Each value (four levels deep) of each JSON fixture, in turn, replaced by each wrong type."""
    for payload in fixture_payloads(fmt):
        try:
            original = json.loads(payload)
        except ValueError:
            continue  # XML and HTML fixtures: covered by the random mutations above
        for path in _paths(original)[1:]:
            if len(path) > 4:
                continue
            for wrong in WRONG_TYPES:
                document = _replace(json.loads(payload), path, wrong)
                try:
                    jobs = parse(fmt, document, board="acme", url="https://example.test/acme", now=NOW)
                except ParseError:
                    continue
                for job in jobs:
                    assert_well_formed(job)


HOSTILE_URLS = [
    "javascript:alert(1)",
    "  JavaScript:alert(document.cookie)",
    "java\tscript:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript:msgbox(1)",
    "/relative/without/base",
]
# (format, fixture, path to the posting's URL field, the URL built when that field is unusable)
URL_FIELDS: list[tuple[str, str, tuple[Any, ...], str]] = [
    ("greenhouse", "board_basic.json", ("jobs", 0, "absolute_url"),
     "https://boards.greenhouse.io/acme/jobs/4012345006"),
    ("lever", "postings_basic.json", (0, "hostedUrl"),
     "https://jobs.lever.co/acme/5f0c1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b"),
    ("ashby", "board_compensation.json", ("jobs", 0, "jobUrl"),
     "https://jobs.ashbyhq.com/acme/0b8f5c1e-6a52-4f0e-9d27-3d1a3f6e7b10"),
    ("workable", "account_details.json", ("jobs", 0, "url"),
     "https://apply.workable.com/acme/j/7A1B2C3D4E/"),
    ("smartrecruiters", "detail.json", ("postingUrl",),
     "https://jobs.smartrecruiters.com/acme/744000012345678"),
    ("recruitee", "board.json", ("offers", 0, "careers_url"),
     "https://acme.recruitee.com/o/senior-backend-engineer"),
    ("workday", "detail.json", ("jobPostingInfo", "externalUrl"),
     "https://northwind.wd5.myworkdayjobs.com/External/job/Chicago-IL/Supply-Chain-Analyst_R-104198"),
    ("gem", "board.json", (0, "absolute_url"), "https://jobs.gem.com/acme/4965519002"),
    ("bamboohr", "detail.json", ("result", "jobOpening", "jobOpeningShareUrl"), "https://acme.bamboohr.com/careers/36"),
    ("breezy", "board.json", (0, "url"), "https://acme.breezy.hr/p/4f1c2a3b5d6e-senior-backend-engineer"),
    ("pinpoint", "board.json", ("data", 0, "url"),
     "https://acme.pinpointhq.com/en/postings/3f1e2a7c-9b0d-4c5e-8f6a-1b2c3d4e5f60"),
    ("rippling", "board.json", (0, "url"), "https://ats.rippling.com/acme/jobs/3b8d7c21-4f5e-4a6b-9c0d-1e2f3a4b5c6d"),
    ("rippling", "detail.json", ("url",), "https://ats.rippling.com/acme/jobs/3b8d7c21-4f5e-4a6b-9c0d-1e2f3a4b5c6d"),
]
WORKDAY_DETAIL = (
    "https://northwind.wd5.myworkdayjobs.com/wday/cxs/northwind/External"
    "/job/Chicago-IL/Supply-Chain-Analyst_R-104198"
)


@pytest.mark.parametrize(("fmt", "fixture", "path", "built"), URL_FIELDS, ids=[c[0] for c in URL_FIELDS])
@pytest.mark.parametrize("hostile", HOSTILE_URLS)
def test_posting_url_that_is_not_http_gives_the_built_url(
    fmt: str, fixture: str, path: tuple[Any, ...], built: str, hostile: str
) -> None:
    document = _replace(json.loads((FIXTURES / fmt / fixture).read_bytes()), path, hostile)
    # A detail payload is read with the URL it was fetched from.
    request_url = {"workday": WORKDAY_DETAIL, "bamboohr": "https://acme.bamboohr.com/careers/36/detail"}.get(
        fmt, "https://example.test/acme")
    jobs = parse(fmt, document, board="acme", url=request_url, now=NOW)
    assert jobs[0].url == built


@pytest.mark.parametrize("hostile", HOSTILE_URLS[:-1])
def test_jsonld_posting_url_that_is_not_http_gives_the_page_url(hostile: str) -> None:
    posting = {"@type": "JobPosting", "title": "Courier", "url": hostile}
    page = f'<script type="application/ld+json">{json.dumps(posting)}</script>'
    jobs = parse("jsonld", page, board="acme", url="https://careers.example.test/jobs/7")
    assert [job.url for job in jobs] == ["https://careers.example.test/jobs/7"]


def test_jsonld_relative_posting_url_resolves_against_the_page() -> None:
    posting = {"@type": "JobPosting", "title": "Courier", "url": " /jobs/courier "}
    page = f'<script type="application/ld+json">{json.dumps(posting)}</script>'
    jobs = parse("jsonld", page, board="acme", url="https://careers.example.test/jobs/")
    assert [job.url for job in jobs] == ["https://careers.example.test/jobs/courier"]


def test_personio_url_is_built_on_personio_whatever_the_request_url() -> None:
    payload = (FIXTURES / "personio" / "feed.xml").read_bytes()
    jobs = parse("personio", payload, board="acme", url="javascript:alert(1)")
    assert jobs[0].url == "https://acme.jobs.personio.de/job/1543201"


def test_workday_external_path_cannot_name_another_host() -> None:
    document = json.loads((FIXTURES / "workday" / "list.json").read_bytes())
    document["jobPostings"] = [{"title": "Clerk", "externalPath": "@evil.test/job/x_R-1"}]
    endpoint = "https://acme.wd5.myworkdayjobs.com/wday/cxs/acme/External/jobs"
    jobs = parse("workday", document, board="acme", url=endpoint, now=NOW)
    assert [job.url for job in jobs] == ["https://acme.wd5.myworkdayjobs.com/External/@evil.test/job/x_R-1"]


def _one_job_parser(url: str) -> Any:
    def parser(payload: Any, *, board: str, url_: str = url, **_: Any) -> list[Job]:
        return [Job(source="lever", board=board, external_id="1", title="Clerk", company=None, url=url_)]
    return parser


def test_registry_replaces_a_non_http_job_url_with_the_request_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("scraper.boards.get_parser", lambda fmt: _one_job_parser("javascript:alert(1)"))
    jobs = parse("lever", b"[]", board="acme", url="https://example.test/acme")
    assert [job.url for job in jobs] == ["https://example.test/acme"]


def test_registry_refuses_a_job_without_any_http_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("scraper.boards.get_parser", lambda fmt: _one_job_parser("data:text/html,x"))
    with pytest.raises(ParseError, match="posting 1 has no http\\(s\\) url"):
        parse("lever", b"[]", board="acme", url="file:///tmp/board.json")


@pytest.mark.parametrize(
    ("created_at", "posted_at"),
    [(1790347500000, "2026-09-25T14:45:00Z"), (1790347500, "2026-09-25T14:45:00Z"), (0, None),
     (4102444800000, None)],
)
def test_lever_created_at_in_ms_or_seconds_never_gives_1970(created_at: int, posted_at: str | None) -> None:
    document = json.loads((FIXTURES / "lever" / "postings_basic.json").read_bytes())
    document[0]["createdAt"] = created_at
    jobs = parse("lever", document, board="acme", url="https://example.test/acme", now=NOW)
    assert jobs[0].posted_at == posted_at

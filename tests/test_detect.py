"""detect(), resolve() and detect_in_html(): every URL shape of FORMATS.md, offline."""

from __future__ import annotations

import pytest

from scraper.detect import UNKNOWN_HOST, Target, detect, detect_in_html, resolve
from scraper.errors import DetectError
from scraper.models import Company

GH = "https://boards-api.greenhouse.io/v1/boards/acme/jobs?content=true&pay_transparency=true"
GH_EU = "https://boards-api.eu.greenhouse.io/v1/boards/acme/jobs?content=true&pay_transparency=true"
LEVER = "https://api.lever.co/v0/postings/acme?mode=json"
LEVER_EU = "https://api.eu.lever.co/v0/postings/acme?mode=json"
ASHBY = "https://api.ashbyhq.com/posting-api/job-board/acme?includeCompensation=true"
WORKABLE = "https://apply.workable.com/api/v1/widget/accounts/acme?details=true"
SR = "https://api.smartrecruiters.com/v1/companies/AcmeCorp/postings?limit=100"
WD = "https://acme.wd5.myworkdayjobs.com/wday/cxs/acme/External/jobs"

SHAPES = [
    ("https://boards.greenhouse.io/acme", "greenhouse", "acme", GH),
    ("https://boards.greenhouse.io/acme/jobs/4012345", "greenhouse", "acme", GH),
    ("https://job-boards.greenhouse.io/acme", "greenhouse", "acme", GH),
    ("https://job-boards.eu.greenhouse.io/acme", "greenhouse", "acme", GH_EU),
    ("https://boards.greenhouse.io/embed/job_board?for=acme", "greenhouse", "acme", GH),
    ("https://boards.greenhouse.io/embed/job_board/js?for=acme", "greenhouse", "acme", GH),
    ("https://boards-api.greenhouse.io/v1/boards/acme/jobs", "greenhouse", "acme", GH),
    ("https://boards-api.greenhouse.io/v1/boards/acme/jobs?content=true", "greenhouse", "acme", GH),
    ("https://boards-api.eu.greenhouse.io/v1/boards/acme/jobs", "greenhouse", "acme", GH_EU),
    ("https://jobs.lever.co/acme", "lever", "acme", LEVER),
    ("https://jobs.lever.co/acme/5ac2-uuid/apply", "lever", "acme", LEVER),
    ("https://jobs.eu.lever.co/acme", "lever", "acme", LEVER_EU),
    ("https://api.lever.co/v0/postings/acme?mode=json", "lever", "acme", LEVER),
    ("https://api.eu.lever.co/v0/postings/acme", "lever", "acme", LEVER_EU),
    ("https://jobs.ashbyhq.com/acme", "ashby", "acme", ASHBY),
    ("https://jobs.ashbyhq.com/acme/0f5c-uuid", "ashby", "acme", ASHBY),
    ("https://api.ashbyhq.com/posting-api/job-board/acme", "ashby", "acme", ASHBY),
    ("https://apply.workable.com/acme/", "workable", "acme", WORKABLE),
    ("https://apply.workable.com/acme/j/AB12CD34EF/", "workable", "acme", WORKABLE),
    ("https://apply.workable.com/api/v1/widget/accounts/acme", "workable", "acme", WORKABLE),
    ("https://careers.smartrecruiters.com/AcmeCorp", "smartrecruiters", "AcmeCorp", SR),
    (
        "https://jobs.smartrecruiters.com/AcmeCorp/743999-engineer",
        "smartrecruiters",
        "AcmeCorp",
        SR,
    ),
    (
        "https://api.smartrecruiters.com/v1/companies/AcmeCorp/postings?offset=100",
        "smartrecruiters",
        "AcmeCorp",
        SR,
    ),
    ("https://acme.recruitee.com/", "recruitee", "acme", "https://acme.recruitee.com/api/offers/"),
    (
        "https://acme.recruitee.com/o/backend-engineer",
        "recruitee",
        "acme",
        "https://acme.recruitee.com/api/offers/",
    ),
    (
        "https://acme.recruitee.com/api/offers/",
        "recruitee",
        "acme",
        "https://acme.recruitee.com/api/offers/",
    ),
    (
        "https://acme.jobs.personio.de/",
        "personio",
        "acme",
        "https://acme.jobs.personio.de/xml?language=en",
    ),
    (
        "https://acme.jobs.personio.de/job/1234567",
        "personio",
        "acme",
        "https://acme.jobs.personio.de/xml?language=en",
    ),
    (
        "https://acme.jobs.personio.com/xml",
        "personio",
        "acme",
        "https://acme.jobs.personio.com/xml?language=en",
    ),
    ("https://acme.wd5.myworkdayjobs.com/External", "workday", "acme", WD),
    ("https://acme.wd5.myworkdayjobs.com/en-US/External", "workday", "acme", WD),
    (
        "https://acme.wd5.myworkdayjobs.com/en-US/External/job/Berlin/Engineer_R-1",
        "workday",
        "acme",
        WD,
    ),
    ("https://acme.wd5.myworkdayjobs.com/wday/cxs/acme/External/jobs", "workday", "acme", WD),
    ("http://www.jobs.lever.co/acme", "lever", "acme", LEVER),
    ("jobs.lever.co/acme", "lever", "acme", LEVER),
]


@pytest.mark.parametrize(("url", "ats", "board", "endpoint"), SHAPES)
def test_detect_tells_ats_board_and_endpoint(url: str, ats: str, board: str, endpoint: str) -> None:
    assert detect(url) == Target(ats, board, endpoint)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("", "empty URL"),
        ("   ", "empty URL"),
        ("ftp://boards.greenhouse.io/acme", "only http and https URLs can be detected"),
        ("javascript:alert(1)", "only http and https URLs can be detected"),
        ("file:///etc/passwd", "only http and https URLs can be detected"),
        ("not a url at all", "only http and https URLs can be detected"),
        ("https://", "not a URL"),
        ("https://careers.example.com/jobs", UNKNOWN_HOST),
        ("https://boards.greenhouse.io/", "this URL has no Greenhouse board token"),
        ("https://boards.greenhouse.io/embed/job_board", "this URL has no Greenhouse board token"),
        ("https://jobs.lever.co/", "this URL has no Lever site name"),
        (
            "https://acme.wd5.myworkdayjobs.com/",
            "this URL has no Workday career site (https://TENANT.wdN.myworkdayjobs.com/SITE)",
        ),
    ],
)
def test_detect_refuses_with_a_reason(url: str, reason: str) -> None:
    with pytest.raises(DetectError) as exc:
        detect(url)
    assert exc.value.reason == reason


def test_unknown_host_message_suggests_ats_or_jsonld() -> None:
    with pytest.raises(DetectError) as exc:
        detect("https://example.com/careers")
    assert str(exc.value) == (
        'no ATS recognised in this URL; give ats = "..." or use the jsonld format for a '
        "careers page: https://example.com/careers"
    )


def test_resolve_detects_when_no_ats_given() -> None:
    company = Company("Acme", "", "", "https://boards.greenhouse.io/acme")
    assert resolve(company) == Target("greenhouse", "acme", GH)


def test_resolve_takes_a_foreign_host_as_the_endpoint() -> None:
    company = Company("Acme", "lever", "acme", "http://127.0.0.1:8701/v0/postings/acme?mode=json")
    assert resolve(company) == Target(
        "lever", "acme", "http://127.0.0.1:8701/v0/postings/acme?mode=json"
    )


def test_resolve_jsonld_fetches_the_page() -> None:
    company = Company("Acme", "jsonld", "acme", "https://acme.example/careers")
    assert resolve(company) == Target("jsonld", "acme", "https://acme.example/careers")


def test_resolve_with_matching_ats_uses_the_api() -> None:
    company = Company("Acme", "workday", "acme", "https://acme.wd5.myworkdayjobs.com/External")
    assert resolve(company) == Target("workday", "acme", WD)


def test_resolve_refuses_an_ats_that_disagrees_with_the_host() -> None:
    company = Company("Acme", "greenhouse", "acme", "https://jobs.lever.co/acme")
    with pytest.raises(DetectError) as exc:
        resolve(company)
    assert exc.value.reason == "this is a lever URL but the company says ats = 'greenhouse'"


def test_resolve_refuses_an_unknown_ats() -> None:
    with pytest.raises(DetectError) as exc:
        resolve(Company("Acme", "taleo", "acme", "https://acme.example/jobs"))
    assert exc.value.reason.startswith("unknown ats 'taleo'")


@pytest.mark.parametrize(
    ("page", "expected"),
    [
        (
            '<html><body><iframe src="https://boards.greenhouse.io/embed/job_board?for=acme">'
            "</iframe></body></html>",
            Target("greenhouse", "acme", GH),
        ),
        (
            '<html><head><script src="https://boards.greenhouse.io/embed/job_board/js?for=acme">'
            "</script></head><body><div id='grnhse_app'></div></body></html>",
            Target("greenhouse", "acme", GH),
        ),
        (
            '<html><body><a href="/about">About</a><a href="https://jobs.lever.co/acme">'
            "Open roles</a></body></html>",
            Target("lever", "acme", LEVER),
        ),
        (
            "<html><body><script>window.board = {url: 'https://acme.wd5.myworkdayjobs.com/en-US/External'};"
            "</script></body></html>",
            Target("workday", "acme", WD),
        ),
        (
            "<html><body><a href='/careers?gh_jid=4012345'>Engineer</a>"
            "<script>Grnhse.Settings = {boardToken: 'acme'};</script></body></html>",
            Target("greenhouse", "acme", GH),
        ),
        (
            '<html><body><a href="https://acme.jobs.personio.de/job/1">Job</a></body></html>',
            Target("personio", "acme", "https://acme.jobs.personio.de/xml?language=en"),
        ),
    ],
)
def test_detect_in_html_finds_an_embedded_ats(page: str, expected: Target) -> None:
    assert detect_in_html(page, "https://acme.example/careers") == expected


@pytest.mark.parametrize(
    "page",
    [
        "",
        "<html><body><a href='https://www.linkedin.com/company/acme'>LinkedIn</a>"
        "<a href='mailto:jobs@acme.example'>Mail us</a></body></html>",
        "<html><body><a href='/careers?gh_jid=1'>A job without a board token</a></body></html>",
        "\x00\x01 not html",
    ],
)
def test_detect_in_html_returns_none_without_an_ats(page: str) -> None:
    assert detect_in_html(page, "https://acme.example/careers") is None

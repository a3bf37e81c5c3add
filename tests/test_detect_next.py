"""detect() and detect_in_html() for the second ten formats (FORMATS-NEXT.md), offline."""

from __future__ import annotations

import pytest

from scraper.detect import Target, detect, detect_in_html, resolve
from scraper.errors import DetectError
from scraper.models import Company

GEM = "https://api.gem.com/job_board/v0/{}/job_posts/"
PINPOINT = "https://acme.pinpointhq.com/postings.json"
RIPPLING = "https://api.rippling.com/platform/api/ats/v1/board/acme/jobs"

BAMBOO = "https://acme.bamboohr.com/careers/list"
BREEZY = "https://acme.breezy.hr/json"

SHAPES = [
    ("https://acme.bamboohr.com/careers", "bamboohr", "acme", BAMBOO),
    ("https://acme.bamboohr.com/careers/36", "bamboohr", "acme", BAMBOO),
    ("https://acme.bamboohr.com/jobs/embed2.php", "bamboohr", "acme", BAMBOO),
    ("https://acme.teamtailor.com/jobs", "teamtailor", "acme.teamtailor.com", "https://acme.teamtailor.com/jobs.rss"),
    ("https://acme.teamtailor.com/jobs/8115390-sales-assistant", "teamtailor", "acme.teamtailor.com",
     "https://acme.teamtailor.com/jobs.rss"),
    ("https://acme.na.teamtailor.com/jobs", "teamtailor", "acme.na.teamtailor.com",
     "https://acme.na.teamtailor.com/jobs.rss"),
    ("https://acme.breezy.hr/", "breezy", "acme", BREEZY),
    ("https://acme.breezy.hr/p/4f1c2a3b5d6e-senior-backend-engineer", "breezy", "acme", BREEZY),
    ("https://jobs.gem.com/acme", "gem", "acme", GEM.format("acme")),
    ("https://jobs.gem.com/AcmeCo/4965519002", "gem", "AcmeCo", GEM.format("AcmeCo")),
    ("https://api.gem.com/job_board/v0/AcmeCo/job_posts/", "gem", "AcmeCo", GEM.format("AcmeCo")),
    ("https://acme.pinpointhq.com/", "pinpoint", "acme", PINPOINT),
    ("https://acme.pinpointhq.com/en/postings/3f1e2a7c-9b0d", "pinpoint", "acme", PINPOINT),
    ("https://acme.pinpointhq.com/postings.json", "pinpoint", "acme", PINPOINT),
    ("https://ats.rippling.com/acme/jobs", "rippling", "acme", RIPPLING),
    ("https://ats.rippling.com/en-US/acme/jobs", "rippling", "acme", RIPPLING),
    ("https://ats.rippling.com/acme/jobs/3b8d7c21-4f5e-4a6b", "rippling", "acme", RIPPLING),
    ("https://ats.rippling.com/api/v2/board/acme/jobs?page=0", "rippling", "acme", RIPPLING),
    (RIPPLING, "rippling", "acme", RIPPLING),
]


@pytest.mark.parametrize(("url", "ats", "board", "endpoint"), SHAPES)
def test_detect_tells_ats_board_and_endpoint(url: str, ats: str, board: str, endpoint: str) -> None:
    assert detect(url) == Target(ats, board, endpoint)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://jobs.gem.com/", "Gem job board name"),
        ("https://api.rippling.com/platform/api/ats/v1/board/", "Rippling board name"),
    ],
)
def test_detect_refuses_a_board_less_url(url: str, reason: str) -> None:
    with pytest.raises(DetectError, match=reason):
        detect(url)


def test_teamtailor_on_a_custom_domain_is_fetched_as_configured() -> None:
    company = Company("Tibber", "teamtailor", "jobs.tibber.com", "https://jobs.tibber.com/jobs")
    assert resolve(company) == Target("teamtailor", "jobs.tibber.com", "https://jobs.tibber.com/jobs")


@pytest.mark.parametrize("host", ["www.bamboohr.com", "app.breezy.hr", "www.teamtailor.com"])
def test_the_ats_own_site_is_not_a_board(host: str) -> None:
    with pytest.raises(DetectError):
        detect(f"https://{host}/")


def test_an_ats_host_with_a_configured_ats_fetches_its_api() -> None:
    company = Company("Acme", "rippling", "", "https://ats.rippling.com/acme/jobs")
    assert resolve(company) == Target("rippling", "acme", RIPPLING)


@pytest.mark.parametrize(
    ("page", "expected"),
    [
        ('<a href="https://jobs.gem.com/AcmeCo">Open roles</a>', Target("gem", "AcmeCo", GEM.format("AcmeCo"))),
        ('<script src="https://acme.bamboohr.com/js/embed.js" type="text/javascript"></script>'
         '<div id="BambooHR" data-domain="acme.bamboohr.com"></div>', Target("bamboohr", "acme", BAMBOO)),
        ('<a href="https://acme.breezy.hr/p/4f1c2a3b5d6e-x">Engineer</a>', Target("breezy", "acme", BREEZY)),
        ('<iframe src="https://acme.teamtailor.com/jobs"></iframe>',
         Target("teamtailor", "acme.teamtailor.com", "https://acme.teamtailor.com/jobs.rss")),
        ('<iframe src="https://acme.pinpointhq.com/en/postings/x"></iframe>', Target("pinpoint", "acme", PINPOINT)),
        ("<script>var board = 'https://ats.rippling.com/acme/jobs';</script>", Target("rippling", "acme", RIPPLING)),
    ],
)
def test_detect_in_html_finds_an_embedded_board(page: str, expected: Target) -> None:
    assert detect_in_html(f"<html><body>{page}</body></html>", "https://acme.example/careers") == expected

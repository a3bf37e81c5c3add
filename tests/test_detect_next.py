"""detect() and detect_in_html() for the second ten formats (FORMATS-NEXT.md), offline."""

from __future__ import annotations

import pytest

from scraper.detect import Target, detect, detect_in_html, resolve
from scraper.errors import DetectError
from scraper.models import Company

GEM = "https://api.gem.com/job_board/v0/{}/job_posts/"
PINPOINT = "https://acme.pinpointhq.com/postings.json"
RIPPLING = "https://api.rippling.com/platform/api/ats/v1/board/acme/jobs"

SHAPES = [
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


def test_an_ats_host_with_a_configured_ats_fetches_its_api() -> None:
    company = Company("Acme", "rippling", "", "https://ats.rippling.com/acme/jobs")
    assert resolve(company) == Target("rippling", "acme", RIPPLING)


@pytest.mark.parametrize(
    ("page", "expected"),
    [
        ('<a href="https://jobs.gem.com/AcmeCo">Open roles</a>', Target("gem", "AcmeCo", GEM.format("AcmeCo"))),
        ('<iframe src="https://acme.pinpointhq.com/en/postings/x"></iframe>', Target("pinpoint", "acme", PINPOINT)),
        ("<script>var board = 'https://ats.rippling.com/acme/jobs';</script>", Target("rippling", "acme", RIPPLING)),
    ],
)
def test_detect_in_html_finds_an_embedded_board(page: str, expected: Target) -> None:
    assert detect_in_html(f"<html><body>{page}</body></html>", "https://acme.example/careers") == expected

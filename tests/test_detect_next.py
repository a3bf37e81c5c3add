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

ORACLE_HOST = "ebuu.fa.ap1.oraclecloud.com"
ORACLE = (f"https://{ORACLE_HOST}/hcmRestApi/resources/latest/recruitingCEJobRequisitions?onlyData=true"
          "&expand=requisitionList.secondaryLocations&finder=findReqs;siteNumber={},limit=100,offset=0,"
          "sortBy=POSTING_DATES_DESC")  # fmt: skip
ICIMS = "https://careers-acme.icims.com/jobs/search?ss=1&in_iframe=1"
JAZZ = "https://acme.applytojob.com/apply/jobs"

SHAPES = [
    ("https://join.com/companies/acme-mobility", "join", "acme-mobility", "https://join.com/companies/acme-mobility"),
    ("https://join.com/companies/acme-mobility/9123001-senior-frontend-engineer", "join", "acme-mobility",
     "https://join.com/companies/acme-mobility"),
    ("https://join.com/api/public/companies/104233/jobs?page=2", "join", "104233",
     "https://join.com/api/public/companies/104233/jobs"),
    ("https://acme.applytojob.com/apply", "jazzhr", "acme", JAZZ),
    ("https://acme.applytojob.com/apply/jobs/details/hKQA66W5Ad", "jazzhr", "acme", JAZZ),
    ("https://acme.applytojob.com/apply/hKQA66W5Ad/Controls-Engineer", "jazzhr", "acme", JAZZ),
    ("https://careers-acme.icims.com/jobs/search?ss=1", "icims", "careers-acme", ICIMS),
    ("https://careers-acme.icims.com/jobs/4321/senior-accountant/job", "icims", "careers-acme", ICIMS),
    ("https://uscareers-acme.icims.com/jobs/intro", "icims", "uscareers-acme", ICIMS.replace("careers-", "uscareers-")),
    (f"https://{ORACLE_HOST}/hcmUI/CandidateExperience/en/sites/CX_1/jobs", "oracle", f"{ORACLE_HOST}/CX_1",
     ORACLE.format("CX_1")),
    (f"https://{ORACLE_HOST}/hcmUI/CandidateExperience/en/sites/Mayo-US/job/2028", "oracle",
     f"{ORACLE_HOST}/Mayo-US", ORACLE.format("Mayo-US")),
    (ORACLE.format("CX_2"), "oracle", f"{ORACLE_HOST}/CX_2", ORACLE.format("CX_2")),
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
        ("https://join.com/", "JOIN company"),
        (f"https://{ORACLE_HOST}/hcmUI/CandidateExperience/en/sites/", "Oracle career site"),
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
        ('<iframe src="https://careers-acme.icims.com/jobs/search?ss=1&in_iframe=1"></iframe>',
         Target("icims", "careers-acme", ICIMS)),
        ('<a href="https://acme.applytojob.com/apply">Careers</a>', Target("jazzhr", "acme", JAZZ)),
        ('<a href="https://join.com/companies/acme-mobility">Jobs on JOIN</a>',
         Target("join", "acme-mobility", "https://join.com/companies/acme-mobility")),
        ('<iframe src="https://acme.teamtailor.com/jobs"></iframe>',
         Target("teamtailor", "acme.teamtailor.com", "https://acme.teamtailor.com/jobs.rss")),
        ('<iframe src="https://acme.pinpointhq.com/en/postings/x"></iframe>', Target("pinpoint", "acme", PINPOINT)),
        ("<script>var board = 'https://ats.rippling.com/acme/jobs';</script>", Target("rippling", "acme", RIPPLING)),
    ],
)
def test_detect_in_html_finds_an_embedded_board(page: str, expected: Target) -> None:
    assert detect_in_html(f"<html><body>{page}</body></html>", "https://acme.example/careers") == expected

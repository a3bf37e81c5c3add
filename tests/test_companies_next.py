"""The Companies page's paste box takes the careers URLs of the second ten formats."""

from __future__ import annotations

import app.companies as co

CAREERS = [
    ("https://acme.bamboohr.com/careers", "bamboohr", "acme"),
    ("https://join.com/companies/acme-mobility", "join", "acme-mobility"),
    ("https://acme.applytojob.com/apply", "jazzhr", "acme"),
    ("https://careers-acme.icims.com/jobs/search", "icims", "careers-acme"),
    ("https://acme.teamtailor.com/jobs", "teamtailor", "acme.teamtailor.com"),
    ("https://acme.breezy.hr/", "breezy", "acme"),
    ("https://acme.pinpointhq.com/", "pinpoint", "acme"),
    ("https://ebuu.fa.ap1.oraclecloud.com/hcmUI/CandidateExperience/en/sites/CX_1/jobs", "oracle",
     "ebuu.fa.ap1.oraclecloud.com/CX_1"),
    ("https://ats.rippling.com/acme/jobs", "rippling", "acme"),
    ("https://jobs.gem.com/AcmeCo", "gem", "AcmeCo"),
]


def test_paste_accepts_the_careers_url_of_every_new_format() -> None:
    entries = co.parse_paste("\n".join(url for url, _, _ in CAREERS))
    assert [(e.company.ats, e.company.board) if e.company else e.message for e in entries] == [
        (ats, board) for _, ats, board in CAREERS
    ]
    assert all(e.company and e.company.url == url for e, (url, _, _) in zip(entries, CAREERS, strict=True))

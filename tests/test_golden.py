"""Golden files: every ``tests/fixtures/<format>/<case>.expected.json`` against its payload.

The payload is the sibling with the same stem and any other extension (.json, .xml, .html).
The expected file holds ``{"board", "url", "now", "jobs": [Job.to_dict(), ...]}``, or, for a
payload the parser must refuse (an unknown board's answer), ``"error"``: a part of the
ParseError's message instead of ``"jobs"``.

To draft an expected file for a new payload (then check every value by hand):
``python -m tests.test_golden tests/fixtures/lever/new_case.json --board acme``
"""

from __future__ import annotations

import argparse
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from scraper.boards import parse
from scraper.errors import ParseError

FIXTURES = Path(__file__).parent / "fixtures"
EXPECTED_SUFFIX = ".expected.json"


def payload_path(expected: Path) -> Path:
    """The payload beside ``<case>.expected.json``: ``<case>.<ext>``."""
    stem = expected.name[: -len(EXPECTED_SUFFIX)]
    found = [p for p in expected.parent.glob(f"{stem}.*") if p != expected and p.stem == stem]
    assert len(found) == 1, f"{expected}: expected one payload named {stem}.*, found {found}"
    return found[0]


def parse_case(fmt: str, payload: Path, board: str, url: str, now: str | None) -> list[dict[str, Any]]:
    when = datetime.fromisoformat(now) if now else None
    jobs = parse(fmt, payload.read_bytes(), board=board, url=url, now=when)
    return [job.to_dict() for job in jobs]


CASES = sorted(FIXTURES.glob(f"*/*{EXPECTED_SUFFIX}"))
REFUSED = [p for p in CASES if "error" in json.loads(p.read_text(encoding="utf-8"))]
PARSED = [p for p in CASES if p not in REFUSED]


@pytest.mark.parametrize("expected_path", REFUSED, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_payload_is_refused_with_a_reason(expected_path: Path) -> None:
    expected = json.loads(expected_path.read_text(encoding="utf-8"))
    with pytest.raises(ParseError) as caught:
        parse_case(expected_path.parent.name, payload_path(expected_path), expected["board"],
                   expected["url"], expected["now"])
    assert expected["error"] in str(caught.value)


@pytest.mark.parametrize("expected_path", PARSED, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_payload_parses_to_golden_jobs(expected_path: Path) -> None:
    expected = json.loads(expected_path.read_text(encoding="utf-8"))
    jobs = parse_case(
        expected_path.parent.name,
        payload_path(expected_path),
        expected["board"],
        expected["url"],
        expected["now"],
    )
    assert jobs == expected["jobs"]


PLACEHOLDERS = {"", "n/a", "na", "none", "null", "undefined", "unavailable", "unknown", "{}", "[]", "nan", "-"}


def _is_blank(text: str) -> bool:
    return text.strip(" \t\r\n\u00a0\u200b\u200c\u200d\u2060\ufeff").lower() in PLACEHOLDERS


@pytest.mark.parametrize("expected_path", PARSED, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_missing_data_is_null_never_blank_or_placeholder(expected_path: Path) -> None:
    """DESIGN.md: missing data is null, never "N/A" or "" (nor whitespace, nor "{}")."""
    expected = json.loads(expected_path.read_text(encoding="utf-8"))
    jobs = parse_case(expected_path.parent.name, payload_path(expected_path), expected["board"],
                      expected["url"], expected["now"])
    blank = [
        (job["external_id"], name, value)
        for job in jobs
        for name, value in job.items()
        if (isinstance(value, str) and _is_blank(value))
        or (isinstance(value, list) and any(not isinstance(v, str) or _is_blank(v) for v in value))
    ]
    assert blank == []
    # Markup with no text in it is no description either.
    assert [j["external_id"] for j in jobs if j["description_html"] and not j["description_text"]] == []


def test_every_format_with_fixtures_has_golden_cases() -> None:
    payloads = {p.parent.name for p in FIXTURES.glob("*/*") if not p.name.endswith(EXPECTED_SUFFIX)}
    assert payloads <= {p.parent.name for p in CASES}


def _draft() -> None:
    """Write ``<case>.expected.json`` drafts from what the parser returns today."""
    cli = argparse.ArgumentParser(description=_draft.__doc__)
    cli.add_argument("payloads", nargs="+", type=Path)
    cli.add_argument("--board", required=True)
    cli.add_argument("--url", default=None)
    cli.add_argument("--now", default=None)
    args = cli.parse_args()
    for payload in args.payloads:
        fmt = payload.parent.name
        url = args.url or f"https://example.test/{fmt}/{args.board}"
        doc: dict[str, Any] = {"board": args.board, "url": url, "now": args.now}
        try:
            doc["jobs"] = jobs = parse_case(fmt, payload, args.board, url, args.now)
        except ParseError as exc:
            doc["error"], jobs = exc.reason, []
        target = payload.with_name(payload.stem + EXPECTED_SUFFIX)
        target.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"wrote {target} ({len(jobs)} jobs)")


if __name__ == "__main__":
    _draft()

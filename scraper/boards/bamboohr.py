"""BambooHR careers API: the list ``{slug}.bamboohr.com/careers/list`` -> ``{"meta":
{"totalCount"}, "result": [...]}`` and one opening's detail ``/careers/{id}/detail`` ->
``{"result": {"jobOpening": {...}}}``.

The list has no description, date, URL or pay: the detail adds them. Work mode is
``locationType`` ("0" on-site, "1" remote, "2" hybrid; ``isRemote`` is null in practice);
``location`` and ``atsLocation`` are alternates (one is filled). An unknown board answers
200 with BambooHR's HTML home page: refused here as not a board. Uncertain (adapter code
only): ``compensation``, read as display text or as ``{minValue, maxValue, currency}``.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from scraper.errors import ParseError
from scraper.models import Job
from scraper.normalize import (
    description_fields,
    http_url,
    identity,
    load_json,
    records,
    salary_fields,
    structured_salary,
    text_of,
    to_utc_iso,
    unique,
    workplace_from_flags,
)

SOURCE = "bamboohr"
NOT_A_BOARD = "an HTML page, not a board (BambooHR answers an unknown board with its home page)"
_WORKPLACES = {"0": "onsite", "1": "remote", "2": "hybrid"}
_OPENING_ID = re.compile(r"/careers/(\d+)(?:/detail)?/?$")


def parse(payload: Any, *, board: str, url: str, now: datetime | None = None) -> list[Job]:
    """The openings of a board list, or the one opening of a detail."""
    if _looks_like_html(payload):
        raise ParseError(SOURCE, NOT_A_BOARD)
    data = load_json(payload, SOURCE)
    result = data.get("result") if isinstance(data, dict) else None
    if isinstance(result, dict) and isinstance(result.get("jobOpening"), dict):
        return [_detail(result["jobOpening"], board, url)]
    if result is None:
        raise ParseError(SOURCE, f'expected an object with "result" ({text_of(_get(data, "title")) or "no result"})')
    return [_listed(raw, i, board) for i, raw in enumerate(records(result, SOURCE, "openings"))]


def _looks_like_html(payload: object) -> bool:
    if isinstance(payload, bytes | bytearray):
        head = bytes(payload[:200]).lstrip().lower()
        return head.startswith((b"<!doctype", b"<html", b"<"))
    return isinstance(payload, str) and payload.lstrip()[:1] == "<"


def _get(value: object, key: str) -> object:
    return value.get(key) if isinstance(value, dict) else None


def _place(raw: dict[str, Any]) -> str | None:
    """'City, State, Country' from ``location`` or, when that is empty, ``atsLocation``."""
    for key in ("location", "atsLocation"):
        loc = raw.get(key)
        if not isinstance(loc, dict):
            continue
        parts = [text_of(loc.get(k)) for k in ("city", "state", "province")]
        country = text_of(loc.get("addressCountry")) or text_of(loc.get("country"))
        found = unique([*parts, country])
        if found:
            return ", ".join(found)
    return None


def _workplace(raw: dict[str, Any]) -> str | None:
    declared = _WORKPLACES.get(text_of(raw.get("locationType")) or "")
    return declared or workplace_from_flags(remote=raw.get("isRemote"))


def _fields(raw: dict[str, Any]) -> dict[str, Any]:
    location = _place(raw)
    return {
        "location": location,
        "locations": unique([location]),
        "workplace": _workplace(raw),
        "department": text_of(raw.get("departmentLabel")),
        "employment_type": text_of(raw.get("employmentStatusLabel")) or text_of(raw.get("employmentType")),
    }


def _listed(raw: dict[str, Any], index: int, board: str) -> Job:
    external_id, title = identity(raw, index, SOURCE, "id", "jobOpeningName")
    url = f"https://{board}.bamboohr.com/careers/{external_id}"
    return Job(source=SOURCE, board=board, external_id=external_id, title=title, company=None, url=url,
               **_fields(raw))  # fmt: skip


def _pay(value: object) -> tuple[Any, str | None]:
    """(structured Salary or None, display text or None) of ``compensation``."""
    if isinstance(value, dict):
        low, high = value.get("minValue", value.get("min")), value.get("maxValue", value.get("max"))
        return structured_salary(low, high, value.get("currency"), value.get("unitText") or value.get("period")), None
    return None, text_of(value)


def _detail(raw: dict[str, Any], board: str, url: str) -> Job:
    share = http_url(raw.get("jobOpeningShareUrl"))
    found = _OPENING_ID.search((share or url).split("?", 1)[0]) or _OPENING_ID.search(url.split("?", 1)[0])
    title = text_of(raw.get("jobOpeningName"))
    if found is None or title is None:
        raise ParseError(SOURCE, "the opening has no id in its share URL or the request URL, or no name")
    external_id = found.group(1)
    description = description_fields(text_of(raw.get("description")))
    structured, text = _pay(raw.get("compensation"))
    return Job(
        source=SOURCE,
        board=board,
        external_id=external_id,
        title=title,
        company=None,
        url=share or f"https://{board}.bamboohr.com/careers/{external_id}",
        posted_at=to_utc_iso(raw.get("datePosted")),
        **_fields(raw),
        **salary_fields(structured, text, description["description_text"]),
        **description,
    )

"""Shared normalisation: dates, workplace, locations, text cleaning, HTML to text, sanitizing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from scraper.errors import ParseError
from scraper.normalize import (
    clean,
    description_fields,
    html_to_text,
    http_url,
    load_json,
    sanitize_html,
    split_locations,
    to_utc_iso,
    unescape_html,
    unique,
    workplace_from_flags,
    workplace_from_text,
)

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1790347500000, "2026-09-25T14:45:00Z"),  # epoch ms (Lever createdAt)
        ("1790347500000", "2026-09-25T14:45:00Z"),  # epoch ms as a numeric string
        (1790347500, "2026-09-25T14:45:00Z"),  # epoch seconds
        ("2026-09-25T16:45:00-04:00", "2026-09-25T20:45:00Z"),  # ISO with offset
        ("2026-09-25T20:45:00.123Z", "2026-09-25T20:45:00Z"),  # ISO Z with ms
        ("2026-09-26T01:15:00+05:30", "2026-09-25T19:45:00Z"),
        ("2026-09-25 15:46:07 UTC", "2026-09-25T15:46:07Z"),  # Recruitee
        ("2026-08-07", "2026-08-07T00:00:00Z"),  # date only
        ("2026-09-25T15:46:07", "2026-09-25T15:46:07Z"),  # no timezone: UTC
        ("  2026-09-25T15:46:07Z \n", "2026-09-25T15:46:07Z"),
        (datetime(2026, 9, 25, 12, 0, tzinfo=timezone(timedelta(hours=2))), "2026-09-25T10:00:00Z"),
        ("Posted Today", "2026-11-28T00:00:00Z"),
        ("Posted Yesterday", "2026-11-27T00:00:00Z"),
        ("Posted 3 Days Ago", "2026-11-25T00:00:00Z"),
        ("Posted 30+ Days Ago", None),  # a lower bound, not a date (issue 17)
        ("posted 1 day ago", "2026-11-27T00:00:00Z"),
        ("Posted 30+ days ago", None),
        ("2026-09-25T16:45:00.123456-04:00", "2026-09-25T20:45:00Z"),  # microseconds, offset
        ("2026-09-25 15:46:07", "2026-09-25T15:46:07Z"),  # space, no timezone: UTC
        ("2026-09-25T15:46", "2026-09-25T15:46:00Z"),
        (1790347500.75, "2026-09-25T14:45:00Z"),  # fractional epoch seconds
        (1790347500000000, "2026-09-25T14:45:00Z"),  # epoch microseconds
        ("1790347500", "2026-09-25T14:45:00Z"),  # epoch seconds as text: not 1970
        (631152000, "1990-01-01T00:00:00Z"),  # the earliest date we believe
        ("2028-11-27T00:00:00Z", "2028-11-27T00:00:00Z"),  # within two years of now
    ],
)
def test_date_shapes_become_utc_iso(value: object, expected: str) -> None:
    assert to_utc_iso(value, now=NOW) == expected


@pytest.mark.parametrize(
    "value",
    ["", "   ", "N/A", "not a date", "2026-13-45", "0001-01-01", "Posted Someday", "99999999999999999999",
     None, True, 0, -1, float("nan"), float("inf"), 10**30, [], {}, "Posted 99999999 Days Ago",
     # placeholders far in the past or future: an epoch-0 date, 1900, "2099-12-31"
     "1970-01-01T00:00:00Z", 2026, 86_400_000, "1900-01-01", "1989-12-31T23:59:59Z",
     "2099-12-31", "2029-01-01", 4102444800000],
)
def test_garbage_dates_are_none(value: object) -> None:
    assert to_utc_iso(value, now=NOW) is None


def test_far_future_is_judged_against_the_real_clock_without_now() -> None:
    next_year = datetime.now(UTC).year + 1
    assert to_utc_iso(f"{next_year}-01-01") == f"{next_year}-01-01T00:00:00Z"
    assert to_utc_iso(f"{next_year + 3}-01-01") is None


def test_relative_date_without_now_uses_today() -> None:
    today = datetime.now(UTC).strftime("%Y-%m-%dT00:00:00Z")
    assert to_utc_iso("Posted Today") == today


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        (("Remote",), "remote"),
        (("Remote - US",), "remote"),
        (("Anywhere",), "remote"),
        (("US-Remote (Eastern time)",), "remote"),
        (("Hybrid",), "hybrid"),
        (("New York (Hybrid)",), "hybrid"),
        (("On-site",), "onsite"),
        (("Onsite",), "onsite"),
        (("In office",), "onsite"),
        (("on_site",), "onsite"),
        (("Not remote - Boston",), "onsite"),
        (("Berlin, Germany",), None),
        (("unspecified",), None),
        ((None, "", "Remote"), "remote"),
        (("Hybrid", "Remote"), "hybrid"),
        ((), None),
    ],
)
def test_workplace_from_text(texts: tuple[str | None, ...], expected: str | None) -> None:
    assert workplace_from_text(*texts) == expected


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        ({"remote": True}, "remote"),
        ({"remote": "true"}, "remote"),
        ({"remote": 1}, "remote"),
        ({"remote": True, "hybrid": True}, "hybrid"),
        ({"remote": False, "hybrid": False, "onsite": True}, "onsite"),
        ({"remote": False}, None),
        ({"remote": None, "hybrid": "false"}, None),
        ({}, None),
    ],
)
def test_workplace_from_flags(flags: dict[str, object], expected: str | None) -> None:
    assert workplace_from_flags(**flags) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("  Senior  Engineer \n", "Senior Engineer"),
        ("", None),
        ("   ", None),
        ("N/A", None),
        ("UNAVAILABLE", None),
        ("null", None),
        ("None", None),
        ("-", None),
        ("{}", None),
        ("NaN", None),
        ("TBA", None),
        (" \u200b ", None),
        ("\ufeff", None),
        ("\ufeffAcme GmbH\u200b", "Acme GmbH"),
        ("Dev 👩\u200d💻", "Dev 👩\u200d💻"),
        (None, None),
        (4012345006, "4012345006"),
        (True, None),
        ({"name": "x"}, None),
    ],
)
def test_clean(value: object, expected: str | None) -> None:
    assert clean(value) == expected


def test_unique_keeps_first_spelling_in_order() -> None:
    assert unique(["Berlin", None, " berlin ", "N/A", "Paris", "Berlin"]) == ("Berlin", "Paris")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Seattle, San Francisco, New York City", ("Seattle", "San Francisco", "New York City")),
        ("San Francisco, CA", ("San Francisco, CA",)),
        ("Berlin, Germany", ("Berlin, Germany",)),
        ("Austin, TX; Remote, US", ("Austin, TX", "Remote, US")),
        ("London | Dublin", ("London", "Dublin")),
        ("Seattle, WA (Hybrid)", ("Seattle, WA (Hybrid)",)),
        ("Paris (Hybrid), Berlin", ("Paris (Hybrid)", "Berlin")),
        ("", ()),
        (None, ()),
    ],
)
def test_split_locations(text: str | None, expected: tuple[str, ...]) -> None:
    assert split_locations(text) == expected


def test_greenhouse_content_unescapes_once_then_nbsp_becomes_a_space() -> None:
    escaped = "&lt;h2&gt;About&lt;/h2&gt;&lt;p&gt;Hello&amp;nbsp;world &amp;amp; friends&lt;/p&gt;"
    html = unescape_html(escaped)
    assert html == "<h2>About</h2><p>Hello&nbsp;world &amp; friends</p>"
    assert html_to_text(html) == "About\nHello world & friends"


def test_html_to_text_breaks_lines_at_blocks_and_collapses_whitespace() -> None:
    html = (
        "<div>Intro   text\n   over lines</div><ul><li>One</li><li>Two<br>and a half</li></ul>"
        "<p>Inline <b>bold</b> and <a href='#'>link</a>.</p><p>  </p><table><tr><td>A</td></tr></table>"
    )
    assert html_to_text(html) == "Intro text over lines\nOne\nTwo\nand a half\nInline bold and link.\nA"


def test_html_to_text_drops_script_style_and_comments() -> None:
    html = "<p>Keep</p><script>var x = 1;</script><style>p {}</style><!-- note --><p>this</p>"
    assert html_to_text(html) == "Keep\nthis"


@pytest.mark.parametrize("html", [None, "", "   ", "<p> </p>", "<div><br></div>", "<script>x()</script>"])
def test_html_to_text_of_nothing_is_none(html: str | None) -> None:
    assert html_to_text(html) is None


def test_html_to_text_survives_plain_text_and_odd_input() -> None:
    assert html_to_text("Just words & more") == "Just words & more"
    assert html_to_text('<?xml version="1.0" encoding="utf-8"?><p>x</p>') == "x"
    assert html_to_text("a\x00b \ud800<p>c</p>") == "ab\nc"


def test_sanitize_removes_script_event_handlers_and_javascript_urls() -> None:
    html = (
        '<p onclick="steal()">Hi<script>alert(1)</script></p>'
        '<img src="x" onerror="alert(2)">'
        '<a href="javascript:alert(3)">bad</a>'
        '<a href="JaVaScRiPt:alert(4)">worse</a>'
        '<iframe src="https://evil.example"></iframe><style>body{}</style>'
    )
    assert sanitize_html(html) == (
        "<p>Hi</p>"
        '<a rel="noopener noreferrer nofollow">bad</a>'
        '<a rel="noopener noreferrer nofollow">worse</a>'
    )


def test_sanitize_keeps_formatting_and_safe_links() -> None:
    html = (
        '<h2>Role</h2><p><strong>Bold</strong> <em>it</em></p><ul><li>x</li></ul>'
        '<a href="https://ex.example/a" target="_blank" class="c">web</a>'
        '<a href="mailto:jobs@ex.example">mail</a><a href="ftp://ex.example">ftp</a>'
    )
    assert sanitize_html(html) == (
        "<h2>Role</h2><p><strong>Bold</strong> <em>it</em></p><ul><li>x</li></ul>"
        '<a href="https://ex.example/a" rel="noopener noreferrer nofollow">web</a>'
        '<a href="mailto:jobs@ex.example" rel="noopener noreferrer nofollow">mail</a>'
        '<a rel="noopener noreferrer nofollow">ftp</a>'
    )


@pytest.mark.parametrize("html", [None, "", "  ", "<script>alert(1)</script>"])
def test_sanitize_of_nothing_is_none(html: str | None) -> None:
    assert sanitize_html(html) is None


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        ('{"jobs": [1,', "invalid JSON at line 1 column 13: Expecting value"),
        ("{\n  oops", "invalid JSON at line 2 column 3: Expecting property name enclosed in double quotes"),
        (b"\xff\xfe\x00garbage", "payload is not UTF-8 text (byte 0)"),
        (12, "expected JSON text, got int"),
        ("[" * 100_000, "JSON nested too deeply"),
    ],
)
def test_load_json_errors_name_the_problem(payload: object, reason: str) -> None:
    with pytest.raises(ParseError) as caught:
        load_json(payload, "lever")
    assert (caught.value.source, caught.value.reason) == ("lever", reason)


def test_load_json_accepts_bytes_with_bom_and_decoded_values() -> None:
    assert load_json('\ufeff{"a": 1}'.encode(), "x") == {"a": 1}
    assert load_json([{"a": 1}], "x") == [{"a": 1}]


@pytest.mark.parametrize(
    ("value", "base", "expected"),
    [
        ("https://boards.greenhouse.io/acme/jobs/1", None, "https://boards.greenhouse.io/acme/jobs/1"),
        ("  http://acme.example/jobs/1?a=b#c \n", None, "http://acme.example/jobs/1?a=b#c"),
        ("HTTPS://Acme.example/x", None, "HTTPS://Acme.example/x"),
        ("https://acme.example/open roles/1", None, "https://acme.example/open%20roles/1"),
        ("/jobs/1", "https://acme.example/careers/", "https://acme.example/jobs/1"),
        ("jobs/1", "https://acme.example/careers/", "https://acme.example/careers/jobs/1"),
        ("/jobs/1", None, None),
        ("/jobs/1", "file:///tmp/page.html", None),
        ("javascript:alert(1)", None, None),
        ("javascript:alert(1)", "https://acme.example/", None),
        (" JaVaScRiPt:alert(1)", "https://acme.example/", None),
        ("java\tscript:alert(1)", "https://acme.example/", None),
        ("java\nscript:alert(1)", None, None),
        ("data:text/html;base64,PHNjcmlwdD4=", None, None),
        ("vbscript:msgbox(1)", None, None),
        ("mailto:jobs@acme.example", None, None),
        ("ftp://acme.example/jobs", None, None),
        ("file:///etc/passwd", None, None),
        ("https:///no-host", None, None),
        ("http://[::1", None, None),
        ("", "https://acme.example/", None),
        ("   ", None, None),
        (None, None, None),
        (12, None, None),
        ("https://acme.example/" + "x" * 3000, None, None),
    ],
)
def test_http_url_keeps_only_absolute_http_urls(value: object, base: str | None, expected: str | None) -> None:
    assert http_url(value, base) == expected


@pytest.mark.parametrize("html", ["<p> </p>", "<p>&nbsp;</p>", "<div><br></div>", "<p>\u200b\ufeff</p>", "<script>x</script>"])
def test_description_markup_without_text_is_null(html: str) -> None:
    assert description_fields(html) == {"description_text": None, "description_html": None}


def test_description_falls_back_to_plain_text_without_keeping_empty_markup() -> None:
    assert description_fields("<p> </p>", "Drive trucks.\nNights.") == {
        "description_text": "Drive trucks.\nNights.",
        "description_html": None,
    }

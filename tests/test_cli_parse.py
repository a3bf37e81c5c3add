"""`jobscraper parse` and `jobscraper detect` through app.cli.main, offline."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from app.cli import main

FIXTURES = Path(__file__).parent / "fixtures"
EXPECTED_SUFFIX = ".expected.json"
# Golden cases without a reference time: the CLI has no --now, so relative dates would move.
CASES = sorted(
    p
    for p in FIXTURES.glob(f"*/*{EXPECTED_SUFFIX}")
    if json.loads(p.read_text(encoding="utf-8"))["now"] is None
)


def payload_of(expected: Path) -> Path:
    stem = expected.name[: -len(EXPECTED_SUFFIX)]
    return next(p for p in expected.parent.glob(f"{stem}.*") if p != expected and p.stem == stem)


def run_parse(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[Any], str]:
    code = main(["parse", *argv])
    out, err = capsys.readouterr()
    return code, [json.loads(line) for line in out.splitlines()], err


@pytest.mark.parametrize("expected_path", CASES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_parse_prints_the_golden_jobs_as_json_lines(
    expected_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    expected = json.loads(expected_path.read_text(encoding="utf-8"))
    fmt, payload = expected_path.parent.name, payload_of(expected_path)
    argv = [fmt, str(payload), "--board", expected["board"], "--url", expected["url"]]
    if "error" in expected:  # a payload the parser refuses: one line on stderr, exit 1
        code, jobs, err = run_parse(capsys, *argv)
        assert (code, jobs, err.count("\n")) == (1, [], 1) and expected["error"] in err
        return
    # An empty board is valid; saying so on stderr tells it from a wrong FORMAT (issue 11).
    quiet = "" if expected["jobs"] else f"jobscraper parse: no job postings found in {payload} (as {fmt})\n"
    assert run_parse(capsys, *argv) == (0, expected["jobs"], quiet)


def test_parse_defaults_board_to_the_file_name(capsys: pytest.CaptureFixture[str]) -> None:
    code, jobs, _ = run_parse(capsys, "recruitee", str(FIXTURES / "recruitee" / "board.json"))
    assert (code, [j["board"] for j in jobs]) == (0, ["board", "board", "board"])
    assert jobs[2]["url"] == "https://board.recruitee.com/o/working-student-marketing"


def test_parse_workday_list_and_detail_share_external_ids(
    capsys: pytest.CaptureFixture[str],
) -> None:
    endpoint = "https://northwind.wd5.myworkdayjobs.com/wday/cxs/northwind/External"
    _, listed, _ = run_parse(
        capsys, "workday", str(FIXTURES / "workday" / "list.json"), "--url", endpoint + "/jobs"
    )
    details = []
    for case, path in [
        ("detail", "/job/Chicago-IL/Supply-Chain-Analyst_R-104198"),
        ("detail_remote", "/job/Remote-USA/Customer-Support-Specialist_JR0019876"),
        ("detail_no_req", "/job/London/Graduate-Programme-2027"),
    ]:
        payload = str(FIXTURES / "workday" / f"{case}.json")
        _, jobs, _ = run_parse(capsys, "workday", payload, "--url", endpoint + path)
        details.extend(jobs)
    by_id = {j["external_id"]: j["url"] for j in listed}
    assert {j["external_id"]: j["url"] for j in details} == {
        "R-104198": by_id["R-104198"],
        "JR0019876": by_id["JR0019876"],
        "/job/London/Graduate-Programme-2027": by_id["/job/London/Graduate-Programme-2027"],
    }


@pytest.mark.parametrize(
    ("fmt", "content", "reason"),
    [
        (
            "recruitee",
            '{"offers": [}',
            "recruitee: invalid JSON at line 1 column 13: Expecting value",
        ),
        ("recruitee", '{"jobs": []}', 'recruitee: expected an object with "offers"'),
        (
            "smartrecruiters",
            "[1, 2",
            "smartrecruiters: invalid JSON at line 1 column 6: Expecting ',' delimiter",
        ),
        (
            "workday",
            '{"total": 3}',
            'workday: expected an object with "jobPostings" or "jobPostingInfo"',
        ),
        (
            "personio",
            "<workzag-jobs><position>",
            "personio: invalid XML at line 1 column 25: Premature end of data in tag position line 1",
        ),
        ("personio", "<jobs/>", "personio: expected <workzag-jobs> XML, got <jobs>"),
        ("personio", "", "personio: expected <workzag-jobs> XML, got an empty payload"),
        ("jsonld", "  \n", "jsonld: expected an HTML page, got an empty payload"),
        ("jsonld", "<!-- nothing -->", "jsonld: not readable as HTML (Document is empty)"),
    ],
)
def test_parse_unreadable_input_is_one_stderr_line_and_exit_1(
    fmt: str, content: str, reason: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "payload"
    path.write_text(content, encoding="utf-8")
    assert run_parse(capsys, fmt, str(path)) == (1, [], f"jobscraper parse: {path}: {reason}\n")


def test_parse_missing_file_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "absent.json"
    code, jobs, err = run_parse(capsys, "recruitee", str(path))
    assert (code, jobs, err) == (
        1,
        [],
        f"jobscraper parse: cannot read {path}: No such file or directory\n",
    )


def test_detect_prints_ats_board_and_endpoint(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["detect", "https://acme.wd5.myworkdayjobs.com/en-US/External"])
    assert (code, capsys.readouterr()) == (
        0,
        (
            "ats: workday\nboard: acme\n"
            "endpoint: https://acme.wd5.myworkdayjobs.com/wday/cxs/acme/External/jobs\n",
            "",
        ),
    )


def test_detect_unknown_host_exits_1_with_the_reason(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["detect", "https://careers.example.com/jobs"])
    assert (code, capsys.readouterr()) == (
        1,
        (
            "",
            'jobscraper detect: no ATS recognised in this URL; give ats = "..." or use the '
            "jsonld format for a careers page: https://careers.example.com/jobs\n",
        ),
    )


def test_detect_refuses_other_schemes(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["detect", "ftp://boards.greenhouse.io/acme"])
    assert (code, capsys.readouterr().err) == (
        1,
        "jobscraper detect: only http and https URLs can be detected: ftp://boards.greenhouse.io/acme\n",
    )


def test_detect_html_finds_the_embedded_board(capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 17: `detect --html FILE` uses detect_in_html on a saved careers page."""
    page = FIXTURES / "jsonld" / "careers_embedded_board.html"
    assert main(["detect", "--html", str(page)]) == 0
    assert capsys.readouterr() == (
        "ats: greenhouse\nboard: marlowrobotics\nendpoint: https://boards-api.greenhouse.io"
        "/v1/boards/marlowrobotics/jobs?content=true&pay_transparency=true\n",
        "",
    )


def test_detect_html_resolves_links_against_url(capsys: pytest.CaptureFixture[str]) -> None:
    page = FIXTURES / "jsonld" / "careers_relative_embed.html"
    assert main(["detect", "--html", str(page)]) == 1  # "//jobs.eu.lever.co/..." needs a base
    assert capsys.readouterr().err == (
        f"jobscraper detect: no board of a known ATS linked or embedded in {page}\n"
    )
    assert main(["detect", "--html", str(page), "--url", "https://marlow.example/fr/carrieres"]) == 0
    assert capsys.readouterr().out == (
        "ats: lever\nboard: marlow-eu\nendpoint: https://api.eu.lever.co/v0/postings/marlow-eu?mode=json\n"
    )


def test_detect_html_finds_an_api_on_the_pages_own_host(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "careers.html"
    page.write_text('<a href="/v1/boards/acme/jobs?content=true">All jobs (JSON)</a>', "utf-8")
    assert main(["detect", "--html", str(page), "--url", "http://127.0.0.1:8700/careers"]) == 0
    assert capsys.readouterr().out == (
        "ats: greenhouse\nboard: acme\nendpoint: http://127.0.0.1:8700/v1/boards/acme/jobs?content=true\n"
    )


@pytest.mark.parametrize(
    ("argv", "error"),
    [
        (["--html", "/no/such/page.html"],
         "cannot read /no/such/page.html: No such file or directory"),
        (["--html", "{page}", "--url", "javascript:alert(1)"],
         "--url must be an http(s) URL: javascript:alert(1)"),
        (["https://a.example/", "--html", "{page}", "--url", "https://b.example/"],
         "with --html, give the page's URL once, as --url URL"),
        ([], "give a URL, or --html FILE [--url URL]"),
    ],
)
def test_detect_html_bad_input_exits_1_with_the_reason(
    argv: list[str], error: str, capsys: pytest.CaptureFixture[str]
) -> None:
    page = str(FIXTURES / "jsonld" / "careers_embedded_board.html")
    assert main(["detect", *(a.replace("{page}", page) for a in argv)]) == 1
    assert capsys.readouterr() == ("", f"jobscraper detect: {error}\n")


def test_detect_html_refuses_a_file_too_large_for_a_page(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import app.cli

    monkeypatch.setattr(app.cli, "MAX_HTML_BYTES", 1024)
    page = tmp_path / "huge.html"
    page.write_bytes(b"<p>" + b"x" * 2048 + b"</p>")
    assert main(["detect", "--html", str(page)]) == 1
    assert "is larger than" in capsys.readouterr().err

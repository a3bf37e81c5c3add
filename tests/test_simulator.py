"""The board simulator serves every format in its real shape, changes by day, and fails on purpose."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import re
import tomllib
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import pytest
from lxml import etree
from lxml import html as lxml_html

from scraper.simulator import FAILURE_BOARDS, FORMATS, Simulator

TIMEOUT = aiohttp.ClientTimeout(total=10)
LD_JSON = re.compile(r'<script type="application/ld\+json">\n(.*?)\n</script>', re.S)


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    with Simulator(3 * len(FORMATS), failures=True, slow_s=3) as s:
        yield s


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=TIMEOUT) as session:
        yield session


def boards_of(sim: Simulator, ats: str) -> list[dict[str, Any]]:
    return [c for c in sim.companies() if c["ats"] == ats and c["failure"] is None]


def board_of(sim: Simulator, failure: str) -> dict[str, Any]:
    return next(c for c in sim.companies() if c["failure"] == failure)


async def get_json(http: aiohttp.ClientSession, url: str) -> Any:
    async with http.get(url) as resp:
        assert resp.status == 200, url
        return await resp.json()


async def get_text(http: aiohttp.ClientSession, url: str) -> str:
    async with http.get(url) as resp:
        assert resp.status == 200, url
        return await resp.text()


async def smartrecruiters_all(http: aiohttp.ClientSession, url: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    while True:
        page = await get_json(http, f"{url}?limit=100&offset={len(items)}")
        items += page["content"]
        if not page["content"] or len(items) >= page["totalFound"]:
            return items


async def workday_all(http: aiohttp.ClientSession, url: str) -> list[dict[str, Any]]:
    postings: list[dict[str, Any]] = []
    while True:
        body = {"appliedFacets": {}, "limit": 20, "offset": len(postings), "searchText": ""}
        async with http.post(url, json=body) as resp:
            assert resp.status == 200
            page = await resp.json()
        if not page["jobPostings"]:
            return postings
        postings += page["jobPostings"]


def ld_blocks(page: str) -> list[Any]:
    return [json.loads(block, strict=False) for block in LD_JSON.findall(page)]


def postings_in(blocks: list[Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for block in blocks:
        items = block if isinstance(block, list) else block.get("@graph", [block])
        found += [i for i in items if "JobPosting" in (i["@type"] if isinstance(i["@type"], list) else [i["@type"]])]
    return found


def test_servers_listen_on_three_free_ports(sim: Simulator) -> None:
    used = {urlsplit(c["url"]).port for c in sim.companies()}
    assert len(sim.ports) == 3
    assert used == set(sim.ports)
    assert all(urlsplit(c["url"]).hostname == "127.0.0.1" for c in sim.companies())


def test_good_boards_cycle_through_every_format(sim: Simulator) -> None:
    good = [c for c in sim.companies() if c["failure"] is None]
    assert Counter(c["ats"] for c in good) == Counter({fmt: 3 for fmt in FORMATS})
    failing = {c["board"]: c["failure"] for c in sim.companies() if c["failure"]}
    assert failing == {slug: kind for slug, kind, _ in FAILURE_BOARDS}
    assert len({c["board"] for c in sim.companies()}) == 3 * len(FORMATS) + len(FAILURE_BOARDS)
    assert len({c["name"] for c in sim.companies()}) == 3 * len(FORMATS) + len(FAILURE_BOARDS)


def test_board_sizes_stay_in_range_with_a_big_one_per_paged_format(sim: Simulator) -> None:
    sizes = {c["board"]: len(sim.expected_job_ids(c["board"])) for c in sim.companies() if c["failure"] is None}
    big = {c["ats"] for c in sim.companies() if c["failure"] is None and sizes[c["board"]] > 60}
    assert big == {"smartrecruiters", "teamtailor", "oracle"}
    assert max(len(sim.expected_job_ids(c["board"])) for c in boards_of(sim, "smartrecruiters")) > 100
    assert max(len(sim.expected_job_ids(c["board"])) for c in boards_of(sim, "workday")) > 40
    assert max(len(sim.expected_job_ids(c["board"])) for c in boards_of(sim, "teamtailor")) > 100
    assert min(sizes.values()) >= 3


async def test_greenhouse_serves_escaped_content_in_cents(sim: Simulator, http: aiohttp.ClientSession) -> None:
    jobs: list[dict[str, Any]] = []
    for c in boards_of(sim, "greenhouse"):
        payload = await get_json(http, c["url"])
        assert payload["meta"] == {"total": len(payload["jobs"])}
        assert {str(j["id"]) for j in payload["jobs"]} == sim.expected_job_ids(c["board"])
        jobs += payload["jobs"]
    first = jobs[0]
    assert {"id", "internal_job_id", "title", "company_name", "absolute_url", "location", "offices",
            "departments", "metadata", "first_published", "updated_at", "content"} <= set(first)  # fmt: skip
    assert all(j["content"].startswith("&lt;p&gt;") and "<" not in j["content"] for j in jobs)
    assert any("&amp;nbsp;" in j["content"] for j in jobs)
    assert any(j["title"].endswith(" ") for j in jobs)
    assert any(j["location"]["name"].count(",") >= 2 for j in jobs)
    assert any(j["location"]["name"].startswith(("Remote", "Anywhere")) for j in jobs)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d-04:00", first["first_published"])
    ranges = [r for j in jobs for r in j.get("pay_input_ranges", [])]
    assert ranges and all(r["min_cents"] >= 100_000 and r["min_cents"] % 100 == 0 for r in ranges)


async def test_greenhouse_without_content_has_no_description(sim: Simulator, http: aiohttp.ClientSession) -> None:
    c = boards_of(sim, "greenhouse")[0]
    payload = await get_json(http, c["url"].split("?")[0])
    assert all("content" not in j and "pay_input_ranges" not in j for j in payload["jobs"])


async def test_lever_serves_a_bare_array_with_epoch_ms(sim: Simulator, http: aiohttp.ClientSession) -> None:
    postings: list[dict[str, Any]] = []
    for c in boards_of(sim, "lever"):
        payload = await get_json(http, c["url"])
        assert isinstance(payload, list)
        assert {p["id"] for p in payload} == sim.expected_job_ids(c["board"])
        postings += payload
    assert all(isinstance(p["createdAt"], int) and p["createdAt"] > 1_700_000_000_000 for p in postings)
    assert {p["workplaceType"] for p in postings} == {"remote", "hybrid", "onsite", "unspecified"}
    assert {"commitment", "department", "team", "location", "allLocations"} == set(postings[0]["categories"])
    assert any(p.get("salaryRange", {}).get("interval") == "per-year-salary" for p in postings)
    assert any("Compensation:" in p["additionalPlain"] and "salaryRange" not in p for p in postings)
    assert all(p["lists"][0]["content"].startswith("<li>") for p in postings)


async def test_lever_pages_with_skip_and_limit(sim: Simulator, http: aiohttp.ClientSession) -> None:
    c = boards_of(sim, "lever")[0]
    whole = await get_json(http, c["url"])
    page = await get_json(http, c["url"] + "&skip=2&limit=3")
    assert page == whole[2:5]


async def test_ashby_keeps_unlisted_null_remote_and_hidden_pay(sim: Simulator, http: aiohttp.ClientSession) -> None:
    jobs: list[dict[str, Any]] = []
    for c in boards_of(sim, "ashby"):
        payload = await get_json(http, c["url"])
        assert payload["apiVersion"] == "1"
        assert {j["id"] for j in payload["jobs"] if j["isListed"]} == sim.expected_job_ids(c["board"])
        jobs += payload["jobs"]
    assert any(j["isListed"] is False for j in jobs)
    assert any(j["isRemote"] is None for j in jobs)
    assert {j["workplaceType"] for j in jobs} == {"Remote", "Hybrid", "OnSite", None}
    shown = [j for j in jobs if j["shouldDisplayCompensationOnJobPostings"]]
    hidden = [j for j in jobs if not j["shouldDisplayCompensationOnJobPostings"] and j["compensation"]]
    assert shown and hidden
    salary = shown[0]["compensation"]["summaryComponents"][0]
    assert salary["compensationType"] == "Salary" and salary["interval"] in ("1 YEAR", "1 HOUR")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000\+00:00", jobs[0]["publishedAt"])


async def test_workable_serves_date_only_dates_and_empty_strings(sim: Simulator, http: aiohttp.ClientSession) -> None:
    jobs: list[dict[str, Any]] = []
    for c in boards_of(sim, "workable"):
        payload = await get_json(http, c["url"])
        assert payload["name"] == c["name"]
        assert {j["shortcode"] for j in payload["jobs"]} == sim.expected_job_ids(c["board"])
        jobs += payload["jobs"]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d", j["published_on"]) for j in jobs)
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d", j["created_at"]) for j in jobs)
    assert any(j["department"] == "" for j in jobs) and all(j["code"] == "" for j in jobs)
    assert any(j["telecommuting"] for j in jobs) and all(j["description"].startswith("<p>") for j in jobs)


async def test_smartrecruiters_pages_past_one_hundred(sim: Simulator, http: aiohttp.ClientSession) -> None:
    c = max(boards_of(sim, "smartrecruiters"), key=lambda c: len(sim.expected_job_ids(c["board"])))
    expected = sim.expected_job_ids(c["board"])
    first = await get_json(http, f"{c['url']}?limit=100&offset=0")
    assert (first["offset"], first["limit"], first["totalFound"], len(first["content"])) == (0, 100, len(expected), 100)
    items = await smartrecruiters_all(http, c["url"])
    assert {i["id"] for i in items} == expected
    assert items[0]["company"] == {"identifier": c["board"], "name": c["name"]}
    assert items[0]["location"]["country"] == items[0]["location"]["country"].lower()
    async with http.get(f"{c['url']}?limit=101") as resp:
        assert resp.status == 400


async def test_smartrecruiters_detail_adds_job_ad_sections(sim: Simulator, http: aiohttp.ClientSession) -> None:
    c = boards_of(sim, "smartrecruiters")[1]
    item = (await get_json(http, f"{c['url']}?limit=1"))["content"][0]
    detail = await get_json(http, f"{c['url']}/{item['id']}")
    sections = detail["jobAd"]["sections"]
    assert set(sections) == {"companyDescription", "jobDescription", "qualifications", "additionalInformation"}
    assert sections["jobDescription"]["text"].startswith("<p>")
    assert detail["postingUrl"].startswith(f"https://jobs.smartrecruiters.com/{c['board']}/{item['id']}")
    async with http.get(f"{c['url']}/999") as resp:
        assert resp.status == 404


async def test_smartrecruiters_unknown_company_is_empty_not_404(sim: Simulator, http: aiohttp.ClientSession) -> None:
    base = f"http://127.0.0.1:{sim.ports[0]}"
    payload = await get_json(http, f"{base}/v1/companies/NoSuchCompany/postings?limit=100")
    assert payload == {"offset": 0, "limit": 100, "totalFound": 0, "content": []}


async def test_recruitee_serves_utc_suffixed_dates(sim: Simulator, http: aiohttp.ClientSession) -> None:
    offers: list[dict[str, Any]] = []
    for c in boards_of(sim, "recruitee"):
        payload = await get_json(http, c["url"])
        assert {str(o["id"]) for o in payload["offers"]} == sim.expected_job_ids(c["board"])
        offers += payload["offers"]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", o["published_at"]) for o in offers)
    assert any(o["salary"]["min"] is not None for o in offers)
    assert any(o["salary"] == {"min": None, "max": None, "period": None, "currency": None} for o in offers)
    assert all(o["requirements"].startswith("<h3>") for o in offers)


async def test_personio_serves_xml_with_cdata_and_entities(sim: Simulator, http: aiohttp.ClientSession) -> None:
    for c in boards_of(sim, "personio"):
        async with http.get(c["url"]) as resp:
            assert resp.status == 200 and resp.content_type == "text/xml"
            raw = await resp.read()
        assert b"<![CDATA[<p>" in raw and b"&#039;" in raw
        root = etree.fromstring(raw)
        assert root.tag == "workzag-jobs"
        assert {p.findtext("id") for p in root.iter("position")} == sim.expected_job_ids(c["board"])
        names = [n.text for n in root.iter("name")]
        assert "Why you'll love working here" in names


async def test_personio_unknown_company_redirects(sim: Simulator, http: aiohttp.ClientSession) -> None:
    async with http.get(f"http://127.0.0.1:{sim.ports[0]}/personio/nobody/xml", allow_redirects=False) as resp:
        assert resp.status == 302


async def test_workday_pages_by_twenty_and_refuses_more(sim: Simulator, http: aiohttp.ClientSession) -> None:
    c = max(boards_of(sim, "workday"), key=lambda c: len(sim.expected_job_ids(c["board"])))
    postings = await workday_all(http, c["url"])
    assert {p["bulletFields"][0] for p in postings} == sim.expected_job_ids(c["board"])
    async with http.post(c["url"], json={"appliedFacets": {}, "limit": 20, "offset": 0, "searchText": ""}) as resp:
        first = await resp.json()
    assert first["total"] == len(postings) and len(first["jobPostings"]) == 20
    assert all(re.fullmatch(r"Posted (Today|Yesterday|\d+ Days Ago|30\+ Days Ago)", p["postedOn"]) for p in postings)
    async with http.post(c["url"], json={"limit": 21, "offset": 0}) as resp:
        assert resp.status == 400


async def test_workday_detail_by_external_path(sim: Simulator, http: aiohttp.ClientSession) -> None:
    c = boards_of(sim, "workday")[0]
    posting = (await workday_all(http, c["url"]))[0]
    detail = await get_json(http, c["url"].removesuffix("/jobs") + posting["externalPath"])
    info = detail["jobPostingInfo"]
    assert info["title"] == posting["title"] and info["jobReqId"] == posting["bulletFields"][0]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", info["startDate"]) and info["jobDescription"].startswith("<p>")
    assert detail["hiringOrganization"]["name"] == c["name"]


async def test_jsonld_inline_page_carries_every_posting(sim: Simulator, http: aiohttp.ClientSession) -> None:
    c = boards_of(sim, "jsonld")[0]
    page = await get_text(http, c["url"])
    blocks = ld_blocks(page)
    assert any(isinstance(b, list) for b in blocks) and any("@graph" in b for b in blocks if isinstance(b, dict))
    postings = postings_in(blocks)
    assert {p["identifier"]["value"] for p in postings} == sim.expected_job_ids(c["board"])
    with pytest.raises(json.JSONDecodeError):
        [json.loads(block) for block in LD_JSON.findall(page)]  # raw newlines inside strings


async def test_jsonld_listing_links_to_detail_pages(sim: Simulator, http: aiohttp.ClientSession) -> None:
    c = boards_of(sim, "jsonld")[1]
    page = await get_text(http, c["url"])
    assert postings_in(ld_blocks(page)) == []
    links = [a for a in lxml_html.fromstring(page).xpath("//a/@href") if "/jobs/" in a]
    ids = set()
    for link in links:
        detail = await get_text(http, f"http://{urlsplit(c['url']).netloc}{link}")
        ids |= {p["identifier"]["value"] for p in postings_in(ld_blocks(detail))}
    assert ids == sim.expected_job_ids(c["board"])


async def test_jsonld_embed_page_points_at_the_simulated_greenhouse(sim: Simulator, http: aiohttp.ClientSession) -> None:
    c = boards_of(sim, "jsonld")[2]
    page = await get_text(http, c["url"])
    base = f"http://{urlsplit(c['url']).netloc}"
    assert postings_in(ld_blocks(page)) == []
    assert f'src="{base}/embed/job_board?for={c["board"]}"' in page
    payload = await get_json(http, f"{base}/v1/boards/{c['board']}/jobs?content=true")
    assert {str(j["id"]) for j in payload["jobs"]} == sim.expected_job_ids(c["board"])
    assert "gh_jid=" in await get_text(http, f"{base}/embed/job_board?for={c['board']}")


@pytest.mark.parametrize(
    ("path", "status", "body"),
    [
        ("/v1/boards/nobody/jobs", 404, {"status": 404, "error": "Job board not found"}),
        ("/v0/postings/nobody", 404, {"ok": False, "error": "Document not found"}),
    ],
)
async def test_unknown_boards_answer_like_the_real_api(
    sim: Simulator, http: aiohttp.ClientSession, path: str, status: int, body: Any
) -> None:
    async with http.get(f"http://127.0.0.1:{sim.ports[1]}{path}") as resp:
        assert (resp.status, await resp.json()) == (status, body)


async def test_broken_board_is_404(sim: Simulator, http: aiohttp.ClientSession) -> None:
    async with http.get(board_of(sim, "404")["url"]) as resp:
        assert resp.status == 404


async def test_flaky_board_fails_once_a_day_then_serves(sim: Simulator, http: aiohttp.ClientSession) -> None:
    c = board_of(sim, "500-then-ok")
    statuses = []
    for day in (5, 5, 5, 6, 6):
        sim.set_day(day)
        async with http.get(c["url"]) as resp:
            statuses.append(resp.status)
            if resp.status == 200:
                assert {p["id"] for p in await resp.json()} == sim.expected_job_ids(c["board"])
    sim.set_day(0)
    assert statuses == [500, 200, 200, 500, 200]


async def test_rate_limited_board_asks_to_retry_after_one_second(sim: Simulator, http: aiohttp.ClientSession) -> None:
    c = board_of(sim, "429")
    sim.set_day(7)
    try:
        async with http.get(c["url"]) as resp:
            assert (resp.status, resp.headers["Retry-After"]) == (429, "1")
        payload = await get_json(http, c["url"])
    finally:
        sim.set_day(0)
    assert {j["id"] for j in payload["jobs"] if j["isListed"]} == sim.expected_job_ids(c["board"], 7)


async def test_slow_board_outlasts_a_short_timeout(sim: Simulator) -> None:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=0.5)) as http:
        with pytest.raises(asyncio.TimeoutError):
            async with http.get(board_of(sim, "slow")["url"]) as resp:
                await resp.read()


async def test_slow_board_answers_once_it_has_slept(http: aiohttp.ClientSession) -> None:
    with Simulator(0, failures=True, slow_s=0.2, ports=1) as quick:
        c = board_of(quick, "slow")
        payload = await get_json(http, c["url"])
        assert {j["shortcode"] for j in payload["jobs"]} == quick.expected_job_ids(c["board"])


async def test_stop_ends_a_pending_slow_response(http: aiohttp.ClientSession) -> None:
    sim = Simulator(0, failures=True, slow_s=600, ports=1).start()
    request = asyncio.create_task(http.get(board_of(sim, "slow")["url"]))
    await asyncio.sleep(0.3)
    await asyncio.to_thread(sim.stop)
    try:
        resp = await request  # a 503 or a dropped connection, not a ten-second timeout
        assert resp.status == 503
    except aiohttp.ClientConnectionError:
        pass


async def test_oversized_board_streams_more_than_21_mb(sim: Simulator, http: aiohttp.ClientSession) -> None:
    received = 0
    async with http.get(board_of(sim, "oversized")["url"]) as resp:
        assert resp.status == 200
        async for chunk in resp.content.iter_chunked(1 << 20):
            received += len(chunk)
            if received > 21 * 1024 * 1024:
                break
    assert received > 21 * 1024 * 1024


async def test_malformed_board_serves_invalid_json(sim: Simulator, http: aiohttp.ClientSession) -> None:
    async with http.get(board_of(sim, "malformed")["url"]) as resp:
        assert resp.status == 200 and resp.content_type == "application/json"
        with pytest.raises(json.JSONDecodeError):
            json.loads(await resp.text())


async def test_redirect_loop_board_never_lands(sim: Simulator, http: aiohttp.ClientSession) -> None:
    with pytest.raises(aiohttp.TooManyRedirects):
        async with http.get(board_of(sim, "redirect-loop")["url"], max_redirects=5):
            pass


async def test_reset_board_drops_the_connection_mid_body(sim: Simulator, http: aiohttp.ClientSession) -> None:
    with pytest.raises(aiohttp.ClientPayloadError):
        async with http.get(board_of(sim, "reset")["url"]) as resp:
            assert resp.status == 200
            await resp.read()


def test_failing_boards_expect_jobs_only_when_they_recover(sim: Simulator) -> None:
    expecting = {c["failure"] for c in sim.companies() if c["failure"] and sim.expected_job_ids(c["board"])}
    assert expecting == {"500-then-ok", "429", "slow"}


def test_days_close_some_jobs_and_open_a_few(sim: Simulator) -> None:
    good = [c["board"] for c in sim.companies() if c["failure"] is None]
    day0 = {b: sim.expected_job_ids(b, 0) for b in good}
    day1 = {b: sim.expected_job_ids(b, 1) for b in good}
    day2 = {b: sim.expected_job_ids(b, 2) for b in good}
    closed = sum(len(day0[b] - day1[b]) for b in good)
    new = sum(len(day1[b] - day0[b]) for b in good)
    reopened = sum(len((day0[b] - day1[b]) & day2[b]) for b in good)
    kept = sum(len(day0[b] & day1[b]) for b in good)
    assert closed > 0 and new > 0 and reopened > 0
    assert kept > 3 * (closed + new)  # most jobs stay from one day to the next


def test_same_seed_same_boards_other_seed_other_boards() -> None:
    a, b, c = Simulator(18, seed=1, port=9000), Simulator(18, seed=1, port=9000), Simulator(18, seed=2, port=9000)
    assert a.companies() == b.companies() != c.companies()
    board = a.companies()[0]["board"]
    assert a.expected_job_ids(board, 3) == b.expected_job_ids(board, 3)


async def test_control_endpoint_moves_the_day(http: aiohttp.ClientSession) -> None:
    with Simulator(9, ports=1) as day_sim:
        c = boards_of(day_sim, "greenhouse")[0]
        before = {str(j["id"]) for j in (await get_json(http, c["url"]))["jobs"]}
        async with http.post(f"http://127.0.0.1:{day_sim.ports[0]}/_control/day", json={"day": 3}) as resp:
            assert (resp.status, await resp.json()) == (200, {"day": 3})
        after = {str(j["id"]) for j in (await get_json(http, c["url"]))["jobs"]}
        assert day_sim.day == 3
        assert (before, after) == (day_sim.expected_job_ids(c["board"], 0), day_sim.expected_job_ids(c["board"], 3))
        assert before != after


def test_write_companies_produces_loadable_toml(sim: Simulator, tmp_path: Path) -> None:
    path = tmp_path / "companies.toml"
    sim.write_companies(path)
    loaded = tomllib.loads(path.read_text(encoding="utf-8"))["company"]
    assert loaded == [{k: c[k] for k in ("name", "url", "ats", "board")} for c in sim.companies()]


def test_demo_companies_match_the_simulate_defaults() -> None:
    demo = Path(__file__).parent.parent / "data" / "demo_companies.toml"
    loaded = tomllib.loads(demo.read_text(encoding="utf-8"))["company"]
    defaults = Simulator(27, seed=1, port=8700, failures=True)
    assert loaded == [{k: c[k] for k in ("name", "url", "ats", "board")} for c in defaults.companies()]


def test_companies_need_ports_before_start() -> None:
    with pytest.raises(RuntimeError, match="start"):
        Simulator(3).companies()


def test_five_hundred_boards_get_distinct_slugs() -> None:
    companies = Simulator(500, port=9000, failures=True).companies()
    assert len({c["board"] for c in companies}) == 500 + len(FAILURE_BOARDS)
    jsonld = len(range(FORMATS.index("jsonld"), 500, len(FORMATS)))
    assert Counter(c["ats"] for c in companies if c["failure"] is None)["jsonld"] == jsonld


def _parser_missing(fmt: str) -> bool:
    return importlib.util.find_spec(f"scraper.boards.{fmt}") is None


async def payloads_of(http: aiohttp.ClientSession, c: dict[str, Any]) -> list[tuple[str, Any, str]]:
    """(format, payload, url) triples a scraper would parse for board ``c``."""
    url, base = c["url"], f"http://{urlsplit(c['url']).netloc}"
    if c["ats"] == "smartrecruiters":
        items = await smartrecruiters_all(http, url)
        return [("smartrecruiters", {"offset": 0, "limit": 100, "totalFound": len(items), "content": items}, url)]
    if c["ats"] == "workday":
        postings = await workday_all(http, url)
        return [("workday", {"total": len(postings), "jobPostings": postings}, url)]
    if c["ats"] == "icims":
        pages = [f"{url}&pr={n}" for n in range(10)]
        return [("icims", await get_text(http, page), page) for page in pages]
    if c["ats"] in ("oracle", "join", "jazzhr"):
        return await _stepped_payloads(http, c)
    if c["ats"] == "teamtailor":
        pages = [f"{url}?offset={k}&per_page=100" for k in range(0, 1000, 100)]
        return [("teamtailor", await get_text(http, page), page) for page in pages]
    if c["ats"] != "jsonld":
        return [(c["ats"], await get_text(http, url), url)]
    page = await get_text(http, url)
    if "grnhse_iframe" in page:
        gh = f"{base}/v1/boards/{c['board']}/jobs?content=true"
        return [("greenhouse", await get_text(http, gh), gh)]
    links = [a for a in lxml_html.fromstring(page).xpath("//a/@href") if "/jobs/" in a]
    pages = [(base + link, await get_text(http, base + link)) for link in links]
    return [("jsonld", page, url)] + [("jsonld", text, link) for link, text in pages]


async def _stepped_payloads(http: aiohttp.ClientSession, c: dict[str, Any]) -> list[tuple[str, Any, str]]:
    """Formats whose list needs a lookup first: the crawl step's own helpers find it."""
    from scraper.crawl import step_for
    from scraper.detect import Target
    from scraper.fetch import Fetcher, FetchSettings

    step = step_for(c["ats"])
    assert step is not None
    async with Fetcher(FetchSettings(detail_cap=0, allow_private=True)) as fetcher:
        jobs = await step(fetcher, Target(c["ats"], c["board"], c["url"]), now=datetime.now(UTC),
                          settings=FetchSettings(detail_cap=0))  # fmt: skip
    return [(c["ats"], [j.to_dict() for j in jobs], c["url"])]


@pytest.mark.parametrize("fmt", FORMATS)
async def test_every_good_board_parses_to_its_expected_jobs(
    sim: Simulator, http: aiohttp.ClientSession, fmt: str
) -> None:
    needed = {fmt, "greenhouse"} if fmt == "jsonld" else {fmt}
    missing = sorted(f for f in needed if _parser_missing(f))
    if missing:
        pytest.skip(f"parser module scraper.boards.{', '.join(missing)} does not exist yet")
    from scraper.boards import parse

    for c in boards_of(sim, fmt):
        ids: set[str] = set()
        for source, payload, url in await payloads_of(http, c):
            if isinstance(payload, list) and payload and "external_id" in payload[0]:
                ids |= {job["external_id"] for job in payload}  # already parsed by the crawl step
                continue
            ids |= {job.external_id for job in parse(source, payload, board=c["board"], url=url)}
        assert ids == sim.expected_job_ids(c["board"]), c["board"]


async def test_request_count_counts_every_request_served(http: aiohttp.ClientSession) -> None:
    with Simulator(9, ports=1, latency_ms=5) as counted:
        urls = [c["url"] for c in counted.companies() if c["ats"] not in ("workday",)]
        for url in urls:
            async with http.get(url) as resp:
                assert resp.status == 200
        async with http.get(f"http://127.0.0.1:{counted.ports[0]}/v1/boards/nobody/jobs") as resp:
            assert resp.status == 404
        assert counted.request_count == len(urls) + 1


def test_busy_port_fails_start_with_oserror() -> None:
    with Simulator(3, ports=1) as first, pytest.raises(OSError):
        Simulator(3, ports=1, port=first.ports[0]).start()


async def test_posting_dates_are_relative_to_the_simulated_day(http: aiohttp.ClientSession) -> None:
    """Issue 15, item 15: "Posted within 7/30 days" finds jobs in a demo, on any day."""
    now = datetime(2027, 3, 4, 10, 0, tzinfo=UTC)
    with Simulator(9, ports=1, now=now) as dated:
        c = boards_of(dated, "lever")[0]

        async def created() -> dict[str, datetime]:
            return {p["id"]: datetime.fromtimestamp(p["createdAt"] / 1000, UTC)
                    for p in await get_json(http, c["url"])}  # fmt: skip

        day0 = await created()
        dated.set_day(2)
        day2 = await created()
    for dates in (day0, day2):
        assert max(dates.values()) <= now
        assert any(now - d <= timedelta(days=7) for d in dates.values())
        assert min(dates.values()) >= now - timedelta(days=61)
    kept = day0.keys() & day2.keys()
    assert kept and all(day2[k] == day0[k] - timedelta(days=2) for k in kept)
    new = day2.keys() - day0.keys()
    assert new and all(now - day2[k] <= timedelta(days=2) for k in new)


async def test_rippling_lists_one_row_per_location_and_details_by_uuid(
    sim: Simulator, http: aiohttp.ClientSession
) -> None:
    rows: list[dict[str, Any]] = []
    for c in boards_of(sim, "rippling"):
        payload = await get_json(http, c["url"])
        assert {r["uuid"] for r in payload} == sim.expected_job_ids(c["board"])
        rows += payload
    assert len(rows) > len({r["uuid"] for r in rows})  # a job in two cities is two rows
    c = boards_of(sim, "rippling")[0]
    first = (await get_json(http, c["url"]))[0]
    detail = await get_json(http, f"{c['url']}/{first['uuid']}")
    assert set(detail["description"]) == {"company", "role"} and detail["createdOn"][-6:] == "-07:00"
    assert detail["employmentType"]["label"].isupper() and not detail["employmentType"]["id"].isupper()
    base = f"http://127.0.0.1:{sim.ports[0]}/platform/api/ats/v1/board"
    for path in ("/nobody/jobs", f"/{c['board']}/jobs/not-a-uuid"):
        async with http.get(base + path) as resp:
            assert resp.status == 404 and (await resp.json())["error_code"] == "RESOURCE_NOT_FOUND"


async def test_gem_vanity_is_case_sensitive_and_needs_the_slash(sim: Simulator, http: aiohttp.ClientSession) -> None:
    c = boards_of(sim, "gem")[0]
    assert c["board"] != c["board"].lower() and c["url"].endswith("/job_posts/")
    posts = await get_json(http, c["url"])
    assert {p["id"] for p in posts} == sim.expected_job_ids(c["board"])
    assert posts[0]["content"].startswith("<p>")  # raw HTML, unlike Greenhouse
    for url in (c["url"].replace(c["board"], c["board"].lower()), c["url"].rstrip("/")):
        async with http.get(url) as resp:
            assert resp.status == 404


async def test_pinpoint_hides_pay_unless_visible(sim: Simulator, http: aiohttp.ClientSession) -> None:
    postings: list[dict[str, Any]] = []
    for c in boards_of(sim, "pinpoint"):
        payload = await get_json(http, c["url"])
        assert {p["id"] for p in payload["data"]} == sim.expected_job_ids(c["board"])
        postings += payload["data"]
    assert any(p["compensation_visible"] for p in postings)
    assert any(not p["compensation_visible"] and p["compensation"] for p in postings)
    assert all("posted" not in key and "date" not in key for key in postings[0])
    async with http.get(f"http://127.0.0.1:{sim.ports[0]}/pinpoint/nobody/postings.json") as resp:
        assert resp.status == 404


async def test_bamboohr_unknown_board_is_a_200_html_page(sim: Simulator, http: aiohttp.ClientSession) -> None:
    c = boards_of(sim, "bamboohr")[0]
    async with http.get(c["url"]) as resp:
        raw = await resp.text()
    assert '"jobOpeningName"' in raw and "\\/" in json.dumps(json.loads(raw)).replace("/", "\\/")
    payload = json.loads(raw)
    assert payload["meta"]["totalCount"] == len(payload["result"])
    assert {r["id"] for r in payload["result"]} == sim.expected_job_ids(c["board"])
    assert {r["locationType"] for r in payload["result"]} <= {"0", "1", "2"}
    base = c["url"].removesuffix("/list")
    detail = await get_json(http, f"{base}/{payload['result'][0]['id']}/detail")
    assert "\\/" in (await get_text(http, f"{base}/{payload['result'][0]['id']}/detail"))
    assert detail["result"]["jobOpening"]["description"].startswith("<p>")
    async with http.get(f"{base}/999999/detail") as resp:
        assert (resp.status, (await resp.json())["type"]) == (404, "not_found")
    async with http.get(c["url"].replace(c["board"], "nobody")) as resp:
        assert (resp.status, resp.content_type) == (200, "text/html")


async def test_breezy_redirects_unknown_boards_and_throttles_bursts(
    sim: Simulator, http: aiohttp.ClientSession
) -> None:
    c = boards_of(sim, "breezy")[0]
    async with http.get(c["url"].replace(c["board"], "nobody"), allow_redirects=False) as resp:
        assert resp.status == 302
    await asyncio.sleep(1.1)
    postings = await get_json(http, c["url"])
    assert {p["id"] for p in postings} == sim.expected_job_ids(c["board"])
    every = [p for b in boards_of(sim, "breezy") for p in await get_json(http, b["url"])]
    assert any(p["location"].get("is_remote") and p["location"]["remote_details"]["value"] == "hybrid" for p in every)
    await asyncio.sleep(1.1)
    page = await get_text(http, postings[0]["url"])
    assert 'class="description"' in page
    statuses = []
    for _ in range(20):
        async with http.get(postings[0]["url"]) as resp:
            statuses.append(resp.status)
    assert 403 in statuses and statuses[0] == 200


async def test_teamtailor_pages_its_feed_by_offset(sim: Simulator, http: aiohttp.ClientSession) -> None:
    c = max(boards_of(sim, "teamtailor"), key=lambda c: len(sim.expected_job_ids(c["board"])))
    first, second = [etree.fromstring((await get_text(http, f"{c['url']}?offset={k}&per_page=100")).encode())
                     for k in (0, 100)]  # fmt: skip
    links = [i.findtext("link") for page in (first, second) for i in page.iter("item")]
    assert len(first.findall(".//item")) == 100 and 0 < len(second.findall(".//item")) < 100
    assert {re.search(r"/jobs/(\d+)-", u).group(1) for u in links} == sim.expected_job_ids(c["board"])  # type: ignore[union-attr]
    raw = await get_text(http, c["url"])
    assert "&lt;p&gt;" in raw and "<![CDATA[<p>" in raw and "xmlns:tt=" in raw
    async with http.get(c["url"].replace(c["board"], "nobody")) as resp:
        assert resp.status == 404


async def test_oracle_pages_inside_the_finder_and_names_sites_on_careers_pages(
    sim: Simulator, http: aiohttp.ClientSession
) -> None:
    direct = next(c for c in boards_of(sim, "oracle") if "/hcmRestApi/" in c["url"])
    named = next(c for c in boards_of(sim, "oracle") if "/sites/" in c["url"])
    page = await get_text(http, named["url"])
    site = re.search(r"siteNumber: '(CX_\d+)'", page).group(1)  # type: ignore[union-attr]
    assert site not in named["url"]
    api = direct["url"].split("?")[0]
    base = f"{api}?onlyData=true&expand=requisitionList.secondaryLocations&finder=findReqs;siteNumber={site}"
    ids: set[str] = set()
    for offset in range(0, 400, 100):
        wrapper = (await get_json(http, f"{base},limit=100,offset={offset}"))["items"][0]
        ids |= {r["Id"] for r in wrapper["requisitionList"]}
    assert ids == sim.expected_job_ids(named["board"])
    default = (await get_json(http, f"{base}&limit=100"))["items"][0]
    assert len(default["requisitionList"]) == min(25, len(ids))  # top-level limit is ignored
    facets = (await get_json(http, f"{api}?finder=findReqs;siteNumber={site}"))["items"][0]
    assert "requisitionList" not in facets and facets["TotalJobsCount"] == len(ids)
    first = sorted(ids)[0]
    detail = await get_json(http, api.replace("Requisitions", "RequisitionDetails")
                            + f'?onlyData=true&finder=ById;Id="{first}",siteNumber={site}')  # fmt: skip
    assert detail["items"][0]["ExternalDescriptionStr"].startswith("<p>")
    async with http.get(api.replace("Requisitions", "RequisitionDetail") + f"?finder=ById;Id={first}") as resp:
        assert resp.status == 404 and await resp.read() == b""


async def test_join_looks_up_the_company_and_pages_by_five(sim: Simulator, http: aiohttp.ClientSession) -> None:
    c = boards_of(sim, "join")[0]
    page = await get_text(http, c["url"])
    data = json.loads(re.search(r'id="__NEXT_DATA__"[^>]*>(.*?)</script>', page).group(1))  # type: ignore[union-attr]
    company = data["props"]["pageProps"]["initialState"]["company"]
    assert company["domain"] == c["board"]
    base = f"http://{urlsplit(c['url']).netloc}/api/public/companies/{company['id']}/jobs"
    async with http.get(f"{base}?page=1&pageSize=100") as resp:
        assert resp.status == 422
    ids: set[str] = set()
    statuses = []
    for number in range(1, 40):
        async with http.get(f"{base}?page={number}&pageSize=5") as resp:
            statuses.append(resp.status)
            if resp.status == 200:
                body = await resp.json()
                ids |= {str(i["id"]) for i in body["items"]}
                if number >= body["pagination"]["pageCount"]:
                    break
    assert 429 in statuses or len(statuses) < 6
    unknown = await get_text(http, c["url"].replace(c["board"], "nobody"))
    assert '"statusCode": 404' in unknown
    placeholder = await get_text(http, board_of(sim, "placeholder-company")["url"])
    assert '"id": 233' in placeholder


async def test_jazzhr_unknown_board_is_a_200_without_the_table(sim: Simulator, http: aiohttp.ClientSession) -> None:
    c = boards_of(sim, "jazzhr")[0]
    page = await get_text(http, c["url"])
    assert 'id="jobs_table"' in page and page.count('class="jobs_row"') == page.count("<tr id=\"row_job_")
    unknown = await get_text(http, c["url"].replace(c["board"], "nobody"))
    assert "jobs_table" not in unknown
    href = re.search(r'href="([^"]+/apply/jobs/details/[^"?]+)', page).group(1)  # type: ignore[union-attr]
    assert 'id="job-description"' in await get_text(http, f"http://{urlsplit(c['url']).netloc}{href}")


async def test_icims_needs_in_iframe_and_pages_by_twenty(sim: Simulator, http: aiohttp.ClientSession) -> None:
    c = max(boards_of(sim, "icims"), key=lambda c: len(sim.expected_job_ids(c["board"])))
    shell = await get_text(http, c["url"].replace("&in_iframe=1", ""))
    assert "iCIMS_Anchor" not in shell
    pages = [await get_text(http, f"{c['url']}&pr={n}") for n in range(4)]
    ids = {m for p in pages for m in re.findall(r"/jobs/(\d+)/[^/]+/job", p)}
    assert ids == sim.expected_job_ids(c["board"]) and "iCIMS_Anchor" not in pages[3]
    async with http.get(c["url"].replace(c["board"], "careers-nobody")) as resp:
        assert resp.status == 404

"""Settings from the environment, with clear errors for bad values."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.settings import Settings, SettingsError, load_settings


def test_defaults_when_nothing_is_set() -> None:
    assert load_settings({}) == Settings(
        db_path=Path("data/jobs.duckdb"),
        companies_path=Path("data/companies.toml"),
        concurrency=16,
        per_host=4,
        timeout_s=20.0,
        schedule_minutes=None,
    )


def test_values_are_read_from_the_environment() -> None:
    env = {
        "JOBSCRAPER_DB": "/tmp/x.duckdb",
        "JOBSCRAPER_COMPANIES": "/tmp/c.toml",
        "JOBSCRAPER_CONCURRENCY": "8",
        "JOBSCRAPER_PER_HOST": "2",
        "JOBSCRAPER_TIMEOUT_S": "2.5",
        "JOBSCRAPER_SCHEDULE": "60",
        "JOBSCRAPER_DETAIL_CAP": "10",
    }
    assert load_settings(env) == Settings(Path("/tmp/x.duckdb"), Path("/tmp/c.toml"), 8, 2, 2.5, 60, 10)


def test_fetch_settings_carry_the_limits() -> None:
    fetch = Settings(concurrency=8, per_host=2, timeout_s=2.5, detail_cap=10).fetch_settings()
    assert (fetch.concurrency, fetch.per_host, fetch.timeout_s, fetch.detail_cap) == (8, 2, 2.5, 10)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"JOBSCRAPER_CONCURRENCY": "lots"}, "JOBSCRAPER_CONCURRENCY='lots' is not a whole number"),
        ({"JOBSCRAPER_CONCURRENCY": "0"}, "JOBSCRAPER_CONCURRENCY=0 is out of range: use 1 to 512"),
        ({"JOBSCRAPER_PER_HOST": "-3"}, "JOBSCRAPER_PER_HOST=-3 is out of range: use 1 to 64"),
        ({"JOBSCRAPER_TIMEOUT_S": "soon"}, "JOBSCRAPER_TIMEOUT_S='soon' is not a number of seconds"),
        ({"JOBSCRAPER_TIMEOUT_S": "0"}, "JOBSCRAPER_TIMEOUT_S=0 is out of range"),
        ({"JOBSCRAPER_SCHEDULE": "1.5"}, "JOBSCRAPER_SCHEDULE='1.5' is not a whole number"),
        ({"JOBSCRAPER_DETAIL_CAP": "-1"}, "JOBSCRAPER_DETAIL_CAP=-1 is out of range: use 0 to 100000"),
        ({"JOBSCRAPER_USER_HEADER": "X-Email: x"},
         "JOBSCRAPER_USER_HEADER='X-Email: x' is not an HTTP header name"),
    ],
)
def test_bad_values_get_clear_errors(env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError) as info:
        load_settings(env)
    assert str(info.value).startswith(message)


def test_a_folder_as_database_path_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="is a folder: give a file path"):
        load_settings({"JOBSCRAPER_DB": str(tmp_path)})


def test_people_settings() -> None:
    conf = load_settings({"JOBSCRAPER_USER_HEADER": " X-Forwarded-Email ",
                          "JOBSCRAPER_ADMINS": "Alice@Example.com, ,Dana "})
    assert (conf.user_header, conf.admins) == (
        "X-Forwarded-Email", frozenset({"alice@example.com", "dana"}))
    assert (load_settings({}).user_header, load_settings({}).admins) == (None, frozenset())

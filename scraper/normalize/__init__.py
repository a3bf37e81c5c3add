"""Shared normalisation for every board: dates, salary, workplace, locations, HTML, payloads.

Every function here is total: garbage in gives ``None`` (or an empty tuple) out, never an
exception, so one odd posting cannot sink a board (the payload helpers, which check a
payload's shape, raise ParseError instead). One module per concern; import from here.
"""

from __future__ import annotations

from scraper.normalize.dates import to_utc_iso
from scraper.normalize.employment import EMPLOYMENT_KINDS, normalize_employment_type
from scraper.normalize.payload import (
    as_list,
    identity,
    json_type,
    load_json,
    records,
    text_of,
    to_number,
)
from scraper.normalize.places import split_locations, workplace_from_flags, workplace_from_text
from scraper.normalize.salary import (
    Salary,
    currency_code,
    merge_salaries,
    parse_salary_text,
    salary_fields,
    salary_period,
    structured_salary,
)
from scraper.normalize.text import (
    clean,
    description_fields,
    html_to_text,
    http_url,
    sanitize_html,
    unescape_html,
    unique,
)

__all__ = [
    "EMPLOYMENT_KINDS",
    "Salary",
    "as_list",
    "clean",
    "currency_code",
    "description_fields",
    "html_to_text",
    "http_url",
    "identity",
    "json_type",
    "load_json",
    "merge_salaries",
    "normalize_employment_type",
    "parse_salary_text",
    "records",
    "salary_fields",
    "salary_period",
    "sanitize_html",
    "split_locations",
    "structured_salary",
    "text_of",
    "to_number",
    "to_utc_iso",
    "unescape_html",
    "unique",
    "workplace_from_flags",
    "workplace_from_text",
]

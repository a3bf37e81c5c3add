"""Issue 11, item 8: CSV exports neutralise formula-like cells, so a scraped title cannot run
a formula in a teammate's spreadsheet; the companies CSV still imports back as it was."""

from __future__ import annotations

import csv
import io

import duckdb
import polars as pl
import pytest

from app import companies as co
from app import queries, store
from scraper.models import Company

FORMULAS = ["=HYPERLINK(\"http://evil.example\",\"x\")", "+1+1", "-2+3", "@SUM(A1)",
            "\tTab", "\rCR"]


def cells(data: bytes | str) -> list[list[str]]:
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    return list(csv.reader(io.StringIO(text, newline="")))


@pytest.mark.parametrize("title", FORMULAS)
def test_jobs_csv_starts_formula_like_text_with_an_apostrophe(title: str) -> None:
    frame = pl.DataFrame({"title": [title, "Engineer"], "salary_min": [-5.0, 100.0],
                          "locations": [[title, "Berlin"], []]})
    [header, first, second] = cells(queries.csv_bytes(frame))
    assert header == ["title", "salary_min", "locations"]
    assert first == ["'" + title, "-5.0", "'" + title + "; Berlin"]
    assert second == ["Engineer", "100.0", ""]


def test_companies_csv_is_neutralised_and_imports_back(fresh_db: duckdb.DuckDBPyConnection) -> None:
    store.save_companies(fresh_db, [Company("=cmd|' /C calc'!A0", "greenhouse", "evil",
                                            "https://boards.greenhouse.io/evil")])
    exported = co.to_csv(co.export_rows(fresh_db))
    assert cells(exported)[1][0] == "'=cmd|' /C calc'!A0"
    [entry] = co.parse_csv(exported)
    assert entry.company is not None and entry.company.name == "=cmd|' /C calc'!A0"

"""`jobscraper simulate --help` describes every option and how the simulated days advance."""

from __future__ import annotations

import argparse

from app.cli import build_parser


def _simulate_parser() -> argparse.ArgumentParser:
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return sub.choices["simulate"]


def test_every_simulate_option_has_a_help_text() -> None:
    parser = _simulate_parser()
    options = [a for a in parser._actions if a.option_strings and a.dest != "help"]
    assert {a.dest for a in options} >= {"port", "boards", "latency_ms", "seed", "write_companies"}
    assert [a.dest for a in options if not (a.help or "").strip()] == []


def test_simulate_help_says_how_days_advance_and_how_dates_follow() -> None:
    text = _simulate_parser().format_help()
    assert "/_control/day" in text and '{"day": 1}' in text
    assert "never with the clock" in text
    assert "relative to the simulated day" in text

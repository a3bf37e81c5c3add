"""Salary from prose per description vs. turning the same description's HTML into text, in one run.

    python benchmarks/salary.py [--descriptions 400] [--repeat 5]

Every posting without structured pay goes through both ``html_to_text`` and
``parse_salary_text``; the ratio says what the salary search adds to the text work each
posting already pays. The descriptions are the ~5 KB ones of ``benchmarks/parse.py`` (one
salary sentence each), plus the same with a commission, level and currency-in-words
sentence, which take the slower paths.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable

from benchmarks.parse import description
from scraper.normalize import html_to_text, parse_salary_text

HARD = (
    "<p>Base salary £40,000 - £45,000 plus commission £15,000 - £20,000 (OTE £60,000).</p>"
    "<p>Level 3: $120,000 - $140,000; Level 4: $150,000 - $175,000.</p>"
    "<p>All our salaries are in Canadian dollars: this one is 95,000 per year.</p>"
)


def _time(fn: Callable[[str], object], items: list[str]) -> float:
    start = time.perf_counter()
    for item in items:
        fn(item)
    return time.perf_counter() - start


def best_pair(htmls: list[str], texts: list[str], repeat: int) -> tuple[float, float]:
    """Best times of html_to_text and parse_salary_text, measured turn about so that a
    busy spell on the machine hits both."""
    text_s, salary_s = [], []
    for _ in range(repeat):
        text_s.append(_time(html_to_text, htmls))
        salary_s.append(_time(parse_salary_text, texts))
    return min(text_s), min(salary_s)


def main() -> None:
    cli = argparse.ArgumentParser(description=__doc__)
    cli.add_argument("--descriptions", type=int, default=400)
    cli.add_argument("--repeat", type=int, default=5)
    args = cli.parse_args()
    rng = random.Random(7)
    plain = [description(rng) for _ in range(args.descriptions)]
    hard = [html.replace("</h2>", "</h2>" + HARD, 1) for html in plain]
    print(f"salary benchmark: {args.descriptions} descriptions of ~5 KB, best of {args.repeat}")
    print(f"{'descriptions':<14}{'html_to_text s':>16}{'salary s':>10}{'salary/text':>13}")
    for name, htmls in (("usual", plain), ("hard", hard)):
        texts = [html_to_text(h) or "" for h in htmls]
        text_s, salary_s = best_pair(htmls, texts, args.repeat)
        print(f"{name:<14}{text_s:>16.3f}{salary_s:>10.3f}{salary_s / text_s:>12.2f}x")


if __name__ == "__main__":
    main()

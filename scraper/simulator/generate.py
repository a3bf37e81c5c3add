"""Deterministic boards and jobs from (seed, board, day): who lists what on which day."""

from __future__ import annotations

import html
import random
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta

from scraper.simulator import formats
from scraper.simulator.faults import FAILURE_BOARDS
from scraper.simulator.world import (
    ANNUAL_BASE,
    BENEFITS,
    BULLETS,
    EMPLOYMENT,
    NAME_HEADS,
    NAME_TAILS,
    PLACES,
    REMOTE_LABELS,
    ROLES,
    Board,
    Place,
    Salary,
    SimJob,
    salary_prose,
    stable_hash,
)


class Generator:
    """Deterministic boards and jobs from (seed, board, day), computed lazily and cached."""

    def __init__(self, seed: int, now: datetime, day: int = 0) -> None:
        self.seed = seed
        self.now = now
        self.day = day
        self._jobs: dict[tuple[str, int], SimJob] = {}
        self._day_sets: dict[tuple[str, int], list[SimJob]] = {}

    def set_calendar(self, now: datetime, day: int) -> None:
        """Date every posting as if simulated day ``day`` were ``now``: at day 5, a job born
        on day 3 is dated two days before ``now``."""
        if (now, day) != (self.now, self.day):
            self.now, self.day = now, day
            self._jobs, self._day_sets = {}, {}  # replaced, not cleared: the server thread reads them

    def make_boards(self, count: int, failures: bool) -> list[Board]:
        boards: list[Board] = []
        used: set[str] = set()
        seen_formats: dict[str, int] = {}
        for i in range(count):
            ats = formats.FORMATS[i % len(formats.FORMATS)]
            nth = seen_formats.get(ats, 0)
            seen_formats[ats] = nth + 1
            boards.append(self._good_board(i, ats, nth, used))
        if failures:
            for j, (slug, kind, ats) in enumerate(FAILURE_BOARDS):
                name = slug.replace("-", " ").title()
                boards.append(Board(count + j, ats, slug, name, 12, stable_hash(self.seed, slug), kind))
        return boards

    def _good_board(self, i: int, ats: str, nth: int, used: set[str]) -> Board:
        rng = random.Random(f"{self.seed}:board:{i}")
        name = f"{rng.choice(NAME_HEADS)} {rng.choice(NAME_TAILS)}"
        for _ in range(20):  # prefer a fresh name; past ~500 boards the slugs get a number
            if formats.slug(ats, name).lower() not in used and name not in used:
                break
            name = f"{rng.choice(NAME_HEADS)} {rng.choice(NAME_TAILS)}"
        slug = formats.slug(ats, name)
        base, n = slug, 2
        while slug.lower() in used:
            slug, n = formats.numbered(ats, base, n), n + 1
        used.update((slug.lower(), name))
        size, site, variant = formats.tune(ats, nth, int(5 + 55 * rng.random() ** 1.7))
        return Board(i, ats, slug, name, size, rng.getrandbits(16), None, site, variant)

    def jobs_on(self, board: Board, day: int) -> list[SimJob]:
        """The jobs the board lists on ``day``, oldest first."""
        key = (board.slug, day)
        if key not in self._day_sets:
            self._day_sets[key] = [self.job(board, k, born) for k, born in self._alive(board, day)]
        return self._day_sets[key]

    def _alive(self, board: Board, day: int) -> Iterator[tuple[int, int]]:
        span = 2 * board.mean_life
        for k in range(board.size):
            posted = -(stable_hash(self.seed, board.slug, k, "age") % 60)
            left = 1 + stable_hash(self.seed, board.slug, k, "life") % span
            if day < left and self._present(board, k, day):
                yield k, posted
        for born in range(max(1, day - span), day + 1):
            for j in range(board.per_day):
                k = board.size + (born - 1) * board.per_day + j
                life = 1 + stable_hash(self.seed, board.slug, k, "life") % span
                if born <= day < born + life and self._present(board, k, day):
                    yield k, born

    def _present(self, board: Board, k: int, day: int) -> bool:
        # ~3% of open jobs are missing on any given day and come back the next: reopen cases
        return stable_hash(self.seed, board.slug, k, day, "flicker") % 100 >= 3

    def job(self, board: Board, k: int, born: int) -> SimJob:
        key = (board.slug, k)
        if key not in self._jobs:
            self._jobs[key] = self._make_job(board, k, born)
        return self._jobs[key]

    def _make_job(self, board: Board, k: int, born: int) -> SimJob:
        rng = random.Random(f"{self.seed}:{board.slug}:{k}")
        department, team, titles = rng.choice(ROLES)
        title = rng.choice(titles)
        roll = rng.random()
        workplace = "remote" if roll < 0.25 else "hybrid" if roll < 0.5 else "onsite" if roll < 0.9 else None
        remote_label = None
        places = tuple(rng.sample(PLACES[:5], rng.choice((2, 3)))) if rng.random() < 0.12 else (rng.choice(PLACES),)
        if workplace == "remote":
            remote_label, implied = rng.choice(REMOTE_LABELS)
            places = (implied or places[0],)
        employment = rng.choice(EMPLOYMENT)
        # Posted in the hours before that day's "now"; edited since, but never after today's.
        day0 = self.now - timedelta(days=self.day)
        posted = day0 + timedelta(days=born) - timedelta(hours=rng.randrange(0, 10), minutes=rng.randrange(60))
        updated = min(posted + timedelta(days=rng.randrange(0, 5), hours=rng.randrange(24)), max(posted, self.now))
        salary = self._salary(rng, places[0], employment)
        structured = salary is not None and rng.random() < 0.6
        intro, sections, closing = self._description(rng, board, title, salary, structured)
        uid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        code = format(rng.getrandbits(40), "010X")
        return SimJob(k, born, title, department, team, places, workplace, remote_label, employment,
                      posted, updated, salary, structured, intro, sections, closing, uid, code)  # fmt: skip

    @staticmethod
    def _salary(rng: random.Random, place: Place, employment: str) -> Salary | None:
        if rng.random() < 0.4:
            return None
        if employment in ("contract", "intern") and place.currency == "USD":
            low = rng.randrange(30, 80)
            return Salary(low, low + rng.randrange(10, 30), "USD", "hour")
        base = ANNUAL_BASE[place.currency] * rng.uniform(0.7, 1.4)
        step = 1000 if base < 1_000_000 else 10_000
        low = int(base // step * step)
        return Salary(low, int(low * rng.uniform(1.15, 1.4) // step * step), place.currency, "year")

    @staticmethod
    def _description(
        rng: random.Random, board: Board, title: str, salary: Salary | None, structured: bool
    ) -> tuple[str, tuple[tuple[str, tuple[str, ...]], ...], str]:
        paragraphs = rng.randrange(1, 4)
        intro = f"<p>At <strong>{html.escape(board.name)}</strong> we build tools people rely on every day.</p>"
        intro += "".join(
            f"<p>As our new {html.escape(title)} you will join a team of {rng.randrange(4, 30)} "
            "people who care about craft, kindness and shipping.&nbsp;We value clear writing, "
            "small steps and fast feedback.</p>"
            for _ in range(paragraphs)
        )
        sections = (
            ("What you'll do", tuple(rng.sample(BULLETS[:7], rng.randrange(2, 6)))),
            ("What you bring", tuple(rng.sample(BULLETS[7:], rng.randrange(2, 5)))),
        )
        closing = "<h3>Benefits</h3><ul>" + "".join(
            f"<li>{html.escape(b)}</li>" for b in rng.sample(BENEFITS, rng.randrange(2, 6))
        ) + "</ul>"
        if salary is not None and not structured:
            prose = salary_prose(salary, rng.randrange(6))
            closing += f"<p><strong>Compensation:</strong> the pay range for this role is {html.escape(prose)}.</p>"
        return intro, sections, closing

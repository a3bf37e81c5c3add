"""Employment type: a board's own text ("FULL_TIME", "fulltime_permanent", "Intern") mapped
to a small vocabulary the Jobs page can filter on."""

from __future__ import annotations

import re

from scraper.normalize.text import clean

EMPLOYMENT_KINDS = ("full-time", "part-time", "contract", "temporary", "internship", "other")

# "Permanent contract" and "employment contract" are employees' contracts, not contracting.
_EMPLOYEE_CONTRACT = re.compile(
    r"\b(permanent|employment|unlimited|indefinite|open ended|regular|work|fixed term|"
    r"temporary)\s+contracts?\b"
)
# Checked in this order: the first that matches wins. A more particular kind beats a
# general one ("fulltime_fixed_term" is temporary, "Full-time intern" an internship), and
# part-time beats full-time ("Full or part time" is open to someone seeking part-time).
_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("internship", re.compile(
        r"\b(?:interns?|internships?|co op|praktik\w*|stagiaire|traineeships?|trainees?|"
        r"apprentice\w*|ausbildung|azubi|alternance|pasant\w*|estagi\w*)\b")),
    ("temporary", re.compile(
        r"\b(?:temporary|temp|fixed term|seasonal|befristet|interim|limited term|cdd|"
        r"temporal|tempor[aá]rio)\b")),
    ("contract", re.compile(
        r"\b(?:contracts?|contractors?|contracting|freelance\w*|consultant|c2c|corp to corp|"
        r"1099|self employed|b2b)\b")),
    ("part-time", re.compile(
        r"\b(?:part time|half time|teilzeit|working student|werkstudent\w*|temps partiel|"
        r"tiempo parcial|medio tiempo|meio per[ií]odo)\b")),
    ("full-time", re.compile(
        r"\b(?:full time|permanent|regular|vollzeit|festanstellung|unbefristet|cdi|"
        r"temps plein|tiempo completo|tempo integral)\b")),
)


def _words(text: str) -> str:
    """'FullTime' / 'FULL_TIME' / 'fulltime_permanent' -> 'full time' / ... (lower case,
    one space between words)."""
    spaced = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", text).lower()
    spaced = re.sub(r"[\W_]+", " ", spaced)
    return re.sub(r"\b(full|part|half)(time)\b", r"\1 \2", spaced).strip()


def normalize_employment_type(text: object) -> str | None:
    """The board's employment text as full-time, part-time, contract, temporary, internship
    or other; None when there is no text."""
    cleaned = clean(text) if isinstance(text, str) else None
    if cleaned is None:
        return None
    words = _EMPLOYEE_CONTRACT.sub(r"\1", _words(cleaned))
    for kind, pattern in _KINDS:
        if pattern.search(words):
            return kind
    return "other"

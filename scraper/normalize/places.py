"""Places: workplace (remote / hybrid / onsite) and location lists."""

from __future__ import annotations

import re

from scraper.normalize.text import clean, unique

_TRUE = frozenset({"true", "1", "yes", "y"})
_HYBRID = re.compile(r"\bhybrid\b", re.I)
_ONSITE = re.compile(r"(?:\b|_)(?:on[\s_-]?site|in[\s_-]office|in[\s_-]person|office[\s_-]based)\b", re.I)
_REMOTE = re.compile(r"\b(?:remote|anywhere|work from home|wfh|telecommut\w*)\b", re.I)
_NOT_REMOTE = re.compile(r"\b(?:not|non|no)[\s-]remote\b", re.I)


def _flag(value: object) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in _TRUE
    return value is True or (isinstance(value, int) and not isinstance(value, bool) and value == 1)


def workplace_from_flags(
    remote: object = None, hybrid: object = None, onsite: object = None
) -> str | None:
    """remote / hybrid / onsite from boolean-ish flags; None when none is set.
    Hybrid wins over remote (a job flagged both is not fully remote)."""
    if _flag(hybrid):
        return "hybrid"
    if _flag(remote):
        return "remote"
    if _flag(onsite):
        return "onsite"
    return None


def workplace_from_text(*texts: str | None) -> str | None:
    """remote / hybrid / onsite inferred from location or type text; None when unknown.
    The first text that tells wins; within a text hybrid > remote > on-site."""
    for text in texts:
        if not isinstance(text, str) or not text:
            continue
        if _HYBRID.search(text):
            return "hybrid"
        if _NOT_REMOTE.search(text):
            return "onsite"
        if _REMOTE.search(text):
            return "remote"
        if _ONSITE.search(text):
            return "onsite"
    return None


_REGION_WORDS = frozenset(
    s.casefold()
    for s in (
        "USA", "United States", "United States of America", "Canada", "Mexico", "Brazil",
        "Argentina", "Colombia", "Chile", "United Kingdom", "England", "Scotland", "Ireland",
        "Germany", "France", "Spain", "Portugal", "Italy", "Netherlands", "Belgium",
        "Switzerland", "Austria", "Sweden", "Norway", "Denmark", "Finland", "Poland",
        "Czechia", "Czech Republic", "Romania", "Greece", "Estonia", "Lithuania", "Ukraine",
        "Israel", "India", "Singapore", "Japan", "Australia", "New Zealand", "South Africa",
        "Nigeria", "Kenya", "China", "South Korea", "Philippines", "Indonesia", "UAE",
        "United Arab Emirates", "Alabama", "Alaska", "Arizona", "Arkansas", "California",
        "Colorado", "Connecticut", "Delaware", "Florida", "Georgia", "Hawaii", "Idaho",
        "Illinois", "Indiana", "Iowa", "Kansas", "Kentucky", "Louisiana", "Maine", "Maryland",
        "Massachusetts", "Michigan", "Minnesota", "Mississippi", "Missouri", "Montana",
        "Nebraska", "Nevada", "New Hampshire", "New Jersey", "New Mexico", "North Carolina",
        "North Dakota", "Ohio", "Oklahoma", "Oregon", "Pennsylvania", "Rhode Island",
        "South Carolina", "South Dakota", "Tennessee", "Texas", "Utah", "Vermont", "Virginia",
        "Washington", "West Virginia", "Wisconsin", "Wyoming", "District of Columbia",
        "Ontario", "Quebec", "British Columbia", "Alberta", "Bavaria", "Catalonia", "EMEA",
        "APAC", "LATAM", "Americas", "Europe",
    )
)
_CODE_PART = re.compile(r"^[A-Z]{2,3}$")
_TRAILING_NOTE = re.compile(r"\s*\([^()]*\)$")


def split_locations(text: str | None) -> tuple[str, ...]:
    """'Seattle, San Francisco, New York City' -> three cities, while 'San Francisco, CA'
    and 'Berlin, Germany' stay one place (a state, country or code joins the place before)."""
    cleaned = clean(text)
    if cleaned is None:
        return ()
    places: list[str] = []
    for group in re.split(r"\s*(?:[;|•]|\s/\s|\bor\b)\s*", cleaned):
        for part in (p.strip() for p in group.split(",")):
            if not part:
                continue
            # "WA (Hybrid)" is still a state: judge the part without its trailing note.
            bare = _TRAILING_NOTE.sub("", part)
            is_region = _CODE_PART.match(bare) or bare.casefold() in _REGION_WORDS
            if places and is_region and places[-1].count(",") < 2:
                places[-1] = f"{places[-1]}, {part}"
            else:
                places.append(part)
    return unique(places)

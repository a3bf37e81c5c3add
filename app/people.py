"""Who is here, resolved in one place, and what they may do. No Streamlit: ``app.ui`` feeds
this module what the session knows (``st.user``, ``st.context.headers``, a given name).

Three identity modes, by configuration:

- ``oidc``: an ``[auth]`` section in ``.streamlit/secrets.toml``; Streamlit's ``st.login``
  verifies the person with an OpenID Connect provider (verified).
- ``header``: ``JOBSCRAPER_USER_HEADER`` names a header a trusted reverse proxy sets (e.g.
  oauth2-proxy's ``X-Forwarded-Email``) (verified by the proxy).
- ``name``: neither: a display name the person types the first time they edit (unverified).
  Everyone is an admin in this mode, since nobody's name can be checked.

With ``JOBSCRAPER_ADMINS`` set (emails or names), only those people manage companies, the
schedule and deletions in the verified modes; unset, everyone may.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

Mode = Literal["oidc", "header", "name"]
Source = Literal["oidc", "header", "name", "anonymous", "system"]

MAX_NAME = 80
_SPACE = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class PermissionDenied(PermissionError):  # noqa: N818 - reads as the outcome it is
    """The person may not do this; the message says why and what to do instead."""


@dataclass(frozen=True, slots=True)
class Person:
    """One person as the app knows them. ``key`` is the stable identity recorded with their
    actions (an email, the proxy's header value, or the typed name); None when anonymous."""

    key: str | None
    name: str
    verified: bool = False
    source: Source = "anonymous"
    admin: bool = False

    @property
    def anonymous(self) -> bool:
        return self.key is None

    @property
    def label(self) -> str:
        """How the sidebar and messages show them: ``Alice (alice@x.org)``,
        ``Bob (unverified)``, ``anonymous`` (no angle brackets: Markdown would eat them)."""
        if self.anonymous:
            return self.name
        if not self.verified:
            return f"{self.name} (unverified)"
        return self.name if self.key == self.name else f"{self.name} ({self.key})"


ANONYMOUS = Person(None, "anonymous")
SCHEDULER = Person("schedule", "schedule", verified=True, source="system", admin=True)


def clean_name(text: str) -> str:
    """A typed display name: control characters dropped, spaces collapsed, at most 80
    characters; ValueError when nothing is left."""
    name = _SPACE.sub(" ", _CONTROL.sub("", text)).strip()[:MAX_NAME].strip()
    if not name:
        raise ValueError("type your name: the team sees it next to your changes")
    return name


def parse_admins(text: str | None) -> frozenset[str]:
    """``JOBSCRAPER_ADMINS``: comma-separated emails or names, compared case-insensitively."""
    return frozenset(p.strip().casefold() for p in (text or "").split(",") if p.strip())


def mode_of(*, auth_configured: bool, user_header: str | None) -> Mode:
    if auth_configured:
        return "oidc"
    return "header" if user_header else "name"


def _header(headers: Mapping[str, str], name: str) -> str | None:
    # st.context.headers is case-insensitive; a plain dict (tests) may not be.
    value = headers.get(name)
    if value is None:
        lowered = name.lower()
        value = next((v for k, v in headers.items() if k.lower() == lowered), None)
    return value


def _is_admin(mode: Mode, key: str, name: str, admins: frozenset[str]) -> bool:
    if mode == "name" or not admins:
        return True
    return key.casefold() in admins or name.casefold() in admins


def resolve(
    mode: Mode,
    *,
    user: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
    user_header: str | None = None,
    given_name: str | None = None,
    admins: frozenset[str] = frozenset(),
) -> Person:
    """The person behind a session in ``mode``: from the OIDC claims (``st.user``), the
    trusted header, or the name they gave; ``ANONYMOUS`` when the mode's source is empty."""
    if mode == "oidc":
        user = user or {}
        if not user.get("is_logged_in"):
            return ANONYMOUS
        key = str(user.get("email") or user.get("sub") or "").strip()
        if not key:
            return ANONYMOUS
        name = str(user.get("name") or key).strip()[:MAX_NAME]
        return Person(key, name, True, "oidc", _is_admin(mode, key, name, admins))
    if mode == "header":
        raw = _header(headers or {}, user_header or "") if user_header else None
        value = _CONTROL.sub("", raw or "").strip()[:200]
        if not value:
            return ANONYMOUS
        return Person(value, value, True, "header", _is_admin(mode, value, value, admins))
    if not given_name:
        return replace(ANONYMOUS, admin=True)
    name = clean_name(given_name)
    return Person(name, name, False, "name", True)


def require_person(person: Person, action: str) -> None:
    """PermissionDenied unless the person is known (edits are signed)."""
    if person.anonymous:
        raise PermissionDenied(
            f"Cannot {action} anonymously: give your name (or log in) first, so the team "
            "sees who changed what."
        )


def require_admin(person: Person, action: str) -> None:
    """PermissionDenied unless the person may manage companies, the schedule and deletions."""
    require_person(person, action)
    if not person.admin:
        raise PermissionDenied(
            f"{person.label} may not {action}: only the admins listed in JOBSCRAPER_ADMINS "
            "manage companies, the schedule and deletions. Ask one of them."
        )

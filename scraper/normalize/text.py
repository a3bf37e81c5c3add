"""Text and HTML: cleaning values, http(s) URLs, HTML to plain text, sanitized HTML."""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import urljoin, urlsplit

import lxml.html
import nh3
from lxml import etree

_PLACEHOLDERS = frozenset(
    {"n/a", "na", "n.a.", "none", "null", "nil", "undefined", "unavailable", "unknown",
     "-", "--", "—", "–", "tbd", "tba", "tbc", "not specified", "not available",
     "not applicable", "nan", "{}", "[]"}
)
# Invisible characters that make a value look non-empty: zero-width space, joiners, BOM.
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"
# Lone surrogates (from JSON "\ud800") and C0 controls break lxml, nh3 and the store.
_UNSAFE_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")
_SPACES = re.compile(r"\s+")


def _safe(text: str) -> str:
    return _UNSAFE_CHARS.sub("", text)


def clean(value: object) -> str | None:
    """Trimmed text; None for None, empty or whitespace-only strings and placeholders."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        value = str(value)
    if not isinstance(value, str):
        return None
    text = _SPACES.sub(" ", _safe(value)).strip().strip(_INVISIBLE).strip()
    if not text or text.lower() in _PLACEHOLDERS:
        return None
    return text


def unique(items: Iterable[str | None]) -> tuple[str, ...]:
    """Cleaned, de-duplicated strings in first-seen order (case-insensitive)."""
    seen: set[str] = set()
    out: list[str] = []
    for item in items:
        text = clean(item)
        if text is not None and text.casefold() not in seen:
            seen.add(text.casefold())
            out.append(text)
    return tuple(out)


_URL_WHITESPACE = re.compile(r"[\x00-\x20\x7f]")


def _is_http(url: str) -> bool:
    try:
        parts = urlsplit(url)
        return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)
    except ValueError:  # "http://[::1" and other unparseable netlocs
        return False


def http_url(value: object, base: str | None = None) -> str | None:
    """An absolute http(s) URL from ``value`` (a relative one resolved against an http(s)
    ``base``), whitespace stripped; None for anything else: javascript:, data:, mailto:..."""
    if not isinstance(value, str):
        return None
    # Browsers drop tabs and newlines anywhere in a URL ("java\tscript:"): so do we, before
    # judging the scheme, and inner spaces are encoded rather than trusted.
    text = value.strip().replace(" ", "%20")
    text = _URL_WHITESPACE.sub("", text)
    if not text or len(text) > 2048:
        return None
    if base is not None and _is_http(base):
        try:
            text = urljoin(base, text)
        except ValueError:
            return None
    return text if _is_http(text) else None


_BLOCK_TAGS = frozenset(
    {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table",
     "section", "article", "header", "footer", "blockquote", "pre", "hr", "dd", "dt", "dl",
     "title", "main", "aside", "nav", "figure", "figcaption", "address", "details",
     "summary", "form", "fieldset", "caption", "thead", "tbody", "tfoot", "body", "html"}
)
_DROPPED_TAGS = ("script", "style", "noscript", "template", "head", "iframe", "object", "svg")
_ALLOWED_TAGS = frozenset(
    {"a", "abbr", "b", "blockquote", "br", "caption", "code", "dd", "div", "dl", "dt", "em",
     "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "li", "mark", "ol", "p", "pre", "s",
     "small", "span", "strike", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th",
     "thead", "tr", "u", "ul"}
)
_ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "ol": {"start"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}
_CLEAN_CONTENT_TAGS = frozenset(
    {"script", "style", "iframe", "object", "embed", "noscript", "template", "svg", "math",
     "textarea", "select", "title", "head"}
)


def unescape_html(html: str | None) -> str | None:
    """Undo HTML escaping once (Greenhouse's content), leaving real markup."""
    if not isinstance(html, str):
        return None
    return html_lib.unescape(html)


def _parse_html(html: str) -> etree._Element | None:
    try:
        return lxml.html.document_fromstring(html)
    except ValueError:  # a str carrying an XML encoding declaration
        parser = lxml.html.HTMLParser(encoding="utf-8")
        try:
            return lxml.html.document_fromstring(html.encode("utf-8"), parser=parser)
        except (etree.ParserError, ValueError):
            return None
    except etree.ParserError:
        return None


_BREAK = "\x00"  # marks block boundaries; _safe() removed any NUL from the input


def _text_pieces(root: etree._Element) -> list[str]:
    """Raw text of the tree with _BREAK at block boundaries."""
    pieces: list[str] = []
    for event, el in etree.iterwalk(root, events=("start", "end")):
        tag = el.tag if isinstance(el.tag, str) else ""
        if event == "start":
            if tag.lower() in _BLOCK_TAGS:
                pieces.append(_BREAK)
            if el.text and tag:
                pieces.append(el.text)
        else:
            if tag.lower() in _BLOCK_TAGS:
                pieces.append(_BREAK)
            if el.tail and el is not root:
                pieces.append(el.tail)
    return pieces


def html_to_text(html: str | None) -> str | None:
    """Plain text of an HTML fragment: tags removed, entities unescaped, whitespace tidied.
    Block elements end lines; empty lines are dropped; None when nothing is left."""
    if not isinstance(html, str) or not html.strip():
        return None
    root = _parse_html(_safe(html))
    if root is None:
        return clean(re.sub(r"<[^>]*>", " ", html))
    etree.strip_elements(root, *_DROPPED_TAGS, etree.Comment, etree.ProcessingInstruction,
                         with_tail=False)
    # Source newlines and non-breaking spaces are spaces in HTML; only blocks break lines.
    text = " ".join("".join(_text_pieces(root)).replace("\u200b", " ").split())
    lines = (line.strip().strip(_INVISIBLE).strip() for line in text.split(_BREAK))
    return "\n".join(line for line in lines if line) or None


def sanitize_html(html: str | None) -> str | None:
    """HTML safe to render: no script, style, iframe, event handlers or javascript: URLs.
    Links keep http/https/mailto hrefs and get rel="noopener noreferrer nofollow"."""
    if not isinstance(html, str) or not html.strip():
        return None
    safe = nh3.clean(
        _safe(html),
        tags=set(_ALLOWED_TAGS),
        clean_content_tags=set(_CLEAN_CONTENT_TAGS),
        attributes={tag: set(attrs) for tag, attrs in _ALLOWED_ATTRIBUTES.items()},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    ).strip()
    return safe or None


def description_fields(html: str | None, plain: str | None = None) -> dict[str, Any]:
    """Job's description_text (from the HTML, else ``plain``) and sanitized description_html."""
    text = html_to_text(html)
    # Markup without any text ("<p>&nbsp;</p>") is no description: null, like the text.
    safe_html = sanitize_html(html) if text is not None else None
    if text is None and isinstance(plain, str):
        text = html_to_text(html_lib.escape(plain).replace("\n", "<br>"))
    return {"description_text": text, "description_html": safe_html}

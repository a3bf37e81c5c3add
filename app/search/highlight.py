"""Where a job matched: a short plain-text snippet for the table, and the description with
the matched words marked for the detail. Words are found with the index's own analyzer,
so "engineering" lights up for a search of "engineers"; marked HTML goes through the
scraper's sanitizer like any description."""

from __future__ import annotations

import functools
import html
import itertools
import re

import lxml.html

from app.search.query import ParsedQuery, analyzer
from scraper.normalize import sanitize_html

_ANALYZER = analyzer()
SNIPPET_CHARS = 160


def matched_spans(text: str, parsed: ParsedQuery, field_name: str = "description",
                  ) -> list[tuple[int, int]]:
    """(start, end) character offsets of the words of ``text`` the query looks for."""
    words, prefixes = parsed.highlight_terms(field_name)
    if not text or not (words or prefixes):
        return []
    return [
        (t.char_offset_from, t.char_offset_to)
        for t in _ANALYZER.pre_tokenize(text).tokens
        if t.text in words or t.text.startswith(prefixes)
    ]


@functools.lru_cache(maxsize=64)
def _prefilter(words: frozenset[str], prefixes: tuple[str, ...]) -> re.Pattern[str]:
    """A regex finding where a matched word may start: stems are (nearly) prefixes of their
    words ("engin" of "engineering"; "happi" of "happy" once its last letter is dropped)."""
    heads = {w[:-1] if len(w) > 4 else w for w in words} | set(prefixes)
    alternatives = "|".join(re.escape(h) for h in sorted(heads, key=len, reverse=True))
    return re.compile(rf"(?<![^\W_])(?:{alternatives})", re.IGNORECASE)


def _window_spans(text: str, parsed: ParsedQuery, width: int) -> list[tuple[int, int]]:
    """The matched spans around the first place in ``text`` that truly matches (found by a
    quick regex, checked with the analyzer): far cheaper than analyzing 5 KB per row."""
    words, prefixes = parsed.highlight_terms("description")
    if not (words or prefixes):
        return []
    for m in itertools.islice(_prefilter(words, prefixes).finditer(text), 8):
        begin = max(text.rfind(" ", 0, max(m.start() - 2, 0)) + 1, 0)
        end = text.find(" ", min(m.start() + 2 * width, len(text)))
        end = len(text) if end < 0 else end
        spans = matched_spans(text[begin:end], parsed)
        if spans:
            return [(begin + s, begin + e) for s, e in spans]
    return []


def snippet(text: str | None, parsed: ParsedQuery, width: int = SNIPPET_CHARS) -> str | None:
    """About ``width`` characters of ``text`` around its first cluster of matched words,
    with … where it was cut; None when no word of ``text`` matched."""
    if not text:
        return None
    spans = _window_spans(text, parsed, width)
    if not spans:
        return None
    best, best_count = 0, 0
    for i, (start, _) in enumerate(spans):
        count = sum(1 for s, _ in spans[i:] if s < start + width)
        if count > best_count:
            best, best_count = i, count
    start = spans[best][0]
    # A little context before the first match, cut at a word boundary.
    begin = text.rfind(" ", 0, start - 30) + 1 if start > 30 else 0
    end = min(len(text), begin + width)
    if end < len(text):
        cut = text.rfind(" ", begin, end)
        end = cut if cut > spans[best][1] else end
    body = " ".join(text[begin:end].split())
    return ("…" if begin else "") + body + ("…" if end < len(text) else "")


def _marked(text: str, parsed: ParsedQuery) -> list[str | tuple[str]]:
    """``text`` as pieces: plain strings and 1-tuples holding a matched word."""
    pieces: list[str | tuple[str]] = []
    at = 0
    for start, end in matched_spans(text, parsed):
        pieces.extend([text[at:start], (text[start:end],)])
        at = end
    pieces.append(text[at:])
    return [p for p in pieces if p]


def highlight_text(text: str, parsed: ParsedQuery) -> str:
    """Plain ``text`` as safe HTML paragraphs with the matched words in ``<mark>``."""
    out = []
    for piece in _marked(text, parsed):
        out.append(f"<mark>{html.escape(piece[0])}</mark>" if isinstance(piece, tuple)
                   else html.escape(piece))
    paragraphs = "".join(out).split("\n\n")
    body = "".join(f"<p>{p.replace(chr(10), '<br>')}</p>" for p in paragraphs)
    return sanitize_html(body) or ""


def _mark_node_text(element: lxml.html.HtmlElement, parsed: ParsedQuery) -> None:
    """Wrap matched words of ``element``'s own text and of its children's tails."""
    children = list(element)
    if element.text:
        pieces = _marked(element.text, parsed)
        element.text = None
        _insert(element, 0, None, pieces)
    for child in children:
        if child.tail:
            pieces = _marked(child.tail, parsed)
            child.tail = None
            _insert(element, element.index(child) + 1, child, pieces)
        _mark_node_text(child, parsed)


def _insert(parent: lxml.html.HtmlElement, at: int, before: lxml.html.HtmlElement | None,
            pieces: list[str | tuple[str]]) -> None:
    """Put ``pieces`` at child position ``at`` (text after ``before``, or the parent's text)."""
    last = before
    for piece in pieces:
        if isinstance(piece, tuple):
            mark = lxml.html.Element("mark")
            mark.text = piece[0]
            parent.insert(at, mark)
            at += 1
            last = mark
        elif last is None:
            parent.text = (parent.text or "") + piece
        else:
            last.tail = (last.tail or "") + piece


def highlight_html(description_html: str, parsed: ParsedQuery) -> str:
    """Sanitized ``description_html`` with the matched words in ``<mark>``, sanitized again
    after marking (so nothing but the marks can have been added)."""
    clean = sanitize_html(description_html) or ""
    if not clean or parsed.empty:
        return clean
    root = lxml.html.fragment_fromstring(clean, create_parent="div")
    _mark_node_text(root, parsed)
    marked = lxml.html.tostring(root, encoding="unicode")
    return sanitize_html(marked) or ""

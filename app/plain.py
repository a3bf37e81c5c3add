"""Scraped (and team-typed) text shown as text wherever Streamlit renders Markdown.

Titles, locations, departments, company names and error texts come from boards anyone can
publish. Inside ``st.markdown``, ``st.caption``, ``st.subheader``, alerts, toasts, labels and
radio options they would otherwise render: ``![x](http://host/pixel.png)`` makes every
viewer's browser fetch that URL, and links, bold, ``:red[colours]`` and ``$LaTeX$`` render too.
"""

from __future__ import annotations

import re

# Backslash-escaped ASCII punctuation is literal in CommonMark. These characters open inline
# Markdown anywhere (emphasis, code, links and images, HTML, entities, strike-through, tables,
# math); other punctuation is left alone so text reads as typed.
_INLINE = re.compile(r"([\\`*_\[\]<>&~|$])")
# A colon before a name opens a Streamlit directive (:red[…], or :word alone, which eats the
# word) or a code (:smile:, :material/star:; both colons and the slash must be escaped: the
# codes are found in the text with escapes already read), and before a slash a link protocol.
_NAME_COLON = re.compile(r":(?=[A-Za-z_+\-/])|:(?=\d[\w+\-]*:)")
_CODE_SLASH = re.compile(r"(\\:[\w+\-\\]*)/")
_CODE_END = re.compile(r"(\\:[\w+\-\\/]+):")
# At a line's start these open headings, quotes, lists, rules and setext underlines.
_BLOCK_START = re.compile(r"^([#>+=\-])|^(\d+)([.)])", re.MULTILINE)
# GFM also links bare ``http…``, ``www.…`` and ``a@b.c`` found in the text after escapes are
# read, where a space or punctuation precedes them (or, for e-mail, a name follows the @): an
# invisible word joiner (U+2060) breaks that.
_AUTOLINK = re.compile(r"(?i)(https?\\:|www\.)")
_JOINER = "\u2060"
_SPACES = re.compile(r"\s+")
_INDENT = re.compile(r"^[ \t]+", re.MULTILINE)


def md_escape(text: str | None) -> str:
    """``text`` as literal text inside Markdown; None reads as ''."""
    if not text:
        return ""
    escaped = _INDENT.sub("", text)  # four spaces would open a code block
    escaped = _INLINE.sub(r"\\\1", escaped)
    escaped = _NAME_COLON.sub(r"\\:", escaped)
    escaped = _CODE_SLASH.sub(r"\1\\/", escaped)
    escaped = _CODE_END.sub(r"\1\\:", escaped)
    escaped = _BLOCK_START.sub(lambda m: f"\\{m[1]}" if m[1] else f"{m[2]}\\{m[3]}", escaped)
    escaped = _AUTOLINK.sub(_JOINER + r"\1", escaped)
    return escaped.replace("@", "@" + _JOINER)


def md_line(text: str | None) -> str:
    """``text`` on one line (runs of whitespace, newlines included, become one space) and
    escaped: for headings, captions and labels, where a newline would start a new block."""
    return md_escape(_SPACES.sub(" ", text or "").strip())


# A spreadsheet runs a cell that starts with one of these as a formula (=HYPERLINK(…), +cmd|…);
# a leading apostrophe makes it text and is not shown (OWASP's advice for CSV injection).
FORMULA_START = "=+-@\t\r"
FORMULA_PATTERN = r"^[=+\-@\t\r]"


def csv_cell(text: str) -> str:
    """``text`` safe as a CSV cell opened in a spreadsheet."""
    return "'" + text if text[:1] and text[0] in FORMULA_START else text


def from_csv_cell(text: str) -> str:
    """``csv_cell`` undone, so an exported list imports back as it was."""
    return text[1:] if text[:1] == "'" and text[1:2] and text[1] in FORMULA_START else text

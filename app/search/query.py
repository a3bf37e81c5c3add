"""The search box's language, parsed by hand into a tantivy query (never by tantivy's own
parser, which raises on what people type).

    data engineer          every word must match, in any field
    "data engineer"        a phrase
    -intern  NOT intern    exclude
    title:staff            narrow to a field (title, company, department, location, description)
    kube*                  a prefix (of a word's stem)
    remote OR hybrid       either one
    AND                    ignored: all words must match anyway

Anything else is searched as words; punctuation separates words. What cannot be searched
(a lone ``*``, only punctuation, a 10 KB paste past its first words) is left out and said
in a hint, so every input gives results or a hint, never an exception.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import tantivy

# Index field -> weight: a title match outranks a passing mention in the description.
FIELD_BOOSTS: dict[str, float] = {
    "title": 4.0,
    "company": 2.0,
    "department": 1.5,
    "location": 1.5,
    "description": 1.0,
}
FIELD_NAMES = {"title": "title", "company": "company", "department": "department",
               "dept": "department", "location": "location", "loc": "location",
               "description": "description", "text": "description"}
MAX_CHARS = 2000
MAX_CLAUSES = 32
MIN_PREFIX = 2
# What a search can still find when its prefix outgrew the stem ("engineeri*" -> "engin").
_STEM_SLACK = 4

HELP = (
    'Every word must match (in any field). "quoted phrase" matches words in order, '
    "-word excludes, title:word narrows to a field (title, company, department, location, "
    "description), kube* matches a prefix, remote OR hybrid matches either. "
    "Case and accents are ignored, and words match their other forms (engineers, engineering)."
)

_LEXEME = re.compile(
    r'(?P<neg>[-\u2212]?)(?:(?P<field>[A-Za-z]+):)?'
    r'(?:"(?P<phrase>[^"]*)(?P<close>"?)|(?P<word>[^\s"]+))'
)


def analyzer() -> tantivy.TextAnalyzer:
    """The analyzer of every text field and of query words: words split on anything not a
    letter or digit, lowercased, accents folded, English-stemmed."""
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(40))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.ascii_fold())
        .filter(tantivy.Filter.stemmer("english"))
        .build()
    )


def _folder() -> tantivy.TextAnalyzer:
    """As ``analyzer`` without stemming: a prefix is matched as typed."""
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(40))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.ascii_fold())
        .build()
    )


_ANALYZER = analyzer()
_FOLDER = _folder()


@dataclass(frozen=True, slots=True)
class Term:
    """Analyzed words that must appear together (one word, or a phrase), in ``field`` or
    any field; ``prefix``: the last word is a prefix."""

    words: tuple[str, ...]
    field: str | None = None
    prefix: bool = False


@dataclass(frozen=True, slots=True)
class Clause:
    """One of ``terms`` must match (several only with OR); ``exclude`` turns it into must-not."""

    terms: tuple[Term, ...]
    exclude: bool = False


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    text: str
    clauses: tuple[Clause, ...] = ()
    hints: tuple[str, ...] = field(default=())

    @property
    def empty(self) -> bool:
        """Nothing to search for: every job matches."""
        return not self.clauses

    def highlight_terms(self, field_name: str) -> tuple[frozenset[str], tuple[str, ...]]:
        """The words (and prefixes) a matched ``field_name`` may contain, for highlighting."""
        words: set[str] = set()
        prefixes: list[str] = []
        for clause in self.clauses:
            if clause.exclude:
                continue
            for term in clause.terms:
                if term.field not in (None, field_name):
                    continue
                if term.prefix:
                    words.update(term.words[:-1])
                    words.update(_outgrown_stems(term.words[-1]))
                    prefixes.append(term.words[-1])
                else:
                    words.update(term.words)
        return frozenset(words), tuple(prefixes)


def _outgrown_stems(prefix: str) -> list[str]:
    """The stems a typed prefix may have outgrown: "engineeri*" also finds "engin"."""
    shortest = max(MIN_PREFIX + 1, len(prefix) - _STEM_SLACK)
    return [prefix[:k] for k in range(shortest, len(prefix))]


def _prefix_term(raw: str) -> str:
    """A typed prefix folded like the index, stemmed when the stem is shorter."""
    folded = "".join(_FOLDER.analyze(raw))
    stemmed = "".join(_ANALYZER.analyze(raw))
    return stemmed if folded.startswith(stemmed) and stemmed else folded


@dataclass
class _Parser:
    text: str
    clauses: list[Clause] = field(default_factory=list)
    hints: list[str] = field(default_factory=list)
    negate_next: bool = False
    or_next: bool = False
    dropped: int = 0

    def parse(self) -> ParsedQuery:
        text = self.text
        if len(text) > MAX_CHARS:
            text = text[:MAX_CHARS]
            self.hints.append(f"Only the first {MAX_CHARS:,} characters of the search are used.")
        for m in _LEXEME.finditer(text):
            self._lexeme(m)
        if self.dropped:
            self.hints.append(f"Only the first {MAX_CLAUSES} words are searched "
                              f"({self.dropped} more were left out).")
        if not self.clauses and text.strip():
            self.hints.append(f"Nothing to search for in {text.strip()[:40]!r}: type words "
                              "(punctuation is ignored). Showing every job.")
        elif self.clauses and all(c.exclude for c in self.clauses):
            self.hints.append("Only exclusions: showing every job without those words.")
        return ParsedQuery(self.text, tuple(self.clauses), tuple(dict.fromkeys(self.hints)))

    def _lexeme(self, m: re.Match[str]) -> None:
        word, phrase = m["word"], m["phrase"]
        if m["field"] is None and not m["neg"] and word in ("AND", "OR", "NOT", "&&", "||"):
            self.or_next = word in ("OR", "||") and bool(self.clauses)
            self.negate_next = word == "NOT"
            return
        field_name = None
        raw = phrase if phrase is not None else word
        if m["field"] is not None:
            field_name = FIELD_NAMES.get(m["field"].lower())
            if field_name is None:
                # "https://…", "c#:" or a typo: search the whole thing as words.
                raw = f"{m['field']} {raw}"
                self.hints.append(f"{m['field']}: is not a field (use title:, company:, "
                                  "department:, location: or description:); searched as words.")
        if phrase is not None and not m["close"]:
            self.hints.append("A quote was not closed: the words after it are searched as "
                              "a phrase.")
        term = self._term(raw, field_name)
        exclude = bool(m["neg"]) or self.negate_next
        or_next, self.or_next, self.negate_next = self.or_next, False, False
        if term is None:
            return
        if or_next and not exclude and not self.clauses[-1].exclude:
            last = self.clauses.pop()
            self.clauses.append(Clause((*last.terms, term)))
        elif len(self.clauses) >= MAX_CLAUSES:
            self.dropped += 1
        else:
            self.clauses.append(Clause((term,), exclude))

    def _term(self, raw: str, field_name: str | None) -> Term | None:
        prefix = raw.rstrip().endswith("*")
        words = _ANALYZER.analyze(raw)
        if not prefix:
            return Term(tuple(words), field_name) if words else None
        head, _, last = raw.rstrip().rstrip("*").rpartition(" ")
        stem = _prefix_term(last)
        if len(stem) < MIN_PREFIX:
            self.hints.append(f"A prefix needs at least {MIN_PREFIX} letters before the *: "
                              f"{raw.strip()[:40]!r} was searched without it.")
            words = _ANALYZER.analyze(raw)
            return Term(tuple(words), field_name) if words else None
        return Term((*_ANALYZER.analyze(head), stem), field_name, prefix=True)


def parse(text: str) -> ParsedQuery:
    """The search box's text as clauses, with hints on what was left out (never raises)."""
    return _Parser(text or "").parse()


# -- to tantivy ---------------------------------------------------------------------------


def _field_query(schema: tantivy.Schema, name: str, term: Term) -> tantivy.Query:
    words: list[str | tuple[int, str]] = list(term.words)
    if term.prefix and len(words) == 1:
        stem = term.words[0]
        pattern = "|".join([re.escape(stem) + ".*", *map(re.escape, _outgrown_stems(stem))])
        return tantivy.Query.regex_query(schema, name, pattern)
    if term.prefix:
        return tantivy.Query.phrase_prefix_query(schema, name, words)
    if len(words) == 1:
        return tantivy.Query.term_query(schema, name, term.words[0])
    return tantivy.Query.phrase_query(schema, name, words)


def _term_query(schema: tantivy.Schema, term: Term) -> tantivy.Query:
    names: Sequence[str] = [term.field] if term.field else list(FIELD_BOOSTS)
    parts = [(tantivy.Occur.Should,
              tantivy.Query.boost_query(_field_query(schema, n, term), FIELD_BOOSTS[n]))
             for n in names]
    return tantivy.Query.boolean_query(parts)


def to_tantivy(parsed: ParsedQuery, schema: tantivy.Schema) -> tantivy.Query:
    """The tantivy query of ``parsed`` (which must not be empty)."""
    parts: list[tuple[tantivy.Occur, tantivy.Query]] = []
    for clause in parsed.clauses:
        options = [(tantivy.Occur.Should, _term_query(schema, t)) for t in clause.terms]
        query = options[0][1] if len(options) == 1 else tantivy.Query.boolean_query(options)
        parts.append((tantivy.Occur.MustNot if clause.exclude else tantivy.Occur.Must, query))
    if all(occur == tantivy.Occur.MustNot for occur, _ in parts):
        parts.append((tantivy.Occur.Must, tantivy.Query.all_query()))
    return tantivy.Query.boolean_query(parts)

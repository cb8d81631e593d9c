"""Where each term is written in a Turtle file: the line of its subject block and of its first use.

Parsers forget positions once they have produced triples, yet every error must name a line.
This scanner reads the same text with a small Turtle tokenizer (strings and comments skipped)
and records, for each IRI, the first line where it starts a statement and the first line where
it appears at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_TOKEN = re.compile(
    r'(?P<string>"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
    r'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\')'
    r"|(?P<comment>#[^\n]*)"
    r"|(?P<iri><[^<>\"{}|^`\\\s]*>)"
    r"|(?P<directive>@prefix|@base|(?i:\bprefix\b)|(?i:\bbase\b))"
    r"|(?P<pname>(?:[A-Za-z][\w\-]*(?:\.[\w\-]+)*)?:(?:(?:[\w\-%:]|\\.)+(?:\.(?:[\w\-%:]|\\.)+)*)?)"
    r"|(?P<number>[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?))"
    r"|(?P<punct>[.;,\[\]()])"
)


@dataclass
class TermLines:
    """Line numbers (1-based) of the IRIs written in one file."""

    subjects: dict[str, int] = field(default_factory=dict)
    uses: dict[str, int] = field(default_factory=dict)

    def line_of(self, iri: str) -> int | None:
        """The line where `iri` is described as a subject, else where it is first used."""
        return self.subjects.get(iri) or self.uses.get(iri)


class _DeferredTermLines(TermLines):
    """A `TermLines` that scans its text the first time its lines are asked for."""

    def __init__(self, text: str, prefixes: dict[str, str]) -> None:  # no dataclass fields set yet
        self._pending = (text, prefixes)

    def __getattr__(self, name: str) -> dict[str, int]:
        # Reached only for attributes not set: `subjects` and `uses` until the first scan.
        if name not in ("subjects", "uses") or "_pending" not in self.__dict__:
            raise AttributeError(name)
        scanned = scan_term_lines(*self.__dict__.pop("_pending"))
        self.subjects, self.uses = scanned.subjects, scanned.uses
        return getattr(self, name)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TermLines):
            return NotImplemented
        return (self.subjects, self.uses) == (other.subjects, other.uses)

    __hash__ = None  # type: ignore[assignment]


def deferred_term_lines(text: str, prefixes: dict[str, str]) -> TermLines:
    """`scan_term_lines(text, prefixes)`, computed only if and when a line is first looked up.

    Lines serve only to place findings: a build that finds nothing never scans its files.
    """
    return _DeferredTermLines(text, dict(prefixes))


def _expand(token: str, kind: str, prefixes: dict[str, str]) -> str | None:
    if kind == "iri":
        return token[1:-1]
    prefix, _, local = token.partition(":")
    namespace = prefixes.get(prefix)
    if namespace is None:
        return None
    return namespace + (re.sub(r"\\(.)", r"\1", local) if "\\" in local else local)


# Group numbers of `_TOKEN` (its groups do not nest, so `match.lastindex` names the kind).
_STRING, _COMMENT, _IRI, _DIRECTIVE, _PNAME, _NUMBER, _PUNCT = range(1, 8)


def scan_term_lines(text: str, prefixes: dict[str, str]) -> TermLines:
    """Index the IRIs of a Turtle document by line, using the prefixes its parser reported.

    One pass over the tokens: each distinct token is expanded once, and lines are counted forward
    from the previous position only when a term is seen for the first time, so the cost is linear
    in the text.
    """
    result = TermLines()
    subjects, uses = result.subjects, result.uses
    expanded: dict[str, str | None] = {}
    count = text.count
    line, counted = 1, 0
    at_statement_start = True
    in_directive = 0
    depth = 0
    for match in _TOKEN.finditer(text):
        kind = match.lastindex
        if kind == _COMMENT or kind is None:
            continue
        token = match.group()
        if kind == _DIRECTIVE:
            in_directive = 2 if token.lower() in ("@prefix", "prefix") else 1
            continue
        if in_directive:
            in_directive -= 1
            if in_directive == 0:
                at_statement_start = True
            continue
        if kind == _PUNCT:
            if token in "[(":
                depth += 1
            elif token in "])":
                depth = max(0, depth - 1)
            elif token == "." and depth == 0:
                at_statement_start = True
                continue
            at_statement_start = False if token not in ".;," else at_statement_start
            continue
        if kind in (_IRI, _PNAME):
            try:
                iri = expanded[token]
            except KeyError:
                iri = expanded[token] = _expand(token, "iri" if kind == _IRI else "pname", prefixes)
            if iri is not None:
                as_subject = at_statement_start and depth == 0 and iri not in subjects
                if as_subject or iri not in uses:
                    start = match.start()
                    line += count("\n", counted, start)
                    counted = start
                    if iri not in uses:
                        uses[iri] = line
                    if as_subject:
                        subjects[iri] = line
        at_statement_start = False
    return result

"""Article text for `catkg draft`: read and check the file, split it into paragraphs, tokenise offline.

Matching is done on a *normalised* token stream: case folded, punctuation and "the" dropped,
British spellings and number words unified, plurals singularised. Labels go through the same
normalisation, so "the Centres", "centre" and "Center" all meet on one key.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.tokens import Doc, Span

MAX_ARTICLE_BYTES = 2 * 1024 * 1024

_CARDINALS = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
    "twenty",
]
_TENS = {"thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
_ORDINALS = [
    "zeroth",
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
    "eleventh",
    "twelfth",
    "thirteenth",
    "fourteenth",
    "fifteenth",
    "sixteenth",
    "seventeenth",
    "eighteenth",
    "nineteenth",
    "twentieth",
]
_TENTHS = {"thirtieth": 30, "fortieth": 40, "fiftieth": 50, "sixtieth": 60, "hundredth": 100}

NUMBER_WORDS: dict[str, int] = {w: i for i, w in enumerate(_CARDINALS)} | _TENS | {"hundred": 100}
ORDINAL_WORDS: dict[str, int] = {w: i for i, w in enumerate(_ORDINALS) if i} | _TENTHS
_SPELLING = {"centre": "center", "programme": "program", "theatre": "theater", "labour": "labor"}
_DROPPED = {"the", "'s", "'", "s", "plus"}
# "Inter-governmental" and "intergovernmental" are one word; "China-ASEAN" stays two.
_HYPHEN_PREFIXES = {
    "inter",
    "intra",
    "co",
    "non",
    "multi",
    "sub",
    "pre",
    "re",
    "cross",
    "anti",
    "bi",
    "tri",
    "self",
}


class ArticleError(Exception):
    """The article cannot be drafted (missing, empty, binary, not UTF-8): the message names the file."""


@dataclass(frozen=True)
class Paragraph:
    """One paragraph: a non-blank line of the article, numbered from 1, with its line number."""

    number: int
    line: int
    text: str


def read_article(path: Path) -> str:
    """The article's text, or ArticleError saying why the file cannot be used."""
    if not path.is_file():
        raise ArticleError(f"{path}: no such file")
    size = path.stat().st_size
    if size > MAX_ARTICLE_BYTES:
        raise ArticleError(f"{path}: {size // 1024} KB is too large for an article (limit 2 MB)")
    data = path.read_bytes()
    if not data.strip():
        raise ArticleError(f"{path}: the file is empty; give the article's text")
    if b"\x00" in data:
        offset = data.index(b"\x00")
        raise ArticleError(f"{path}: binary content (NUL byte at offset {offset}), not a text file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ArticleError(
            f"{path}:{line}: not UTF-8 (byte 0x{data[error.start]:02x} cannot be decoded); "
            "re-save it as UTF-8"
        ) from None
    controls = sum(1 for ch in text if unicodedata.category(ch) == "Cc" and ch not in "\n\r\t\f")
    if controls > max(2, len(text) // 100):
        raise ArticleError(f"{path}: {controls} control characters: this looks like a binary file, not text")
    if not any(ch.isalpha() for ch in text):
        raise ArticleError(f"{path}: no words in the file; give the article's text")
    return text


def paragraphs(text: str) -> list[Paragraph]:
    """Every non-blank line as a paragraph (the ontology's paragraph numbering), whitespace tidied."""
    found = []
    for line_number, line in enumerate(text.splitlines(), start=1):
        tidy = " ".join(unicodedata.normalize("NFKC", line).split())
        if tidy:
            found.append(Paragraph(len(found) + 1, line_number, tidy))
    return found


@lru_cache(maxsize=1)
def nlp() -> Language:
    """A blank English pipeline with a rule-based sentencizer: no model, nothing downloaded."""
    pipeline = spacy.blank("en")
    pipeline.add_pipe("sentencizer")
    return pipeline


def _singular(word: str) -> str:
    if not word.isalpha() or len(word) <= 3:
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "sses", "xes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def norm_word(text: str) -> str | None:
    """The matching key of one token, or None for tokens matching ignores (punctuation, "the", 's)."""
    word = unicodedata.normalize("NFKC", text).casefold().replace("’", "'").replace("‘", "'")
    if word in _DROPPED:
        return None
    if word == "&":
        return "and"
    word = "".join(ch for ch in word if ch.isalnum() or ch == "+")
    if not word or word == "+":
        return None
    if word in ORDINAL_WORDS:
        return ordinal_key(ORDINAL_WORDS[word])
    if word in NUMBER_WORDS:
        return str(NUMBER_WORDS[word])
    word = _singular(word)
    word = _SPELLING.get(word, word)
    for british, american in (("isation", "ization"), ("ised", "ized"), ("ising", "izing"), ("iser", "izer")):
        if word.endswith(british):
            word = word[: -len(british)] + american
    return word


def ordinal_key(number: int) -> str:
    """The normalised key of an ordinal: 8 -> "8th" (whatever suffix the text used)."""
    return f"{number}th"


def normalise_ordinal_digits(word: str) -> str:
    """ "1st"/"2nd"/"23rd" -> "1th"... so digit and word ordinals share one key."""
    for suffix in ("st", "nd", "rd", "th"):
        if word.endswith(suffix) and word[: -len(suffix)].isdigit():
            return ordinal_key(int(word[: -len(suffix)]))
    return word


@dataclass
class NormText:
    """The normalised tokens of a text and, for each, the index of the original token it came from."""

    keys: list[str] = field(default_factory=list)
    origin: list[int] = field(default_factory=list)

    def as_doc(self) -> Doc:
        """A spaCy Doc of the keys, for the PhraseMatcher."""
        return Doc(nlp().vocab, words=self.keys or [""])


def normalise(tokens: Doc | Span) -> NormText:
    """The matching keys of a Doc or span."""
    result = NormText()
    skip: set[int] = set()
    joined: dict[int, str] = {}
    items = list(tokens)
    for n, token in enumerate(items[:-2]):
        # "Center (CATTC) Bangkok": an acronym in brackets inside a name is not part of the name.
        if token.text == "(" and items[n + 2].text == ")" and items[n + 1].text.isupper():
            skip.update({token.i, items[n + 1].i, items[n + 2].i})
    for n, token in enumerate(items[:-2]):
        if token.lower_ in _HYPHEN_PREFIXES and items[n + 1].text == "-" and items[n + 2].is_lower:
            skip.add(items[n + 1].i)
            joined[items[n + 2].i] = token.lower_ + items[n + 2].text
            skip.add(token.i)
    for token in tokens:
        if token.i in skip:
            continue
        key = norm_word(joined.get(token.i, token.text))
        if key is None:
            continue
        result.keys.append(normalise_ordinal_digits(key))
        result.origin.append(token.i)
    return result


@lru_cache(maxsize=65536)
def label_keys(label: str) -> tuple[str, ...]:
    """The matching keys of a label (tokenised like the article)."""
    return tuple(normalise(nlp().make_doc(label)).keys)

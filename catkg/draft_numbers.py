"""Dates and numbers in an article, found with spaCy's rule-based Matcher on a blank pipeline.

Dates: "November 26, 2020", "Nov. 26", "26 November 2020", "September 9 to 13", "Nov 26 to 30",
"2020-11-26", "November 2021" (month) and "since 2013" (year). A date without a year takes the
year that puts it nearest the article's own date. Numbers: digits, number words and ordinals,
with the qualifier before them ("more than") and the noun they count after them ("members").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from spacy.lang.en.stop_words import STOP_WORDS
from spacy.matcher import Matcher
from spacy.tokens import Doc, Token

from catkg.draft_text import NUMBER_WORDS, ORDINAL_WORDS, nlp

MONTHS: dict[str, int] = {}
for _number, _name in enumerate(
    [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ],
    start=1,
):
    MONTHS[_name] = _number
    MONTHS[_name[:3]] = _number
    MONTHS[_name[:3] + "."] = _number
MONTHS.update({"sept": 9, "sept.": 9})
del MONTHS["may."]

QUALIFIERS = (
    "more than",
    "over",
    "nearly",
    "almost",
    "about",
    "around",
    "approximately",
    "roughly",
    "at least",
    "up to",
    "some",
    "less than",
    "fewer than",
    "close to",
    "as many as",
)
_MULTIPLIERS = {"thousand": 1000, "million": 10**6, "billion": 10**9, "trillion": 10**12}
_RANGE_WORDS = ["to", "-", "–", "—", "through", "until", "till", "and"]
_YEAR_CUES = ["since", "in", "from", "by", "until", "before", "after", "of", "till"]
# Words that end the noun a number counts (prepositions, verbs, conjunctions that open a clause).
_NOUN_STOP = (STOP_WORDS - {"and", "or"}) | {"including", "covering", "such", "like", "per", "across"}


@dataclass(frozen=True)
class FoundDate:
    """A date the article states: day, month or year precision; part of a range when `role` is set."""

    value: dt.date | None
    precision: str
    text: str
    paragraph: int
    start: int
    end: int
    role: str = ""
    year: int | None = None
    month: int | None = None

    @property
    def literal(self) -> str:
        """The value as an xsd lexical form: YYYY-MM-DD, YYYY-MM or YYYY."""
        if self.precision == "day" and self.value:
            return self.value.isoformat()
        if self.precision == "month":
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}" if self.year else self.text


@dataclass(frozen=True)
class FoundNumber:
    """A number the article states, with its qualifier and the noun it counts."""

    value: Decimal
    kind: str
    text: str
    noun: str
    qualifier: str
    paragraph: int
    start: int
    end: int


def _day(text: str) -> int | None:
    digits = text.rstrip(".").removesuffix("st").removesuffix("nd").removesuffix("rd").removesuffix("th")
    return int(digits) if digits.isdigit() and 1 <= int(digits) <= 31 else None


def _year(text: str) -> int | None:
    digits = text[-4:]
    return int(digits) if digits.isdigit() and 1900 <= int(digits) <= 2100 else None


@lru_cache(maxsize=1)
def _date_matcher() -> Matcher:
    matcher = Matcher(nlp().vocab)
    month = {"LOWER": {"IN": sorted(MONTHS)}}
    day = {"TEXT": {"REGEX": r"^\d{1,2}(st|nd|rd|th)?$"}}
    year = {"TEXT": {"REGEX": r"^(19|20)\d\d$"}}
    comma = {"ORTH": ",", "OP": "?"}
    sep = {"LOWER": {"IN": _RANGE_WORDS}}
    matcher.add("MDY", [[month, day, comma, year], [day, month, comma, year]])
    matcher.add("MD", [[month, day], [day, month]])
    matcher.add("MD-D", [[month, day, sep, day, comma, year], [month, day, sep, day]])
    matcher.add("MD-MD", [[month, day, sep, month, day, comma, year], [month, day, sep, month, day]])
    matcher.add("D-DM", [[day, sep, day, month, year], [day, sep, day, month]])
    matcher.add("ISO", [[{"TEXT": {"REGEX": r"(19|20)\d\d$"}}, {"ORTH": "-"}, day, {"ORTH": "-"}, day]])
    matcher.add("MY", [[month, comma, year]])
    matcher.add("Y", [[{"LOWER": {"IN": _YEAR_CUES}}, year]])
    return matcher


def _nearest(month: int, day: int, reference: dt.date | None) -> dt.date | None:
    if reference is None:
        return None
    options = []
    for year in (reference.year - 1, reference.year, reference.year + 1):
        try:
            options.append(dt.date(year, month, day))
        except ValueError:
            continue
    return min(options, key=lambda d: (abs((d - reference).days), d)) if options else None


def _make(year: int | None, month: int, day: int, reference: dt.date | None) -> dt.date | None:
    if year is None:
        return _nearest(month, day, reference)
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def find_dates(doc: Doc, paragraph: int, reference: dt.date | None) -> list[FoundDate]:
    """Every date in one paragraph's Doc; ranges give a start and an end date."""
    raw = _date_matcher()(doc)
    spans = sorted(((s, e, nlp().vocab.strings[m]) for m, s, e in raw), key=lambda x: (x[0], -(x[1] - x[0])))
    taken: set[int] = set()
    found: list[FoundDate] = []
    for start, end, rule in spans:
        if taken & set(range(start, end)):
            continue
        tokens = doc[start:end]
        dates = _parse(rule, [t.text for t in tokens if t.text != ","], reference)
        if not dates:
            continue
        taken.update(range(start, end))
        for role, (value, precision, year, month) in dates:
            found.append(FoundDate(value, precision, tokens.text, paragraph, start, end, role, year, month))
    return found


def _parse(rule: str, words: list[str], reference: dt.date | None) -> list[tuple[str, tuple]]:
    lower = [w.casefold() for w in words]

    def md(i: int) -> tuple[int, int] | None:
        if lower[i] in MONTHS and _day(words[i + 1]):
            return MONTHS[lower[i]], _day(words[i + 1])
        if _day(words[i]) and lower[i + 1] in MONTHS:
            return MONTHS[lower[i + 1]], _day(words[i])
        return None

    def day_value(month: int, day: int, year: int | None) -> tuple:
        value = _make(year, month, day, reference)
        return (value, "day", value.year if value else year, month)

    if rule in ("MDY", "MD"):
        parts = md(0)
        year = _year(words[2]) if rule == "MDY" else None
        return [("", day_value(*parts, year))] if parts else []
    if rule == "MD-D":
        parts = md(0)
        last = _day(words[3])
        year = _year(words[4]) if len(words) > 4 else None
        if not parts or not last or last <= parts[1]:
            return []
        return [("start", day_value(parts[0], parts[1], year)), ("end", day_value(parts[0], last, year))]
    if rule == "MD-MD":
        first, second = md(0), md(3)
        year = _year(words[5]) if len(words) > 5 else None
        if not first or not second:
            return []
        return [("start", day_value(*first, year)), ("end", day_value(*second, year))]
    if rule == "D-DM":
        first, last, month = _day(words[0]), _day(words[2]), MONTHS.get(lower[3])
        year = _year(words[4]) if len(words) > 4 else None
        if not (first and last and month) or last <= first:
            return []
        return [("start", day_value(month, first, year)), ("end", day_value(month, last, year))]
    if rule == "ISO":
        year, month, day = _year(words[0]), _day(words[2]), _day(words[4])
        if not (year and month and day and month <= 12):
            return []
        return [("", day_value(month, day, year))]
    if rule == "MY":
        year = _year(words[1])
        return [("", (None, "month", year, MONTHS[lower[0]]))] if year else []
    if rule == "Y":
        year = _year(words[1])
        return [("", (None, "year", year, None))] if year else []
    return []


def article_date(docs: list[Doc]) -> dt.date | None:
    """The first full date (day, month and year) in the article's first lines: its likely issue date."""
    for doc in docs[:4]:
        for found in find_dates(doc, 0, None):
            if found.precision == "day" and found.value:
                return found.value
    return None


def _number_of(token: Token) -> tuple[Decimal, str] | None:
    text = token.text.casefold()
    if token.like_url or ":" in text or "/" in text:
        return None
    if text in ORDINAL_WORDS:
        return Decimal(ORDINAL_WORDS[text]), "ordinal"
    for suffix in ("st", "nd", "rd", "th"):
        if text.endswith(suffix) and text[: -len(suffix)].isdigit():
            return Decimal(text[: -len(suffix)]), "ordinal"
    if text in NUMBER_WORDS:
        return Decimal(NUMBER_WORDS[text]), "cardinal"
    cleaned = text.replace(",", "")
    if cleaned.endswith("%"):
        cleaned = cleaned[:-1]
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    return (value, "cardinal") if cleaned[:1].isdigit() else None


def _qualifier(doc: Doc, start: int) -> str:
    for phrase in sorted(QUALIFIERS, key=lambda p: -len(p.split())):
        words = phrase.split()
        if start - len(words) >= 0 and [t.lower_ for t in doc[start - len(words) : start]] == words:
            return phrase
    return ""


def _counted_noun(doc: Doc, after: int) -> str:
    words: list[Token] = []
    i = after
    while i < len(doc) and len(words) < 7:
        token = doc[i]
        if token.lower_ in ("and", "or"):
            following = doc[i + 1] if i + 1 < len(doc) else None
            if not words or following is None or not following.is_alpha or following.lower_ in _NOUN_STOP:
                break
        elif token.text == "-" and words:
            pass
        elif not token.is_alpha or token.lower_ in _NOUN_STOP or (token.lower_.endswith("ing") and words):
            break
        words.append(token)
        i += 1
    while words and (words[-1].lower_ in ("and", "or") or words[-1].text == "-"):
        words.pop()
    plural = [n for n, w in enumerate(words) if w.lower_.endswith("s") and len(w) > 3]
    if plural:
        words = words[: plural[-1] + 1]
    return doc[words[0].i : words[-1].i + 1].text if words else ""


def find_numbers(doc: Doc, paragraph: int, skip: set[int]) -> list[FoundNumber]:
    """Every number in one paragraph's Doc outside the tokens in `skip` (dates), with its counted noun."""
    found = []
    for token in doc:
        if token.i in skip:
            continue
        parsed = _number_of(token)
        if parsed is None:
            continue
        neighbours = {doc[j].text.casefold() for j in (token.i - 1, token.i + 1) if 0 <= j < len(doc)}
        if neighbours & {"+", "plus"} and parsed[1] == "cardinal":
            continue  # "10+3", "ASEAN Plus Three": a name, not a count
        value, kind = parsed
        end = token.i + 1
        if end < len(doc) and doc[end].lower_ in _MULTIPLIERS:
            value *= _MULTIPLIERS[doc[end].lower_]
            end += 1
        if value == value.to_integral_value():
            value = Decimal(int(value))  # 1.2 million is 1200000, not 1200000.0
        if (
            kind == "cardinal"
            and value == value.to_integral()
            and 1900 <= value <= 2100
            and token.shape_ == "dddd"
        ):
            kind = "year"
        noun = "percent" if token.text.endswith("%") else _counted_noun(doc, end)
        found.append(
            FoundNumber(
                value, kind, doc[token.i : end].text, noun, _qualifier(doc, token.i), paragraph, token.i, end
            )
        )
    return found

"""A quote must support its claim, not only exist: the checks that need no model.

Verification (`_verify`) finds each quote in its article. That a quote exists says nothing of
what the item built on it claims: a weak model copies one verbatim phrase under every item
("the Japanese Foreign Ministry", under a role, a demand and a consequence alike) and writes
what it likes beside it. `drop_unsupported` takes out, with the reason, as verification takes
out a quote it cannot find:

- an item whose statement (its label field: the action, the demand, the consequence's
  description; a profile's figures are its own `checks`' business) states a number neither its
  quotes, their translations nor the sentences around them have;
- a dated item (a timeline event) whose year no article of the story has, nor the day any of
  them was published on (an undated article's "on Tuesday" is dated by the others); or whose day
  no article writes ("November 18") nor follows from one (the day it was published, a weekday or
  "yesterday" it names, within a week of that day; English articles only);
- an item whose statement repeats another's word for word (the first stands): an answer of one
  phrase is junk whatever quote it rests on;

and a citation's `translation` where the quote is already in the briefing's language (the
quote stands; only the translation goes).

In: an extraction that verified, the story's articles, the briefing's language. Out: the
extraction with what is unsupported removed, and what was removed (`Removed`, as `_verify`).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel

from .._article import Article
from .._language import language_name
from ._evidence import Extraction
from ._verify import (
    Removed,
    cited_items,
    item_kind,
    list_fields,
    sentence_around_quote,
    too_few_left,
)

__all__ = ["drop_unsupported", "stated_numbers"]

ExtractionT = TypeVar("ExtractionT", bound=Extraction)

# A number as an item states it: "25", "3.5", "1,200"; not the digit of a name ("G7", "COVID-19"),
# a date's parts, or a code (those fields are not read).
_NUMBER = re.compile(r"(?<![\w.,/-])\d[\d,.]*\d(?![\w%-]*[A-Za-z])|(?<![\w.,/-])\d(?![\w.,/])")
_YEAR = re.compile(r"(?<!\d)(1[89]\d\d|2[01]\d\d)(?!\d)")
_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "–": "-", "—": "-"})


def stated_numbers(text: str) -> set[str]:
    """The numbers `text` states, commas and a trailing full stop taken off."""
    return {match.replace(",", "").rstrip(".") for match in _NUMBER.findall(text)}


def _digits(text: str) -> set[str]:
    """Every run of digits in `text`, however it is written beside other characters ("3元",
    "１２", "25%"): where a number may be supported, nothing is missed."""
    folded = unicodedata.normalize("NFKC", text)
    return {match.replace(",", "").rstrip(".") for match in re.findall(r"\d[\d,.]*", folded)}


def _normalized(text: str) -> str:
    return " ".join(text.translate(_QUOTES).lower().split()).strip(" .")


def _label(model: BaseModel) -> str:
    label = getattr(model, "label", None)
    return str(label()) if callable(label) else item_kind(model)


def _statement(model: BaseModel) -> str | None:
    """What the item says in its own words: its `statement_fields` (by default its label field;
    a party's is its name, which is not a statement)."""
    names = getattr(model, "statement_fields", None)
    if names is None:
        name = getattr(model, "label_field", None)
        if not isinstance(name, str) or name in ("name", "topic", "title"):
            return None
        names = (name,)
    values = [getattr(model, name, None) for name in names]
    text = " ".join(value for value in values if isinstance(value, str) and value.strip())
    return text or None


def _article_text(article: Article) -> str:
    return article.headline + "\n" + article.body


def _support(item: BaseModel, articles: Mapping[str, Article]) -> tuple[str, list[Article]]:
    """The quotes of `item` and the sentences around them, and the articles it cites."""
    said, cited = [], []
    for citation in getattr(item, "citations", []):
        article = articles.get(citation.article_id)
        if article is None:
            continue
        cited.append(article)
        said.append(citation.quote)
        said.append(getattr(citation, "translation", None) or "")
        sentence = sentence_around_quote(citation.quote, _article_text(article))
        if sentence is not None:
            said.append(sentence)
    return " ".join(said), cited


def _years(articles: list[Article]) -> set[str]:
    years = set()
    for article in articles:
        years |= set(_YEAR.findall(_article_text(article)))
        if article.published is not None:
            years.add(str(article.published.year))
    return years


def _following_years(articles: Mapping[str, Article], years: set[str]) -> set[str]:
    """`years` and those that follow from a publication date: a year either side of one."""
    published = {a.published.year for a in articles.values() if a.published is not None}
    return years | {str(year + step) for year in published for step in (-1, 1)}


def _problem(
    item: BaseModel, articles: Mapping[str, Article], years: set[str], known_years: set[str]
) -> str | None:
    """Why `item` is not supported, or None; `years`: those the story's articles have or were
    published in, `known_years` with those that follow from a publication date (computed once
    for the story)."""
    said, cited = _support(item, articles)
    if not cited:
        return None  # verification has dropped what cites no article of the story
    missing = stated_numbers(_statement(item) or "") - _digits(said)
    # A year is a date: it stands in an article of the story, or follows from the day one was
    # published ("next year" in an article of 2025 is 2026).
    missing = {n for n in missing if not (_YEAR.fullmatch(n) and n in known_years)}
    if missing:
        shown = ", ".join(sorted(missing))
        return f"it states {shown}, which neither its quotes nor the sentences around them have"
    date = getattr(item, "date", None)
    if isinstance(date, str) and _YEAR.match(date):
        # An undated article's "on Tuesday" is dated by the story's others.
        year = date[:4]
        if year not in years:
            return f"it is dated {date}: no article of the story has {year}, nor was published then"
        day = _day(date)
        if day is not None and not _day_follows(day, list(articles.values())):
            return (
                f"it is dated {date}: no article of the story writes that day, nor names its "
                "weekday within a week of the day it was published"
            )
    return None


_MONTHS = (
    "january february march april may june july august september october november december"
).split()
_WEEKDAYS = "monday tuesday wednesday thursday friday saturday sunday".split()
_RELATIVE = {"yesterday": -1, "today": 0, "tonight": 0, "tomorrow": 1}


def _day(date: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(date) if len(date) == 10 else None
    except ValueError:
        return None


def _day_follows(day: dt.date, articles: list[Article]) -> bool:
    """Whether an article of the story writes `day` — "2025-11-18", "November 18", "Nov. 18",
    "18 November" — or it follows from one: the day an article was published, or a weekday or
    "yesterday" it names, counted from that day (a week either way). Only English is read: in
    a story with an article in another language (or of no known language), a day passes."""
    if any(article.language not in ("en", None) for article in articles):
        return True
    month = _MONTHS[day.month - 1]
    written = re.compile(
        rf"\b{day.isoformat()}\b|\b{month[:3]}[a-z]*\.?\s+0?{day.day}\b"
        rf"|\b0?{day.day}(?:st|nd|rd|th)?\s+(?:of\s+)?{month[:3]}",
        re.IGNORECASE,
    )
    for article in articles:
        text = _article_text(article)
        if written.search(text):
            return True
        published = article.published
        if published is None:
            continue
        if published == day:
            return True
        words = set(re.findall(r"[a-z]+", text.lower()))
        if any(published + dt.timedelta(days=shift) == day
               for word, shift in _RELATIVE.items() if word in words):  # fmt: skip
            return True
        weekday = _WEEKDAYS[day.weekday()]
        if weekday in words and abs((day - published).days) <= 7:
            return True
    return False


def drop_unsupported(
    extraction: ExtractionT, articles: Mapping[str, Article], language: str
) -> tuple[ExtractionT, list[Removed]]:
    """`extraction` without what its quotes do not support (see the module docstring), and what
    was removed and why."""
    removed: list[Removed] = []
    seen: dict[str, str] = {}
    unsupported: set[int] = set()
    years = _years(list(articles.values()))
    known_years = _following_years(articles, years)
    for item in cited_items(extraction):
        problem = _problem(item, articles, years, known_years)
        statement = _statement(item)
        key = _normalized(statement) if statement is not None else None
        if problem is None and key:
            if key in seen:
                problem = f"it repeats the words of another item ({seen[key]})"
            else:
                seen[key] = item_kind(item)
        if problem is not None:
            removed.append(Removed(item_kind(item), _label(item), problem))
            unsupported.add(id(item))

    def pruned(model: BaseModel) -> BaseModel | None:
        update: dict[str, Any] = {}
        for name, value in list_fields(model):
            kept = [
                each
                for each in (pruned(v) for v in value if id(v) not in unsupported)
                if each is not None
            ]
            if name == "citations":
                kept = [_without_needless_translation(c, articles, language, model, removed)
                        for c in kept]  # fmt: skip
            if too_few_left(model, name, kept, _label(model), "are supported", removed):
                return None
            update[name] = kept
        return model.model_copy(update=update) if update else model

    kept = pruned(extraction)
    assert kept is not None  # the extraction itself bounds nothing
    return kept, removed  # type: ignore[return-value]


def _without_needless_translation(
    citation: BaseModel,
    articles: Mapping[str, Article],
    language: str,
    item: BaseModel,
    removed: list[Removed],
) -> BaseModel:
    translation = getattr(citation, "translation", None)
    article = articles.get(str(getattr(citation, "article_id", "")))
    if not translation or article is None or article.language is None:
        return citation
    if language_name(article.language).lower() != language_name(language).lower():
        return citation
    if _normalized(translation) != _normalized(str(getattr(citation, "quote", ""))):
        removed.append(
            Removed(
                f"{item_kind(item)} translation",
                _label(item),
                f"a translation beside a quote already in the briefing's language ({language})",
            )
        )
    return citation.model_copy(update={"translation": None})

"""Long stories: split a story's articles into parts that fit the context budget, and merge the
extractions of the parts into one, keeping every citation.

Articles are packed into parts in reading order; an article too long for a part of its own is
cut at paragraph, then sentence, boundaries, each piece keeping the article's id so that its
quotes verify against the whole article. Merging joins items that are the same and unites their
citations; what "the same" means is the profile's (`Profile.merge`), and by default it is the
same in every field but the evidence. Headline and bottom line come from the first part, which
holds the story's first articles.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from pydantic import BaseModel

from .._article import Article
from .._verify import articles_in_scope

__all__ = ["join_citations", "merge_by_equality", "merge_items", "split_to_fit"]

Measure = Callable[[list[Article]], int]
ExtractionT = TypeVar("ExtractionT", bound=BaseModel)

_SENTENCE = re.compile(r"(?<=[.!?…”\"])\s+")


def _word_windows(text: str, fits: Callable[[list[str]], bool]) -> list[str]:
    """Text with no sentence boundary to cut at (a megabyte on one line): cut between words."""
    words = text.split(" ")
    size = len(words)
    while size > 1 and not fits([" ".join(words[:size])]):
        size //= 2
    return [" ".join(words[i : i + size]) for i in range(0, len(words), size)]


def _pieces(article: Article, measure: Measure, budget: int) -> list[Article]:
    """`article` cut into pieces that each fit `budget` on their own, where cutting can help."""

    def fits(units: list[str]) -> bool:
        return measure([article.model_copy(update={"body": "\n\n".join(units)})]) <= budget

    units: list[str] = []
    for paragraph in article.body.split("\n\n"):
        for sentence in [paragraph] if fits([paragraph]) else _SENTENCE.split(paragraph):
            units.extend([sentence] if fits([sentence]) else _word_windows(sentence, fits))
    pieces: list[list[str]] = [[]]
    for unit in units:
        if pieces[-1] and not fits([*pieces[-1], unit]):
            pieces.append([])
        pieces[-1].append(unit)
    return [article.model_copy(update={"body": "\n\n".join(p)}) for p in pieces if p]


def split_to_fit(articles: list[Article], measure: Measure, budget: int) -> list[list[Article]]:
    """Parts of `articles`, in order, each of which `measure`s at most `budget` where possible."""
    if measure(articles) <= budget:
        return [articles]
    parts: list[list[Article]] = []
    current: list[Article] = []
    for article in articles:
        pieces = [article] if measure([article]) <= budget else _pieces(article, measure, budget)
        for piece in pieces:
            if current and measure([*current, piece]) > budget:
                parts.append(current)
                current = []
            current.append(piece)
    if current:
        parts.append(current)
    return parts


def join_citations(groups: Iterable[list[Any]]) -> list[Any]:
    seen: dict[tuple[str, str], Any] = {}
    for citations in groups:
        for citation in citations:
            seen.setdefault((citation.article_id, citation.quote), citation)
    return list(seen.values())


def merge_items(
    items: Iterable[Any], key: Callable[[Any], tuple[str, ...]], **pick: Any
) -> list[Any]:
    """Items with the same key become one, citations united; `pick` chooses merged fields."""
    merged: dict[tuple[str, ...], list[Any]] = {}
    for item in items:
        merged.setdefault(key(item), []).append(item)
    result = []
    for same in merged.values():
        update: dict[str, Any] = {"citations": join_citations(i.citations for i in same)}
        for field, choose in pick.items():
            update[field] = choose([getattr(i, field) for i in same])
        result.append(same[0].model_copy(update=update))
    return result


def _evidence_free(item: BaseModel) -> tuple[str, ...]:
    fields = item.model_dump(mode="json", exclude={"citations", "reported_by"})
    return (repr(sorted(fields.items())),)


def merge_by_equality(parts: list[ExtractionT]) -> ExtractionT:
    """One extraction from a story's parts: items the same in all but their evidence are one."""
    if len(parts) == 1:
        return parts[0]
    first = parts[0]
    update: dict[str, Any] = {}
    for name in type(first).model_fields:
        values = [getattr(part, name) for part in parts]
        if isinstance(values[0], list):
            items = [item for value in values for item in value]
            cited = all(isinstance(i, BaseModel) and hasattr(i, "citations") for i in items)
            update[name] = merge_items(items, _evidence_free) if cited else items
    with articles_in_scope(None):  # each part was verified as it was parsed
        return first.model_copy(update=update)

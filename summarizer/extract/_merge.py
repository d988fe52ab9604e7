"""Long stories: split a story's articles into parts that fit the context budget.

Articles are packed into parts in reading order; an article too long for a part of its own is
cut at paragraph, then sentence, boundaries, each piece keeping the article's id so that its
quotes verify against the whole article. The parts' extractions are merged into one by the
profile (`Profile.merge`, built from `summarizer.profiles`' kit), by default
`merge_by_equality`.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from .._article import Article

__all__ = ["split_to_fit"]

Measure = Callable[[list[Article]], int]

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

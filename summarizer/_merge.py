"""Long stories: split a story's articles into parts that fit the context budget, and merge the
extractions of the parts into one, keeping every citation.

Articles are packed into parts in reading order; an article too long for a part of its own is
cut at paragraph, then sentence, boundaries, each piece keeping the article's id so that its
quotes verify against the whole article. Merging joins items that are the same — a party of the
same name, a demand with the same parties and wording, a dated event with the same text — and
unites their citations; headline and bottom line come from the first part, which holds the
story's first articles.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from ._article import Article
from ._schema import (
    Citation,
    ConsequenceStatus,
    DemandStatus,
    Disagreement,
    EventStatus,
    Party,
    StoryExtraction,
)
from ._verify import articles_in_scope

__all__ = ["merge_extractions", "split_to_fit"]

Measure = Callable[[list[Article]], int]

_SENTENCE = re.compile(r"(?<=[.!?…”\"])\s+")
# When parts disagree on an item's state, the most advanced state wins.
_DEMAND_ORDER = [DemandStatus.EXPECTED, DemandStatus.MADE, DemandStatus.REJECTED, DemandStatus.MET]
_EVENT_ORDER = [EventStatus.EXPECTED, EventStatus.SCHEDULED, EventStatus.OCCURRED]
_CONSEQUENCE_ORDER = [
    ConsequenceStatus.FEARED,
    ConsequenceStatus.ANNOUNCED,
    ConsequenceStatus.HAPPENED,
]


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


def _key(*values: object) -> tuple[str, ...]:
    return tuple(" ".join(str(value).casefold().split()) for value in values)


def _citations(groups: Iterable[list[Citation]]) -> list[Citation]:
    seen: dict[tuple[str, str], Citation] = {}
    for citations in groups:
        for citation in citations:
            seen.setdefault((citation.article_id, citation.quote), citation)
    return list(seen.values())


def _merge(items: Iterable[Any], key: Callable[[Any], tuple[str, ...]], **pick: Any) -> list[Any]:
    """Items with the same key become one, citations united; `pick` chooses merged fields."""
    merged: dict[tuple[str, ...], list[Any]] = {}
    for item in items:
        merged.setdefault(key(item), []).append(item)
    result = []
    for same in merged.values():
        update: dict[str, Any] = {"citations": _citations(i.citations for i in same)}
        for field, choose in pick.items():
            update[field] = choose([getattr(i, field) for i in same])
        result.append(same[0].model_copy(update=update))
    return result


def _merge_parties(parties: list[Party]) -> list[Party]:
    """Parties that share a name or an alias are one party, under the longest name."""
    groups: list[list[Party]] = []
    for party in parties:
        names = {_key(n) for n in [party.name, *party.aliases]}
        home = next(
            (g for g in groups if names & {_key(n) for p in g for n in [p.name, *p.aliases]}), None
        )
        if home is None:
            groups.append([party])
        else:
            home.append(party)
    merged = []
    for same in groups:
        name = max((p.name for p in same), key=len)
        aliases = dict.fromkeys(n for p in same for n in [p.name, *p.aliases] if n != name)
        merged.append(
            same[0].model_copy(
                update={
                    "name": name,
                    "aliases": list(aliases),
                    "citations": _citations(p.citations for p in same),
                }
            )
        )
    return merged


def _most_advanced(order: list[Any]) -> Callable[[list[Any]], Any]:
    return lambda values: max(values, key=order.index)


def merge_extractions(parts: list[StoryExtraction]) -> StoryExtraction:
    """One extraction from the extractions of a story's parts; no citation is lost."""
    if len(parts) == 1:
        return parts[0]

    def every(name: str) -> list[Any]:
        return [item for part in parts for item in getattr(part, name)]

    disagreements: dict[tuple[str, ...], list[Disagreement]] = {}
    for disagreement in every("disagreements"):
        disagreements.setdefault(_key(disagreement.topic), []).append(disagreement)
    with articles_in_scope(None):  # each part was verified as it was parsed
        return StoryExtraction(
            headline=parts[0].headline,
            bottom_line=parts[0].bottom_line,
            parties=_merge_parties(every("parties")),
            actions=_merge(
                every("actions"),
                lambda a: _key(a.actor, a.category, a.action, a.target, a.date),
            ),
            demands=_merge(
                every("demands"),
                lambda d: _key(d.demander, d.addressee, d.demand),
                status=_most_advanced(_DEMAND_ORDER),
            ),
            positions=_merge(
                every("positions"),
                lambda p: _key(p.party, p.stance),
                status=_most_advanced(_EVENT_ORDER),
            ),
            consequences=_merge(
                every("consequences"),
                lambda c: _key(c.description),
                status=_most_advanced(_CONSEQUENCE_ORDER),
            ),
            timeline=_merge(
                every("timeline"),
                lambda e: _key(e.date, e.event),
                status=_most_advanced(_EVENT_ORDER),
            ),
            disagreements=[
                same[0].model_copy(
                    update={
                        "accounts": _merge(
                            [a for d in same for a in d.accounts],
                            lambda a: _key(a.according_to, a.claim),
                        )
                    }
                )
                for same in disagreements.values()
            ],
        )

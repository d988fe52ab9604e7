"""Verify: every quote must stand in the article it cites.

Matching forgives what typesetting changes — whitespace, curly or straight quote marks, the kind
of dash, letter case — and nothing else: a changed, added or dropped word is a miss.

While a story is being extracted, `articles_in_scope` holds its articles and the schema's
validator reports every miss to the model, which instructor re-asks. A context variable rather
than instructor's `context=` argument: instructor renders the messages as Jinja templates whenever
`context` is given, and article text is data that must never be rendered as a template.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._article import Article
    from ._schema import Citation, DroppedItem, StoryExtraction

__all__ = [
    "articles_in_scope",
    "citation_problems",
    "citation_problems_in_scope",
    "drop_unverified",
    "quote_in_text",
]

MIN_QUOTE_WORDS = 3

_ARTICLES: ContextVar[Mapping[str, Article] | None] = ContextVar("articles", default=None)

_QUOTE_MARKS = str.maketrans(
    {c: "'" for c in "‘’‚‛′`´"} | {c: '"' for c in "“”„‟″«»"} | {c: "-" for c in "‐‑‒–—―−"}
)
_SPACE = re.compile(r"\s+")
_EDGE_PUNCTUATION = "\"' .,;:"


def _normalize(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(_QUOTE_MARKS)
    text = text.replace("\u00ad", "").replace("\u200b", "")
    return _SPACE.sub(" ", text).strip().casefold()


def quote_in_text(quote: str, text: str) -> bool:
    """True when `quote` appears in `text`, up to whitespace, quote marks, dashes and case."""
    needle = _normalize(quote).strip(_EDGE_PUNCTUATION)
    # Dashes may be spaced differently ("Press)–Masaaki" vs "Press) - Masaaki").
    needle = re.sub(r" ?- ?", "-", needle)
    return bool(needle) and needle in re.sub(r" ?- ?", "-", _normalize(text))


@contextmanager
def articles_in_scope(articles: Mapping[str, Article] | None) -> Iterator[None]:
    """Check citations against `articles` while the block runs (None switches checking off)."""
    token = _ARTICLES.set(articles)
    try:
        yield
    finally:
        _ARTICLES.reset(token)


_CITING_LISTS = (
    # (field of StoryExtraction, what one item is called, the item's field that names it)
    ("parties", "party", "name"),
    ("demands", "demand", "demand"),
    ("positions", "position", "stance"),
    ("consequences", "consequence", "description"),
    ("timeline", "timeline event", "event"),
)


def _items(extraction: StoryExtraction) -> Iterator[tuple[str, str, str, Any]]:
    """(where, kind, summary, item) for every item that must cite, accounts of disagreements too."""
    for name, kind, label in _CITING_LISTS:
        for index, item in enumerate(getattr(extraction, name)):
            summary = str(getattr(item, label))
            yield f"{name}[{index}] ({summary!r})", kind, summary, item
    for index, disagreement in enumerate(extraction.disagreements):
        for number, account in enumerate(disagreement.accounts):
            where = f"disagreements[{index}].accounts[{number}] ({account.claim!r})"
            yield where, "account", account.claim, account


def _citation_problem(citation: Citation, articles: Mapping[str, Article]) -> str | None:
    article = articles.get(citation.article_id)
    if article is None:
        known = ", ".join(sorted(articles))
        return f"article id {citation.article_id!r} does not exist (the ids are: {known})"
    if len(citation.quote.split()) < MIN_QUOTE_WORDS:
        return f"the quote {citation.quote!r} is too short to support a claim"
    if not quote_in_text(citation.quote, article.headline + "\n" + article.body):
        return f"the quote {citation.quote!r} is not in article {citation.article_id}"
    return None


def citation_problems(extraction: StoryExtraction, articles: Mapping[str, Article]) -> list[str]:
    """Every citation that fails, and every item with no citation, as one line each."""
    problems = [
        f"disagreements[{index}] ({disagreement.topic!r}): needs two or more accounts"
        for index, disagreement in enumerate(extraction.disagreements)
        if len(disagreement.accounts) < 2
    ]
    for where, _, _, item in _items(extraction):
        if not item.citations:
            problems.append(f"{where}: has no citation")
        for citation in item.citations:
            if (problem := _citation_problem(citation, articles)) is not None:
                problems.append(f"{where}: {problem}")
    return problems


def citation_problems_in_scope(extraction: StoryExtraction) -> list[str]:
    articles = _ARTICLES.get()
    return [] if articles is None else citation_problems(extraction, articles)


def drop_unverified(
    extraction: StoryExtraction, articles: Mapping[str, Article]
) -> tuple[StoryExtraction, list[DroppedItem]]:
    """Remove failing citations, and items left with none; say what was removed and why."""
    from ._schema import DroppedItem

    dropped: list[DroppedItem] = []

    def verified(item: Any, kind: str, summary: str) -> Any | None:
        good = []
        for citation in item.citations:
            problem = _citation_problem(citation, articles)
            if problem is None:
                good.append(citation)
            else:
                dropped.append(
                    DroppedItem(kind=f"{kind} citation", summary=summary, reason=problem)
                )
        if good:
            return item.model_copy(update={"citations": good})
        dropped.append(
            DroppedItem(kind=kind, summary=summary, reason="no citation could be verified")
        )
        return None

    updates: dict[str, list[Any]] = {}
    for name, kind, label in _CITING_LISTS:
        items = (
            verified(item, kind, str(getattr(item, label))) for item in getattr(extraction, name)
        )
        updates[name] = [item for item in items if item is not None]
    updates["disagreements"] = []
    for disagreement in extraction.disagreements:
        accounts = [verified(a, "account", a.claim) for a in disagreement.accounts]
        kept = [account for account in accounts if account is not None]
        if len(kept) >= 2:
            updates["disagreements"].append(disagreement.model_copy(update={"accounts": kept}))
        else:
            reason = "fewer than two accounts could be verified"
            dropped.append(
                DroppedItem(kind="disagreement", summary=disagreement.topic, reason=reason)
            )
    return extraction.model_copy(update=updates), dropped

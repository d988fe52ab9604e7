"""Verify: every quote must stand in the article it cites.

Matching forgives what typesetting changes — whitespace, curly or straight quote marks, the kind
of dash, letter case — and nothing else: a changed, added or dropped word is a miss. A quote that
matches only up to typesetting is then replaced by the article's own words (`snap_quotes`), so a
briefing never prints the model's version of a quotation.

While a story is being extracted, `articles_in_scope` holds its articles and the schema's
validator reports every miss to the model, which instructor re-asks. A context variable rather
than instructor's `context=` argument: instructor renders the messages as Jinja templates whenever
`context` is given, and article text is data that must never be rendered as a template.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._article import Article
    from ._schema import Citation, DroppedItem, StoryExtraction

__all__ = [
    "articles_in_scope",
    "citation_problems",
    "citation_problems_in_scope",
    "drop_unverified",
    "find_quote",
    "quote_in_text",
    "snap_quotes",
]

MIN_QUOTE_WORDS = 3

_ARTICLES: ContextVar[Mapping[str, Article] | None] = ContextVar("articles", default=None)

_QUOTE_MARKS = str.maketrans(
    {c: "'" for c in "‘’‚‛′`´"} | {c: '"' for c in "“”„‟″«»"} | {c: "-" for c in "‐‑‒–—―−"}
)
_INVISIBLE = frozenset("\u00ad\u200b\u200c\u200d\u2060\ufeff")
_EDGE_PUNCTUATION = "\"' .,;:"


def _fold(text: str) -> tuple[str, list[int]]:
    """`text` with typesetting folded away, and for each folded character its index in `text`.

    Each character is folded on its own (compatibility forms, quote marks and dashes unified, case
    folded, invisible characters dropped, whitespace runs made one space, spaces around a dash
    dropped), so that a match in the folded text maps back to the exact span of the original.
    """
    folded: list[str] = []
    origin: list[int] = []
    for index, character in enumerate(text):
        if character in _INVISIBLE:
            continue
        for unit in unicodedata.normalize("NFKC", character).translate(_QUOTE_MARKS).casefold():
            if unit.isspace():
                if not folded or folded[-1] in " -":
                    continue  # a run of spaces, or a space after a dash
                unit = " "
            elif unit == "-" and folded and folded[-1] == " ":
                folded.pop()  # a space before a dash
                origin.pop()
            folded.append(unit)
            origin.append(index)
    if folded and folded[-1] == " ":
        folded.pop()
        origin.pop()
    return "".join(folded), origin


@lru_cache(maxsize=256)
def _folded_article(text: str) -> tuple[str, list[int]]:
    return _fold(text)


def find_quote(quote: str, text: str) -> str | None:
    """The words of `text` that `quote` copies, exactly as `text` has them; None if absent.

    A quote may differ from the text in whitespace, quote marks, dashes, case and surrounding
    punctuation; a changed, added or dropped word is a miss.
    """
    needle = _fold(quote)[0].strip(_EDGE_PUNCTUATION)
    if not needle:
        return None
    if quote in text:
        return quote
    haystack, origin = _folded_article(text)
    start = haystack.find(needle)
    if start < 0:
        return None
    return text[origin[start] : origin[start + len(needle) - 1] + 1]


def quote_in_text(quote: str, text: str) -> bool:
    """True when `quote` appears in `text`, up to whitespace, quote marks, dashes and case."""
    return find_quote(quote, text) is not None


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
    ("actions", "action", "action"),
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
    if not quote_in_text(citation.quote, _article_text(article)):
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


def _article_text(article: Article) -> str:
    return article.headline + "\n" + article.body


def snap_quotes(
    extraction: StoryExtraction, articles: Mapping[str, Article]
) -> tuple[StoryExtraction, int]:
    """Every verified quote replaced by the cited article's exact words; and how many changed."""
    repaired = 0

    def snapped(item: Any) -> Any:
        nonlocal repaired
        citations = []
        for citation in item.citations:
            article = articles.get(citation.article_id)
            exact = find_quote(citation.quote, _article_text(article)) if article else None
            if exact is not None and exact != citation.quote:
                repaired += 1
                citation = citation.model_copy(update={"quote": exact})
            citations.append(citation)
        return item.model_copy(update={"citations": citations})

    updates: dict[str, list[Any]] = {
        name: [snapped(item) for item in getattr(extraction, name)] for name, _, _ in _CITING_LISTS
    }
    updates["disagreements"] = [
        d.model_copy(update={"accounts": [snapped(a) for a in d.accounts]})
        for d in extraction.disagreements
    ]
    return extraction.model_copy(update=updates), repaired

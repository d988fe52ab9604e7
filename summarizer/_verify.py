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

import re
import unicodedata
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel

if TYPE_CHECKING:
    from ._article import Article

ExtractionT = TypeVar("ExtractionT", bound=BaseModel)

__all__ = [
    "Removed",
    "articles_in_scope",
    "checking",
    "citation_problems",
    "citation_problems_in_scope",
    "cited_items",
    "drop_unverified",
    "find_quote",
    "quote_in_text",
    "snap_quotes",
]

MIN_QUOTE_WORDS = 3

_ARTICLES: ContextVar[Mapping[str, Article] | None] = ContextVar("articles", default=None)

_QUOTE_MARKS = str.maketrans(
    {c: "'" for c in "‘’‚‛′`´"}
    | {c: '"' for c in "“”„‟″«»「」『』〝〞＂"}
    | {c: "-" for c in "‐‑‒–—―−"}
)
_INVISIBLE = frozenset("\u00ad\u200b\u200c\u200d\u2060\ufeff")
_EDGE_PUNCTUATION = "\"' .,;:。、！？"
# Scripts written without spaces between words: a quote's length is counted in their characters.
_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u0e00-\u0e7f]")
MIN_QUOTE_CHARACTERS = 6  # in a script without spaces: about three words


def _long_enough(quote: str) -> bool:
    """Three words, or (Chinese, Japanese, Thai) six characters of a script without spaces."""
    if len(quote.split()) >= MIN_QUOTE_WORDS:
        return True
    return len(_UNSPACED.findall(quote)) >= MIN_QUOTE_CHARACTERS


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


def _kind(model: BaseModel) -> str:
    """'TimelineEvent' → 'timeline event'."""
    return re.sub(r"(?<!^)(?=[A-Z])", " ", type(model).__name__).lower()


def _summary(model: BaseModel) -> str:
    label = getattr(model, "label", None)
    if callable(label):
        return str(label())
    for name in ("topic", "name", "title"):
        if isinstance(getattr(model, name, None), str):
            return str(getattr(model, name))
    return _kind(model)


def _is_cited(model: object) -> bool:
    return isinstance(model, BaseModel) and isinstance(getattr(model, "citations", None), list)


def _min_items(model: BaseModel, field: str) -> int:
    """The least number of items a list field may hold (its `min_length`), 0 if unbounded."""
    info = type(model).model_fields[field]
    return max((getattr(m, "min_length", 0) or 0 for m in info.metadata), default=0)


def _list_fields(model: BaseModel) -> Iterator[tuple[str, list[BaseModel]]]:
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, list) and value and all(isinstance(v, BaseModel) for v in value):
            yield name, value


def _items(model: BaseModel, where: str = "") -> Iterator[tuple[str, BaseModel]]:
    """(where, item) for every item that must cite, however deep in `model`."""
    for name, items in _list_fields(model):
        if name == "citations":
            continue
        for index, item in enumerate(items):
            path = f"{where}{name}[{index}]"
            if _is_cited(item):
                yield f"{path} ({_summary(item)!r})", item
            yield from _items(item, path + ".")


def _citation_problem(citation: Any, articles: Mapping[str, Article]) -> str | None:
    article = articles.get(citation.article_id)
    if article is None:
        known = ", ".join(sorted(articles))
        return f"article id {citation.article_id!r} does not exist (the ids are: {known})"
    if not _long_enough(citation.quote):
        return f"the quote {citation.quote!r} is too short to support a claim"
    if not quote_in_text(citation.quote, _article_text(article)):
        return f"the quote {citation.quote!r} is not in article {citation.article_id}"
    return None


def citation_problems(extraction: BaseModel, articles: Mapping[str, Article]) -> list[str]:
    """Every citation that fails, and every item with no citation, as one line each."""
    problems = []
    for where, item in _items(extraction):
        citations = getattr(item, "citations")  # noqa: B009 - any model that carries citations
        if not citations:
            problems.append(f"{where}: has no citation")
        for citation in citations:
            if (problem := _citation_problem(citation, articles)) is not None:
                problems.append(f"{where}: {problem}")
    return problems


def citation_problems_in_scope(extraction: BaseModel) -> list[str]:
    articles = _ARTICLES.get()
    return [] if articles is None else citation_problems(extraction, articles)


def checking() -> bool:
    """True while a story is being extracted (see `articles_in_scope`)."""
    return _ARTICLES.get() is not None


@dataclass
class Removed:
    """An item or citation taken out, and why."""

    kind: str
    summary: str
    reason: str


def drop_unverified(
    extraction: ExtractionT, articles: Mapping[str, Article]
) -> tuple[ExtractionT, list[Removed]]:
    """Remove failing citations, items left with none, and groups left with too few items
    (a disagreement needs two accounts); say what was removed and why."""
    removed: list[Removed] = []

    def prune(model: BaseModel) -> BaseModel | None:
        update: dict[str, Any] = {}
        if _is_cited(model):
            good = []
            for citation in getattr(model, "citations"):  # noqa: B009
                problem = _citation_problem(citation, articles)
                if problem is None:
                    good.append(citation)
                else:
                    removed.append(Removed(f"{_kind(model)} citation", _summary(model), problem))
            if not good:
                removed.append(
                    Removed(_kind(model), _summary(model), "no citation could be verified")
                )
                return None
            update["citations"] = good
        for name, items in _list_fields(model):
            if name == "citations":
                continue
            kept = [k for k in (prune(item) for item in items) if k is not None]
            least = _min_items(model, name)
            if len(kept) < least:
                reason = f"fewer than {least} {name} could be verified"
                removed.append(Removed(_kind(model), _summary(model), reason))
                return None
            update[name] = kept
        return model.model_copy(update=update)

    pruned = prune(extraction)
    assert pruned is not None  # the extraction itself cites nothing and bounds nothing
    return pruned, removed  # type: ignore[return-value]


def _article_text(article: Article) -> str:
    return article.headline + "\n" + article.body


def snap_quotes(
    extraction: ExtractionT, articles: Mapping[str, Article]
) -> tuple[ExtractionT, int]:
    """Every verified quote replaced by the cited article's exact words; and how many changed."""
    repaired = 0

    def snapped(model: BaseModel) -> BaseModel:
        nonlocal repaired
        update: dict[str, Any] = {}
        if _is_cited(model):
            citations = []
            for citation in getattr(model, "citations"):  # noqa: B009
                article = articles.get(citation.article_id)
                exact = find_quote(citation.quote, _article_text(article)) if article else None
                if exact is not None and exact != citation.quote:
                    repaired += 1
                    citation = citation.model_copy(update={"quote": exact})
                citations.append(citation)
            update["citations"] = citations
        for name, items in _list_fields(model):
            if name != "citations":
                update[name] = [snapped(item) for item in items]
        return model.model_copy(update=update)

    return snapped(extraction), repaired  # type: ignore[return-value]


def cited_items(model: BaseModel) -> Iterator[BaseModel]:
    """Every item of `model` that carries citations, however deep."""
    for _, item in _items(model):
        yield item

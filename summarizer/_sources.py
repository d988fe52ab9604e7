"""Across sources: number a story's sources, mark duplicates and earlier reports, and say for
every item which outlets report it and how many of them independently.

An outlet reports an item when one of its articles is cited for it, or republishes or rewrites a
cited article. Only originals count as independent, and two articles of one outlet count once.
An article that repeats another's words with words of its own (`StoryGroup.repeats`) is sent to
the model beside it: a quote from it that the other has too is the other's report, which it
repeats; a quote of its own words is its report alone.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel

from ._article import main_date, published_before
from ._schema import DroppedItem, Source, StoryBase
from .group import StoryGroup
from .verify._evidence import Citation, Extraction
from .verify._verify import articles_in_scope, cited_items, quote_in_text

__all__ = ["UNNAMED", "build_story", "outlet_label"]

StoryT = TypeVar("StoryT", bound=StoryBase)

UNNAMED = "unnamed outlet"


def outlet_label(source: Source) -> str:
    """The outlet's name, or a label that keeps unnamed outlets apart."""
    return source.outlet or f"{UNNAMED} [{source.note}]"


def _sources(extraction: Extraction, group: StoryGroup) -> list[Source]:
    # Cited originals first, in citation order; then the other originals; then the copies.
    cited = [
        citation.article_id
        for item in cited_items(extraction)
        for citation in getattr(item, "citations")  # noqa: B009 - any model that carries them
    ]
    originals = [a.id for a in group.originals]
    order = list(dict.fromkeys([i for i in cited if i in originals] + originals))
    order += [a.id for a in group.articles if a.id in group.duplicates]
    by_id = {article.id: article for article in group.articles}
    day = main_date(group.articles)
    notes = {article_id: number for number, article_id in enumerate(order, start=1)}

    return [
        Source(
            note=notes[article_id],
            article_id=article_id,
            outlet=by_id[article_id].outlet,
            headline=by_id[article_id].headline,
            published=by_id[article_id].published,
            language=by_id[article_id].language,
            path=by_id[article_id].source,
            duplicate_of=notes.get(group.duplicates.get(article_id, "")),
            published_earlier=published_before(by_id[article_id], day),
        )
        for article_id in order
    ]


class _Repeats:
    """Which sources repeat which (`StoryGroup.repeats`), with the texts to look quotes up in."""

    def __init__(self, group: StoryGroup, sources: list[Source]) -> None:
        self.by_id = {source.article_id: source for source in sources}
        self.by_note = {source.note: source for source in sources}
        self.texts = {a.id: a.headline + "\n" + a.body for a in group.articles}
        self.repeated = dict(group.repeats)

    def witness(self, citation: Citation, cited: Source) -> Source:
        """The source whose report a citation is: a copy's original; for an article that repeats
        another, the other, when it has the quoted words too; otherwise the cited source."""
        if cited.duplicate_of is not None:
            return self.by_note[cited.duplicate_of]
        other_id = self.repeated.get(cited.article_id)
        if other_id is not None and quote_in_text(citation.quote, self.texts[other_id]):
            other = self.by_id[other_id]
            return self.by_note[other.duplicate_of] if other.duplicate_of else other
        return cited

    def repeaters(self, citation: Citation, cited: Source) -> list[Source]:
        """The sources that repeat the cited one and have the quoted words too."""
        return [
            self.by_id[copy]
            for copy, of in self.repeated.items()
            if of == cited.article_id and quote_in_text(citation.quote, self.texts[copy])
        ]


def _coverage(
    citations: list[Citation], sources: list[Source], repeats: _Repeats
) -> dict[str, Any]:
    cited_pairs = [
        (c, repeats.by_id[c.article_id]) for c in citations if c.article_id in repeats.by_id
    ]
    cited = [source for _, source in cited_pairs]
    cited_notes = {source.note for source in cited}
    copies = [s for s in sources if s.duplicate_of in cited_notes]
    copies += [r for citation, source in cited_pairs for r in repeats.repeaters(citation, source)]
    # A cited copy stands for its original, and a quote an article repeats from another for the
    # other: the original's outlet is the independent one.
    independent = {outlet_label(repeats.witness(c, source)) for c, source in cited_pairs}
    reported_by = sorted({outlet_label(s) for s in [*cited, *copies]} | independent)
    return {"reported_by": reported_by, "independent_sources": len(independent)}


def _with_coverage(model: BaseModel, sources: list[Source], repeats: _Repeats) -> BaseModel:
    """`model` with who-reports-what set on every item that carries citations, however deep."""
    update: dict[str, Any] = {}
    citations = getattr(model, "citations", None)
    if isinstance(citations, list):
        update |= _coverage(citations, sources, repeats)
    for name in type(model).model_fields:
        value = getattr(model, name)
        nested = isinstance(value, list) and value and all(isinstance(v, BaseModel) for v in value)
        if nested and name not in update and name != "citations":
            update[name] = [_with_coverage(v, sources, repeats) for v in value]
    return model.model_copy(update=update)


def build_story(
    extraction: Extraction,
    group: StoryGroup,
    story_model: type[StoryT],
    dropped: list[DroppedItem] | None = None,
) -> StoryT:
    """The briefing's story: the verified extraction, its sources, and who reports what."""
    sources = _sources(extraction, group)
    with articles_in_scope(None):
        covered = _with_coverage(extraction, sources, _Repeats(group, sources))
        return story_model.model_validate(
            dict(covered) | {"id": group.id, "sources": sources, "dropped": dropped or []}
        )

"""Across sources: number a story's sources, mark duplicates and earlier reports, and say for
every item which outlets report it and how many of them independently.

An outlet reports an item when one of its articles is cited for it, or republishes or rewrites a
cited article. Only originals count as independent, and two articles of one outlet count once.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel

from ._article import main_date, published_before
from ._evidence import Citation, Extraction
from ._group import StoryGroup
from ._schema import DroppedItem, Source, StoryBase
from ._verify import articles_in_scope, cited_items

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


def _coverage(citations: list[Citation], sources: list[Source]) -> dict[str, Any]:
    by_id = {source.article_id: source for source in sources}
    by_note = {source.note: source for source in sources}
    cited = [by_id[c.article_id] for c in citations if c.article_id in by_id]
    cited_notes = {source.note for source in cited}
    copies = [s for s in sources if s.duplicate_of in cited_notes]
    independent = {outlet_label(s) for s in cited if s.duplicate_of is None}
    # A cited copy stands for its original: the original's outlet is the independent one.
    independent |= {
        outlet_label(by_note[s.duplicate_of]) for s in cited if s.duplicate_of is not None
    }
    reported_by = sorted({outlet_label(s) for s in [*cited, *copies]} | independent)
    return {"reported_by": reported_by, "independent_sources": len(independent)}


def _with_coverage(model: BaseModel, sources: list[Source]) -> BaseModel:
    """`model` with who-reports-what set on every item that carries citations, however deep."""
    update: dict[str, Any] = {}
    citations = getattr(model, "citations", None)
    if isinstance(citations, list):
        update |= _coverage(citations, sources)
    for name in type(model).model_fields:
        value = getattr(model, name)
        nested = isinstance(value, list) and value and all(isinstance(v, BaseModel) for v in value)
        if nested and name not in update and name != "citations":
            update[name] = [_with_coverage(v, sources) for v in value]
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
        covered = _with_coverage(extraction, sources)
        return story_model.model_validate(
            dict(covered) | {"id": group.id, "sources": sources, "dropped": dropped or []}
        )

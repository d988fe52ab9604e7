"""Across sources: number a story's sources, mark duplicates and earlier reports, and say for
every item which outlets report it and how many of them independently.

An outlet reports an item when one of its articles is cited for it, or republishes or rewrites a
cited article. Only originals count as independent, and two articles of one outlet count once.
"""

from __future__ import annotations

from typing import Any

from ._article import main_date, published_before
from ._group import StoryGroup
from ._schema import (
    Citation,
    DroppedItem,
    ReportedAccount,
    ReportedAction,
    ReportedConsequence,
    ReportedDemand,
    ReportedDisagreement,
    ReportedParty,
    ReportedPosition,
    Source,
    Story,
    StoryExtraction,
)
from ._verify import articles_in_scope

__all__ = ["UNNAMED", "build_story", "outlet_label"]

UNNAMED = "unnamed outlet"


def outlet_label(source: Source) -> str:
    """The outlet's name, or a label that keeps unnamed outlets apart."""
    return source.outlet or f"{UNNAMED} [{source.note}]"


def _sources(extraction: StoryExtraction, group: StoryGroup) -> list[Source]:
    # Cited originals first, in citation order; then the other originals; then the copies.
    cited = [
        citation.article_id
        for name in ("parties", "actions", "demands", "positions", "consequences", "timeline")
        for item in getattr(extraction, name)
        for citation in item.citations
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


def build_story(
    extraction: StoryExtraction, group: StoryGroup, dropped: list[DroppedItem] | None = None
) -> Story:
    """The briefing's story: the verified extraction, its sources, and who reports what."""
    sources = _sources(extraction, group)

    def reported(kind: type[Any], item: Any) -> Any:
        return kind(**dict(item), **_coverage(item.citations, sources))

    with articles_in_scope(None):
        return Story(
            id=group.id,
            headline=extraction.headline,
            bottom_line=extraction.bottom_line,
            parties=[reported(ReportedParty, p) for p in extraction.parties],
            actions=[reported(ReportedAction, a) for a in extraction.actions],
            demands=[reported(ReportedDemand, d) for d in extraction.demands],
            positions=[reported(ReportedPosition, p) for p in extraction.positions],
            consequences=[reported(ReportedConsequence, c) for c in extraction.consequences],
            timeline=sorted(extraction.timeline, key=lambda event: event.date),
            disagreements=[
                ReportedDisagreement(
                    topic=d.topic, accounts=[reported(ReportedAccount, a) for a in d.accounts]
                )
                for d in extraction.disagreements
            ],
            sources=sources,
            dropped=dropped or [],
        )

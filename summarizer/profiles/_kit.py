"""The kit a profile merges with: items that are the same become one, their citations united.

A long story is extracted in parts (`summarizer.extract` splits it); its profile's `merge` joins
the parts' extractions into one. These are what the built-in profiles build theirs from, and
what a profile of your own can use: `merge_items` (items with the same key become one),
`join_citations` (each article and quote once), `merge_by_equality` (the default: items the same
in every field but their evidence are one; headline and bottom line from the first part, which
holds the story's first articles); and `default_prompts_dir`, where the shipped prompt templates
are (a profile's own `system.j2` beside the shared `story.j2`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel

from ..verify._verify import articles_in_scope

__all__ = ["default_prompts_dir", "join_citations", "merge_by_equality", "merge_items"]

ExtractionT = TypeVar("ExtractionT", bound=BaseModel)


def default_prompts_dir() -> Path:
    """`summarizer/prompts` in an installed wheel; the repository's `prompts/` in a checkout."""
    package = Path(__file__).parent.parent  # summarizer/
    packaged = package / "prompts"
    return packaged if packaged.is_dir() else package.parent / "prompts"


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

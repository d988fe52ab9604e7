"""Evaluate: score a briefing's story against a gold file a person wrote for it.

In: a `DailyBriefing` and a `Gold` (the items a complete briefing of one story must hold, core
and detail, and the claims it must not make). Out: an `EvalReport` — recall per section, by
keywords in the item's own words and by the quotes it cites; the must-not claims it makes; and the
tokens and cost of the run that made it. The gold format is `schemas/gold.schema.json`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ._errors import InputError, SummarizerError
from ._files import read_json
from ._schema import Briefing
from .profiles import load_profile
from .verify._verify import find_quote

__all__ = [
    "EvalReport",
    "Gold",
    "GoldItem",
    "MustNot",
    "SectionScore",
    "load_gold",
    "score_briefing",
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class GoldItem(_Strict):
    """One item a complete briefing holds."""

    label: str = Field(description="What the item is, for the report.")
    core: bool = Field(
        default=True, description="Core: a briefing without it misses the story. Else a detail."
    )
    keywords: list[str] = Field(
        min_length=1,
        description="Every entry must appear in the item's own words (case and typesetting "
        "ignored); 'a|b' accepts either.",
    )
    quotes: list[str] = Field(
        default_factory=list,
        description="Passages of the articles that state it; a cited quote overlapping one "
        "(either contains the other) counts as evidence found.",
    )


class MustNot(_Strict):
    """A claim the articles do not support, which the briefing must not make."""

    claim: str
    sections: list[str] = Field(
        default_factory=list, description="Where to look; every section if empty."
    )
    keywords: list[str] = Field(min_length=1, description="As in GoldItem.keywords.")


class Gold(_Strict):
    """What a complete briefing of one story holds, written from the articles alone."""

    story: str = Field(description="Words that identify the story: a headline, or its key names.")
    profile: str = "geopolitics"
    items: dict[str, list[GoldItem]] = Field(description="Section name → the items it must hold.")
    must_not: list[MustNot] = Field(default_factory=list)


class SectionScore(BaseModel):
    section: str
    core: int
    core_by_keywords: int
    core_by_quotes: int
    detail: int
    detail_by_keywords: int
    detail_by_quotes: int
    missed: list[str] = Field(default_factory=list, description="Core items not found.")


class EvalReport(BaseModel):
    briefing: str
    gold: str
    model: str
    story: str | None = Field(description="The briefed story scored; null if none matched.")
    sections: list[SectionScore]
    must_not_made: list[str]
    total_tokens: int
    cost_usd: float | None

    def recall(self, *, core: bool, by: str) -> float:
        """Share of the gold's core (or detail) items found, by 'keywords' or 'quotes'."""
        found = sum(getattr(s, f"{'core' if core else 'detail'}_by_{by}") for s in self.sections)
        total = sum(s.core if core else s.detail for s in self.sections)
        return found / total if total else 1.0


def load_gold(path: str | Path) -> Gold:
    """The gold file at `path`; `InputError` naming it when it is not JSON or not a gold file."""
    data = read_json(path)
    try:
        gold = Gold.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(map(str, first["loc"])) or "the file"
        raise InputError(str(path), f"not a gold file ({where}: {first['msg']})") from None
    try:
        sections = _sections(load_profile(gold.profile).extraction)
    except SummarizerError as error:
        raise InputError(str(path), str(error)) from None
    used = [*gold.items, *(s for claim in gold.must_not for s in claim.sections)]
    unknown = [name for name in used if name not in sections]
    if unknown:
        known = ", ".join(sections)
        raise InputError(str(path), f"unknown section {unknown[0]!r} (sections: {known})")
    return gold


def _sections(model: type[BaseModel]) -> list[str]:
    """The list fields of a profile's extraction whose items cite."""
    return [
        name
        for name, field in model.model_fields.items()
        if "list[" in str(field.annotation) and name not in ("aliases",)
    ]


def _fold(text: str) -> str:
    return " ".join(text.casefold().translate({0x2019: "'", 0x2018: "'"}).split())


def _words(item: Any) -> str:
    """An item's own words: every field but its evidence."""
    fields = item.model_dump(
        mode="json", exclude={"citations", "reported_by", "independent_sources"}
    )
    return _fold(json.dumps(fields, ensure_ascii=False))


def _matches(text: str, keywords: list[str]) -> bool:
    return all(any(_fold(option) in text for option in k.split("|")) for k in keywords)


def _quotes_overlap(cited: list[str], gold: list[str]) -> bool:
    for passage in gold:
        for quote in cited:
            if find_quote(quote, passage) is not None or find_quote(passage, quote) is not None:
                return True
    return False


def _story_for(briefing: Briefing[Any], gold: Gold) -> Any:
    words = set(_fold(gold.story).split())

    def overlap(story: Any) -> int:
        return len(words & set(_fold(story.headline + " " + story.bottom_line).split()))

    return max(briefing.stories, key=overlap, default=None)


def score_briefing(
    briefing: Briefing[Any], gold: Gold, *, briefing_name: str = "", gold_name: str = ""
) -> EvalReport:
    """How much of `gold` the best-matching story of `briefing` holds."""
    story = _story_for(briefing, gold)
    sections = []
    for section in gold.items:
        items = list(getattr(story, section)) if story is not None else []
        texts = [(_words(item), [c.quote for c in item.citations]) for item in items]
        score = dict.fromkeys(
            (
                "core",
                "core_by_keywords",
                "core_by_quotes",
                "detail",
                "detail_by_keywords",
                "detail_by_quotes",
            ),
            0,
        )
        missed = []
        for expected in gold.items.get(section, []):
            kind = "core" if expected.core else "detail"
            score[kind] += 1
            by_keywords = any(_matches(text, expected.keywords) for text, _ in texts)
            by_quotes = any(_quotes_overlap(quotes, expected.quotes) for _, quotes in texts)
            score[f"{kind}_by_keywords"] += by_keywords
            score[f"{kind}_by_quotes"] += by_quotes
            if expected.core and not (by_keywords or by_quotes):
                missed.append(expected.label)
        sections.append(SectionScore(section=section, missed=missed, **score))
    made = []
    for claim in gold.must_not:
        where = claim.sections or list(gold.items)
        items = [
            item
            for section in where
            for item in (getattr(story, section, []) if story is not None else [])
        ]
        if any(_matches(_words(item), claim.keywords) for item in items):
            made.append(claim.claim)
    return EvalReport(
        briefing=briefing_name,
        gold=gold_name,
        model=briefing.model,
        story=story.headline if story is not None else None,
        sections=sections,
        must_not_made=made,
        total_tokens=briefing.usage.total_tokens,
        cost_usd=briefing.usage.cost_usd,
    )

"""The geopolitical briefing (the default profile): who the parties are, what they did and
demand of each other, where they stand, what follows, when, and where the sources differ."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..._schema import DroppedItem, with_checked_summary
from ...verify._verify import item_kind
from .. import Profile
from .._kit import default_prompts_dir
from ._changes import compare_briefings
from ._merge import merge_extractions
from ._schema import (
    Account,
    Action,
    Consequence,
    ConsequenceDomain,
    ConsequenceStatus,
    DailyBriefing,
    Demand,
    DemandStatus,
    Disagreement,
    EventStatus,
    Party,
    PartyKind,
    PloverCategory,
    Position,
    Story,
    StoryExtraction,
    TimelineEvent,
    cameo_code,
)

__all__ = [
    "PROFILE",
    "Account",
    "Action",
    "Consequence",
    "ConsequenceDomain",
    "ConsequenceStatus",
    "DailyBriefing",
    "Demand",
    "DemandStatus",
    "Disagreement",
    "EventStatus",
    "Party",
    "PartyKind",
    "PloverCategory",
    "Position",
    "Story",
    "StoryExtraction",
    "TimelineEvent",
    "cameo_code",
    "compare_briefings",
]


def _sort_timeline(story: Story) -> Story:
    # Dates are YYYY, YYYY-MM or YYYY-MM-DD: as text they sort in time order.
    return story.model_copy(update={"timeline": sorted(story.timeline, key=lambda e: e.date)})


def _only_cameo_codes(story: Story) -> Story:
    """Each action's `cameo` a CAMEO code, or null: anything else the model wrote there is
    removed and listed under what verification removed."""
    actions, dropped = [], []
    for action in story.actions:
        code = cameo_code(action.cameo)
        if action.cameo is not None and code is None:
            reason = f"{action.cameo!r} is not a CAMEO code (two to four digits, from 01 to 20)"
            dropped.append(
                DroppedItem(kind="action CAMEO code", summary=action.action, reason=reason)
            )
        actions.append(
            action if code == action.cameo else action.model_copy(update={"cameo": code})
        )
    if not dropped and actions == story.actions:
        return story
    return story.model_copy(update={"actions": actions, "dropped": [*story.dropped, *dropped]})


# The fields that name a party, by list; "outlet" stands for the article's own voice.
_PARTY_FIELDS = {
    "actions": ("actor", "target"),
    "demands": ("demander", "addressee"),
    "positions": ("party",),
    "consequences": ("according_to",),
}


def _named(name: str) -> str:
    return " ".join(name.replace("’", "'").lower().split())


def _only_named_parties(story: Story) -> Story:
    """Each action's actor and target, each demand's demander and addressee, each position's
    party and each consequence's source is one of the story's parties (by its name or an alias)
    — as the prompt asks — or, for a source, "outlet". An item that names someone else (a weak
    model's "Takaichi's remark" as the actor of everything) is removed and listed under what
    verification removed. A story with no parties keeps its items: there is nothing to hold
    them to."""
    known = {_named(name) for party in story.parties for name in (party.name, *party.aliases)}
    if not known:
        return story
    update: dict[str, Any] = {}
    dropped: list[DroppedItem] = []
    for field, names in _PARTY_FIELDS.items():
        kept = []
        for item in getattr(story, field):
            stranger = next(
                (
                    (name, value)
                    for name in names
                    if isinstance(value := getattr(item, name), str)
                    and _named(value) not in known
                    and not (name == "according_to" and _named(value) == "outlet")
                ),
                None,
            )
            if stranger is None:
                kept.append(item)
                continue
            name, value = stranger
            reason = f"its {name.replace('_', ' ')} {value!r} is not one of the story's parties"
            dropped.append(DroppedItem(kind=item_kind(item), summary=item.label(), reason=reason))
        if len(kept) != len(getattr(story, field)):
            update[field] = kept
    if not dropped:
        return story
    return story.model_copy(update={**update, "dropped": [*story.dropped, *dropped]})


def _finish(story: Story) -> Story:
    """What the program does to every built story: its headline and bottom line held to its
    evidence, its CAMEO codes checked, every party it names one of its parties, its timeline
    sorted."""
    return _sort_timeline(_only_named_parties(_only_cameo_codes(with_checked_summary(story))))


PROFILE = Profile(
    name="geopolitics",
    description="parties, actions, demands, positions, consequences, timeline, disagreements",
    extraction=StoryExtraction,
    story=Story,
    briefing=DailyBriefing,
    prompts=default_prompts_dir() / "geopolitics",
    template=Path(__file__).parent / "story.md.j2",
    merge=merge_extractions,
    finish=_finish,
    compare=compare_briefings,
)

"""The geopolitical briefing (the default profile): who the parties are, what they did and
demand of each other, where they stand, what follows, when, and where the sources differ."""

from __future__ import annotations

from pathlib import Path

from ...extract._prompts import default_prompts_dir
from .. import Profile
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
    "compare_briefings",
]


def _sort_timeline(story: Story) -> Story:
    # Dates are YYYY, YYYY-MM or YYYY-MM-DD: as text they sort in time order.
    return story.model_copy(update={"timeline": sorted(story.timeline, key=lambda e: e.date)})


PROFILE = Profile(
    name="geopolitics",
    description="parties, actions, demands, positions, consequences, timeline, disagreements",
    extraction=StoryExtraction,
    story=Story,
    briefing=DailyBriefing,
    prompts=default_prompts_dir() / "geopolitics",
    template=Path(__file__).parent / "story.md.j2",
    merge=merge_extractions,
    finish=_sort_timeline,
    compare=compare_briefings,
)

"""A profile of a user's own, as a user would write one: loaded by `tests.user_profile:PROFILE`."""

from __future__ import annotations

from pathlib import Path

from summarizer import Briefing, Cited, Extraction, Profile, StoryBase

FILES = Path(__file__).parent / "user_profile_files"


class Incident(Cited):
    """Something that went wrong."""

    what: str
    where: str


class IncidentExtraction(Extraction):
    """The incidents in a story."""

    incidents: list[Incident]
    headline: str
    bottom_line: str


class IncidentStory(IncidentExtraction, StoryBase):
    pass


class IncidentBriefing(Briefing[IncidentStory]):
    pass


PROFILE = Profile(
    name="incidents",
    extraction=IncidentExtraction,
    story=IncidentStory,
    briefing=IncidentBriefing,
    prompts=FILES,
    template=FILES / "incidents.md.j2",
)

"""The geopolitical briefing's schema: parties, actions, demands, positions, consequences, a
dated timeline, and where the sources differ.

`StoryExtraction` and everything under it is what the model fills: its docstrings and field
descriptions are prompt text, kept short because the rules are stated once, in the system prompt
(`prompts/geopolitics/system.j2`). `Story` adds what the program knows (sources, what verification
removed), and `DailyBriefing` is a day of them.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import ClassVar, Literal

from pydantic import ConfigDict, Field

from ..._schema import Briefing, StoryBase
from ...verify._evidence import Cited, Extraction, ModelFacing

__all__ = [
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
]

_DATE_PATTERN = r"^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$"
# CAMEO event codes (the CAMEO codebook; GDELT's CAMEO.eventcodes.txt): a root of two digits,
# 01 to 20, refined by a third and a fourth digit — "04", "043", "0431". Kept as text: "010" and
# "10" are different codes. The codebook has no letters in its event codes.
_CAMEO_CODE = re.compile(r"(?:0[1-9]|1[0-9]|20)[0-9]{0,2}")


class PartyKind(StrEnum):
    STATE = "state"
    OFFICIAL = "official"
    ORGANISATION = "organisation"
    COMPANY = "company"
    PERSON = "person"


class Party(Cited):
    """Anyone acting or acted upon."""

    label_field: ClassVar[str | None] = "name"

    name: str
    aliases: list[str] = Field(description="Other names the articles use: 'Liu', 'Kanai Masaaki'.")
    kind: PartyKind
    role: str = Field(description="A short phrase from the articles.")
    side: str = Field(description="The state or camp it speaks for; 'none' if neutral.")


class EventStatus(StrEnum):
    OCCURRED = "occurred"
    SCHEDULED = "scheduled"
    EXPECTED = "expected"


class PloverCategory(StrEnum):
    """PLOVER event types (eventdata.parusanalytics.com/data.dir/plover_reference.html)."""

    AGREE = "AGREE"
    CONSULT = "CONSULT"
    SUPPORT = "SUPPORT"
    CONCEDE = "CONCEDE"
    COOPERATE = "COOPERATE"
    AID = "AID"
    RETREAT = "RETREAT"
    INVESTIGATE = "INVESTIGATE"
    DEMAND = "DEMAND"
    DISAPPROVE = "DISAPPROVE"
    REJECT = "REJECT"
    THREATEN = "THREATEN"
    PROTEST = "PROTEST"
    CRIME = "CRIME"
    SANCTION = "SANCTION"
    MOBILIZE = "MOBILIZE"
    COERCE = "COERCE"
    ASSAULT = "ASSAULT"


class Action(Cited):
    """What a party does to another."""

    label_field: ClassVar[str | None] = "action"

    actor: str
    category: PloverCategory
    cameo: str | None = Field(description="CAMEO code, e.g. '112'.")
    action: str = Field(description="A verb phrase: 'summoned the ambassador'.")
    target: str | None
    status: EventStatus
    date: str | None = Field(pattern=_DATE_PATTERN)


def cameo_code(text: str | None) -> str | None:
    """`text` as a CAMEO event code ('112'), or None if it is none (a sentence, a name, '43')."""
    code = (text or "").strip()
    return code if _CAMEO_CODE.fullmatch(code) else None


class DemandStatus(StrEnum):
    EXPECTED = "expected"
    MADE = "made"
    REJECTED = "rejected"
    MET = "met"


class Demand(Cited):
    """What one party asks of another."""

    label_field: ClassVar[str | None] = "demand"

    demander: str
    addressee: str
    demand: str = Field(description="A verb phrase: 'retract the remarks'.")
    status: DemandStatus


class Position(Cited):
    """A party's stance, attributed and neutral."""

    label_field: ClassVar[str | None] = "stance"

    party: str
    stance: str = Field(description="One sentence.")
    status: EventStatus


class ConsequenceDomain(StrEnum):
    DIPLOMATIC = "diplomatic"
    ECONOMIC = "economic"
    TRAVEL = "travel"
    EDUCATION = "education"
    CULTURE = "culture"
    SECURITY = "security"


class ConsequenceStatus(StrEnum):
    HAPPENED = "happened"
    ANNOUNCED = "announced"
    FEARED = "feared"


class Consequence(Cited):
    """An effect of the event."""

    label_field: ClassVar[str | None] = "description"

    description: str = Field(description="One sentence.")
    domain: ConsequenceDomain
    according_to: str
    status: ConsequenceStatus


class Account(Cited):
    """One side of a disagreement."""

    label_field: ClassVar[str | None] = "claim"

    claim: str = Field(description="One sentence.")
    according_to: str


class Disagreement(ModelFacing):
    """A fact, figure or framing the articles differ on."""

    topic: str
    accounts: list[Account] = Field(min_length=2)


class TimelineEvent(Cited):
    """A dated step, past or to come."""

    label_field: ClassVar[str | None] = "event"

    date: str = Field(pattern=_DATE_PATTERN)
    event: str = Field(description="One sentence.")
    status: EventStatus

    @property
    def precision(self) -> Literal["day", "month", "year"]:
        """How much of the date the articles give."""
        return ("year", "month", "day")[self.date.count("-")]


class StoryExtraction(Extraction):
    """One news story, from the articles given."""

    parties: list[Party]
    actions: list[Action]
    demands: list[Demand]
    positions: list[Position]
    consequences: list[Consequence]
    timeline: list[TimelineEvent] = Field(description="Oldest first.")
    disagreements: list[Disagreement] = Field(description="Empty when the articles agree.")
    headline: str = Field(description="Neutral, at most 15 words.")
    bottom_line: str = Field(
        description="Two or three sentences: what happened, what is at stake, where things stand."
    )


class Story(StoryExtraction, StoryBase):
    """One story of the briefing: the model's extraction, verified, with its sources."""

    model_config = ConfigDict(extra="forbid", title="Story")


class DailyBriefing(Briefing[Story]):
    """A day's geopolitical briefing: one section per story, most-covered first."""

    model_config = ConfigDict(title="DailyBriefing")

"""The briefing's schema: the single source of truth for what the model fills and what we write.

`StoryExtraction` and everything under it is sent to the model as a tool or JSON schema, so its
docstrings and field descriptions are prompt text, written as instructions to the model. Every
model-facing field is required (nullable where it may be empty) and objects forbid extra keys, so
the same schema is valid for plain tool calling and for OpenAI's strict structured outputs.

`Story` and `DailyBriefing` add what the program knows and the model does not: sources, what
verification dropped, what failed, token usage. `schemas/briefing.schema.json` is generated from
`DailyBriefing`.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ._verify import citation_problems_in_scope

__all__ = [
    "Account",
    "Action",
    "Change",
    "ChangeReport",
    "Citation",
    "Consequence",
    "ConsequenceDomain",
    "ConsequenceStatus",
    "DailyBriefing",
    "Demand",
    "DemandStatus",
    "Disagreement",
    "DroppedItem",
    "EventStatus",
    "FailedStory",
    "Party",
    "PartyKind",
    "PloverCategory",
    "Position",
    "ReplayInfo",
    "ReportedAccount",
    "ReportedAction",
    "ReportedConsequence",
    "ReportedDemand",
    "ReportedDisagreement",
    "ReportedParty",
    "ReportedPosition",
    "Source",
    "Story",
    "StoryExtraction",
    "TimelineEvent",
    "UnreadArticle",
    "Usage",
]


class _ModelFacing(BaseModel):
    # extra="forbid" puts additionalProperties: false in the schema, as strict mode requires.
    model_config = ConfigDict(extra="forbid")


_DATE_PATTERN = r"^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$"


class Citation(_ModelFacing):
    """Evidence for an item."""

    article_id: str
    quote: str
    via: str | None = Field(description="Who the article credits for the words, if anyone.")


class _Cited(_ModelFacing):
    # Declared first, so that every item opens with its evidence and the claim follows from it.
    citations: list[Citation]


class PartyKind(StrEnum):
    STATE = "state"
    OFFICIAL = "official"
    ORGANISATION = "organisation"
    COMPANY = "company"
    PERSON = "person"


class Party(_Cited):
    """Anyone acting or acted upon."""

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


class Action(_Cited):
    """What a party does to another."""

    actor: str
    category: PloverCategory
    cameo: str | None = Field(description="CAMEO code, e.g. '112'.")
    action: str = Field(description="A verb phrase: 'summoned the ambassador'.")
    target: str | None
    status: EventStatus
    date: str | None = Field(pattern=_DATE_PATTERN)


class DemandStatus(StrEnum):
    EXPECTED = "expected"
    MADE = "made"
    REJECTED = "rejected"
    MET = "met"


class Demand(_Cited):
    """What one party asks of another."""

    demander: str
    addressee: str
    demand: str = Field(description="A verb phrase: 'retract the remarks'.")
    status: DemandStatus


class Position(_Cited):
    """A party's stance, attributed and neutral."""

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


class Consequence(_Cited):
    """An effect of the event."""

    description: str = Field(description="One sentence.")
    domain: ConsequenceDomain
    according_to: str
    status: ConsequenceStatus


class Account(_Cited):
    """One side of a disagreement."""

    claim: str = Field(description="One sentence.")
    according_to: str


class Disagreement(_ModelFacing):
    """A fact, figure or framing the articles differ on."""

    topic: str
    accounts: list[Account] = Field(description="Two or more.")


class TimelineEvent(_Cited):
    """A dated step, past or to come."""

    date: str = Field(pattern=_DATE_PATTERN)
    event: str = Field(description="One sentence.")
    status: EventStatus

    @property
    def precision(self) -> Literal["day", "month", "year"]:
        """How much of the date the articles give."""
        return ("year", "month", "day")[self.date.count("-")]


class StoryExtraction(_ModelFacing):
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

    @model_validator(mode="after")
    def _quotes_are_in_their_articles(self) -> StoryExtraction:
        # Active only while an extraction is in progress (see _verify.articles_in_scope), so that
        # loading a saved briefing does not need the articles at hand.
        problems = citation_problems_in_scope(self)
        if problems:
            raise ValueError(
                "Some citations do not match their articles. Fix each one by copying the words "
                "exactly from the cited article, or cite another article that contains them:\n- "
                + "\n- ".join(problems)
            )
        return self


# --- what the program adds -----------------------------------------------------------------------


class Source(BaseModel):
    """An article the story rests on, numbered for the briefing's source notes."""

    note: int
    article_id: str
    outlet: str | None
    headline: str
    published: dt.date | None
    path: str
    duplicate_of: int | None = Field(
        default=None,
        description="The note of the article this one republishes or rewrites; its text was not "
        "sent to the model and it is not counted as an independent source.",
    )
    published_earlier: bool = Field(
        default=False,
        description="Published before most of the story's reports: what it expects is no outcome.",
    )


class _Reported(BaseModel):
    """Who reports an item: computed from its citations and the story's duplicates."""

    reported_by: list[str] = Field(
        default_factory=list, description="The outlets whose articles report it, copies included."
    )
    independent_sources: int = Field(
        default=0, description="How many of those outlets reported it independently."
    )


class ReportedAction(Action, _Reported):
    model_config = ConfigDict(extra="forbid", title="ReportedAction")


class ReportedParty(Party, _Reported):
    model_config = ConfigDict(extra="forbid", title="ReportedParty")


class ReportedDemand(Demand, _Reported):
    model_config = ConfigDict(extra="forbid", title="ReportedDemand")


class ReportedPosition(Position, _Reported):
    model_config = ConfigDict(extra="forbid", title="ReportedPosition")


class ReportedConsequence(Consequence, _Reported):
    model_config = ConfigDict(extra="forbid", title="ReportedConsequence")


class ReportedAccount(Account, _Reported):
    model_config = ConfigDict(extra="forbid", title="ReportedAccount")


class ReportedDisagreement(Disagreement):
    model_config = ConfigDict(extra="forbid", title="ReportedDisagreement")

    accounts: list[ReportedAccount]  # type: ignore[assignment]


class DroppedItem(BaseModel):
    """An item or citation removed because its quote could not be found in the cited article."""

    kind: str
    summary: str
    reason: str


class Story(StoryExtraction):
    """One story of the briefing: the model's extraction, verified, with its sources."""

    model_config = ConfigDict(extra="forbid", title="Story")

    id: str
    parties: list[ReportedParty]  # type: ignore[assignment]
    actions: list[ReportedAction]  # type: ignore[assignment]
    demands: list[ReportedDemand]  # type: ignore[assignment]
    positions: list[ReportedPosition]  # type: ignore[assignment]
    consequences: list[ReportedConsequence]  # type: ignore[assignment]
    disagreements: list[ReportedDisagreement]  # type: ignore[assignment]
    sources: list[Source]
    dropped: list[DroppedItem] = Field(default_factory=list)
    reasks: int = Field(
        default=0, description="Answers sent back to the model because they failed validation."
    )
    quotes_repaired: int = Field(
        default=0,
        description="Quotes that matched their article only up to case, quote marks, dashes or "
        "spacing, and were replaced by the article's exact words.",
    )

    def note_numbers(self, citations: list[Citation]) -> list[int]:
        """The source-note numbers of the articles `citations` point to, in order, once each."""
        by_article = {source.article_id: source.note for source in self.sources}
        return sorted({by_article[c.article_id] for c in citations if c.article_id in by_article})


class FailedStory(BaseModel):
    """A story that could not be briefed, with the reason."""

    id: str
    headlines: list[str]
    reason: str


class UnreadArticle(BaseModel):
    """An input file that could not be read, with the reason."""

    source: str
    reason: str


class Usage(BaseModel):
    """Tokens used, summed over every request of the run, re-asks included."""

    requests: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float | None = Field(
        default=None, description="From the price table; null when the model has no price."
    )
    reasks: int = Field(default=0, description="Requests that re-asked after a failed validation.")
    quotes_repaired: int = Field(
        default=0, description="Quotes replaced by their article's exact words."
    )

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def add(self, usage: Any) -> None:
        self.requests += 1
        if usage is not None:
            self.prompt_tokens += getattr(usage, "prompt_tokens", 0) or 0
            self.completion_tokens += getattr(usage, "completion_tokens", 0) or 0


class ReplayInfo(BaseModel):
    """Set when the briefing was produced by replaying a recorded exchange."""

    cassette: str
    authored: bool = Field(
        description="True when the recorded answers were written by people (test fixtures), "
        "not generated by a model."
    )


class Change(BaseModel):
    """One difference from an earlier briefing."""

    kind: Literal[
        "new story", "story no longer covered", "new", "changed", "resolved", "no longer reported"
    ]
    story: str = Field(description="Today's headline of the story (or the earlier one's).")
    item: str | None = Field(default=None, description="The demand or consequence, if any.")
    detail: str | None = Field(default=None, description="What changed, e.g. 'made → met'.")


class ChangeReport(BaseModel):
    """What changed since an earlier briefing."""

    since: dt.date | None
    previous: str = Field(description="The earlier briefing's JSON file.")
    changes: list[Change]


class DailyBriefing(BaseModel):
    """A day's briefing: one section per story, most-covered first."""

    date: dt.date | None
    profile: str = Field(
        default="geopolitics", description="The briefing profile it was made with."
    )
    model: str
    mode: str
    backend: str | None = Field(
        default=None, description="The server the requests were shaped for (see the README)."
    )
    stories: list[Story]
    failed_stories: list[FailedStory] = Field(default_factory=list)
    unread_articles: list[UnreadArticle] = Field(default_factory=list)
    usage: Usage = Field(default_factory=Usage)
    replay: ReplayInfo | None = None
    changes: ChangeReport | None = None

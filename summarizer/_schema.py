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
    "FailedStory",
    "Party",
    "PartyKind",
    "Position",
    "ReplayInfo",
    "ReportedAccount",
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


class Citation(_ModelFacing):
    """Where a claim comes from: one article, and words copied from it."""

    article_id: str = Field(
        description="The id of the article the quote is copied from, exactly as written in that "
        "article's header (8 hexadecimal characters)."
    )
    quote: str = Field(
        description="Words copied verbatim from that article's text: the same words in the same "
        "order, 5 to 40 words, no paraphrase, no ellipsis, no words added. Choose the words that "
        "state the fact; a quote that is not in the article is rejected."
    )


class PartyKind(StrEnum):
    STATE = "state"
    OFFICIAL = "official"
    ORGANISATION = "organisation"
    COMPANY = "company"
    PERSON = "person"


class Party(_ModelFacing):
    """A state, official, organisation, company or person acting or acted upon in the story."""

    name: str = Field(
        description="The party's name in its fullest form in the articles, e.g. 'Masaaki Kanai' "
        "or 'Chinese Foreign Ministry'. Use this exact name wherever the party is referred to."
    )
    kind: PartyKind = Field(
        description="state for a country or government as a whole; official for a person acting "
        "in an office; organisation for a ministry, agency, party or group; company for a "
        "business; person for anyone else."
    )
    role: str = Field(
        description="Who the party is, in one short phrase taken from the articles, e.g. "
        "'Director-general, Asian and Oceanian Affairs Bureau, Japanese Foreign Ministry'."
    )
    side: str = Field(
        description="The state or camp the party belongs to or speaks for, e.g. 'Japan' for a "
        "Japanese minister; a state's own name for a state; 'none' if it takes no side."
    )
    citations: list[Citation] = Field(
        description="At least one quote that names the party and shows its role."
    )


class DemandStatus(StrEnum):
    EXPECTED = "expected"
    MADE = "made"
    REJECTED = "rejected"
    MET = "met"


class Demand(_ModelFacing):
    """Something one party asks of another: a retraction, an action, an assurance."""

    demander: str = Field(description="The party making the demand, by its name in `parties`.")
    addressee: str = Field(description="The party the demand is made of, by its name in `parties`.")
    demand: str = Field(
        description="What is demanded, as a short verb phrase: 'retract the prime minister's "
        "remarks on Taiwan'. Only what the articles say was demanded, not what might be."
    )
    status: DemandStatus = Field(
        description="expected: only an article written before the event says it was planned or "
        "expected to be made; made: demanded and not yet answered; rejected: the addressee "
        "refused it, as the articles report; met: the addressee did what was demanded."
    )
    citations: list[Citation] = Field(description="At least one quote that states the demand.")


class Position(_ModelFacing):
    """A party's stated stance on the matter at issue."""

    party: str = Field(description="The party holding the position, by its name in `parties`.")
    stance: str = Field(
        description="The stance in one sentence, attributed and neutral: what the party says, "
        "not whether it is right."
    )
    citations: list[Citation] = Field(
        description="At least one quote in which the stance is stated."
    )


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


class Consequence(_ModelFacing):
    """Something that happened, or is expected to happen, because of the event."""

    description: str = Field(
        description="The consequence in one sentence, e.g. 'Two Japanese film releases in China "
        "were postponed.'"
    )
    domain: ConsequenceDomain = Field(description="The area of life the consequence falls in.")
    according_to: str = Field(
        description="Whose claim this is: the name of the party (as in `parties`) whose "
        "statement the article relays, or 'outlet' when the article asserts it in its own voice."
    )
    status: ConsequenceStatus = Field(
        description="happened: the articles report it as done; announced: officially decided or "
        "scheduled but not yet done; feared: only expected, warned of or speculated about."
    )
    citations: list[Citation] = Field(description="At least one quote that reports it.")


class Account(_ModelFacing):
    """One side of a disagreement: what some articles say, and in whose voice."""

    claim: str = Field(
        description="The claim or framing in one sentence, as these articles give it."
    )
    according_to: str = Field(
        description="The party (as in `parties`) whose statement the articles relay, or 'outlet' "
        "when the articles assert it in their own voice."
    )
    citations: list[Citation] = Field(
        description="At least one quote from each article that gives this account."
    )


class Disagreement(_ModelFacing):
    """A point on which the articles differ: a fact, a figure, or how the event is framed."""

    topic: str = Field(description="What the accounts differ about, e.g. 'Size of the pay rise'.")
    accounts: list[Account] = Field(
        description="Two or more accounts that cannot all be true as stated, or that frame the "
        "same facts in clearly different ways."
    )


class TimelineEvent(_ModelFacing):
    """A dated step in the story."""

    date: dt.date = Field(
        description="The calendar date of the event (YYYY-MM-DD). Resolve weekday names such as "
        "'on Tuesday' against the date of the article that uses them; leave out events whose date "
        "cannot be worked out."
    )
    event: str = Field(description="What happened that day, in one sentence.")
    citations: list[Citation] = Field(description="At least one quote that reports the event.")


class StoryExtraction(_ModelFacing):
    """The structured account of one news story, built only from the articles given.

    Every party, demand, position, consequence and timeline event must be supported by at least
    one verbatim quote from the articles. Report what the articles say; where an article was
    written before an event, what it expected is not an outcome.
    """

    headline: str = Field(
        description="A neutral headline for the story in at most 15 words, in your own words."
    )
    bottom_line: str = Field(
        description="Two or three sentences for a busy reader: what happened, what is at stake, "
        "and where things stand now."
    )
    parties: list[Party] = Field(description="Everyone who acts or is acted upon in the story.")
    demands: list[Demand] = Field(description="Every demand one party makes of another.")
    positions: list[Position] = Field(
        description="Each party's stated stance; one item per stance."
    )
    consequences: list[Consequence] = Field(
        description="Effects of the event on diplomacy, the economy, travel, education, culture "
        "or security."
    )
    timeline: list[TimelineEvent] = Field(description="Dated events of the story, oldest first.")
    disagreements: list[Disagreement] = Field(
        description="Where the articles differ on a fact, a figure or a framing; empty when they "
        "agree. A difference of detail that one article simply omits is no disagreement."
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

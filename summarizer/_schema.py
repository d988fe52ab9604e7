"""What the program adds to a profile's extraction: sources, what verification removed, stories
that failed, files not read, tokens used, what changed — and the briefing that holds a day.

A profile's story is its extraction plus `StoryBase`; its briefing is `Briefing[ItsStory]`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, Field

from .verify._evidence import Citation
from .verify._verify import summary_problems

__all__ = [
    "Briefing",
    "Change",
    "ChangeReport",
    "DroppedItem",
    "FailedStory",
    "ReplayInfo",
    "Source",
    "StoryBase",
    "UnreadArticle",
    "Usage",
    "with_checked_summary",
]

StoryT = TypeVar("StoryT", bound="StoryBase")


class Source(BaseModel):
    """An article the story rests on, numbered for the briefing's source notes."""

    note: int
    article_id: str
    outlet: str | None
    headline: str
    published: dt.date | None
    language: str | None = Field(default=None, description="ISO 639-1 code, if detected.")
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


class DroppedItem(BaseModel):
    """What verification removed, and why: an item or citation whose quote is not in its
    article or does not say what the item states, a `via` the article does not name, a field
    that is not what it must be (a CAMEO code), or a headline or bottom-line sentence of the
    model's that the story's quotes and headlines do not bear out."""

    kind: str
    summary: str
    reason: str


class Usage(BaseModel):
    """Tokens used, summed over every request of the run, re-asks included."""

    requests: int = Field(default=0, description="Requests sent (answers from the store excluded).")
    cache_hits: int = Field(default=0, description="Requests answered from the store, at $0.")
    retries: int = Field(default=0, description="Transport retries (429, 5xx, timeouts).")
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = Field(
        default=0, description="Prompt tokens the provider served from its cache (discounted)."
    )
    cost_usd: float | None = Field(
        default=None, description="From the price table; null when the model has no price."
    )
    reasks: int = Field(default=0, description="Requests that re-asked after a failed validation.")
    quotes_repaired: int = Field(
        default=0, description="Quotes replaced by their article's exact words."
    )
    # Shown only when something was timed (a streamed answer): a briefing made from the store,
    # a replay or a hosted API's unstreamed answers reads as before.
    timed_output_tokens: int = Field(
        default=0,
        exclude_if=lambda value: value == 0,
        description="Output tokens of the streamed answers, whose generation was timed.",
    )
    output_seconds: float = Field(
        default=0.0,
        exclude_if=lambda value: value == 0,
        description="Seconds the streamed answers took from their first token to their last: "
        "timed_output_tokens / output_seconds is the model's speed in tokens a second.",
    )

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    @property
    def output_tokens_per_second(self) -> float | None:
        """How fast the model wrote its streamed answers; None when none was timed."""
        if self.output_seconds <= 0:
            return None
        return self.timed_output_tokens / self.output_seconds

    def timed(self, tokens: int, seconds: float) -> None:
        """Count a streamed answer of `tokens` written in `seconds` (first token to last)."""
        if tokens > 0 and seconds > 0:
            self.timed_output_tokens += tokens
            self.output_seconds += seconds

    def add(self, usage: Any) -> None:
        self.requests += 1
        if usage is not None:
            self.prompt_tokens += getattr(usage, "prompt_tokens", 0) or 0
            self.completion_tokens += getattr(usage, "completion_tokens", 0) or 0
            details = getattr(usage, "prompt_tokens_details", None)
            self.cached_tokens += getattr(details, "cached_tokens", 0) or 0

    def include(self, other: Usage) -> None:
        """Add what `other` counted (a story's parts, a story's requests) to this total."""
        for name in ("requests", "cache_hits", "retries", "prompt_tokens", "completion_tokens"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.cached_tokens += other.cached_tokens
        self.timed(other.timed_output_tokens, other.output_seconds)
        if other.cost_usd is not None:
            self.cost_usd = (self.cost_usd or 0.0) + other.cost_usd


class StoryBase(BaseModel):
    """What the program adds to a profile's extraction to make a briefing's story."""

    id: str
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
    usage: Usage = Field(
        default_factory=Usage, description="What this story's requests used and cost."
    )

    def note_numbers(self, citations: list[Citation]) -> list[int]:
        """The source-note numbers of the articles `citations` point to, in order, once each."""
        by_article = {source.article_id: source.note for source in self.sources}
        return sorted({by_article[c.article_id] for c in citations if c.article_id in by_article})


def with_checked_summary(story: StoryT) -> StoryT:
    """`story` with its headline and bottom line held to its verified quotes and its articles'
    headlines (see `_verify.summary_problems`): what they do not bear out is replaced or
    removed, and listed in `dropped`."""
    update, removed = summary_problems(story)
    if not removed:
        return story
    dropped = [DroppedItem(kind=r.kind, summary=r.summary, reason=r.reason) for r in removed]
    return story.model_copy(update={**update, "dropped": [*story.dropped, *dropped]})


class FailedStory(BaseModel):
    """A story that could not be briefed, with the reason."""

    id: str
    headlines: list[str]
    reason: str


class UnreadArticle(BaseModel):
    """An input file that could not be read, with the reason."""

    source: str
    reason: str


class ReplayInfo(BaseModel):
    """Set when the briefing was produced by replaying a recorded exchange."""

    cassette: str
    authored: bool = Field(
        description="True when the recorded answers were written by people (test fixtures), "
        "not generated by a model."
    )
    origin: str | None = Field(
        default=None,
        exclude_if=lambda value: value is None,
        description="When a real model generated the recorded answers: which model, through "
        "which server, on what machine and day.",
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


class Briefing(BaseModel, Generic[StoryT]):
    """A day's briefing of one profile: one section per story, most-covered first."""

    date: dt.date | None
    profile: str = Field(default="geopolitics", description="The profile it was made with.")
    language: str = Field(
        default="en", description="The language its claims are written in; quotes keep theirs."
    )
    model: str
    mode: str
    backend: str | None = Field(
        default=None, description="The server the requests were shaped for (see the README)."
    )
    stories: list[StoryT]
    failed_stories: list[FailedStory] = Field(default_factory=list)
    unread_articles: list[UnreadArticle] = Field(default_factory=list)
    usage: Usage = Field(default_factory=Usage)
    replay: ReplayInfo | None = None
    changes: ChangeReport | None = None
    run_id: str | None = Field(
        default=None,
        description="The run in the store that made it: `summarizer log RUN` shows its exchanges.",
    )

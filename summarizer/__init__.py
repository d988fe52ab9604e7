"""summarizer: turn a day's news articles into a structured, source-grounded briefing.

    >>> from summarizer import summarize, render_markdown
    >>> briefing = summarize(["today/"], model="gpt-4o-mini")
    >>> print(render_markdown(briefing))

The data flows read → group → extract → verify → render; each step is a module of its own.
"""

from ._article import Article, parse_article
from ._changes import compare_briefings
from ._errors import (
    BudgetExhausted,
    ConfigurationError,
    ExtractionError,
    InputError,
    PromptError,
    ReplayError,
    SummarizerError,
)
from ._group import StoryGroup, group_articles
from ._pipeline import asummarize, summarize
from ._prompts import PromptSet, load_prompts
from ._read import load_articles
from ._render import escape_markdown, render_json, render_markdown
from ._replay import replaying
from ._schema import (
    Account,
    Action,
    Change,
    ChangeReport,
    Citation,
    Consequence,
    ConsequenceDomain,
    ConsequenceStatus,
    DailyBriefing,
    Demand,
    DemandStatus,
    Disagreement,
    DroppedItem,
    EventStatus,
    FailedStory,
    Party,
    PartyKind,
    PloverCategory,
    Position,
    ReplayInfo,
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
    TimelineEvent,
    UnreadArticle,
    Usage,
)
from ._settings import Backend, ExtractionMode, Settings
from ._verify import quote_in_text

__all__ = [
    "Account",
    "Action",
    "Article",
    "Backend",
    "BudgetExhausted",
    "Change",
    "ChangeReport",
    "Citation",
    "ConfigurationError",
    "Consequence",
    "ConsequenceDomain",
    "ConsequenceStatus",
    "DailyBriefing",
    "Demand",
    "DemandStatus",
    "Disagreement",
    "DroppedItem",
    "EventStatus",
    "ExtractionError",
    "ExtractionMode",
    "FailedStory",
    "InputError",
    "Party",
    "PartyKind",
    "PloverCategory",
    "Position",
    "PromptError",
    "PromptSet",
    "ReplayError",
    "ReplayInfo",
    "ReportedAccount",
    "ReportedAction",
    "ReportedConsequence",
    "ReportedDemand",
    "ReportedDisagreement",
    "ReportedParty",
    "ReportedPosition",
    "Settings",
    "Source",
    "Story",
    "StoryExtraction",
    "StoryGroup",
    "SummarizerError",
    "TimelineEvent",
    "UnreadArticle",
    "Usage",
    "asummarize",
    "compare_briefings",
    "escape_markdown",
    "group_articles",
    "load_articles",
    "load_prompts",
    "parse_article",
    "quote_in_text",
    "render_json",
    "render_markdown",
    "replaying",
    "summarize",
]
__version__ = "0.1.0"

"""summarizer: turn a day's news articles into a structured, source-grounded briefing.

    >>> from summarizer import summarize, render_markdown
    >>> briefing = summarize(["today/"], model="gpt-4o-mini")
    >>> print(render_markdown(briefing))

The data flows read → group → extract → verify → render; each step is a module of its own.
"""

from ._article import Article, parse_article
from ._errors import (
    BatchError,
    BatchPending,
    BudgetExhausted,
    ConfigurationError,
    EmbeddingError,
    ExtractionError,
    InputError,
    PromptError,
    ReplayError,
    SummarizerError,
)
from ._eval import load_gold, score_briefing
from ._evidence import Citation, Cited, Extraction
from ._pipeline import RunStatus, asummarize, summarize
from ._render import escape_markdown, render_json, render_markdown
from ._replay import replaying
from ._schema import Briefing, StoryBase
from ._settings import Backend, ExtractionMode, Settings
from ._store import Store
from ._verify import quote_in_text
from .extract import BatchOptions, PromptSet, load_prompts
from .group import StoryGroup, embed_articles, group_articles
from .profiles import Profile, compare_briefings, load_profile
from .profiles.geopolitics import DailyBriefing, Story, StoryExtraction
from .read import load_articles

__all__ = [
    "Article",
    "Backend",
    "BatchError",
    "BatchOptions",
    "BatchPending",
    "Briefing",
    "BudgetExhausted",
    "Citation",
    "Cited",
    "ConfigurationError",
    "DailyBriefing",
    "EmbeddingError",
    "Extraction",
    "ExtractionError",
    "ExtractionMode",
    "InputError",
    "Profile",
    "PromptError",
    "PromptSet",
    "ReplayError",
    "RunStatus",
    "Settings",
    "Store",
    "Story",
    "StoryBase",
    "StoryExtraction",
    "StoryGroup",
    "SummarizerError",
    "asummarize",
    "compare_briefings",
    "embed_articles",
    "escape_markdown",
    "group_articles",
    "load_articles",
    "load_gold",
    "load_profile",
    "load_prompts",
    "parse_article",
    "quote_in_text",
    "render_json",
    "render_markdown",
    "replaying",
    "score_briefing",
    "summarize",
]

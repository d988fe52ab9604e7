"""summarizer: turn a day's news articles into a structured, source-grounded briefing.

    >>> from summarizer import summarize, render_markdown
    >>> briefing = summarize(["today/"], model="gpt-4o-mini")
    >>> print(render_markdown(briefing))

The data flows read → group → extract → verify → render; each step is a module of its own.
"""

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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
    from ._pipeline import RunStatus, asummarize, summarize
    from ._replay import replaying
    from ._schema import Briefing, StoryBase
    from ._settings import Backend, ExtractionMode, Settings
    from ._store import Store
    from .extract import BatchOptions, PromptSet, load_prompts
    from .group import StoryGroup, embed_articles, group_articles
    from .profiles import Profile, compare_briefings, load_profile
    from .profiles.geopolitics import DailyBriefing, Story, StoryExtraction
    from .read import load_articles
    from .render import escape_markdown, render_json, render_markdown
    from .verify._evidence import Citation, Cited, Extraction
    from .verify._verify import quote_in_text

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


# Each name is imported when first asked for: `summarizer --version` and `summarizer stories`
# need neither the openai client nor the profiles' schemas, which take a second to import.
_WHERE = {
    "Article": "._article",
    "Backend": "._settings",
    "BatchError": "._errors",
    "BatchOptions": ".extract",
    "BatchPending": "._errors",
    "Briefing": "._schema",
    "BudgetExhausted": "._errors",
    "Citation": ".verify._evidence",
    "Cited": ".verify._evidence",
    "ConfigurationError": "._errors",
    "DailyBriefing": ".profiles.geopolitics",
    "EmbeddingError": "._errors",
    "Extraction": ".verify._evidence",
    "ExtractionError": "._errors",
    "ExtractionMode": "._settings",
    "InputError": "._errors",
    "Profile": ".profiles",
    "PromptError": "._errors",
    "PromptSet": ".extract",
    "ReplayError": "._errors",
    "RunStatus": "._pipeline",
    "Settings": "._settings",
    "Store": "._store",
    "Story": ".profiles.geopolitics",
    "StoryBase": "._schema",
    "StoryExtraction": ".profiles.geopolitics",
    "StoryGroup": ".group",
    "SummarizerError": "._errors",
    "asummarize": "._pipeline",
    "compare_briefings": ".profiles",
    "embed_articles": ".group",
    "escape_markdown": ".render",
    "group_articles": ".group",
    "load_articles": ".read",
    "load_gold": "._eval",
    "load_profile": ".profiles",
    "load_prompts": ".extract",
    "parse_article": "._article",
    "quote_in_text": ".verify._verify",
    "render_json": ".render",
    "render_markdown": ".render",
    "replaying": "._replay",
    "score_briefing": "._eval",
    "summarize": "._pipeline",
}


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'summarizer' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(_WHERE[name], __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))

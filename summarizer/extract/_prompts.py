"""Prompts: the Jinja2 templates in `prompts/`, loaded and checked before any article is read.

A template that is missing, does not parse, or uses a variable the program does not provide is a
`PromptError` naming the file (and the variable) at start, not a surprise in the middle of a run.
Article text enters a prompt only as data between fences whose token is a hash of the article's
own body: no text can contain the hash of itself, so no article can close its own fence.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import meta

from .._article import Article, main_date, published_before
from .._errors import PromptError
from .._language import language_name
from ..profiles._kit import default_prompts_dir

__all__ = ["PromptSet", "fence_token", "load_prompts"]

# Each template, and the variables the program passes to it.
TEMPLATE_VARIABLES: dict[str, frozenset[str]] = {
    "system.j2": frozenset({"language", "language_name"}),
    "story.j2": frozenset({"articles", "language", "language_name"}),
}


def fence_token(article: Article) -> str:
    return hashlib.sha256(("fence:" + article.body).encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class PromptSet:
    """The checked templates of one prompts folder."""

    directory: Path
    templates: dict[str, jinja2.Template]
    language: str = "en"
    """The briefing's language, which the prompts ask every claim to be written in."""

    def _render(self, name: str, **variables: Any) -> str:
        variables |= {"language": self.language, "language_name": language_name(self.language)}
        try:
            return self.templates[name].render(**variables).strip()
        except jinja2.UndefinedError as error:
            raise PromptError(f"{self.directory / name}: {error.message}") from None

    def story_messages(self, articles: list[Article]) -> list[dict[str, str]]:
        """The chat messages that ask for one story's extraction."""
        day = main_date(articles)
        fenced = [
            article.model_dump()
            | {
                "fence": fence_token(article),
                "published_on": f"{article.published} ({article.published:%A})"
                if article.published
                else "unknown",
                "written_before": day if published_before(article, day) else None,
            }
            for article in articles
        ]
        return [
            {"role": "system", "content": self._render("system.j2")},
            {"role": "user", "content": self._render("story.j2", articles=fenced)},
        ]


def load_prompts(directory: str | Path | None = None, *, language: str = "en") -> PromptSet:
    """Load and check every template the program uses from `directory` (default: the shipped
    geopolitical ones), for a briefing in `language`. A template the folder lacks is taken from
    the shipped `prompts/` (the article template, `story.j2`, is shared by the shipped
    profiles)."""
    folder = Path(directory) if directory is not None else default_prompts_dir() / "geopolitics"
    shared = default_prompts_dir()
    if not folder.is_dir():
        raise PromptError(f"{folder}: prompts folder not found")
    environment = jinja2.Environment(
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=False,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,  # plain-text prompts, not HTML
    )
    templates: dict[str, jinja2.Template] = {}
    for name, provided in TEMPLATE_VARIABLES.items():
        path = folder / name
        if not path.exists() and (shared / name).is_file():
            path = shared / name
        try:
            source = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise PromptError(f"{path}: template missing") from None
        except (OSError, UnicodeDecodeError) as error:
            raise PromptError(f"{path}: cannot read ({error})") from None
        try:
            parsed = environment.parse(source)
        except jinja2.TemplateSyntaxError as error:
            raise PromptError(f"{path}:{error.lineno}: {error.message}") from None
        unknown = sorted(meta.find_undeclared_variables(parsed) - provided)
        if unknown:
            available = ", ".join(sorted(provided)) or "none"
            raise PromptError(
                f"{path}: uses undefined variable {unknown[0]!r} (available: {available})"
            )
        templates[name] = environment.from_string(source)
    return PromptSet(folder, templates, language)

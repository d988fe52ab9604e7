"""Render: a briefing as Markdown or JSON. `templates/briefing.md.j2` holds what every profile's
briefing has (the day, each story's headline, bottom line, removals and sources, what failed);
the profile's own template fills in each story's body.

Every value interpolated into the Markdown template is escaped by default — it came from an
article or a model, and must not open HTML, a link, an image, emphasis or a table cell. Template
text itself is trusted; `| safe_md` is the one way to opt out, for Markdown we built ourselves.

Nor may a value reach a terminal that shows the file: every value loses its escape sequences,
control characters and bidi overrides (`clean_text`), a file name is shown with them escaped
visibly (`| shown_name`: a newline in a path is `\\n`, not a broken line), and the finished
document is cleaned once more, so whatever an article, a model or a file system sent, the
Markdown holds no control character but tab and newline.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from .._control import clean_line, clean_text, shown_name
from .._language import language_name
from .._schema import Briefing, StoryBase
from .._sources import UNNAMED
from ..profiles import profile_of
from ..verify._evidence import Citation

__all__ = ["escape_markdown", "render_json", "render_markdown"]

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]{}<>|#!~])")
_URL_START = re.compile(r"(?i)\b(https?|ftp|mailto|javascript|data)(:)|\b(www)(\.)")


def escape_markdown(value: object) -> str:
    """`value` as inert inline Markdown text: one line, no HTML, no links, no table breaks, no
    control characters."""
    text = clean_line(str(value))
    text = text.replace("&", "&amp;")
    text = _MARKDOWN_SPECIAL.sub(r"\\\1", text)
    text = text.replace("\\<", "&lt;").replace("\\>", "&gt;")
    # Bare URLs become links in GitHub's Markdown; a character reference breaks the pattern.
    return _URL_START.sub(lambda m: (m[1] or m[3]) + ("&#58;" if m[2] else "&#46;"), text)


def _finalize(value: object) -> object:
    if isinstance(value, Markup):
        return str(value)
    if value is None:
        return ""
    return escape_markdown(value)


def _notes(story: StoryBase, citations: list[Citation]) -> Markup:
    return Markup("".join(f"[{n}]" for n in story.note_numbers(citations)))


def _reporting(item: Any, count: bool = True) -> Markup:
    """'The Yomiuri Shimbun, unnamed outlets [1][3] · 2 independent'."""
    named = [escape_markdown(o) for o in item.reported_by if not o.startswith(UNNAMED + " [")]
    notes = [
        o.removeprefix(UNNAMED + " ") for o in item.reported_by if o.startswith(UNNAMED + " [")
    ]
    if notes:
        named.append(f"{UNNAMED}{'s' if len(notes) > 1 else ''} {''.join(notes)}")
    if not named:
        return Markup("no verified source")
    outlets = ", ".join(named)
    return Markup(f"{outlets} · {item.independent_sources} independent" if count else outlets)


def _translated(citation: Citation) -> Markup:
    """' (translation: “…”)' after a quote in another language than the briefing's: the
    original always comes first, and a translation never stands in for it."""
    if not citation.translation or citation.translation.strip() == citation.quote.strip():
        return Markup("")
    return Markup(f" (translation: “{escape_markdown(citation.translation)}”)")


@cache
def _environment(profile_templates: Path) -> jinja2.Environment:
    # The shipped frame first, so that a profile's template cannot replace it by its name.
    loaders = [Path(__file__).parent / "templates", profile_templates]
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(loaders),
        undefined=jinja2.StrictUndefined,
        finalize=_finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )
    environment.filters["notes"] = _notes
    environment.filters["reporting"] = _reporting
    environment.filters["translated"] = _translated
    environment.filters["language_name"] = language_name
    environment.filters["safe_md"] = Markup
    environment.filters["shown_name"] = shown_name
    return environment


def render_markdown(briefing: Briefing[Any]) -> str:
    """The briefing as a Markdown document, in its profile's template."""
    template = profile_of(briefing).template
    context: dict[str, Any] = {"briefing": briefing, "story_template": template.name}
    text = _environment(template.parent).get_template("briefing.md.j2").render(**context)
    # The last line of defence: whatever reached the document unescaped (a profile's template
    # that marks a value safe) loses its control characters here.
    text = clean_text(text)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def render_json(briefing: Briefing[Any]) -> str:
    """The briefing as JSON, valid against `schemas/briefing.schema.json`."""
    return briefing.model_dump_json(indent=2) + "\n"

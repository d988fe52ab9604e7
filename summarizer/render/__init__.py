"""Render: a briefing → the document a reader reads.

In: a `Briefing` (any profile's), its stories verified and their sources numbered. Out: Markdown
with numbered source notes, or JSON that validates against `schemas/briefing.schema.json`. No
model is called and nothing is checked again: what reaches this stage is what was verified.

- `_briefing.py`: `render_markdown` (Jinja2, every value escaped and cleaned of control
  characters), `render_json`, `escape_markdown`.
- `templates/briefing.md.j2`: what every profile's briefing has (the day, each story's headline,
  bottom line, removals and sources, what failed); each profile's own template fills in a
  story's body.
"""

from __future__ import annotations

from ._briefing import escape_markdown, render_json, render_markdown

__all__ = ["escape_markdown", "render_json", "render_markdown"]

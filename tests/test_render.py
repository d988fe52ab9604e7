"""Rendering: text from articles and models is inert Markdown."""

from __future__ import annotations

import datetime as dt

import pytest

from summarizer import Citation, DailyBriefing, Story, escape_markdown, render_markdown
from summarizer._schema import Source
from summarizer.profiles.geopolitics import Action, Party

from .conftest import GOLDEN


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ("[click](http://evil.example)", "\\[click\\](http&#58;//evil.example)"),
        ("![img](x.png)", "\\!\\[img\\](x.png)"),
        ("a | b", "a \\| b"),
        ("line one\n\n# Heading", "line one \\# Heading"),
        ("**bold** _it_ `code`", "\\*\\*bold\\*\\* \\_it\\_ \\`code\\`"),
        ("visit www.evil.example", "visit www&#46;evil.example"),
        ("AT&T", "AT&amp;T"),
    ],
)
def test_escape_markdown(text: str, escaped: str) -> None:
    assert escape_markdown(text) == escaped


def test_hostile_model_output_cannot_break_the_table_or_inject_html() -> None:
    citation = Citation(
        article_id="aaaaaaaa", quote="a quote | with pipe\nand <b>tags</b>", via="a | b"
    )
    story = Story(
        id="s1",
        headline="Headline <img src=x onerror=alert(1)>",
        bottom_line="Bottom [x](javascript:alert(1))",
        parties=[
            Party(
                name="A | B\n| --- |",
                aliases=["C | D"],
                kind="person",
                role="r",
                side="s",
                citations=[citation],
            )
        ],
        actions=[
            Action(
                actor="X <script>",
                category="PROTEST",
                cameo=None,
                action="did | [y](javascript:1)",
                target=None,
                status="occurred",
                date="2025",
                citations=[citation],
            )
        ],
        demands=[],
        positions=[],
        consequences=[],
        timeline=[],
        disagreements=[],
        sources=[
            Source(
                note=1,
                article_id="aaaaaaaa",
                outlet="O",
                headline="H",
                published=dt.date(2025, 1, 1),
                path="a.txt",
            )
        ],
    )
    markdown = render_markdown(DailyBriefing(date=None, model="m", mode="tools", stories=[story]))
    assert "<img" not in markdown and "<b>" not in markdown
    assert "Bottom \\[x\\](javascript&#58;alert(1))" in markdown  # brackets escaped: no link
    table_rows = [line for line in markdown.splitlines() if line.startswith("| A")]
    assert table_rows == [
        "| A \\| B \\| --- \\| (also C \\| D) | person | r | s | no verified source | [1] |"
    ]
    (action_line,) = [line for line in markdown.splitlines() if line.startswith("- **X")]
    assert "<script>" not in markdown and "[y](javascript" not in action_line
    assert "(via a \\| b)" in markdown


def test_golden_briefing_has_every_section() -> None:
    markdown = (GOLDEN / "seeds.md").read_text(encoding="utf-8")
    for heading in (
        "# Daily briefing — 2025-11-18",
        "**Bottom line** *(the model's summary, like the headline)*.",
        "### Parties",
        "### Demands",
        "### Positions",
        "### Consequences",
        "### Timeline",
        "### Sources",
    ):
        assert heading in markdown

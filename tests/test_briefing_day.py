"""A day of several stories from mixed inputs, replayed: a duplicate, a disagreement, a preview."""

from __future__ import annotations

import pytest

from summarizer import render_json, render_markdown, summarize

from .conftest import Endpoint, authored

DAY = [
    "seeds",
    "tests/day/Port strike ends after wage deal - Harbour Gazette.html",
    "tests/day/port-strike-operators.txt",
    "tests/day/boj-preview.txt",
    "tests/day/boj-decision-nikkei.md",
]


@pytest.mark.vcr
def test_three_stories_with_duplicate_disagreement_and_preview(
    llm: Endpoint, golden: object, in_repo: None
) -> None:
    llm.script(
        authored("seeds.json", when="1d026c13"),
        authored("port.json", when="1e6034a0"),
        authored("boj.json", when="566cfdd9"),
    )

    briefing = summarize(DAY, settings=llm.settings)

    assert briefing.failed_stories == []
    assert [len(s.sources) for s in briefing.stories] == [5, 2, 2]
    seeds, port, boj = briefing.stories
    # The rewrite is a source but not a witness: named, pointed at its original, not sent.
    (copy,) = [s for s in seeds.sources if s.duplicate_of is not None]
    assert copy.path == "seeds/002_16961b897f005ba7.txt"
    assert seeds.sources[copy.duplicate_of - 1].path == "seeds/001_6e47f5944b626792.txt"
    # The preview is marked, in both stories that have one.
    assert [s.path for s in seeds.sources if s.published_earlier] == [
        "seeds/003_a369c571f9c43189.txt"
    ]
    assert [s.path for s in boj.sources if s.published_earlier] == ["tests/day/boj-preview.txt"]
    # Each item says who reports it and how many independently.
    retraction = seeds.demands[0]
    assert retraction.independent_sources == 3
    assert "unnamed outlet [5]" in retraction.reported_by  # 002, the copy of 001, reports it too
    (pay,) = port.disagreements
    assert [a.according_to for a in pay.accounts] == ["FNV", "Terminal operators' association"]
    assert [a.reported_by for a in pay.accounts] == [
        ["Harbour Gazette"],
        ["Maritime Business Review"],
    ]

    markdown = render_markdown(briefing)
    assert "### Where sources differ" in markdown
    assert "a copy or rewrite of [" in markdown
    assert "published before most of the story's reports" in markdown
    golden("day.md", markdown)  # type: ignore[operator]
    golden("day.json", render_json(briefing))  # type: ignore[operator]

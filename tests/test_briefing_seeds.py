"""End to end on the seed articles: read → group → extract → verify → render, replayed."""

from __future__ import annotations

import pytest

from summarizer import DailyBriefing, render_json, render_markdown, summarize

from .conftest import REPO, Endpoint, authored


@pytest.fixture(scope="module")
def vcr_cassette_dir() -> str:
    return str(REPO / "cassettes")  # the seeds' exchange is the one the README replays


@pytest.fixture
def default_cassette_name() -> str:
    return "seeds"


@pytest.mark.live_ok
@pytest.mark.vcr
def test_seeds_briefing_matches_golden_files(llm: Endpoint, golden: object, in_repo: None) -> None:
    llm.script(authored("seeds.json"))

    briefing = summarize(["seeds"], settings=llm.settings)

    assert [s.headline for s in briefing.failed_stories] == []
    assert len(briefing.stories) == 1
    story = briefing.stories[0]
    assert story.dropped == []
    assert len(story.sources) == 5
    assert briefing.usage.requests == 1 and briefing.usage.total_tokens > 0
    assert str(briefing.date) == "2025-11-18"
    golden("seeds.md", render_markdown(briefing))  # type: ignore[operator]
    golden("seeds.json", render_json(briefing))  # type: ignore[operator]
    assert DailyBriefing.model_validate_json(render_json(briefing)) == briefing

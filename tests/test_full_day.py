"""The whole labelled day — text, Markdown, HTML and a JSON Lines export, seven stories —
briefed from one replayed exchange: what a new user's mixed folder gives."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from summarizer import summarize
from summarizer.cli import cli

from .conftest import REPO, Endpoint, authored

ANSWERS = {  # the authored answer for each story, by the id of an article only it contains
    "seeds.json": "1d026c13",
    "port.json": "1e6034a0",
    "boj.json": "566cfdd9",
    "toyota-recall.json": "c9cf7eae",
    "toyota-battery.json": "718891a9",
    "storm.json": "ae70bb06",
    "tennis.json": "80d16def",
}


@pytest.fixture(scope="module")
def vcr_cassette_dir() -> str:
    return str(REPO / "cassettes")  # `summarizer brief seeds tests/day --replay cassettes/day.yaml`


@pytest.fixture
def default_cassette_name() -> str:
    return "day"


@pytest.mark.vcr
def test_the_mixed_day_briefs_one_section_per_story(
    llm: Endpoint, golden: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(REPO)
    llm.script(*(authored(name, when=article) for name, article in ANSWERS.items()))

    briefing = summarize(["seeds", "tests/day"], settings=llm.settings)

    assert briefing.failed_stories == [] and briefing.unread_articles == []
    assert [len(s.sources) for s in briefing.stories] == [5, 4, 3, 3, 3, 3, 1]
    copies = {
        s.path: story.sources[s.duplicate_of - 1].path
        for story in briefing.stories
        for s in story.sources
        if s.duplicate_of is not None
    }
    assert copies == {
        "seeds/002_16961b897f005ba7.txt": "seeds/001_6e47f5944b626792.txt",
        "tests/day/export.jsonl:2": "tests/day/export.jsonl:1",
        "tests/day/export.jsonl:7": "tests/day/export.jsonl:6",
    }
    storm = next(s for s in briefing.stories if s.headline.startswith("Storm Brona"))
    (homes,) = storm.disagreements
    assert [a.reported_by for a in homes.accounts] == [
        ["Continental Wire", "Ulster Evening Post"],  # the copy reports what its original does
        ["unnamed outlet [1]"],
    ]
    recall = next(s for s in briefing.stories if "recall" in s.headline)
    assert not any(s.published_earlier for s in recall.sources)  # a day apart is no preview


def test_the_mixed_day_from_the_command_line(
    golden: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(REPO)
    result = CliRunner().invoke(
        cli, ["brief", "seeds", "tests/day", "--replay", "cassettes/day.yaml"]
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout.count("\n## ") == 7
    golden("full-day.md", result.stdout)  # type: ignore[operator]

"""The labelled multilingual day briefed in English (`--language en`), replayed from its cassette.

The answers are ours (tests/authored/multilingual-*.json): every quote copied from its article in
the article's language, with an English translation beside it when the article is not English.
"""

from __future__ import annotations

import re

import pytest

from summarizer import render_markdown, summarize

from .conftest import REPO, Endpoint, authored

ANSWERS = {
    "multilingual-cop30.json": "id: 65c1904f",
    "multilingual-talks-zh-ja.json": "id: 18532bfc",
    "multilingual-talks-en.json": "id: 38ed5c65",
    "multilingual-talks-ko.json": "id: 334ccf20",
    "multilingual-talks-ru.json": "id: deaffeba",
    "multilingual-snow.json": "id: 44ebeea0",
    "multilingual-metro.json": "id: 19700706",
}


@pytest.mark.vcr
def test_the_multilingual_day_briefed_in_english_keeps_every_quote_in_its_own_language(
    llm: Endpoint, golden: object, in_repo: None
) -> None:
    llm.script(*(authored(name, when=when) for name, when in ANSWERS.items()))

    briefing = summarize(["tests/day-multilingual"], settings=llm.settings, language="en")

    assert briefing.language == "en" and briefing.failed_stories == []
    assert len(briefing.stories) == 7
    assert [s.reasks for s in briefing.stories] == [0] * 7  # no quote was too short, or wrong
    assert all(s.dropped == [] for s in briefing.stories)
    languages = {
        source.article_id: source.language for s in briefing.stories for source in s.sources
    }
    bodies = {
        source.article_id: (REPO / source.path).read_text(encoding="utf-8")
        for s in briefing.stories
        for source in s.sources
    }
    citations = [
        citation
        for story in briefing.stories
        for item in (*story.actions, *story.demands, *story.positions, *story.consequences)
        for citation in item.citations
    ]
    assert len(citations) == 17
    for citation in citations:
        assert citation.quote in bodies[citation.article_id]  # verbatim, in its own language
        assert (citation.translation is not None) == (languages[citation.article_id] != "en")
    markdown = render_markdown(briefing)
    for line in markdown.splitlines():
        if "(translation:" in line:
            original = re.match(r"\s*> “(.+?)” \(translation: “(.+)”\)", line)
            assert original is not None, line  # the original first, then its translation
    assert "> “中方要求日方撤回高市早苗的错误言论” (translation: “China demanded" in markdown
    golden("multilingual.md", markdown)  # type: ignore[operator]

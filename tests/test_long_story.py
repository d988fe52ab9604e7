"""A story over the context budget: extracted in parts, one call each, merged with every citation."""

from __future__ import annotations

import json
from typing import Any

import pytest

from summarizer import StoryExtraction, group_articles, load_articles, load_prompts, summarize
from summarizer.extract._merge import split_to_fit
from summarizer.extract._story import prompt_tokens
from summarizer.profiles.geopolitics._merge import merge_extractions
from summarizer.verify._verify import find_quote

from .conftest import AUTHORED, REPO, Endpoint, authored

BUDGET = 1400  # tokens: the seeds' four originals need about 3,400


def _measure(articles: list[Any]) -> int:
    return prompt_tokens(load_prompts().story_messages(articles))


def test_split_packs_articles_and_cuts_one_too_long_for_a_part() -> None:
    (group,) = group_articles(load_articles(REPO / "seeds"))
    parts = split_to_fit(list(group.originals), _measure, BUDGET)
    assert [[a.id for a in part] for part in parts] == [
        ["1d026c13"],
        ["0f9ce364"],
        ["0f9ce364", "782e35d0"],
        ["e0f690c0"],
    ]
    assert all(_measure(part) <= BUDGET for part in parts)
    whole = next(a for a in group.originals if a.id == "0f9ce364")
    assert parts[1][0].body + "\n\n" + parts[2][0].body == whole.body  # cut, nothing lost


def _parts() -> list[StoryExtraction]:
    return [
        StoryExtraction.model_validate_json((AUTHORED / f"seeds-part-{n}.json").read_text())
        for n in range(1, 5)
    ]


def _citations(extraction: Any) -> set[tuple[str, str, str]]:
    found = set()
    for name in ("parties", "actions", "demands", "positions", "consequences", "timeline"):
        for item in getattr(extraction, name):
            label = getattr(
                item,
                {
                    "parties": "name",
                    "actions": "action",
                    "demands": "demand",
                    "positions": "stance",
                    "consequences": "description",
                    "timeline": "event",
                }[name],
            )
            found |= {(str(label), c.article_id, c.quote) for c in item.citations}
    return found


def test_merge_keeps_every_citation_and_joins_the_same_items() -> None:
    parts = _parts()
    merged = merge_extractions(parts)
    assert _citations(merged) == set().union(*(_citations(p) for p in parts))
    names = [p.name for p in merged.parties]
    assert len(names) == len(set(names))
    kanai = next(p for p in merged.parties if p.name == "Masaaki Kanai")
    assert {c.article_id for c in kanai.citations} == {"1d026c13"}
    retraction = next(d for d in merged.demands if d.demand.startswith("retract"))
    assert {c.article_id for c in retraction.citations} == {"1d026c13", "0f9ce364", "e0f690c0"}
    assert merged.headline == parts[0].headline


@pytest.mark.vcr
def test_long_story_is_extracted_in_parts_and_merged(
    llm: Endpoint, vcr: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(REPO)
    llm.script(*(authored(f"seeds-part-{n}.json") for n in range(1, 5)))

    briefing = summarize(["seeds"], settings=llm.settings, context_tokens=BUDGET)

    assert len(vcr.requests) == 4
    sent = [json.loads(r.body)["messages"][1]["content"] for r in vcr.requests]
    assert ["id: 1d026c13" in text for text in sent] == [True, False, False, False]
    assert all(len(text) // 4 < BUDGET for text in sent)
    (story,) = briefing.stories
    assert story.dropped == []
    # Every authored citation is kept, its quote set to the article's exact words.
    articles = {a.id: a for a in load_articles(REPO / "seeds")}
    expected = {
        (
            label,
            article_id,
            find_quote(quote, articles[article_id].headline + "\n" + articles[article_id].body),
        )
        for part in _parts()
        for label, article_id, quote in _citations(part)
    }
    assert _citations(story) == expected
    assert briefing.usage.requests == 4

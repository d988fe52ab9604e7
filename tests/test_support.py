"""A quote must support its claim, not only exist (issue #17, item 5): on the authored seeds
answer, which loses nothing, and on the junk the issue quotes from SmolLM2-135M-Instruct on a
real server — one verbatim phrase under every item, a timeline date no article has, a
translation beside an English quote — which is removed with its reasons."""

from __future__ import annotations

import copy
import json
from typing import Any

from summarizer import load_articles
from summarizer.profiles.geopolitics._schema import StoryExtraction
from summarizer.verify._support import drop_unsupported, stated_numbers

from .conftest import REPO

SEEDS_ANSWER: dict[str, Any] = json.loads(
    (REPO / "tests" / "authored" / "seeds.json").read_text(encoding="utf-8")
)
ARTICLES = {article.id: article for article in load_articles(REPO / "seeds")}


def _checked(answer: dict[str, Any], language: str = "en") -> tuple[StoryExtraction, list[Any]]:
    extraction = StoryExtraction.model_validate(answer)
    return drop_unsupported(extraction, ARTICLES, language)


def test_the_authored_seeds_answer_loses_nothing() -> None:
    extraction, removed = _checked(SEEDS_ANSWER)
    assert removed == []
    assert extraction == StoryExtraction.model_validate(SEEDS_ANSWER)


def test_a_number_no_quote_or_sentence_around_it_has_costs_its_item() -> None:
    answer = copy.deepcopy(SEEDS_ANSWER)
    consequence = answer["consequences"][0]
    consequence["description"] = "About 40,000 flights were cancelled."
    extraction, removed = _checked(answer)
    (gone,) = removed
    assert (gone.kind, gone.summary) == ("consequence", "About 40,000 flights were cancelled.")
    assert (
        gone.reason
        == "it states 40000, which neither its quotes nor the sentences around them have"
    )
    assert len(extraction.consequences) == len(SEEDS_ANSWER["consequences"]) - 1


def test_a_date_in_a_year_no_article_has_costs_its_event() -> None:
    answer = copy.deepcopy(SEEDS_ANSWER)
    answer["timeline"][0]["date"] = "2013-11-07"  # the date from the real model
    extraction, removed = _checked(answer)
    (gone,) = removed
    assert gone.kind == "timeline event"
    assert gone.reason == (
        "it is dated 2013-11-07: no article of the story has 2013, nor was published then"
    )
    assert len(extraction.timeline) == len(SEEDS_ANSWER["timeline"]) - 1


def test_one_phrase_under_every_item_is_kept_once() -> None:
    """The issue's run: "Takaichi's remark" as every action, demand and consequence."""
    answer = copy.deepcopy(SEEDS_ANSWER)
    phrase = "Takaichi's remark"
    answer["actions"][0]["action"] = phrase
    answer["demands"][0]["demand"] = phrase
    answer["consequences"][0]["description"] = phrase + "."
    extraction, removed = _checked(answer)
    assert [(r.kind, r.reason) for r in removed] == [
        ("demand", "it repeats the words of another item (action)"),
        ("consequence", "it repeats the words of another item (action)"),
    ]
    assert extraction.actions[0].action == phrase


def test_a_translation_beside_a_quote_in_the_briefings_language_goes_the_quote_stays() -> None:
    answer = copy.deepcopy(SEEDS_ANSWER)
    citation = answer["parties"][0]["citations"][0]
    citation["translation"] = "Beijing criticised the statement and asked Tokyo to retract it."
    extraction, removed = _checked(answer)
    (gone,) = removed
    assert gone.kind == "party translation"
    assert gone.reason == "a translation beside a quote already in the briefing's language (en)"
    (kept,) = extraction.parties[0].citations
    assert kept.quote == citation["quote"] and kept.translation is None
    # Briefed in Chinese, the English quote's translation is what the reader needs: it stays.
    in_chinese, nothing = _checked(answer, language="zh")
    assert nothing == [] and in_chinese.parties[0].citations[0].translation is not None


def test_numbers_are_read_as_an_item_states_them() -> None:
    assert stated_numbers("1,200 troops, 3.5% growth and 25 ships.") == {"1200", "3.5", "25"}
    assert stated_numbers("The G7 and COVID-19 and Article 9") == {"9"}


def test_an_item_naming_someone_not_a_party_is_removed() -> None:
    """The issue's run named "Takaichi's remark" as the actor of everything: an actor, a
    demander, a source must be one of the story's parties (a name or an alias), or "outlet"."""
    from summarizer.profiles.geopolitics import PROFILE, DailyBriefing

    briefing = DailyBriefing.model_validate_json((REPO / "tests/golden/seeds.json").read_text())
    (story,) = briefing.stories
    assert PROFILE.finish is not None
    assert PROFILE.finish(story).dropped == story.dropped  # the authored story loses nothing
    action = story.actions[0].model_copy(update={"actor": "Takaichi's remark"})
    alias = story.parties[0].aliases[0] if story.parties[0].aliases else story.parties[0].name
    demand = story.demands[0].model_copy(update={"demander": alias.upper()})  # case forgiven
    changed = story.model_copy(
        update={"actions": [action, *story.actions[1:]], "demands": [demand, *story.demands[1:]]}
    )
    finished = PROFILE.finish(changed)
    (gone,) = [d for d in finished.dropped if d not in story.dropped]
    assert (gone.kind, gone.summary) == ("action", action.action)
    assert gone.reason == "its actor \"Takaichi's remark\" is not one of the story's parties"
    assert len(finished.actions) == len(story.actions) - 1
    assert finished.demands[0].demander == alias.upper()


def test_a_day_no_article_writes_nor_follows_from_one_costs_its_event() -> None:
    """The seeds' talks were on a Tuesday, 2025-11-18, which the articles write as "Tuesday"
    and are dated by; a day two weeks before that no article names is not supported."""
    answer = copy.deepcopy(SEEDS_ANSWER)
    kept_day = next(e for e in answer["timeline"] if len(e["date"]) == 10)
    assert _checked(answer)[1] == []  # the authored days all stand
    kept_day["date"] = "2025-11-02"
    extraction, removed = _checked(answer)
    assert len(extraction.timeline) == len(SEEDS_ANSWER["timeline"]) - 1
    (gone,) = removed
    assert gone.kind == "timeline event"
    assert gone.reason == (
        "it is dated 2025-11-02: no article of the story writes that day, nor names its weekday "
        "within a week of the day it was published"
    )

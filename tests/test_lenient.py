"""One bad field costs its item, not the story (issue #17, item 6): an answer read item by item,
on the authored seeds answer with faults put in, and end to end against a stand-in whose model
gets one date wrong every time it is asked."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from summarizer import Settings, summarize
from summarizer.extract._lenient import valid_items
from summarizer.profiles.geopolitics._schema import StoryExtraction

from .conftest import REPO
from .fault_server import content_completion, tool_completion, valid_answer
from .probe_servers import Generic, Route, StandIn

SEEDS_ANSWER: dict[str, Any] = json.loads(
    (REPO / "tests" / "authored" / "seeds.json").read_text(encoding="utf-8")
)


def _answer(**changes: Any) -> dict[str, Any]:
    answer = copy.deepcopy(SEEDS_ANSWER)
    answer.update(changes)
    return answer


def test_a_valid_answer_loses_nothing() -> None:
    read = valid_items(StoryExtraction, json.dumps(SEEDS_ANSWER))
    assert read is not None
    extraction, dropped = read
    assert dropped == []
    assert len(extraction.parties) == len(SEEDS_ANSWER["parties"])
    assert len(extraction.timeline) == len(SEEDS_ANSWER["timeline"])


def test_a_date_that_fails_its_pattern_costs_its_timeline_event_only() -> None:
    answer = _answer()
    assert len(answer["timeline"]) >= 2
    answer["timeline"][1]["date"] = "last Tuesday"
    read = valid_items(StoryExtraction, json.dumps(answer))
    assert read is not None
    extraction, dropped = read
    assert len(extraction.timeline) == len(SEEDS_ANSWER["timeline"]) - 1
    assert [e.event for e in extraction.timeline] == [
        e["event"] for i, e in enumerate(SEEDS_ANSWER["timeline"]) if i != 1
    ]
    (gone,) = dropped
    assert gone.kind == "timeline event"
    assert gone.summary == " ".join(SEEDS_ANSWER["timeline"][1]["event"].split())[:120]
    assert gone.reason.startswith("not valid: date: String should match pattern")
    assert len(extraction.parties) == len(SEEDS_ANSWER["parties"])  # the rest stands


def test_a_bad_citation_costs_the_citation_and_a_bad_field_its_item() -> None:
    """The item stands on its other citations; one left with none stays for verification to
    drop, as it drops one whose quotes are in no article ("no citation could be verified")."""
    answer = _answer()
    del answer["consequences"][0]["citations"][0]["quote"]
    answer["parties"][0]["kind"] = "a country"  # not one of the kinds
    read = valid_items(StoryExtraction, json.dumps(answer))
    assert read is not None
    extraction, dropped = read
    kinds = sorted(d.kind for d in dropped)
    assert kinds == ["citation", "party"]
    cited = SEEDS_ANSWER["consequences"][0]["citations"]
    assert [c.quote for c in extraction.consequences[0].citations] == [
        c["quote"] for c in cited[1:]
    ]
    assert len(extraction.parties) == len(SEEDS_ANSWER["parties"]) - 1
    party = next(d for d in dropped if d.kind == "party")
    assert party.summary == SEEDS_ANSWER["parties"][0]["name"]
    assert party.reason.startswith("not valid: kind: Input should be")


@pytest.mark.parametrize(
    "answer",
    ["not json at all", "[1, 2]", json.dumps(_answer(headline=None))],
    ids=["not-json", "not-an-object", "no-headline"],
)
def test_an_answer_invalid_where_no_item_can_go_is_not_valid(answer: str) -> None:
    assert valid_items(StoryExtraction, answer) is None


class WrongDateEveryTime(Generic):
    """A model that answers with a valid consequence and a timeline event dated "yesterday",
    however often it is told the date is wrong."""

    def __init__(self) -> None:
        super().__init__()
        self.asked = 0

    def chat(self, request: dict[str, Any]) -> Route:
        self.asked += 1
        answer = json.loads(valid_answer(request))
        event = copy.deepcopy(answer["consequences"][0])
        for name in ("description", "domain", "according_to", "status"):
            event.pop(name)
        answer["timeline"] = [event | {"date": "yesterday", "event": "The talks were held."}]
        text = json.dumps(answer)
        if request.get("tools"):
            return Route(200, tool_completion(request, text, "tool_calls"))
        return Route(200, content_completion(request, text, "stop"))


def test_a_story_whose_model_gets_one_date_wrong_every_time_is_briefed_without_it(
    tmp_path: Path,
) -> None:
    behaviour = WrongDateEveryTime()
    with StandIn(behaviour) as server:
        settings = Settings(api_key="test-key", base_url=server.base_url, model="small-model")
        briefing = summarize([REPO / "seeds"], settings=settings)
    (story,) = briefing.stories
    assert len(story.consequences) == 1 and story.timeline == []
    (gone,) = [d for d in story.dropped if d.kind == "timeline event"]
    assert gone.summary == "The talks were held."
    assert "String should match pattern" in gone.reason
    assert behaviour.asked == 1 + settings.max_reasks  # re-asked, then read item by item

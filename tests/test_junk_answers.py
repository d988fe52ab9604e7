"""An answer that is mostly junk is not a briefing: what a weak model writes — items whose quote
is the article's id, as SmolLM2-135M-Instruct wrote them on the real servers (cassettes/real/) —
is dropped item by item, and a story left with less than half of what the model said fails with
the count, rather than being briefed on what little survived.

Against a loopback stand-in (tests/probe_servers.py, written by us) over real HTTP.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from summarizer import Settings, summarize

from .conftest import REPO
from .fault_server import content_completion, tool_completion, valid_answer
from .probe_servers import Generic, Route, StandIn

SEEDS = REPO / "seeds"


class JunkWriter(Generic):
    """A model whose answer has `good` items that verify and `junk` more whose quote is the
    article's id, every time it is asked (re-asks too)."""

    def __init__(self, *, junk: int, good: int = 1) -> None:
        super().__init__()
        self.junk, self.good = junk, good
        self.asked = 0

    def chat(self, request: dict[str, Any]) -> Route:
        self.asked += 1
        answer = json.loads(valid_answer(request))
        good = answer["consequences"][0]
        article = good["citations"][0]["article_id"]
        for number in range(1, self.good):
            more = json.loads(json.dumps(good))
            more["description"] = f"{good['description']} ({'again ' * number})"
            answer["consequences"].append(more)
        for number in range(self.junk):
            bad = json.loads(json.dumps(good))
            bad["citations"][0]["quote"] = article
            bad["description"] = f"{article} {number}"
            answer["consequences"].append(bad)
        text = json.dumps(answer)
        if request.get("tools"):
            body = tool_completion(request, text, "tool_calls")
        else:
            body = content_completion(request, text, "stop")
        return Route(200, body)


def _settings(server: StandIn, **overrides: Any) -> Settings:
    return Settings(api_key="test-key", base_url=server.base_url, model="small-model", **overrides)


def test_an_answer_that_is_mostly_junk_fails_its_story_with_the_count() -> None:
    behaviour = JunkWriter(junk=4)
    with StandIn(behaviour) as server:
        briefing = summarize([SEEDS], settings=_settings(server))
    assert briefing.stories == []
    (failed,) = briefing.failed_stories
    assert failed.reason == "not usable: 4 of 5 items unsupported"
    assert behaviour.asked >= 2  # re-asked before it was judged


def test_an_answer_with_a_little_junk_is_briefed_without_it() -> None:
    behaviour = JunkWriter(junk=1, good=2)
    with StandIn(behaviour) as server:
        briefing = summarize([SEEDS], settings=_settings(server))
    (story,) = briefing.stories
    assert len(story.consequences) == 2
    assert [d.kind for d in story.dropped if d.kind == "consequence"] == ["consequence"]


def test_an_answer_with_items_dropped_is_paid_for_once(tmp_path: Path) -> None:
    """What the exchange ended with — the answer with its junk removed — is what the store gives
    back: an unchanged rerun sends nothing and says what was dropped, as the first run did;
    `--refresh` asks again."""
    store = tmp_path / "store.db"
    behaviour = JunkWriter(junk=1, good=2)
    with StandIn(behaviour) as server:
        first = summarize([SEEDS], settings=_settings(server), store=store)
        asked = behaviour.asked
        again = summarize([SEEDS], settings=_settings(server), store=store)
        rerun_asked = behaviour.asked - asked
        summarize([SEEDS], settings=_settings(server, refresh=True), store=store)
    assert asked >= 2 and rerun_asked == 0
    assert again.usage.cache_hits == 1 and again.usage.requests == 0
    assert [s.model_dump(exclude={"usage", "reasks"}) for s in again.stories] == [
        s.model_dump(exclude={"usage", "reasks"}) for s in first.stories
    ]
    assert behaviour.asked > asked  # refreshed: asked again

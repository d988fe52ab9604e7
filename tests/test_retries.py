"""Transport retries and validation re-asks, replayed from cassettes recorded against our
authored server (these faults cannot be produced on demand by a live endpoint)."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from summarizer import ExtractionMode, render_markdown, summarize

from .authored_server import Reply
from .conftest import AUTHORED, REPO, Endpoint, authored

JIJI = str(REPO / "seeds" / "003_a369c571f9c43189.txt")
ORIGIN = "tests/authored/jiji.json"


def _jiji_with(**changes: Any) -> Reply:
    """The authored Jiji answer with one field changed, to script a faulty reply."""
    answer = json.loads((AUTHORED / "jiji.json").read_text(encoding="utf-8"))
    answer.update(changes)
    return Reply.tool_arguments(json.dumps(answer), origin=f"{ORIGIN}, altered by {__name__}")


FABRICATED_PARTY = {
    "name": "Liu Jinsong",
    "aliases": [],
    "kind": "official",
    "role": "Asian affairs chief",
    "side": "China",
    "citations": [
        {
            "article_id": "782e35d0",
            "quote": "Liu Jinsong apologised to Japan for the post",
            "via": None,
        }
    ],
}


def _bodies(vcr: Any) -> list[dict[str, Any]]:
    return [json.loads(request.body) for request in vcr.requests]


@pytest.mark.vcr
def test_429_is_retried_after_the_wait_it_asks_for(
    llm: Endpoint, caplog: pytest.LogCaptureFixture
) -> None:
    llm.script(Reply.error(429, origin=ORIGIN, retry_after="1"), authored("jiji.json"))

    with caplog.at_level(logging.WARNING, logger="summarizer"):
        briefing = summarize([JIJI], settings=llm.settings)

    assert [s.headline for s in briefing.stories] == [
        "Japanese envoy visits Beijing to mend ties strained by Takaichi's Taiwan remark"
    ]
    assert "request failed (HTTP 429), attempt 1; retrying in 1.00s" in caplog.text
    assert briefing.usage.requests == 1  # the 429 carried no tokens


@pytest.mark.vcr
def test_500_is_retried_with_backoff(llm: Endpoint, caplog: pytest.LogCaptureFixture) -> None:
    llm.script(Reply.error(500, origin=ORIGIN), authored("jiji.json"))

    with caplog.at_level(logging.WARNING, logger="summarizer"):
        briefing = summarize([JIJI], settings=llm.settings, max_retry_wait=0.2)

    assert len(briefing.stories) == 1 and briefing.failed_stories == []
    assert "request failed (HTTP 500), attempt 1" in caplog.text


@pytest.mark.vcr
def test_transport_failures_past_the_bound_fail_the_story_not_the_run(
    llm: Endpoint, vcr: Any
) -> None:
    llm.script(*[Reply.error(503, origin=ORIGIN) for _ in range(3)])

    briefing = summarize([JIJI], settings=llm.settings, max_attempts=3, max_retry_wait=0.1)

    assert briefing.stories == []
    assert [f.reason for f in briefing.failed_stories] == [
        "the model endpoint answered HTTP 503 after every retry"
    ]
    assert len(vcr.requests) == 3
    # Transport retries resend the same request: nothing is appended to the prompt.
    assert all(body == _bodies(vcr)[0] for body in _bodies(vcr))
    assert "## Not briefed" in render_markdown(briefing)


@pytest.mark.vcr
def test_invalid_json_is_reasked_with_the_error(llm: Endpoint, vcr: Any) -> None:
    llm.script(
        Reply.tool_arguments('{"headline": "Japanese envoy', origin=f"{ORIGIN}, truncated"),
        authored("jiji.json"),
    )

    briefing = summarize([JIJI], settings=llm.settings)

    assert len(briefing.stories) == 1
    assert briefing.usage.requests == 2
    first, second = _bodies(vcr)
    assert len(second["messages"]) == len(first["messages"]) + 2
    # Structured outputs (the default for OpenAI) re-ask in a user turn; tool calling in a tool turn.
    assert second["messages"][-1]["role"] == "user"
    assert "validation error for StoryExtraction" in second["messages"][-1]["content"]


@pytest.mark.vcr
def test_fabricated_quote_is_reasked_naming_the_quote(llm: Endpoint, vcr: Any) -> None:
    llm.script(_jiji_with(parties=[FABRICATED_PARTY]), authored("jiji.json"))

    briefing = summarize([JIJI], settings=llm.settings)

    story = briefing.stories[0]
    assert story.dropped == []
    assert [p.name for p in story.parties] == ["Masaaki Kanai", "Liu Jinsong"]
    reask = _bodies(vcr)[1]["messages"][-1]["content"]
    assert (
        "the quote 'Liu Jinsong apologised to Japan for the post' is not in article 782e35d0"
        in reask
    )


@pytest.mark.vcr
def test_quote_still_fabricated_after_every_reask_is_dropped_and_reported(
    llm: Endpoint, vcr: Any
) -> None:
    faulty = _jiji_with(parties=[FABRICATED_PARTY])
    llm.script(faulty, faulty, faulty)

    briefing = summarize([JIJI], settings=llm.settings, max_reasks=2)

    story = briefing.stories[0]
    assert len(vcr.requests) == 3
    assert story.parties == []
    assert [(d.kind, d.summary) for d in story.dropped] == [
        ("party citation", "Liu Jinsong"),
        ("party", "Liu Jinsong"),
    ]
    assert len(story.positions) == 1  # what verifies is kept
    markdown = render_markdown(briefing)
    assert "### Removed by verification" in markdown
    assert "Liu Jinsong apologised" in markdown
    assert briefing.usage.requests == 3


@pytest.mark.vcr
def test_strict_mode_sends_a_strict_json_schema(llm: Endpoint, vcr: Any) -> None:
    llm.script(authored("jiji.json"))

    briefing = summarize([JIJI], settings=llm.settings, mode=ExtractionMode.STRICT)

    assert len(briefing.stories) == 1
    (body,) = _bodies(vcr)
    assert "tools" not in body
    assert body["response_format"]["type"] == "json_schema"
    assert body["response_format"]["json_schema"]["strict"] is True
    assert body["response_format"]["json_schema"]["name"] == "StoryExtraction"

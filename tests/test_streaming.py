"""Slow models are not failures: a local server's answers are streamed, and an attempt times out
on silence, not on its length.

Each test talks to `tests/fault_server.py` on a loopback port (a generic local server, so its
answers are streamed) through the real openai client over real HTTP; the server streams
server-sent events as OpenAI-compatible servers do. What a hostile stream may cost is bounded:
keep-alives and empty chunks are silence, a stream past twice the tokens asked or the size limit
is cut, and a model that went silent is not asked again while it may still be working.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from summarizer import Settings, render_json, summarize
from summarizer._settings import Backend
from summarizer._store import Store
from summarizer.extract._backends import request_plan

from .fault_server import FaultServer
from .helpers import HOSTED, write_day
from .test_hostile_endpoints import headlines

# Seconds of silence an attempt may take. An honest stream here pauses at most 0.25 s, ten times
# less than PATIENT, and lasts longer than it: a shared, busy machine cannot make it look silent.
# The silent servers are cut at SILENCE, and stay silent three times as long.
PATIENT = 2.5
SILENCE = 1.0


def settings(server: FaultServer, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "api_key": "test-key",
        "base_url": server.base_url,
        "timeout": PATIENT,
        "max_attempts": 3,
        "max_retry_wait": 0.05,
        "max_reasks": 1,
    }
    return Settings.model_validate(values | overrides)


def brief_one(tmp_path: Path, outcome: str, **server_options: Any) -> tuple[Any, FaultServer]:
    """A day of two stories, the first answered with `outcome`: the briefing and the server.
    The other story is briefed whatever happens to the first."""
    files = write_day(tmp_path, stories=2)
    first = headlines(files)[0]
    overrides = server_options.pop("settings", {})
    with FaultServer(outcome_for={first: outcome}, **server_options) as server:
        briefing = summarize([tmp_path], settings=settings(server, **overrides))
    assert [s.headline for s in briefing.stories] == [headlines(files)[1]]
    return briefing, server


def reason_of(briefing: Any) -> str:
    (failed,) = briefing.failed_stories
    reason: str = failed.reason
    return reason


def wait_for(records: list[Any], count: int) -> None:
    """The server finds a client gone only at its next write."""
    for _ in range(60):
        if len(records) >= count:
            return
        time.sleep(0.1)
    assert len(records) == count


def test_a_slow_honest_stream_longer_than_the_timeout_is_briefed(tmp_path: Path) -> None:
    """About 30 pieces 0.25 s apart: 7.5 s of writing, three times the timeout, never a silence
    of 2.5 s; unstreamed, the same server sends its answer after those 7.5 s."""
    files = write_day(tmp_path, stories=1)
    with FaultServer(token_interval=0.25, piece_chars=20) as server:
        briefing = summarize([tmp_path], settings=settings(server))
    (story,) = briefing.stories
    assert story.headline == headlines(files)[0]
    (request,) = server.requests  # sent once
    assert request["stream"] is True and request["stream_options"] == {"include_usage": True}
    (stream,) = server.streams
    assert stream.pieces >= 25 and not stream.left
    assert stream.lasted > 2.5 * PATIENT


def test_a_model_silent_after_some_tokens_is_cut_and_not_asked_again(tmp_path: Path) -> None:
    started = time.monotonic()
    briefing, server = brief_one(
        tmp_path, "silent_after", silent_after=5, stall_seconds=3, settings={"timeout": SILENCE}
    )
    elapsed = time.monotonic() - started
    assert reason_of(briefing) == (
        "the model went silent for 1 s (SUMMARIZER_TIMEOUT) after 5 tokens: not asked again, "
        "as the server may still be working on it"
    )
    assert server.outcomes["silent_after"] == 1  # not sent again, though 3 attempts are allowed
    assert elapsed < 4  # cut at the silence, not when the server spoke again
    wait_for(server.streams, 2)
    (silent,) = [s for s in server.streams if s.outcome == "silent_after"]
    assert silent.left and silent.lasted >= 3  # the client was gone when the server spoke


def test_a_request_waiting_its_turn_is_not_silence(tmp_path: Path) -> None:
    """A server with one slot, answering in 3 s each: the second request waits 3 s, more than
    the timeout, without a byte — while the first one's tokens flow. Both are briefed."""
    write_day(tmp_path, stories=2)
    with FaultServer(one_at_a_time=True, token_interval=0.1, piece_chars=20) as server:
        briefing = summarize([tmp_path], settings=settings(server, concurrency=2))
    assert len(briefing.stories) == 2 and briefing.failed_stories == []
    assert len(server.requests) == 2
    assert max(s.waited for s in server.streams) > 1.1 * PATIENT


def test_a_stall_before_any_byte_is_not_sent_again_when_streamed(tmp_path: Path) -> None:
    briefing, server = brief_one(tmp_path, "stall", stall_seconds=3, settings={"timeout": SILENCE})
    assert reason_of(briefing) == (
        "the model endpoint sent no token for 1 s (SUMMARIZER_TIMEOUT), before this answer's "
        "first: not asked again, as the server may still be working on it"
    )
    assert server.outcomes["stall"] == 1


def test_a_stall_of_a_hosted_api_is_retried_as_before(tmp_path: Path) -> None:
    """Unstreamed, a timeout is the attempt's, to the answer's last byte, and is retried."""
    briefing, server = brief_one(
        tmp_path, "stall", stall_seconds=3, settings={"timeout": SILENCE, **HOSTED}
    )
    assert reason_of(briefing) == (
        "the model endpoint timed out on every attempt "
        "(SUMMARIZER_TIMEOUT: 1 s for each, to the answer's last byte)"
    )
    assert server.outcomes["stall"] == 3
    assert all("stream" not in request for request in server.requests)


@pytest.mark.parametrize("outcome", ["keepalive", "empty_chunks"])
def test_bytes_without_tokens_are_silence(tmp_path: Path, outcome: str) -> None:
    """Keep-alive comments (llama.cpp's ':') or chunks with nothing in them, every 50 ms: bytes
    keep coming, tokens never do; cut at the silence timeout, once."""
    started = time.monotonic()
    briefing, server = brief_one(
        tmp_path, outcome, keepalive_interval=0.05, settings={"timeout": SILENCE}
    )
    elapsed = time.monotonic() - started
    assert reason_of(briefing) == (
        "the model endpoint sent no token for 1 s (SUMMARIZER_TIMEOUT), before this answer's "
        "first: not asked again, as the server may still be working on it"
    )
    assert server.outcomes[outcome] == 1
    wait_for(server.streams, 2)
    (hostile,) = [s for s in server.streams if s.outcome == outcome]
    assert hostile.left and hostile.lasted < SILENCE + 1.0
    assert elapsed < 5


def test_a_stream_that_never_ends_is_cut_past_twice_the_tokens_asked(tmp_path: Path) -> None:
    briefing, server = brief_one(
        tmp_path, "endless", piece_chars=4, settings={"max_output_tokens": 256}
    )
    assert reason_of(briefing) == (
        "the model endpoint streamed more than 512 pieces of answer where at most 256 tokens "
        "were asked for: not read further"
    )
    assert server.outcomes["endless"] == 1
    wait_for(server.streams, 2)
    (endless,) = [s for s in server.streams if s.outcome == "endless"]
    assert endless.left and endless.pieces < 5_000  # 512, and what the sockets buffer


def test_a_stream_that_goes_round_in_a_loop_is_stopped_there_and_not_sent_again(
    tmp_path: Path,
) -> None:
    """The same answer over and over (a weak model's loop, as SmolLM2-135M wrote until the window
    was full): stopped once its last 4,000 bytes compress past 12 to 1, long before the 8,192
    tokens asked for, and not asked again — it would loop again."""
    briefing, server = brief_one(
        tmp_path, "endless", piece_chars=8, settings={"max_output_tokens": 8192}
    )
    reason = reason_of(briefing)
    assert reason.startswith("the model went round in a loop after 512 tokens (its last 4,000 "), (
        reason
    )
    assert reason.endswith("to 1): stopped there, not asked again")
    # What the server wrote is counted, stopped or not (the other story: 100).
    assert briefing.usage.completion_tokens == 512 + 100
    assert server.outcomes["endless"] == 1
    wait_for(server.streams, 2)
    (endless,) = [s for s in server.streams if s.outcome == "endless"]
    assert endless.left and endless.pieces < 2_000


@pytest.mark.parametrize(
    ("piece_bytes", "reason"),
    [
        # One event larger than a whole answer may be (the unstreamed limit, 4.2 MB).
        (
            5_000_000,
            "the model endpoint streamed an event of more than 4.2 MB, more than a whole answer "
            "may be: not read further",
        ),
        # Pieces of 1 MB: the stream's limit, 2 x 16,384 tokens at 1 KiB an event.
        (
            1_000_000,
            "the model endpoint sent more than 33.6 MB for one answer (HTTP 200), far more than "
            "the output token limit allows: not read further",
        ),
    ],
)
def test_a_streamed_answer_over_the_size_limit_is_cut(
    tmp_path: Path, piece_bytes: int, reason: str
) -> None:
    briefing, server = brief_one(tmp_path, "huge_pieces", huge_piece_bytes=piece_bytes)
    assert reason_of(briefing) == reason
    assert server.outcomes["huge_pieces"] == 1
    wait_for(server.streams, 2)
    (huge,) = [s for s in server.streams if s.outcome == "huge_pieces"]
    assert huge.left and huge.pieces * piece_bytes < 60_000_000  # not the stream's endless bytes


@pytest.mark.parametrize(
    ("tool_deltas", "line_end"),
    [("openai", "\n"), ("repeat", "\r\n")],  # OpenAI's; llama-cpp-python's, via sse-starlette
)
def test_tool_call_deltas_are_put_back_together(
    tmp_path: Path, tool_deltas: str, line_end: str
) -> None:
    """Three characters a piece, the call's id and name once or in every delta: the answer the
    store records is the one tool call, with its name once and its arguments whole."""
    files = write_day(tmp_path, stories=1)
    store = tmp_path / "store.db"
    with FaultServer(piece_chars=3, tool_deltas=tool_deltas, line_end=line_end) as server:
        briefing = summarize([tmp_path], settings=settings(server), store=store)
    (story,) = briefing.stories
    assert story.headline == headlines(files)[0]
    (stream,) = server.streams
    assert stream.pieces > 150
    with Store(store) as opened:
        (exchange,) = opened.exchanges(briefing.run_id or "")
    assert "stream" not in exchange["request"]  # the request as asked, not how it was carried
    message = exchange["response"]["choices"][0]["message"]
    (call,) = message["tool_calls"]
    tool = server.requests[0]["tools"][0]["function"]["name"]
    assert call["id"] == "call_fault" and call["function"]["name"] == tool
    assert json.loads(call["function"]["arguments"])["headline"] == headlines(files)[0]
    assert exchange["response"]["usage"]["completion_tokens"] == 100  # the usage chunk's


def test_a_server_that_ignores_stream_answers_whole_and_is_read(tmp_path: Path) -> None:
    files = write_day(tmp_path, stories=1)
    with FaultServer(stream_answers=False) as server:
        briefing = summarize([tmp_path], settings=settings(server))
    assert [s.headline for s in briefing.stories] == headlines(files)
    assert server.requests[0]["stream"] is True and server.streams == []


def test_a_cut_off_stream_comes_through_as_a_cut_off_answer(tmp_path: Path) -> None:
    write_day(tmp_path, stories=1)
    with FaultServer(malformed_rate=1.0, malformed=["length"]) as server:
        briefing = summarize([tmp_path], settings=settings(server, max_output_tokens=1000))
    assert server.requests[0]["stream"] is True and server.requests[0]["max_tokens"] == 1000
    assert len(server.requests) >= 2  # asked again, differently: not blindly
    assert "cut off" in reason_of(briefing)
    assert all(s.outcome == "length" and not s.left for s in server.streams)


def test_an_error_event_mid_stream_fails_the_story_saying_so(tmp_path: Path) -> None:
    briefing, server = brief_one(tmp_path, "stream_error", silent_after=5)
    assert reason_of(briefing) == (
        "the model endpoint stopped its answer with an error after 5 tokens: the slot was lost"
    )
    assert server.outcomes["stream_error"] == 1


def test_a_stream_cut_off_mid_way_is_a_dropped_connection_and_retried(tmp_path: Path) -> None:
    files = write_day(tmp_path, stories=1)
    with FaultServer(fail_first_attempt=True, faults=["stream_cut"], silent_after=5) as server:
        briefing = summarize([tmp_path], settings=settings(server))
    assert [s.headline for s in briefing.stories] == headlines(files)
    assert server.outcomes == {"stream_cut": 1, "ok": 1}
    assert briefing.usage.retries == 1


def test_a_dropped_connection_before_any_byte_is_retried(tmp_path: Path) -> None:
    files = write_day(tmp_path, stories=1)
    with FaultServer(fail_first_attempt=True, faults=["drop"]) as server:
        briefing = summarize([tmp_path], settings=settings(server))
    assert [s.headline for s in briefing.stories] == headlines(files)
    assert server.outcomes == {"drop": 1, "ok": 1}


def test_a_500_with_a_validation_message_is_shown_and_sent_once(tmp_path: Path) -> None:
    """llama-cpp-python's answer to a request its pydantic model does not validate."""
    briefing, server = brief_one(tmp_path, "validation_500")
    assert reason_of(briefing) == (
        "the model endpoint refused the request as invalid (HTTP 500): response_format.type: "
        "Input should be 'text' or 'json_object', not 'json_schema'"
    )
    assert server.outcomes["validation_500"] == 1


def test_a_500_that_is_a_failure_is_still_retried(tmp_path: Path) -> None:
    briefing, server = brief_one(tmp_path, "500")
    assert reason_of(briefing) == "the model endpoint answered HTTP 500 after every retry"
    assert server.outcomes["500"] == 3


def test_tokens_a_second_are_measured(tmp_path: Path) -> None:
    """20 pieces 50 ms apart: 0.95 s from the first to the last; 100 output tokens (the usage
    chunk's) in that time."""
    write_day(tmp_path, stories=1)
    with FaultServer(token_interval=0.05, piece_chars=80) as server:
        briefing = summarize([tmp_path], settings=settings(server))
    (stream,) = server.streams
    usage = briefing.usage
    assert usage.timed_output_tokens == 100 == usage.completion_tokens
    assert 0.05 * (stream.pieces - 1) <= usage.output_seconds < 0.05 * (stream.pieces - 1) + 0.5
    rate = usage.output_tokens_per_second
    assert rate is not None and rate == pytest.approx(100 / usage.output_seconds)
    assert briefing.stories[0].usage.output_seconds == usage.output_seconds
    shown = json.loads(render_json(briefing))["usage"]
    assert shown["timed_output_tokens"] == 100 and shown["output_seconds"] > 0


def test_a_stream_without_usage_counts_its_pieces(tmp_path: Path) -> None:
    """llama-cpp-python takes no `stream_options` and streams no usage: its output tokens are
    its pieces (a token each), its prompt's are estimated."""
    write_day(tmp_path, stories=1)
    with FaultServer(piece_chars=8) as server:
        briefing = summarize(
            [tmp_path], settings=settings(server, backend="llama-cpp-python", mode="tools")
        )
    (request,) = server.requests
    assert request["stream"] is True and "stream_options" not in request
    (stream,) = server.streams
    assert briefing.usage.completion_tokens == stream.pieces == briefing.usage.timed_output_tokens
    assert briefing.usage.prompt_tokens > 100  # estimated from the request, not 0


@pytest.mark.parametrize(
    ("backend", "base_url", "streamed"),
    [
        ("auto", "http://localhost:8080/v1", True),  # llama.cpp's port
        ("auto", "http://localhost:11434/v1", True),  # Ollama
        ("auto", "http://127.0.0.1:5000/v1", True),  # any other local server
        ("llama-cpp-python", "http://localhost:8000/v1", True),
        ("auto", None, False),  # OpenAI
        ("auto", "https://api.groq.com/openai/v1", False),
        ("openai", "https://replay.invalid/v1", False),  # a replay: its cassette is unstreamed
        ("generic", "https://replay.invalid/v1", False),
    ],
)
def test_which_backends_are_streamed(backend: str, base_url: str | None, streamed: bool) -> None:
    from summarizer.extract._client import streams_answers

    chosen = Settings(api_key="k", base_url=base_url, backend=Backend(backend))
    assert streams_answers(chosen, request_plan(chosen)) is streamed


def test_the_event_stream_is_read_whatever_its_line_ends_and_chunking() -> None:
    """Events split anywhere, CRLF halves in separate reads, comments between: the same chunks."""
    import httpx2

    from summarizer._http import EventStreamDecoder

    events = [{"choices": [{"index": 0, "delta": {"content": word}}]} for word in ("a", "b")]
    body = (
        b": ping - 2026-12-01 22:18:36\r\n\r\n"
        + b"".join(b"data: " + json.dumps(e).encode() + b"\r\n\r\n" for e in events)
        + b":\n\ndata: [DONE]\r\n\r\n"
    )
    request = httpx2.Request("POST", "http://127.0.0.1/v1/chat/completions")
    for size in (1, 2, 7, len(body)):
        decoder = EventStreamDecoder(1 << 20, request)
        seen = [
            d
            for start in range(0, len(body), size)
            for d in decoder.feed(body[start : start + size])
        ]
        seen += decoder.finish()
        assert [json.loads(d) if d != b"[DONE]" else d for d in seen] == [*events, b"[DONE]"]
        assert decoder.comments == 2


def test_a_repeated_tool_name_is_kept_once_and_pieces_are_joined() -> None:
    from summarizer._http import ChunkAssembly

    assembly = ChunkAssembly()
    call = {"index": 0, "id": "call_1", "type": "function"}
    for piece in ('{"a"', ": 1}"):
        delta = {"tool_calls": [call | {"function": {"name": "Story", "arguments": piece}}]}
        assert assembly.add({"id": "c", "model": "m", "choices": [{"index": 0, "delta": delta}]})
    assembly.add({"choices": [{"index": 0, "delta": {}, "finish_reason": "length"}]})
    assembly.add({"choices": [], "usage": {"prompt_tokens": 3, "completion_tokens": 2}})
    completion = assembly.completion()
    (choice,) = completion["choices"]
    assert choice["finish_reason"] == "length"
    assert choice["message"]["tool_calls"] == [
        {"id": "call_1", "type": "function", "function": {"name": "Story", "arguments": '{"a": 1}'}}
    ]
    assert completion["usage"] == {"prompt_tokens": 3, "completion_tokens": 2}
    assert assembly.pieces == 2

"""Under faults: a day of 20 stories completes, every story accounted for, retries bounded.

These run live against `tests/fault_server.py` on a loopback port (no cassette: the faults are
the point), with fixed seeds so that every run is the same. The server's port makes it a
generic local server, whose answers are streamed; `HOSTED` settings make the requests a hosted
API's, unstreamed, each attempt with its deadline to the answer's last byte.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from summarizer import DailyBriefing, Settings, summarize

from .fault_server import FaultServer
from .helpers import HOSTED, STORIES, fault_settings, write_day

KNOWN_REASONS = (
    "the model endpoint answered HTTP",
    "could not connect to the model endpoint",
    "the model endpoint timed out",
    "the model endpoint sent no token",  # a stall, streamed: not sent again (test_streaming.py)
    "the answer was cut off",
    "the model's answer could not be used",
)


def run_day(tmp_path: Path, seed: int) -> tuple[DailyBriefing, FaultServer]:
    with FaultServer(
        seed=seed, failure_rate=0.3, malformed_rate=0.1, stall_seconds=4.0, latency=0.005
    ) as server:
        briefing = summarize([tmp_path], settings=fault_settings(server))
    return briefing, server


def test_a_day_of_twenty_stories_completes_under_faults(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    write_day(tmp_path)
    with caplog.at_level(logging.WARNING, logger="summarizer"):
        briefing, server = run_day(tmp_path, seed=11)

    assert len(briefing.stories) + len(briefing.failed_stories) == STORIES
    assert len(briefing.stories) >= STORIES // 2
    for failed in briefing.failed_stories:
        assert failed.reason.startswith(KNOWN_REASONS), failed.reason
    # Faults of many kinds happened, and none cost more than its bounds. (About 7 transport
    # faults drawn from 6 kinds: 3 or more distinct kinds whatever the prompt, 99.7% of seeds.)
    assert len(set(server.outcomes) & {"429", "500", "502", "503", "drop", "stall"}) >= 3
    assert len(set(server.outcomes) & {"not_json", "missing_fields", "length"}) >= 2
    per_story = 2 * (2 + 1) * 4  # output budgets x (re-asks + 1) x transport attempts
    assert len(server.requests) <= STORIES * per_story
    retry_lines = [m for m in caplog.messages if "retrying in" in m]
    assert retry_lines
    # No request is tried more than max_attempts (4) times: the last retry follows attempt 3.
    attempts = [int(m.split("attempt ", 1)[1].split(";", 1)[0]) for m in retry_lines]
    assert max(attempts) <= 3
    # Every retry waited what the server asked (429: 50 ms) or a jittered, capped backoff.
    waits = [float(m.rsplit("retrying in ", 1)[1].rstrip("s")) for m in retry_lines]
    assert all(0.0 <= wait <= 0.05 for wait in waits)
    answered = sum(server.outcomes[o] for o in ("ok", "not_json", "missing_fields", "length"))
    assert 0 < briefing.usage.requests <= answered


def test_the_same_seed_gives_the_same_day(tmp_path: Path) -> None:
    write_day(tmp_path)
    first, first_server = run_day(tmp_path, seed=5)
    second, second_server = run_day(tmp_path, seed=5)
    assert [s.id for s in first.stories] == [s.id for s in second.stories]
    assert [(f.id, f.reason) for f in first.failed_stories] == [
        (f.id, f.reason) for f in second.failed_stories
    ]
    assert first_server.outcomes == second_server.outcomes


def test_retry_after_is_honoured(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    write_day(tmp_path, stories=1)
    with (
        FaultServer(faults=["429"], fail_first_attempt=True, retry_after_ms=300) as server,
        caplog.at_level(logging.WARNING, logger="summarizer"),
    ):
        briefing = summarize([tmp_path], settings=fault_settings(server, max_retry_wait=5))
    assert len(briefing.stories) == 1
    assert server.outcomes == {"429": 1, "ok": 1}
    assert "request failed (HTTP 429), attempt 1; retrying in 0.30s" in caplog.text


def test_a_cut_off_answer_is_asked_again_with_twice_the_room(tmp_path: Path) -> None:
    write_day(tmp_path, stories=1)
    with FaultServer(seed=0, malformed_rate=1.0, malformed=["length"]) as server:
        briefing = summarize([tmp_path], settings=fault_settings(server, max_output_tokens=1000))
    assert [r["max_tokens"] for r in server.requests] == [1000, 2000]  # not re-asked blindly
    (failed,) = briefing.failed_stories
    assert failed.reason == (
        "the answer was cut off at 1,000 and again at 2,000 output tokens (SUMMARIZER_MAX_OUTPUT_TOKENS)"
    )


def test_total_failure_fails_every_story_but_writes_the_briefing(tmp_path: Path) -> None:
    write_day(tmp_path, stories=3)
    with FaultServer(seed=0, failure_rate=1.0, faults=["503"]) as server:
        briefing = summarize([tmp_path], settings=fault_settings(server, max_attempts=2))
    assert briefing.stories == []
    assert [f.reason for f in briefing.failed_stories] == [
        "the model endpoint answered HTTP 503 after every retry"
    ] * 3
    assert len(server.requests) == 3 * 2


def test_retries_stop_at_the_time_bound_before_the_attempt_bound(tmp_path: Path) -> None:
    write_day(tmp_path, stories=1)
    with FaultServer(failure_rate=1.0, faults=["stall"], stall_seconds=5) as server:
        briefing = summarize(
            [tmp_path],
            settings=fault_settings(
                server, timeout=0.3, max_attempts=50, max_retry_time=1.0, **HOSTED
            ),
        )
    (failed,) = briefing.failed_stories
    assert failed.reason == (
        "the model endpoint timed out on every attempt "
        "(SUMMARIZER_TIMEOUT: 0.3 s for each, to the answer's last byte)"
    )
    assert 2 <= len(server.requests) <= 5  # about 1 s of 0.3 s timeouts, far below 50 attempts


def test_refused_credentials_are_not_retried_and_say_what_to_check(tmp_path: Path) -> None:
    write_day(tmp_path, stories=1)
    with FaultServer(failure_rate=1.0, faults=["401"]) as server:
        briefing = summarize([tmp_path], settings=fault_settings(server))
    (failed,) = briefing.failed_stories
    assert failed.reason == (
        "the model endpoint refused the credentials (HTTP 401): check OPENAI_API_KEY: "
        "authored fault 401"  # what the server said, after what to check
    )
    assert len(server.requests) == 1


def test_the_client_is_closed_before_the_event_loop_ends(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Real endpoints keep connections alive; a client left open is closed by the garbage
    collector on a loop that is gone, and asyncio prints a traceback on the user's terminal."""
    import gc

    write_day(tmp_path, stories=3)
    with caplog.at_level(logging.ERROR, logger="asyncio"), FaultServer() as server:
        briefing = summarize([tmp_path], settings=Settings(api_key="k", base_url=server.base_url))
        gc.collect()
    assert len(briefing.stories) == 3
    assert [r.getMessage() for r in caplog.records if r.name == "asyncio"] == []

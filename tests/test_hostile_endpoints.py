"""A hostile or broken model endpoint costs the stories it answers badly, never the run.

Each test talks to `tests/fault_server.py` on a loopback port through the real openai client over
real HTTP; the server picks its answer by the story's headline (`outcome_for`), on every attempt.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from summarizer import Settings, render_markdown, summarize
from summarizer.cli import cli
from summarizer.profiles import load_profile

from .conftest import REPO
from .fault_server import FaultServer
from .helpers import write_day
from .loopback import AUTHORED_HEADER, LoopbackServer, QuietHandler, send_json

LIMIT = "4.2 MB"  # the body limit at the default SUMMARIZER_MAX_OUTPUT_TOKENS (16,384)
TOO_LARGE = (
    f"the model endpoint sent more than {LIMIT} for one answer (HTTP 200), far more than the "
    "output token limit allows: not read further"
)


def headlines(files: list[Path]) -> list[str]:
    return [path.read_text().split("\n", 1)[0] for path in files]


def settings(server: FaultServer, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "api_key": "test-key",
        "base_url": server.base_url,
        "timeout": 5.0,
        "max_attempts": 2,
        "max_retry_wait": 0.05,
        "max_reasks": 1,
    }
    return Settings.model_validate(values | overrides)


def brief_one(tmp_path: Path, outcome: str, **server_options: Any) -> tuple[Any, FaultServer]:
    """A day of two stories, the first answered with `outcome`: the briefing and the server."""
    files = write_day(tmp_path, stories=2)
    first = headlines(files)[0]
    overrides = server_options.pop("settings", {})
    with FaultServer(outcome_for={first: outcome}, **server_options) as server:
        briefing = summarize([tmp_path], settings=settings(server, **overrides))
    assert [s.headline for s in briefing.stories] == [headlines(files)[1]]  # the other is kept
    return briefing, server


def wait_for(records: list[Any], count: int) -> None:
    """The server finds a client gone only at its next writes (a trickle interval or two on),
    and records the answer then."""
    for _ in range(50):
        if len(records) >= count:
            break
        time.sleep(0.1)
    assert len(records) == count


def reason_of(briefing: Any) -> str:
    (failed,) = briefing.failed_stories
    reason: str = failed.reason
    return reason


def test_a_200_without_choices_fails_its_story_saying_what_the_server_sent(
    tmp_path: Path,
) -> None:
    briefing, server = brief_one(tmp_path, "no_choices")
    assert reason_of(briefing) == (
        "the model endpoint answered HTTP 200 with an error instead of an answer: "
        "upstream model unavailable, on every attempt"
    )
    assert server.outcomes["no_choices"] == 2  # a gateway's error is transient: retried


def test_an_html_page_is_named_by_its_title_without_the_servers_control_characters(
    tmp_path: Path,
) -> None:
    title = "502 Bad\x1b]0;owned\x07 Gateway\n[1/1] briefed: fake line\x1b[2J"
    briefing, server = brief_one(tmp_path, "html", html_title=title)
    assert reason_of(briefing) == (
        "the model endpoint answered HTTP 200 with an HTML page "
        "('<title>502 Bad Gateway [1/1] briefed: fake line</title>…'), on every attempt"
    )
    assert server.outcomes["html"] == 2


def test_a_body_that_is_not_utf8_says_where(tmp_path: Path) -> None:
    briefing, _ = brief_one(tmp_path, "bad_utf8")
    reason = reason_of(briefing)
    assert reason.startswith("the model endpoint answered HTTP 200 with a body that is not UTF-8")
    assert reason.endswith(" is 0xff), on every attempt")


def test_a_trickling_server_is_cut_at_the_request_deadline(tmp_path: Path) -> None:
    started = time.monotonic()
    briefing, server = brief_one(
        tmp_path, "trickle", trickle_interval=0.1, settings={"timeout": 1.0}
    )
    elapsed = time.monotonic() - started
    assert reason_of(briefing) == (
        "the model endpoint timed out on every attempt "
        "(SUMMARIZER_TIMEOUT: 1 s for each, to the answer's last byte)"
    )
    # Each attempt's bytes kept coming (every read was within the timeout) and it was cut
    # anyway, after about a second; the server sees the client gone at its next writes.
    wait_for(server.trickles, 2)
    for lasted, sent in server.trickles:
        assert 0.9 <= lasted < 2.0
        assert sent >= 5
    assert elapsed < 6


@pytest.mark.parametrize("outcome", ["huge", "huge_chunked"])
def test_a_50_mb_answer_is_not_read_past_the_limit(tmp_path: Path, outcome: str) -> None:
    briefing, server = brief_one(tmp_path, outcome)
    assert reason_of(briefing) == TOO_LARGE
    assert server.outcomes[outcome] == 1  # not asked again: the same model answers the same
    wait_for(server.huge_written, 1)
    (written,) = server.huge_written
    assert written < 20_000_000  # at most the limit, and what the sockets buffer: not 50 MB


def test_a_body_compressed_unasked_is_refused(tmp_path: Path) -> None:
    briefing, _ = brief_one(tmp_path, "gzip")
    assert reason_of(briefing) == (
        "the model endpoint sent a compressed body (gzip) though none was asked for"
    )


def test_thousands_of_items_are_cut_and_the_cut_is_reported(tmp_path: Path) -> None:
    files = write_day(tmp_path, stories=1)
    with FaultServer(outcome_for={headlines(files)[0]: "many_items"}, many_items=5_000) as server:
        briefing = summarize([tmp_path], settings=settings(server))
    (story,) = briefing.stories
    assert len(story.parties) == 100
    assert [(d.kind, d.summary) for d in story.dropped] == [("long list", "parties: 5,000 items")]
    assert story.dropped[0].reason == (
        "only the first 100 of each kept (4,900 items dropped): no answer has more than 100 "
        "items in a list"
    )
    assert "parties: 5,000 items" in render_markdown(briefing)


def test_enormous_texts_are_cut_and_the_cut_is_reported(tmp_path: Path) -> None:
    files = write_day(tmp_path, stories=1)
    with FaultServer(outcome_for={headlines(files)[0]: "long_texts"}) as server:
        briefing = summarize([tmp_path], settings=settings(server))
    (story,) = briefing.stories
    assert 240 <= len(story.headline) <= 300 and len(story.bottom_line) <= 2000
    assert story.headline.split()[-1] in headlines(files)[0].split()  # cut at a word's end
    assert [(d.kind, d.summary, d.reason) for d in story.dropped[:2]] == [
        ("long text", "headline: 154,999 characters", "cut to at most 300 characters: no answer needs more"),
        ("long text", "bottom_line: 94,999 characters", "cut to at most 2,000 characters: no answer needs more"),
    ]  # fmt: skip


def test_a_lone_surrogate_does_not_stop_the_briefing_being_written(tmp_path: Path) -> None:
    files = write_day(tmp_path, stories=1)
    with FaultServer(outcome_for={headlines(files)[0]: "surrogate"}) as server:
        briefing = summarize([tmp_path], settings=settings(server))
    (story,) = briefing.stories
    assert story.headline == headlines(files)[0] + " \ufffd"
    render_markdown(briefing).encode("utf-8")  # a lone surrogate would raise here


def test_a_redirect_to_another_server_is_refused_and_nothing_is_sent_there(
    tmp_path: Path,
) -> None:
    with FaultServer() as elsewhere:
        target = elsewhere.base_url + "/chat/completions?token=sk-secret123456789"
        briefing, server = brief_one(tmp_path, "redirect", redirect_to=target)
        assert elsewhere.requests == []
    port = elsewhere.base_url.rsplit(":", 1)[1].split("/", 1)[0]
    assert reason_of(briefing) == (
        "the model endpoint redirected the request (HTTP 307) to another server, "
        f"http://127.0.0.1:{port}/v1/chat/completions: not followed, so the articles and the "
        "key go only where --base-url points (set it to that address if you trust it)"
    )
    assert server.outcomes["redirect"] == 1


def test_a_redirect_within_the_same_server_is_followed(tmp_path: Path) -> None:
    files = write_day(tmp_path, stories=1)
    with FaultServer(outcome_for={headlines(files)[0]: "same_origin_redirect"}) as server:
        briefing = summarize([tmp_path], settings=settings(server))
    assert len(briefing.stories) == 1
    assert server.paths == ["/v1/chat/completions", "/v1/chat/completions?redirected=1"]


def test_the_server_s_words_in_a_refusal_are_cleaned(tmp_path: Path) -> None:
    write_day(tmp_path, stories=1)
    message = "bad\x1b[2J key\n\rError: fake\x07"
    with FaultServer(failure_rate=1.0, faults=["401"], fault_message=message) as server:
        briefing = summarize([tmp_path], settings=settings(server))
    assert reason_of(briefing) == (
        "the model endpoint refused the credentials (HTTP 401): check OPENAI_API_KEY: "
        "bad key Error: fake"
    )


def test_the_run_deadline_lists_what_was_not_done_and_keeps_the_rest(tmp_path: Path) -> None:
    files = write_day(tmp_path, stories=3)
    slow = headlines(files)[0]
    started = time.monotonic()
    with FaultServer(outcome_for={slow: "trickle"}, trickle_interval=0.1) as server:
        briefing = summarize([tmp_path], settings=settings(server, timeout=60.0, run_timeout=1.5))
    elapsed = time.monotonic() - started
    assert len(briefing.stories) == 2
    (failed,) = briefing.failed_stories
    assert failed.headlines == [slow]
    assert failed.reason == "not done when the run's time ran out (SUMMARIZER_RUN_TIMEOUT: 1.5 s)"
    assert elapsed < 5


def test_an_unforeseen_error_in_one_story_costs_that_story_only(tmp_path: Path) -> None:
    files = write_day(tmp_path, stories=3)
    unlucky = headlines(files)[1]
    geopolitics = load_profile("geopolitics")

    def finish(story: Any) -> Any:
        if story.headline == unlucky:
            raise RuntimeError("a bug in a profile's last touch")
        return geopolitics.finish(story) if geopolitics.finish else story

    profile = dataclasses.replace(geopolitics, finish=finish)
    with FaultServer() as server:
        briefing = summarize([tmp_path], settings=settings(server), profile=profile)
    assert len(briefing.stories) == 2
    (failed,) = briefing.failed_stories
    assert failed.headlines == [unlucky]
    assert failed.reason == (
        "an unexpected error while briefing it (RuntimeError: a bug in a profile's last touch)"
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            "{bad",
            "Error: setting prices (SUMMARIZER_PRICES): SUMMARIZER_PRICES is not JSON (Expecting property name "
            """enclosed in double quotes); write it as '{"my-model": [0.5, 1.5]}': US dollars """
            "per million input and output tokens, and optionally cached input tokens",
        ),
        (
            '{"my-model": [1]}',
            "Error: setting prices (SUMMARIZER_PRICES): the price of 'my-model' must be [input, output] or [input, "
            "output, cached input], US dollars per million tokens (numbers, 0 or more), not [1]",
        ),
    ],
)
def test_a_malformed_price_setting_is_one_line(
    value: str, message: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SUMMARIZER_PRICES", value)
    write_day(tmp_path, stories=1)
    result = CliRunner().invoke(
        cli, ["brief", str(tmp_path), "--base-url", "http://127.0.0.1:9/v1"]
    )
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [message]


def test_a_hostile_day_through_the_command_line(tmp_path: Path) -> None:
    """40 stories; one answered with a 200 without choices, one with an HTML page, one
    trickled, one with 50 MB: 36 briefed, 4 listed with their reasons, exit 3, in time."""
    day = tmp_path / "day"
    day.mkdir()
    titles = headlines(write_day(day, stories=40))
    hostile = {
        titles[3]: "no_choices",
        titles[11]: "html",
        titles[19]: "trickle",
        titles[27]: "huge_chunked",
    }
    timeout = 3
    expected = {
        titles[3]: "the model endpoint answered HTTP 200 with an error instead of an answer: "
        "upstream model unavailable, on every attempt",
        titles[11]: "the model endpoint answered HTTP 200 with an HTML page "
        "('<title>502 Bad Gateway</title>…'), on every attempt",
        titles[19]: "the model endpoint timed out on every attempt "
        f"(SUMMARIZER_TIMEOUT: {timeout} s for each, to the answer's last byte)",
        titles[27]: TOO_LARGE,
    }
    with FaultServer(outcome_for=hostile, trickle_interval=0.2) as server:
        environment = os.environ | {
            "OPENAI_API_KEY": "test-key",
            "OPENAI_BASE_URL": server.base_url,
            "SUMMARIZER_TIMEOUT": str(timeout),
            "SUMMARIZER_MAX_ATTEMPTS": "2",
            "SUMMARIZER_MAX_RETRY_WAIT": "0.05",
        }
        started = time.monotonic()
        run = subprocess.run(
            [sys.executable, "-m", "summarizer", "brief", str(day), "-o", str(tmp_path / "day.md"),
             "--json", str(tmp_path / "day.json"), "--store", str(tmp_path / "store.sqlite")],
            env=environment, cwd=REPO, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        elapsed = time.monotonic() - started

    assert run.returncode == 3, run.stderr[-2000:]
    assert "Traceback" not in run.stderr
    briefing = json.loads((tmp_path / "day.json").read_text())
    assert len(briefing["stories"]) == 36
    failed = {f["headlines"][0]: f["reason"] for f in briefing["failed_stories"]}
    assert failed == expected
    for headline, reason in expected.items():
        assert any(
            line.endswith(f"not briefed: {headline}: {reason}") for line in run.stderr.splitlines()
        ), run.stderr[-3000:]
    markdown = (tmp_path / "day.md").read_text()
    not_briefed = markdown.split("## Not briefed", 1)[1].split("\n## ", 1)[0]
    assert sum(line.startswith("- **") for line in not_briefed.splitlines()) == 4
    assert "upstream model unavailable, on every attempt" in not_briefed
    # Within the request deadlines: the trickle was cut at the timeout on each of its attempts,
    # and the whole run took about those two attempts, not the hours the trickle would take.
    wait_for(server.trickles, 2)
    assert all(lasted < timeout + 1.5 for lasted, _ in server.trickles)
    assert elapsed < 2 * timeout + 30
    assert max(len(line) for line in run.stderr.splitlines()) < 1000
    assert (tmp_path / "store.sqlite").stat().st_size < 5_000_000


def test_the_embeddings_are_not_posted_to_another_server_either(tmp_path: Path) -> None:
    """The embeddings client sends every article's text: a 307 elsewhere is refused there too."""
    posted: list[str] = []

    class Elsewhere(QuietHandler):
        def do_POST(self) -> None:
            posted.append(self.rfile.read(int(self.headers.get("content-length", 0))).decode())
            send_json(self, 200, {"data": []}, {AUTHORED_HEADER: "tests/test_hostile_endpoints.py"})

    with LoopbackServer(Elsewhere) as elsewhere:

        class Redirecting(QuietHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("content-length", 0)))
                self.send_response(307)
                self.send_header("location", elsewhere.base_url + "/embeddings?key=sk-abcdef123456")
                self.send_header("content-length", "0")
                self.end_headers()

        write_day(tmp_path, stories=2)
        # A second language: a day in one is grouped without embeddings, and sends nothing.
        (tmp_path / "fr.txt").write_text(
            "Les dockers reprennent le travail\n\nLes dockers du port de Rotterdam ont repris le "
            "travail jeudi après un accord salarial entre les syndicats et les opérateurs.",
            encoding="utf-8",
        )
        with LoopbackServer(Redirecting) as server:
            result = CliRunner(env={"OPENAI_BASE_URL": server.base_url}).invoke(
                cli, ["stories", str(tmp_path), "--embeddings-model", "e"]
            )
    assert posted == []
    assert result.exit_code == 1
    assert "redirected the request (HTTP 307) to another server" in result.stderr
    assert "sk-abcdef123456" not in result.stderr


def test_stories_sends_a_day_in_one_language_to_no_embeddings_model(tmp_path: Path) -> None:
    """`stories` groups as `brief` does (`day_groups`): one language, nothing to link."""
    posted: list[str] = []

    class Recording(QuietHandler):
        def do_POST(self) -> None:
            posted.append(self.rfile.read(int(self.headers.get("content-length", 0))).decode())
            send_json(self, 200, {"data": []}, {AUTHORED_HEADER: "tests/test_hostile_endpoints.py"})

    write_day(tmp_path, stories=2)
    with LoopbackServer(Recording) as server:
        result = CliRunner(env={"OPENAI_BASE_URL": server.base_url}).invoke(
            cli, ["stories", str(tmp_path), "--embeddings-model", "e"]
        )
    assert (result.exit_code, posted) == (0, [])
    assert result.stdout.startswith("2 stories from ")

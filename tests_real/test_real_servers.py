"""The contract on real servers with a real model: `summarizer brief seeds/` with no SUMMARIZER_*
setting, against llama.cpp's llama-server and llama-cpp-python's server, each started with its
defaults and an 8,192-token context (see .ci/real-lane and issue #17).

Not the model's quality — SmolLM2-135M writes junk — but the tool's part: every request it sends
is accepted; no story fails for a reason the tool could have avoided (the context window, a
refused parameter, a misread HTTP 500, a timeout while tokens were flowing); junk is not called a
briefing; the run takes no longer than the server's own work calls for; and the exchange,
recorded, replays offline to the same briefing.
"""

from __future__ import annotations

import json
import re
import subprocess
import urllib.request
from pathlib import Path
from typing import Any

from summarizer._replay import ORIGIN_HEADER, recorded_answers_are_authored, recorded_origin
from summarizer.extract._limits import repeats_itself

from .answers import answer_of, request_of
from .conftest import (
    MODEL_NAME,
    REPO,
    RUN_HARD_STOP,
    SUMMARIZER,
    RealServer,
    Run,
    tool_environment,
)
from .junk import avoidable_failure, junk_in_story
from .recording_proxy import Exchange

# llama-server accepts a request with a parameter of a type it does not take, drops the
# parameter and says so only in its log (tools/server/server-common.h, json_value).
_IGNORED_PARAMETER = re.compile(r"Wrong type supplied for parameter '[^']*'.*")


def _describe(run: Run, index: int) -> str:
    exchange = run.exchanges[index]
    body = exchange.response_body[:300].decode("utf-8", "replace")
    return f"{exchange.method} {exchange.path} -> HTTP {exchange.status}: {body}"


def _cut_by_the_stop(run: Run, exchange: Exchange) -> bool:
    """The request was in flight when the lane stopped the run at RUN_HARD_STOP."""
    left = exchange.client_left_at
    return run.stopped_at is not None and left is not None and left >= run.stopped_at


def _error_line(stderr: str) -> str | None:
    lines = [line for line in stderr.splitlines() if line.startswith("Error: ")]
    return lines[-1] if lines else None


def test_every_request_is_accepted(run: Run) -> None:
    assert run.chat, f"{run.server.name}: the tool sent no chat request ({run.stderr[-500:]})"
    refused = [
        _describe(run, i)
        for i, e in enumerate(run.exchanges)
        if not _cut_by_the_stop(run, e)
        and (e.status is None or e.status >= 500 or (e.method == "POST" and e.status >= 300))
    ]
    assert refused == [], f"{run.server.name} refused or failed requests: {refused}"
    log = run.server.log.read_text(encoding="utf-8", errors="replace")
    ignored = sorted(set(_IGNORED_PARAMETER.findall(log)))
    assert ignored == [], f"{run.server.name} ignored parameters the tool sent: {ignored}"


def _chatml(body: dict[str, Any]) -> str:
    """The prompt as SmolLM2's chat template lays it out (ChatML, the template in the GGUF)."""
    text = ""
    for message in body.get("messages") or []:
        content = message.get("content") or ""
        if isinstance(content, list):
            content = "".join(part.get("text") or "" for part in content if isinstance(part, dict))
        text += f"<|im_start|>{message.get('role')}\n{content}<|im_end|>\n"
    return text + "<|im_start|>assistant\n"


def _prompt_tokens(run: Run, exchange: Exchange) -> int | None:
    """The server's count of the request's prompt: its usage, or — llama-cpp-python streams
    none — its own tokenizer on the prompt as its chat template lays it out
    (POST /extras/tokenize/count, llama_cpp/server/app.py)."""
    said = answer_of(exchange).usage.get("prompt_tokens")
    if isinstance(said, int) and said > 0:
        return said
    if run.server.name != "llama-cpp-python":
        return None
    request = urllib.request.Request(
        f"{run.server.url}/extras/tokenize/count",
        data=json.dumps({"input": _chatml(request_of(exchange))}).encode(),
        headers={"content-type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as answer:
        return int(json.load(answer)["count"])


def test_no_request_outgrows_the_context_window(run: Run) -> None:
    """Each request asks for at most what the window leaves after its prompt, so that no
    answer is cut by the window (an answer cut there is diagnosed as an output limit)."""
    window = run.context_per_slot()
    problems = []
    for exchange in run.answered():
        body, answer = request_of(exchange), answer_of(exchange)
        limit = body.get("max_tokens") or body.get("max_completion_tokens")
        prompt = _prompt_tokens(run, exchange)
        shown = f"prompt {prompt if prompt is not None else '?'}"
        if not isinstance(limit, int):
            problems.append(f"{shown}: no max_tokens (the server fills its window)")
            continue
        if limit + (prompt or 0) > window:
            problems.append(f"{shown} + {limit:,} max_tokens > the {window:,}-token window")
        if answer.finish_reason == "length" and answer.completion_tokens < limit:
            problems.append(
                f"{shown}: cut off by the window after {answer.completion_tokens:,} of {limit:,}"
            )
    assert problems == [], f"{run.server.name}: {problems}"


def stopped_a_loop(exchange: Exchange) -> bool:
    """The tool left the answer because it went round in a loop, as what came of it shows."""
    return exchange.client_left_at is not None and repeats_itself(answer_of(exchange).text)


def test_the_tool_never_gives_up_on_a_working_server(run: Run) -> None:
    """It leaves an answer only when the answer is a loop (checked here on what came)."""
    abandoned = []
    for exchange in run.chat:
        if exchange.client_left_at is None or stopped_a_loop(exchange):
            continue
        if _cut_by_the_stop(run, exchange):
            continue  # the lane stopped the run (RUN_HARD_STOP): not the tool's doing
        after = exchange.client_left_at - exchange.sent_at
        flowing = (
            exchange.last_byte_at is not None
            and exchange.client_left_at - exchange.last_byte_at < 5
        )
        state = "while tokens were flowing" if flowing else "while the server was working"
        abandoned.append(f"gave up after {after:.0f} s {state}")
    assert abandoned == [], f"{run.server.name}: {abandoned}"
    bodies = [exchange.request_body for exchange in run.chat]
    repeats = len(bodies) - len(set(bodies))
    assert repeats == 0, f"{run.server.name}: {repeats} request(s) sent again unchanged"


def test_no_story_fails_for_a_reason_the_tool_could_have_avoided(run: Run) -> None:
    assert "Traceback" not in run.stderr, run.stderr[-2000:]
    failed = run.briefing.get("failed_stories") or []
    assert run.briefing.get("stories") or failed, (
        f"{run.server.name}: no briefing at all (exit {run.exit_code}): {run.stderr[-1500:]}"
    )
    reasons = [str(story.get("reason") or "") for story in failed]
    window = run.context_per_slot()
    avoidable = [why for reason in reasons if (why := avoidable_failure(reason, window))]
    assert avoidable == [], f"{run.server.name}: avoidable failures: {avoidable}"
    expected = 0 if not failed else 3 if run.briefing.get("stories") else 1
    assert run.exit_code == expected, (run.exit_code, run.stderr[-1000:])


def test_junk_is_not_called_a_briefing(run: Run) -> None:
    language = str(run.briefing.get("language") or "en")
    junk = {
        str(story.get("headline")): junk_in_story(story, REPO, language)
        for story in run.briefing.get("stories") or []
    }
    assert {headline: problems for headline, problems in junk.items() if problems} == {}
    if not run.briefing.get("stories"):
        # Nothing briefed: the reasons say what was wrong (and no file claims otherwise).
        assert not run.written
        assert all(f.get("reason") for f in run.briefing.get("failed_stories") or [])


def test_run_takes_no_longer_than_the_servers_work(run: Run) -> None:
    """At most 1.5 times the server's own time on the answers it produced (issue #17), plus the
    tool's own work: the server's time is measured at the proxy, request to last byte, for every
    answered request; the tool's own time is the replay of the same exchange, which has the
    tool's whole work (reading, grouping, verification, rendering) and no server's."""
    assert not run.stopped, f"{run.server.name}: stopped, not done, after {RUN_HARD_STOP} s"
    # The server's work on an answer the tool stopped as a loop was work too.
    answered = run.answered() + [e for e in run.chat if stopped_a_loop(e)]
    server_seconds = sum(exchange.server_seconds for exchange in answered)
    tokens = sum(answer_of(exchange).completion_tokens for exchange in answered)
    bound = 1.5 * server_seconds + run.replay_seconds
    assert run.seconds <= bound, (
        f"{run.server.name}: {run.seconds:.0f} s for {tokens:,} tokens the server produced in "
        f"{server_seconds:.0f} s (its speed on its own: {run.speed.tokens_per_second:.0f} "
        f"tokens/s); the bound is {bound:.0f} s"
    )


def test_the_recording_is_marked_as_a_real_models_output(run: Run) -> None:
    assert run.cassette.is_file()
    origin = recorded_origin(run.cassette)
    assert not recorded_answers_are_authored(run.cassette)
    assert origin is not None and "SmolLM2-135M-Instruct" in origin, origin
    assert run.server.label in origin and "cores" in origin, origin
    text = run.cassette.read_text(encoding="utf-8")
    recorded = len(run.answered()) + sum(1 for e in run.chat if stopped_a_loop(e))
    assert text.count(f"{ORIGIN_HEADER}:") == recorded, "an answer without its origin"
    assert "no-key" not in text and "authorization" not in text.lower()


def test_the_recording_replays_offline_to_the_same_briefing(run: Run) -> None:
    assert run.replay is not None
    assert run.replay.returncode == 0, run.replay.stderr[-2000:]
    assert run.replayed is not None
    for part in ("stories", "failed_stories", "unread_articles"):
        assert run.replayed[part] == run.briefing[part], f"the replay's {part} differ"


def test_the_replayed_briefing_says_a_real_model_wrote_its_answers(run: Run) -> None:
    """`summarizer brief seeds/ --replay cassettes/real/...`, as a user replays it."""
    assert run.cli_replay is not None
    said = run.cli_replay.stderr[-2000:]
    assert run.cli_replay.returncode == run.exit_code, said
    if run.cli_replayed is None:
        # Nothing briefed live, nothing written: the replay says the same reason, not that
        # the cassette holds no recording of what it asked.
        assert not run.written, said
        assert _error_line(run.cli_replay.stderr) == _error_line(run.stderr), said
        return
    for part in ("stories", "failed_stories", "unread_articles"):
        assert run.cli_replayed[part] == run.briefing[part], f"the replay's {part} differ"
    replay = run.cli_replayed.get("replay") or {}
    assert replay.get("authored") is False
    assert replay.get("origin") == recorded_origin(run.cassette), replay
    markdown = run.cli_replayed_markdown or ""
    assert "The answers in that recording are a real model's output" in markdown


def test_check_names_the_server_its_window_and_a_working_mode(
    server: RealServer, tmp_path: Path
) -> None:
    """`summarizer check`, as a user runs it against the server they started."""
    done = subprocess.run(
        [str(SUMMARIZER), "check", "--base-url", f"{server.url}/v1", "--model", MODEL_NAME],
        capture_output=True,
        text=True,
        timeout=600,
        env=tool_environment(tmp_path),
        stdin=subprocess.DEVNULL,
    )
    said = done.stdout + done.stderr
    assert done.returncode == 0, said
    lines = dict(line.split(":", 1) for line in done.stdout.splitlines() if ":" in line)
    named = {"llama-server": "llama.cpp server", "llama-cpp-python": "llama-cpp-python 0.3.36"}
    assert lines["server"].strip().startswith(named[server.name]), said
    if server.name == "llama-server":
        assert lines["context"].strip() == f"{server.context:,} tokens a request", said
    else:  # it says its window nowhere: the run learns it where an answer is cut off
        assert "not stated by the server" in lines["context"], said
    assert re.search(r"^mode json_schema: works: ", done.stdout, re.MULTILINE), said
    assert re.search(r"^brief: +backend \S+, --mode json_schema", done.stdout, re.MULTILINE), said

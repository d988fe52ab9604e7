"""Cassettes: no secret in any of them, every answer marked with where it came from (written by
people, or a real model's output: cassettes/real/), recording scrubs keys."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import vcr as vcrpy

from summarizer import summarize
from summarizer._replay import AUTHORED_HEADER, ORIGIN_HEADER, configure_vcr, vcr_options

from .authored_server import AuthoredServer
from .conftest import REPO, authored

CASSETTES = sorted((REPO / "cassettes").rglob("*.yaml"))
SECRET = re.compile(
    # A bearer token, not the word: llama-cpp-python's OpenAPI document names its HTTPBearer scheme.
    r"(?i)authorization:|bearer\s+[A-Za-z0-9._~+/=-]{8}|sk-[A-Za-z0-9_-]{8}|openai-organization|"
    r"openai-project|"
    r"set-cookie|cookie:|api-key:|test-key"
)


def test_there_are_cassettes() -> None:
    assert len(CASSETTES) >= 8


@pytest.mark.parametrize("cassette", CASSETTES, ids=lambda p: p.name)
def test_no_cassette_holds_a_secret(cassette: Path) -> None:
    text = cassette.read_text(encoding="utf-8")
    assert not SECRET.findall(text)


@pytest.mark.parametrize("cassette", CASSETTES, ids=lambda p: p.name)
def test_every_recorded_answer_says_where_it_came_from(cassette: Path) -> None:
    """Authored answers carry the authored header. A real server's recording (cassettes/real/)
    carries the origin header on every model answer, and no authored one; what its server said
    of itself (GET /props, /v1/models, its tokenizer) is no one's answer and carries neither."""
    text = cassette.read_text(encoding="utf-8")
    answers = text.count("\n  response:\n")
    assert answers >= 1
    if cassette.parent.name != "real":
        assert text.count(f"      {AUTHORED_HEADER}:\n") == answers
        return
    chat = text.count("uri: http://127.0.0.1/v1/chat/completions\n")
    assert chat >= 1
    assert text.count(f"      {ORIGIN_HEADER}:\n") == chat
    assert f"{AUTHORED_HEADER}:" not in text


def test_recording_scrubs_the_key_from_requests_and_responses(tmp_path: Path) -> None:
    key = "sk-proj-SECRETfake0123456789abcdef"
    recorder = vcrpy.VCR(record_mode="all", **vcr_options())
    configure_vcr(recorder)
    path = tmp_path / "recorded.yaml"
    with AuthoredServer() as server, recorder.use_cassette(str(path)):
        server.script(authored("jiji.json"))
        briefing = summarize(
            [str(REPO / "seeds" / "003_a369c571f9c43189.txt")],
            api_key=key,
            base_url=server.base_url,
        )
    assert len(briefing.stories) == 1
    text = path.read_text(encoding="utf-8")
    assert "SECRETfake" not in text
    assert "authorization" not in text.lower()
    assert f"{AUTHORED_HEADER}:" in text
    assert "parsed_body:" in text  # request bodies stay readable in diffs

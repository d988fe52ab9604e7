"""Cassettes: no secret in any of them, every authored answer marked, recording scrubs keys."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import vcr as vcrpy

from summarizer import summarize
from summarizer._replay import AUTHORED_HEADER, configure_vcr, vcr_options

from .authored_server import AuthoredServer
from .conftest import REPO, authored

CASSETTES = sorted((REPO / "cassettes").rglob("*.yaml"))
SECRET = re.compile(
    r"(?i)authorization:|bearer\s|sk-[A-Za-z0-9_-]{8}|openai-organization|openai-project|"
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
    """Authored answers carry the header; a live answer has a real model's system fingerprint."""
    text = cassette.read_text(encoding="utf-8")
    answers = text.count("\n  response:\n")
    assert answers >= 1
    assert text.count(f"      {AUTHORED_HEADER}:\n") == answers


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

"""`--base-url` against an OpenAI-compatible server, over real HTTP on loopback."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from summarizer.cli import cli

from .authored_server import AuthoredServer
from .conftest import REPO, authored


def test_brief_against_a_local_openai_compatible_server(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    with AuthoredServer() as server:
        server.script(authored("seeds.json"))
        result = CliRunner().invoke(
            cli, ["brief", "seeds", "--base-url", server.base_url, "--model", "llama3.1"]
        )
    assert result.exit_code == 0, result.stderr
    assert len(server.requests) == 1
    request = server.requests[0]
    assert request["model"] == "llama3.1"
    assert request["tools"][0]["function"]["name"] == "StoryExtraction"
    assert result.stdout.startswith("# Daily briefing — 2025-11-18")
    assert "model llama3.1 (tools)" in result.stdout


def test_endpoint_and_model_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    with AuthoredServer() as server:
        server.script(authored("seeds.json"))
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("SUMMARIZER_MODEL", "qwen2.5:14b")
        result = CliRunner().invoke(cli, ["brief", "seeds"])
    assert result.exit_code == 0, result.stderr
    assert [r["model"] for r in server.requests] == ["qwen2.5:14b"]

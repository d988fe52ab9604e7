"""`summarizer check` from the command line: the report on stdout, exit 0 when the model can
brief, exit 1 with the reason on stderr when it cannot. The servers are the labelled stand-ins
of tests/probe_servers.py; the real ones are checked in the real-server lane (tests_real/)."""

from __future__ import annotations

import json

from click.testing import CliRunner

from summarizer.cli import cli

from .probe_servers import Generic, LlamaCpp, StandIn


def test_check_prints_the_server_window_and_modes_and_exits_0() -> None:
    with StandIn(LlamaCpp(tool_calls=False)) as server:
        result = CliRunner().invoke(cli, ["check", "--base-url", server.base_url])
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[1].startswith("server:    llama.cpp server")
    assert lines[2].startswith("context:   ") and "tokens a request" in lines[2]
    assert any(line.startswith("mode json_schema: works") for line in lines)
    assert any(line.startswith("mode tools:") and "fails" in line for line in lines)
    assert lines[-1].startswith("brief:     backend llamacpp, --mode json_schema")
    assert result.stderr == ""


def test_check_json_is_the_same_report() -> None:
    with StandIn(LlamaCpp(tool_calls=False)) as server:
        result = CliRunner().invoke(cli, ["check", "--base-url", server.base_url, "--json"])
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["usable"] is True and report["reason"] is None
    assert report["base_url"] == server.base_url


def test_a_model_that_answers_only_in_prose_cannot_brief() -> None:
    with StandIn(Generic(prose=True)) as server:
        result = CliRunner().invoke(cli, ["check", "--base-url", server.base_url])
    assert result.exit_code == 1
    [error] = result.stderr.splitlines()
    assert error.startswith("Error: cannot produce structured output: ")
    assert "not usable: cannot produce structured output" in result.stdout


def test_nothing_listening_is_one_line() -> None:
    result = CliRunner().invoke(cli, ["check", "--base-url", "http://127.0.0.1:9/v1"])
    assert result.exit_code == 1
    [error] = result.stderr.splitlines()
    assert error.startswith("Error: ")
    assert "could not connect to the model endpoint" in error

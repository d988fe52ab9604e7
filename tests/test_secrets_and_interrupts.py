"""The key never leaves: not in stdout, stderr, logs at any verbosity, files or errors.
And Ctrl-C stops a run promptly, leaving no file behind."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from summarizer import Settings

from .fault_server import FaultServer
from .helpers import write_day

KEY = "sk-proj-SUMMARIZERTESTKEY0123456789abcdefSECRET"


def _environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "SUMMARIZER_"))}
    return env | extra


def test_fake_key_appears_nowhere_at_the_highest_verbosity_through_failures(tmp_path: Path) -> None:
    day = tmp_path / "day"
    day.mkdir()
    write_day(day, stories=6)
    (day / "broken.txt").write_bytes(b"\x00\x01")
    out, as_json = tmp_path / "b.md", tmp_path / "b.json"
    with FaultServer(
        seed=2,
        failure_rate=0.5,
        malformed_rate=0.2,
        faults=["401", "500", "429"],
        echo_key_in_errors=True,
        stall_seconds=0.1,
    ) as server:
        completed = subprocess.run(
            [
                sys.executable,
                "-m",
                "summarizer",
                "brief",
                str(day),
                "-vv",
                "-o",
                str(out),
                "--json",
                str(as_json),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            env=_environment(
                OPENAI_API_KEY=KEY,
                OPENAI_BASE_URL=server.base_url,
                SUMMARIZER_MAX_ATTEMPTS="2",
                SUMMARIZER_MAX_RETRY_WAIT="0.01",
                SUMMARIZER_TIMEOUT="2",
            ),
        )
    assert server.outcomes["401"] > 0  # the server did echo the key back at least once
    assert completed.returncode == 3, completed.stderr
    assert "DEBUG" in completed.stderr or "retrying" in completed.stderr  # it did talk, verbosely
    everything = completed.stdout + completed.stderr + out.read_text() + as_json.read_text()
    assert KEY not in everything
    assert KEY[8:30] not in everything  # nor a recognisable part of it
    assert "Traceback" not in completed.stderr
    assert json.loads(as_json.read_text())["failed_stories"]


def test_ctrl_c_stops_promptly_and_leaves_no_file(tmp_path: Path) -> None:
    day = tmp_path / "day"
    day.mkdir()
    write_day(day, stories=4)
    out = tmp_path / "briefing.md"
    out.write_text("yesterday's briefing\n")
    with FaultServer(failure_rate=1.0, faults=["stall"], stall_seconds=30) as server:
        process = subprocess.Popen(
            [sys.executable, "-m", "summarizer", "brief", str(day), "-o", str(out)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=_environment(
                OPENAI_API_KEY="test-key", OPENAI_BASE_URL=server.base_url, SUMMARIZER_TIMEOUT="60"
            ),
        )
        deadline = time.monotonic() + 30
        while not server.requests and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.requests, "the run never reached the server"
        started = time.monotonic()
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=20)
        stopped_after = time.monotonic() - started
    assert process.returncode == 130, stderr
    assert stderr.strip().endswith("Error: interrupted; no file was written")
    assert stopped_after < 5
    assert out.read_text() == "yesterday's briefing\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp files


def test_a_generic_api_key_in_the_environment_is_never_sent(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Only OPENAI_API_KEY / SUMMARIZER_API_KEY count: an API_KEY meant for another service
    must not be sent to the model endpoint."""
    monkeypatch.setenv("API_KEY", "sk-other-service-0123456789")
    monkeypatch.setenv("BASE_URL", "http://other-service.invalid/v1")
    settings = Settings()
    assert (settings.api_key, settings.base_url) == (None, None)
    monkeypatch.setenv("SUMMARIZER_API_KEY", "sk-summarizer-0123456789")
    assert Settings().api_key is not None
    assert Settings().api_key.get_secret_value() == "sk-summarizer-0123456789"  # type: ignore[union-attr]

"""A real model's exchange, replayed offline: cassettes/real/ holds what SmolLM2-135M-Instruct
answered on the seeds through llama-cpp-python's server and llama.cpp's llama-server, recorded by
the real-server lane (`bash .ci/real-lane --record`). The first answers in this suite that no
one wrote.

The contract on what the weak model wrote, as the real-server lane asserts it live: the briefing
says its answers are a real model's output (not written by people); what is junk is removed, or
its story is not briefed, with a reason the tool could not have avoided.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from summarizer import DailyBriefing, Settings, render_json, render_markdown, summarize
from summarizer._replay import (
    ORIGIN_HEADER,
    recorded_answers_are_authored,
    recorded_origin,
    replay_base_url,
    replaying,
)
from summarizer._schema import ReplayInfo
from summarizer.cli import cli
from tests_real.junk import avoidable_failure, junk_in_story

from .conftest import GOLDEN, REPO

REAL = REPO / "cassettes" / "real"
CASSETTES = sorted(REAL.glob("*.yaml"))
SERVERS = {"llama-server": "llama.cpp llama-server", "llama-cpp-python": "llama-cpp-python 0.3.36"}
pytestmark = pytest.mark.usefixtures("in_repo")


def _cassette(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return loaded


def test_both_real_servers_are_recorded() -> None:
    assert sorted(path.stem for path in CASSETTES) == sorted(SERVERS)


@pytest.mark.parametrize("path", CASSETTES, ids=lambda p: p.stem)
def test_the_cassette_says_a_real_model_answered(path: Path) -> None:
    cassette = _cassette(path)
    origin = recorded_origin(path)
    assert not recorded_answers_are_authored(path)
    assert origin is not None
    assert origin.startswith("real model SmolLM2-135M-Instruct Q4_1 via "), origin
    assert SERVERS[path.stem] in origin, origin
    assert re.search(r"\d+ cores", origin) and re.search(r"\d{4}-\d\d-\d\d$", origin), origin
    answers = [
        i["response"]
        for i in cassette["interactions"]
        if i["request"]["method"] == "POST" and i["request"]["uri"].endswith("/chat/completions")
    ]
    assert answers and all(a["headers"].get(ORIGIN_HEADER) == [origin] for a in answers)
    metadata = cassette["metadata"]
    assert metadata["origin"] == origin
    for name in ("model", "server", "machine", "recorded", "replay_arguments"):
        assert metadata[name], name
    for interaction in cassette["interactions"]:
        request_headers = {name.lower() for name in interaction["request"]["headers"]}
        assert request_headers <= {"content-type", "accept"}
        assert re.match(r"http://127\.0\.0\.1/", interaction["request"]["uri"])


def _replayed(path: Path, tmp_path: Path) -> tuple[int, str, dict[str, Any] | None, str | None]:
    arguments = list(_cassette(path)["metadata"]["replay_arguments"])
    out, as_json = tmp_path / "briefing.md", tmp_path / "briefing.json"
    result = CliRunner().invoke(
        cli,
        [
            "brief",
            "seeds/",
            "--replay",
            str(path.relative_to(REPO)),
            *arguments,
            "-o",
            str(out),
            "--json",
            str(as_json),
        ],
        catch_exceptions=False,
    )
    briefing = json.loads(as_json.read_text()) if as_json.is_file() else None
    markdown = out.read_text() if out.is_file() else None
    return result.exit_code, result.output, briefing, markdown


def _window(path: Path) -> int:
    """The context window the recorded server had (per slot for llama-server)."""
    return int(_cassette(path)["metadata"].get("context_window") or 8192)


def _replayed_as_it_went(path: Path) -> dict[str, Any]:
    """The live run again, every request answered from the cassette: pointed at the recorded
    server's address, the tool probes it, counts tokens and streams as it did live."""
    model = _cassette(path)["metadata"]["replay_arguments"][1]
    settings = Settings(base_url=replay_base_url(path), model=model)
    with replaying(path):
        briefing = summarize(["seeds/"], settings=settings)
    loaded: dict[str, Any] = json.loads(render_json(briefing))
    return loaded


@pytest.mark.parametrize("path", CASSETTES, ids=lambda p: p.stem)
def test_what_the_real_model_got_wrong_is_removed_or_not_briefed(path: Path) -> None:
    briefing = _replayed_as_it_went(path)
    assert briefing["stories"] or briefing["failed_stories"]
    for story in briefing["stories"]:
        assert junk_in_story(story, REPO, briefing["language"]) == [], story["headline"]
    avoidable = [avoidable_failure(f["reason"], _window(path)) for f in briefing["failed_stories"]]
    assert [why for why in avoidable if why] == []


@pytest.mark.parametrize("path", CASSETTES, ids=lambda p: p.stem)
def test_the_replayed_briefing_says_a_real_model_wrote_its_answers(
    path: Path, tmp_path: Path
) -> None:
    """`summarizer brief seeds/ --replay cassettes/real/…` goes as the live run went, and
    its briefing says whose answers it holds."""
    code, said, briefing, markdown = _replayed(path, tmp_path)
    assert "holds no recording" not in said, said
    expected = _replayed_as_it_went(path)
    if not expected["stories"]:
        # No story could be briefed: nothing is written, the reason is on the error line.
        assert code == 1 and briefing is None, said
        assert expected["failed_stories"][0]["reason"] in said, said
        return
    assert code in (0, 3), said
    assert briefing is not None and markdown is not None
    assert briefing["stories"] == expected["stories"]
    assert briefing["replay"]["authored"] is False
    assert briefing["replay"]["origin"] == recorded_origin(path)
    assert "The answers in that recording are a real model's output" in markdown
    assert "written by people as test fixtures" not in markdown


def test_the_junk_oracle_passes_the_authored_briefing_and_catches_the_issues_junk() -> None:
    """The oracle above is not vacuous: it passes the authored seeds briefing, and fails the
    answer issue #17 quotes from SmolLM2 ('Takaichi's remark' as every role, action, demand
    and consequence, each on the same verbatim quote, and a date no article has)."""
    authored = json.loads((GOLDEN / "seeds.json").read_text())
    story = authored["stories"][0]
    assert junk_in_story(story, REPO) == []

    quote = [
        {
            "article_id": story["sources"][0]["article_id"],
            "quote": "The Japanese Foreign Ministry's Asian and Oceanian Affairs Bureau chief",
        }
    ]
    phrase = "Takaichi's remark"
    junk = {
        **story,
        "parties": [{**story["parties"][0], "role": phrase, "citations": quote}],
        "actions": [{**story["actions"][0], "action": phrase, "citations": quote}],
        "demands": [{**story["demands"][0], "demand": phrase, "citations": quote}],
        "positions": [],
        "consequences": [],
        "disagreements": [],
        "timeline": [
            {**story["timeline"][0], "date": "2013-11-07", "event": "remarks", "citations": quote}
        ],
    }
    problems = junk_in_story(junk, REPO)
    assert any("3 items say the same thing" in p for p in problems), problems
    assert any("2013" in p for p in problems), problems


def test_an_authored_cassette_is_not_taken_for_a_real_models() -> None:
    seeds = REPO / "cassettes" / "seeds.yaml"
    assert recorded_answers_are_authored(seeds)
    assert recorded_origin(seeds) is None
    assert replay_base_url(seeds) == "https://replay.invalid/v1"
    assert replay_base_url(REPO / "cassettes" / "no-such.yaml") == "https://replay.invalid/v1"


def test_a_briefing_replayed_from_a_real_models_answers_says_so() -> None:
    briefing = DailyBriefing.model_validate_json((GOLDEN / "seeds.json").read_text())
    origin = (
        "real model SmolLM2-135M-Instruct Q4_1 via llama-cpp-python 0.3.36 on x86_64, 2026-12-01"
    )
    briefing.replay = ReplayInfo.model_validate(
        {"cassette": "cassettes/real/llama-cpp-python.yaml", "authored": False, "origin": origin}
    )
    markdown = render_markdown(briefing)
    assert (
        "> The answers in that recording are a real model's output, not written by people: "
        "SmolLM2-135M-Instruct Q4\\_1 via llama-cpp-python 0.3.36 on x86\\_64, "
        "2026-12-01." in markdown
    )
    assert "written by people as test fixtures" not in markdown
    assert json.loads(render_json(briefing))["replay"]["origin"] == origin

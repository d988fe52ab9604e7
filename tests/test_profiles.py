"""Profiles: a second kind of briefing runs through the same pipeline, from its own schema,
prompt, template and check; a profile of your own is a dotted path."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from summarizer import ConfigurationError, load_profile, render_json, render_markdown, summarize
from summarizer.cli import cli
from summarizer.profiles.earnings import EarningsBriefing

from .authored_server import Reply
from .conftest import AUTHORED, REPO, Endpoint, authored

EARNINGS = REPO / "examples" / "earnings"
CASSETTE = "cassettes/earnings.yaml"


@pytest.fixture(scope="module")
def vcr_cassette_dir() -> str:
    return str(REPO / "cassettes")  # the README replays it


@pytest.fixture
def default_cassette_name(request: pytest.FixtureRequest) -> str:
    # The end-to-end exchange is the one the README replays; the others live beside the rest.
    if request.node.name == "test_an_earnings_briefing_end_to_end":
        return "earnings"
    return f"test_profiles/{request.node.name}"


# Every test here runs in the repository (see conftest.in_repo).
pytestmark = pytest.mark.usefixtures("in_repo")


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.mark.live_ok
@pytest.mark.vcr
def test_an_earnings_briefing_end_to_end(llm: Endpoint, golden: Any, vcr: Any) -> None:
    llm.script(authored("earnings.json"))

    briefing = summarize(["examples/earnings"], settings=llm.settings, profile="earnings")

    assert isinstance(briefing, EarningsBriefing) and briefing.profile == "earnings"
    (story,) = briefing.stories
    assert [f.value for f in story.figures] == [
        "2.31 billion euros",
        "412 million euros",
        "365 million euros",
        "3.1 billion to 3.3 billion euros",
    ]
    assert story.figures[2].reported_by == ["Harbour Wire"]  # the preview and the wire: one outlet
    (body,) = [json.loads(r.body) for r in vcr.requests]
    assert body["messages"][0]["content"].startswith("You are a careful financial news analyst.")
    assert "figures" in json.dumps(body["response_format"]) and "demands" not in json.dumps(body)
    golden("earnings.md", render_markdown(briefing))
    golden("earnings.json", render_json(briefing))
    assert EarningsBriefing.model_validate_json(render_json(briefing)) == briefing


def test_the_earnings_briefing_from_the_command_line(tmp_path: Path) -> None:
    out = tmp_path / "earnings.md"
    result = run(
        "brief", "examples/earnings", "--profile", "earnings", "--replay", CASSETTE,
        "-o", str(out), "--json", str(tmp_path / "earnings.json"),
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    markdown = out.read_text()
    for heading in ("### Companies", "### Figures", "### What drove the results", "### Reactions"):
        assert heading in markdown
    assert "| Nordlicht Energie AG | net income | 412 million euros | Q3 2025 |" in markdown
    again = run("brief", "examples/earnings", "--replay", CASSETTE, "-o", str(out))
    assert again.exit_code == 1  # the geopolitical request is another request: not recorded


@pytest.mark.vcr
def test_a_figure_not_in_its_quotes_is_sent_back(llm: Endpoint, vcr: Any) -> None:
    answer = json.loads((AUTHORED / "earnings.json").read_text("utf-8"))
    answer["figures"][0]["value"] = "2.3 billion euros"  # rounded: not what the article says
    llm.script(
        Reply.tool_arguments(json.dumps(answer), origin="tests/authored/earnings.json, rounded"),
        authored("earnings.json"),
    )

    briefing = summarize(["examples/earnings"], settings=llm.settings, profile="earnings")

    (story,) = briefing.stories
    assert story.reasks == 1 and story.figures[0].value == "2.31 billion euros"
    _, second = [json.loads(r.body) for r in vcr.requests]
    assert "the value '2.3 billion euros' is not in its quotes" in second["messages"][-1]["content"]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("mypkg.nowhere:PROFILE", "profile 'mypkg.nowhere:PROFILE': cannot import 'mypkg.nowhere' "
         "(ModuleNotFoundError: No module named 'mypkg')"),
        ("summarizer.profiles.earnings:NOTHING", "profile 'summarizer.profiles.earnings:NOTHING': "
         "summarizer.profiles.earnings.NOTHING is not a summarizer Profile"),
        ("weather", "profile 'weather': not a shipped profile (geopolitics, earnings) nor a path "
         "like 'mypkg.briefings:PROFILE'"),
    ],
)  # fmt: skip
def test_a_profile_that_does_not_load_is_one_line(spec: str, message: str) -> None:
    with pytest.raises(ConfigurationError) as error:
        load_profile(spec)
    assert str(error.value) == message
    result = run("brief", "seeds", "--profile", spec, "--replay", "cassettes/seeds.yaml")
    assert result.exit_code == 1 and result.stderr == f"Error: {message}\n"


def test_your_own_profile_by_dotted_path() -> None:
    profile = load_profile("tests.user_profile:PROFILE")
    assert profile.name == "tests.user_profile:PROFILE"  # what a saved briefing names
    assert profile.extraction.__name__ == "IncidentExtraction"
    assert (profile.prompts / "system.j2").read_text().startswith("You log incidents")


def test_since_needs_a_profile_that_compares(tmp_path: Path) -> None:
    earlier = tmp_path / "earlier.json"
    result = run(
        "brief", "examples/earnings", "--profile", "earnings", "--replay", CASSETTE,
        "--json", str(earlier), "-o", str(tmp_path / "e.md"),
    )  # fmt: skip
    assert result.exit_code == 0
    again = run(
        "brief", "examples/earnings", "--profile", "earnings", "--replay", CASSETTE,
        "--since", str(earlier), "-o", str(tmp_path / "e.md"),
    )  # fmt: skip
    assert again.exit_code == 1
    assert again.stderr == "Error: profile 'earnings' cannot compare two briefings\n"

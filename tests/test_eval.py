"""`summarizer eval`: a briefing scored against a gold file written from the articles alone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from summarizer import DailyBriefing, load_articles, summarize
from summarizer._eval import load_gold, score_briefing
from summarizer.cli import cli
from summarizer.verify._verify import find_quote

from .authored_server import Reply
from .conftest import AUTHORED, GOLDEN, REPO, Endpoint

GOLD = REPO / "evals" / "seeds.gold.json"
MODELS_CASSETTE = "cassettes/eval-models.yaml"


@pytest.fixture(scope="module")
def vcr_cassette_dir() -> str:
    return str(REPO / "cassettes")  # the README replays it


@pytest.fixture
def default_cassette_name() -> str:
    return "eval-models"


# Every test here runs in the repository (see conftest.in_repo).
pytestmark = pytest.mark.usefixtures("in_repo")


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_the_seeds_gold_quotes_the_articles_verbatim() -> None:
    gold = load_gold(GOLD)
    texts = [a.headline + "\n" + a.body for a in load_articles(REPO / "seeds")]
    quotes = [q for items in gold.items.values() for item in items for q in item.quotes]
    assert len(quotes) >= 30
    assert [q for q in quotes if not any(find_quote(q, text) for text in texts)] == []
    core = sum(item.core for items in gold.items.values() for item in items)
    assert (core, len(gold.must_not)) == (17, 4)


def test_the_authored_seeds_answer_meets_the_gold() -> None:
    briefing = DailyBriefing.model_validate_json((GOLDEN / "seeds.json").read_text("utf-8"))
    report = score_briefing(briefing, load_gold(GOLD))
    assert report.recall(core=True, by="keywords") == 1.0
    assert report.recall(core=False, by="keywords") == 1.0
    assert report.recall(core=True, by="quotes") >= 0.75
    assert report.must_not_made == []
    assert [s.missed for s in report.sections] == [[]] * 6


@pytest.mark.vcr
def test_two_models_on_the_seeds_scored_side_by_side(llm: Endpoint) -> None:
    # Two authored answers, one per model name: the full one, and a weak one that misses most
    # items and claims the talks settled the dispute (citing a sentence that says the opposite).
    llm.script(
        Reply.tool_arguments(
            (AUTHORED / "seeds.json").read_text("utf-8"),
            origin="tests/authored/seeds.json",
            when="gpt-4o-mini",
        ),
        Reply.tool_arguments(
            (AUTHORED / "seeds-weak.json").read_text("utf-8"),
            origin="tests/authored/seeds-weak.json",
            when="house-model",
        ),
    )
    gold = load_gold(GOLD)
    strong = score_briefing(summarize(["seeds"], settings=llm.settings, model="gpt-4o-mini"), gold)
    weak = score_briefing(summarize(["seeds"], settings=llm.settings, model="house-model"), gold)

    assert strong.recall(core=True, by="keywords") == 1.0 and strong.must_not_made == []
    assert weak.recall(core=True, by="keywords") < 0.6
    assert weak.must_not_made == ["The talks settled the dispute"]


def test_eval_models_from_the_command_line() -> None:
    result = run(
        "eval", "--models", "gpt-4o-mini,house-model", "--gold", str(GOLD), "seeds/",
        "--replay", MODELS_CASSETTE,
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    rows = result.stdout.splitlines()
    assert rows[0].split() == ["model", "core", "kw", "core", "qt", "detail", "kw", "detail", "qt",
                               "must-not", "tokens", "cost"]  # fmt: skip
    strong, weak = rows[2].split(), rows[3].split()
    assert strong[:2] == ["gpt-4o-mini", "100%"] and strong[5] == "0"
    assert weak[0] == "house-model" and int(weak[1].rstrip("%")) < 60 and weak[5] == "1"
    assert "house-model: made a must-not claim: The talks settled the dispute" in result.stderr


def test_eval_of_a_briefing_file(tmp_path: Path) -> None:
    result = run("eval", str(GOLDEN / "seeds.json"), str(GOLD), "--json")
    assert result.exit_code == 0
    (report,) = json.loads(result.stdout)
    assert report["model"] == "gpt-4o-mini" and report["must_not_made"] == []
    assert report["story"].startswith("China and Japan talks in Beijing")


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("{", "not valid JSON (line 1: Expecting property name enclosed in double quotes)"),
        ('{"story": "x", "items": {"parties": [{"label": "a"}]}}',
         "not a gold file (items.parties.0.keywords: Field required)"),
        ('{"story": "x", "items": {"ministers": []}}', "unknown section 'ministers'"),
    ],
)  # fmt: skip
def test_a_bad_gold_file_is_one_line_naming_it(tmp_path: Path, content: str, reason: str) -> None:
    gold = tmp_path / "gold.json"
    gold.write_text(content)
    result = run("eval", str(GOLDEN / "seeds.json"), str(gold))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {gold}: {reason}")
    assert len(result.stderr.splitlines()) == 1


def test_a_briefing_of_another_profile_is_refused(tmp_path: Path) -> None:
    briefing = json.loads((GOLDEN / "seeds.json").read_text("utf-8"))
    briefing["profile"] = "earnings"
    path = tmp_path / "b.json"
    path.write_text(json.dumps(briefing))
    result = run("eval", str(path), str(GOLD))
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {path}: a briefing of profile 'earnings', but {GOLD} scores profile "
        "'geopolitics'\n"
    )


def test_the_readme_quotes_the_eval_table_the_replay_prints() -> None:
    result = run(
        "eval", "--models", "gpt-4o-mini,house-model", "--gold", str(GOLD), "seeds/",
        "--replay", MODELS_CASSETTE,
    )  # fmt: skip
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert result.stdout in readme
    assert "written by people as test fixtures" in result.stderr

"""A hostile JSON file named on the command line (`--since`, `eval`'s gold or briefing) is a
one-line error naming it, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from summarizer import InputError, load_gold
from summarizer.cli import cli

pytestmark = pytest.mark.usefixtures("in_repo")

HOSTILE = {
    "deep.json": ("[" * 1_000_000 + "]" * 1_000_000, "JSON nested too deeply to read"),
    "number.json": ('{"date": ' + "9" * 100_001 + "}", "not readable JSON (Exceeds the limit"),
}


@pytest.fixture(params=sorted(HOSTILE))
def hostile(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Path, str]:
    text, reason = HOSTILE[request.param]
    path = tmp_path / request.param
    path.write_text(text)
    return path, reason


def test_since_names_the_file_and_why(hostile: tuple[Path, str]) -> None:
    path, reason = hostile
    result = CliRunner().invoke(
        cli, ["brief", "seeds", "--replay", "cassettes/seeds.yaml", "--since", str(path)]
    )
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {path}: {reason}")
    assert result.stderr.count("\n") == 1


@pytest.mark.parametrize("role", ["briefing", "gold"])
def test_eval_names_the_file_and_why(hostile: tuple[Path, str], role: str) -> None:
    path, reason = hostile
    pair = [str(path), "evals/seeds.gold.json"] if role == "briefing" else ["b.json", str(path)]
    result = CliRunner().invoke(cli, ["eval", *pair])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {path}: {reason}")
    assert result.stderr.count("\n") == 1


def test_load_gold_raises_an_input_error(hostile: tuple[Path, str]) -> None:
    path, reason = hostile
    with pytest.raises(InputError) as raised:
        load_gold(path)
    assert raised.value.source == str(path)
    assert raised.value.reason.startswith(reason)

"""`--since`: what changed against an earlier briefing's JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from summarizer import DailyBriefing, compare_briefings
from summarizer.cli import cli

from .conftest import GOLDEN, REPO
from .test_briefing_day import DAY

DAY_CASSETTE = (
    "cassettes/test_briefing_day/test_three_stories_with_duplicate_disagreement_and_preview.yaml"
)


def _yesterday() -> dict[str, object]:
    """Yesterday's briefing: the seeds story as it stood a day earlier, and a story since gone."""
    data = json.loads((GOLDEN / "seeds.json").read_text(encoding="utf-8"))
    data["date"] = "2025-11-17"
    story = data["stories"][0]
    story["demands"] = [d for d in story["demands"] if "safety" not in d["demand"]]
    for demand in story["demands"]:
        if demand["demand"].startswith("stop Chinese coast guard"):
            demand["status"] = "made"
    for consequence in story["consequences"]:
        if consequence["description"].startswith("Premier Li Qiang"):
            consequence["status"] = "feared"
    gone = dict(
        story["consequences"][0],
        description="Japanese tourism shares fell sharply.",
        domain="economic",
    )
    story["consequences"].append(gone)
    old = dict(
        story,
        id="old",
        headline="Ferry strike disrupts Baltic crossings",
        parties=[],
        demands=[],
        consequences=[],
        sources=[],
    )
    data["stories"].append(old)
    return data


def test_compare_briefings_names_each_kind_of_change() -> None:
    today = DailyBriefing.model_validate_json((GOLDEN / "day.json").read_text(encoding="utf-8"))
    before = DailyBriefing.model_validate(_yesterday())
    report = compare_briefings(before, today, source="yesterday.json")
    found = [(c.kind, c.item, c.detail) for c in report.changes]
    assert report.since is not None and str(report.since) == "2025-11-17"
    assert (
        "new",
        "demand: Japan → China: assure the safety of Japanese nationals in China",
        None,
    ) in found
    assert (
        "resolved",
        "demand: Japan → China: stop Chinese coast guard ships patrolling the disputed waters of the East China Sea",
        "made → rejected",
    ) in found
    assert (
        "changed",
        "consequence: Premier Li Qiang will not meet Takaichi at the G20 leaders' summit in South Africa.",
        "feared → announced",
    ) in found
    assert (
        "no longer reported",
        "consequence: Japanese tourism shares fell sharply.",
        None,
    ) in found
    assert [c.story for c in report.changes if c.kind == "new story"] == [
        s.headline for s in today.stories[1:]
    ]
    assert [c.story for c in report.changes if c.kind == "story no longer covered"] == [
        "Ferry strike disrupts Baltic crossings"
    ]
    assert len(found) == 7  # nothing else: the unchanged items are not listed


def test_brief_since_adds_what_changed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    yesterday = tmp_path / "yesterday.json"
    yesterday.write_text(json.dumps(_yesterday()))
    out = tmp_path / "today.md"
    result = CliRunner().invoke(
        cli, ["brief", *DAY, "--replay", DAY_CASSETTE, "--since", str(yesterday), "-o", str(out)]
    )
    assert result.exit_code == 0, result.stderr
    markdown = out.read_text()
    section = markdown.split("## What changed since 2025-11-17\n", 1)[1].split("\n## ", 1)[0]
    assert (
        "- **New story** — Rotterdam dock strike ends with a wage deal whose size is disputed"
        in section
    )
    assert "(made → rejected)" in section
    assert "- **Story no longer covered** — Ferry strike disrupts Baltic crossings" in section


def test_since_with_a_file_that_is_not_a_briefing(tmp_path: Path) -> None:
    bad = tmp_path / "notes.json"
    bad.write_text('{"hello": 1}')
    result = CliRunner().invoke(cli, ["brief", "seeds", "--since", str(bad)])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {bad}: not a briefing's JSON (")

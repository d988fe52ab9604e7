"""Grouping articles into stories, without a model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from summarizer import group_articles, load_articles, parse_article
from summarizer.cli import cli
from summarizer.read._paths import read_articles

from .conftest import REPO

PORT_STRIKE = parse_article(
    "Rotterdam dock workers end strike\n\nDock workers at the Port of Rotterdam returned to work "
    "on Thursday after unions and terminal operators agreed a new wage deal, ending a strike that "
    "had left container ships waiting at anchor for a week.",
    "strike.txt",
)


def test_seed_articles_are_one_story() -> None:
    groups = group_articles(load_articles(REPO / "seeds"))
    assert [len(g.articles) for g in groups] == [5]


def test_an_unrelated_article_is_its_own_story_after_the_bigger_one() -> None:
    groups = group_articles([PORT_STRIKE, *load_articles(REPO / "seeds")])
    assert [len(g.articles) for g in groups] == [5, 1]
    assert groups[1].articles == (PORT_STRIKE,)
    assert groups[0].id != groups[1].id


def _labels() -> dict[str, object]:
    return json.loads((REPO / "tests" / "day-labels.json").read_text(encoding="utf-8"))


def test_labelled_day_groups_and_duplicates_exactly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    articles, failures = read_articles(["seeds", "tests/day"])
    assert failures == []
    groups = group_articles(articles)
    labels = _labels()
    expected = sorted(sorted(sources) for sources in labels["stories"].values())  # type: ignore[attr-defined]
    assert sorted(sorted(a.source for a in g.articles) for g in groups) == expected
    by_id = {a.id: a.source for a in articles}
    found = {
        by_id[copy]: by_id[original] for g in groups for copy, original in g.duplicates.items()
    }
    assert found == labels["duplicates"]


def test_same_company_in_two_events_stays_two_stories(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    articles, _ = read_articles(["tests/day"])
    toyota = [g for g in group_articles(articles) if "Toyota" in g.headline]
    assert len(toyota) == 2
    assert {len(g.articles) for g in toyota} == {3}


def test_stories_command_lists_articles_and_duplicates(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    result = CliRunner().invoke(cli, ["stories", "seeds", "tests/day"])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "7 stories from 22 articles (3 duplicates)"
    assert lines[2].startswith("1. Japan, China Still at Odds Over Takaichi’s Taiwan Remark")
    assert lines[3] == "   5 articles, 4 independent"
    assert any(line.endswith("tests/day/export.jsonl:2  (duplicate of a93f3fff)") for line in lines)
    as_json = CliRunner().invoke(cli, ["stories", "seeds", "tests/day", "--json"])
    outline = json.loads(as_json.stdout)
    assert [s["articles"] for s in outline] == [5, 4, 3, 3, 3, 3, 1]
    assert outline[0]["sources"][2] == {
        "article_id": "ac894423",
        "path": "seeds/002_16961b897f005ba7.txt",
        "outlet": None,
        "headline": "China and Japan Engage in Talks Amid Rising Tensions Over Taiwan Remarks",
        "published": None,
        "language": "en",
        "duplicate_of": "0f9ce364",
        "repeats": None,
    }


def test_stories_command_reports_unreadable_files_exit_3(tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text("A good article about the harbour. It has words.")
    (tmp_path / "bad.txt").write_bytes(b"")
    result = CliRunner().invoke(cli, ["stories", str(tmp_path)])
    assert result.exit_code == 3
    assert f"skipped {tmp_path / 'bad.txt'}: empty file" in result.stderr
    assert result.stdout.startswith("1 story from 1 article")

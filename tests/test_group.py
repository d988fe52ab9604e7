"""Grouping articles into stories, without a model."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from summarizer import Article, group_articles, load_articles, parse_article
from summarizer.cli import cli
from summarizer.group._stories import _join_alone, _weighed
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


_SENTENCES = (
    "A magnitude {n} earthquake struck near {place} on Thursday, the {agency} said. "
    "Residents of {place} felt the shaking for several seconds, and {official} said there were "
    "no immediate reports of damage. The quake was centred {n} kilometres below the surface, "
    "{agency} added, and aftershocks were expected through the night."
)


def _quake(place: str, agency: str, official: str, n: str, day: int = 18) -> Article:
    return parse_article(
        _SENTENCES.format(place=place, agency=agency, official=official, n=n),
        f"{place}.txt",
        headline=f"Earthquake strikes near {place}",
        published=dt.date(2025, 11, day),
    )


def test_reports_from_the_same_sentences_that_share_no_name_are_two_stories() -> None:
    # Reports of one kind, written from the same sentences: only who and where tell them apart.
    first = _quake("Healdsburg", "Geological Survey", "Sheriff Ortiz", "4.4")
    second = _quake("Banda Aceh", "Meteorology Agency", "Governor Nova", "6.1")
    again = _quake("Healdsburg", "Geological Survey", "Mayor Hagen", "4.4")
    groups = group_articles([first, second, again])
    assert sorted(sorted(a.source for a in g.articles) for g in groups) == [
        ["Banda Aceh.txt"],
        ["Healdsburg.txt", "Healdsburg.txt"],
    ]


def test_two_reports_published_weeks_apart_weigh_half() -> None:
    early, late = (
        _quake("Healdsburg", "USGS", "Ortiz", "4", 1),
        _quake("Cloverdale", "USGS", "Hagen", "5", 28),
    )
    weighed = _weighed([early, late, early], {(0, 1): 0.6, (0, 2): 0.6}, [200, 200, 200])
    assert weighed == {(0, 1): 0.3, (0, 2): 0.6}


def test_short_reports_that_share_two_names_weigh_more_the_shorter_they_are() -> None:
    lohan = parse_article(
        "Lohan enters rehab\n\nThe actress Lindsay Lohan entered a clinic in Malibu on Friday.",
        "a.txt",
    )
    again = parse_article(
        "Lohan in treatment\n\nA judge sent Lindsay Lohan to a clinic near Malibu for 90 days.",
        "b.txt",
    )
    town = parse_article(
        "Council approves plan\n\nThe council of Malibu approved the plan, mayor Ortiz said.",
        "c.txt",
    )
    articles, similarity = [lohan, again, town], {(0, 1): 0.2, (0, 2): 0.2}
    # Lindsay, Lohan and Malibu in common: a title and a sentence (20 terms) count ×1.375.
    assert _weighed(articles, similarity, [20, 20, 20]) == {(0, 1): 0.275, (0, 2): 0.2}
    # 40 terms on the shorter side, half as short: ×1.25. 80 terms and more are not short.
    assert _weighed(articles, similarity, [40, 40, 40])[(0, 1)] == pytest.approx(0.25)
    assert _weighed(articles, similarity, [80, 90, 20])[(0, 1)] == 0.2


def test_an_article_alone_joins_the_story_of_its_nearest_article_only() -> None:
    similarity = {(0, 1): 0.5, (0, 2): 0.12, (1, 2): 0.12, (2, 3): 0.2, (3, 4): 0.05}
    # 2's nearest is 3, alone too: it stays alone though it is 0.12 like the story of 0 and 1.
    assert _join_alone([[0, 1], [2], [3], [4]], similarity) == [[0, 1], [2], [3], [4]]
    similarity[(2, 3)] = 0.1
    assert _join_alone([[0, 1], [2], [3], [4]], similarity) == [[0, 1, 2], [3], [4]]
    # 4's nearest is 3, in a story now, but 0.05 on average is too far.
    assert _join_alone([[0, 1], [2, 3], [4]], similarity) == [[0, 1], [2, 3], [4]]

"""The authored answers are held to the bar of a good model's: every quote verbatim, every key
fact of the seed articles present."""

from __future__ import annotations

import json

import pytest

from summarizer import StoryExtraction, load_articles
from summarizer.profiles.earnings import EarningsExtraction
from summarizer.verify._verify import articles_in_scope, citation_problems

from .conftest import AUTHORED, REPO

_FOLDERS = ["seeds", "tests/day", "tests/day-multilingual", "examples/earnings"]
ARTICLES = {a.id: a for a in load_articles([REPO / folder for folder in _FOLDERS])}


@pytest.mark.parametrize("name", sorted(p.name for p in AUTHORED.glob("*.json")))
def test_every_quote_is_verbatim_in_the_cited_article(name: str) -> None:
    text = (AUTHORED / name).read_text(encoding="utf-8")
    model = EarningsExtraction if name.startswith("earnings") else StoryExtraction
    with articles_in_scope(ARTICLES):
        extraction = model.model_validate_json(text)  # raises on any bad quote or failed check
    assert citation_problems(extraction, ARTICLES) == []


def _seeds() -> StoryExtraction:
    return StoryExtraction.model_validate(json.loads((AUTHORED / "seeds.json").read_text()))


def test_seeds_answer_names_the_parties() -> None:
    names = {p.name for p in _seeds().parties}
    assert {
        "China",
        "Japan",
        "Sanae Takaichi",
        "Masaaki Kanai",
        "Liu Jinsong",
        "Mao Ning",
        "Xue Jian",
        "Minoru Kihara",
        "Li Qiang",
    } <= names


def test_seeds_answer_holds_the_four_demands_of_the_talks() -> None:
    demands = [((d.demander, d.addressee), d.demand.lower()) for d in _seeds().demands]
    assert any(who == ("China", "Japan") and "retract" in what for who, what in demands)
    assert any(who == ("Japan", "China") and "travel" in what for who, what in demands)
    assert any(who == ("Japan", "China") and "xue jian" in what for who, what in demands)
    assert any(who == ("Japan", "China") and "safety" in what for who, what in demands)


def test_seeds_answer_holds_both_positions_and_the_consequences() -> None:
    story = _seeds()
    assert {p.party for p in story.positions} >= {"China", "Japan"}
    domains = {c.domain.value for c in story.consequences}
    assert {"travel", "education", "culture", "diplomatic"} <= domains
    text = " ".join(c.description for c in story.consequences)
    assert "film" in text and "G20" in text and "study" in text


def test_seeds_answer_keeps_the_preview_as_expectation() -> None:
    """003 was written before the talks: what Kanai was expected to do is no outcome of them."""
    preview = "782e35d0"
    for demand in _seeds().demands:
        assert all(c.article_id != preview for c in demand.citations), demand.demand


def test_seeds_answer_timeline_is_in_date_order_and_resolves_weekdays() -> None:
    dates = [str(e.date) for e in _seeds().timeline]
    assert dates == sorted(dates)
    assert "2025-11-13" in dates  # "on Thursday" in an article of Monday 17 November
    assert "2025-11-18" in dates  # the talks, "on Tuesday"

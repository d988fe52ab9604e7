"""Grouping articles into stories, without a model."""

from __future__ import annotations

from summarizer import group_articles, load_articles, parse_article, summarize

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


def test_story_over_the_context_budget_fails_without_a_request() -> None:
    briefing = summarize(
        [str(REPO / "seeds")], base_url="http://127.0.0.1:9/v1", context_tokens=1000
    )
    assert briefing.stories == [] and briefing.usage.requests == 0
    (failed,) = briefing.failed_stories
    assert failed.reason.startswith("its 4 articles (~")  # the rewrite 002 is not sent
    assert failed.reason.endswith(
        "exceed the context budget of 1,000 tokens (SUMMARIZER_CONTEXT_TOKENS)"
    )

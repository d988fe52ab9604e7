"""Quote verification: forgiving of typesetting, never of words."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from summarizer import (
    StoryExtraction,
    escape_markdown,
    load_articles,
    parse_article,
    quote_in_text,
    render_markdown,
    summarize,
)
from summarizer.verify._verify import (
    articles_in_scope,
    citation_problems,
    drop_unverified,
    snap_quotes,
)

from .backend_server import BackendServer
from .conftest import AUTHORED, REPO

TEXT = (
    "Kanai countered by saying that “public security has absolutely not deteriorated” — and "
    "asked China to reconsider."
)


@pytest.mark.parametrize(
    "quote",
    [
        "public security has absolutely not deteriorated",
        '"public security has absolutely not deteriorated"',
        "Kanai countered   by\nsaying that",
        'deteriorated" - and asked China',
        "KANAI COUNTERED BY SAYING",
        "asked China to reconsider.",
    ],
)
def test_found_despite_whitespace_quote_marks_dashes_and_case(quote: str) -> None:
    assert quote_in_text(quote, TEXT)


@pytest.mark.parametrize(
    "quote",
    [
        "public security has not deteriorated",  # a dropped word
        "public safety has absolutely not deteriorated",  # a changed word
        "Kanai said that public security had improved",  # not there at all
        "",
    ],
)
def test_not_found_when_a_word_changes(quote: str) -> None:
    assert not quote_in_text(quote, TEXT)


ARTICLE = parse_article("Envoy visits Beijing\n\n" + TEXT, "a.txt")


def _extraction(quote: str, article_id: str = ARTICLE.id) -> StoryExtraction:
    citation = {"article_id": article_id, "quote": quote, "via": None}
    return StoryExtraction.model_validate(
        {
            "headline": "h",
            "bottom_line": "b",
            "actions": [],
            "demands": [],
            "consequences": [],
            "timeline": [],
            "disagreements": [],
            "parties": [
                {
                    "name": "Masaaki Kanai",
                    "aliases": [],
                    "kind": "official",
                    "role": "envoy",
                    "side": "Japan",
                    "citations": [citation],
                }
            ],
            "positions": [
                {
                    "party": "Masaaki Kanai",
                    "stance": "Security is fine.",
                    "status": "occurred",
                    "citations": [
                        {
                            "article_id": ARTICLE.id,
                            "quote": "public security has absolutely not deteriorated",
                            "via": None,
                        }
                    ],
                }
            ],
        }
    )


def test_problems_name_the_item_the_quote_and_the_article() -> None:
    extraction = _extraction("Kanai apologised")
    assert citation_problems(extraction, {ARTICLE.id: ARTICLE}) == [
        "parties[0] ('Masaaki Kanai'): the quote 'Kanai apologised' is too short to support a claim"
    ]
    extraction = _extraction("Kanai apologised to China today")
    assert citation_problems(extraction, {ARTICLE.id: ARTICLE}) == [
        f"parties[0] ('Masaaki Kanai'): the quote 'Kanai apologised to China today' is not in "
        f"article {ARTICLE.id}"
    ]
    extraction = _extraction("Kanai countered by saying", article_id="ffffffff")
    assert citation_problems(extraction, {ARTICLE.id: ARTICLE}) == [
        "parties[0] ('Masaaki Kanai'): article id 'ffffffff' does not exist "
        f"(the ids are: {ARTICLE.id})"
    ]


def test_in_scope_a_bad_quote_is_a_validation_error_for_the_model() -> None:
    payload = _extraction("Kanai apologised to China today").model_dump_json()
    with articles_in_scope({ARTICLE.id: ARTICLE}), pytest.raises(ValueError) as error:
        StoryExtraction.model_validate_json(payload)
    assert "copying the words exactly from the cited article" in str(error.value)
    assert "'Kanai apologised to China today' is not in article" in str(error.value)
    # Out of scope (loading a saved briefing), nothing is checked.
    assert StoryExtraction.model_validate_json(payload).parties[0].name == "Masaaki Kanai"


def test_drop_unverified_keeps_what_verifies_and_reports_the_rest() -> None:
    kept, dropped = drop_unverified(
        _extraction("Kanai apologised to China today"), {ARTICLE.id: ARTICLE}
    )
    assert kept.parties == []
    assert len(kept.positions) == 1
    assert [(d.kind, d.summary) for d in dropped] == [
        ("party citation", "Masaaki Kanai"),
        ("party", "Masaaki Kanai"),
    ]


@pytest.mark.parametrize(
    ("quote", "exact"),
    [
        ("public security has absolutely not deteriorated", None),  # already exact
        (
            '"public security has absolutely not deteriorated"',
            "public security has absolutely not deteriorated",
        ),
        ("KANAI COUNTERED BY SAYING", "Kanai countered by saying"),
        ('that "public security has', "that “public security has"),
        ('deteriorated" - and asked China', "deteriorated” — and asked China"),
        ("kanai countered  by\nsaying that", "Kanai countered by saying that"),
    ],
)
def test_a_quote_that_slipped_is_set_to_the_articles_exact_words(
    quote: str, exact: str | None
) -> None:
    article = parse_article("Kanai\n\n" + TEXT, source="a.txt")
    extraction = StoryExtraction.model_validate(
        {
            "headline": "h",
            "bottom_line": "b",
            "parties": [
                {
                    "name": "Masaaki Kanai",
                    "aliases": [],
                    "kind": "official",
                    "role": "envoy",
                    "side": "Japan",
                    "citations": [{"article_id": article.id, "quote": quote, "via": None}],
                }
            ],
            "actions": [],
            "demands": [],
            "positions": [],
            "consequences": [],
            "timeline": [],
            "disagreements": [],
        }
    )
    snapped, repaired = snap_quotes(extraction, {article.id: article})
    assert snapped.parties[0].citations[0].quote == (exact or quote)
    assert repaired == (0 if exact is None else 1)


def _slip(quote: str, number: int) -> str:
    """What models do to a quotation: case, straight quote marks, hyphens for dashes, spacing."""
    slipped = quote.translate(
        str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "—": "-", "–": "-"})
    )
    if number % 2 == 0:
        slipped = slipped[:1].swapcase() + slipped[1:]
    if number % 3 == 0:
        slipped = slipped.replace(" ", "  ", 1)
    return slipped


def test_every_quote_in_the_briefing_is_the_articles_own_words_even_when_the_model_slipped() -> (
    None
):
    answer = json.loads((AUTHORED / "seeds.json").read_text(encoding="utf-8"))
    slipped = 0
    for number, (_, citation) in enumerate(_citations_of(answer)):
        changed = _slip(citation["quote"], number)
        slipped += changed != citation["quote"]
        citation["quote"] = changed
    assert slipped >= 0.7 * len(_citations_of(answer))  # most quotes carry a slip
    articles = {a.id: a for a in load_articles(REPO / "seeds")}
    with BackendServer(
        "openai", json.dumps(answer), origin="tests/authored/seeds.json, slipped"
    ) as server:
        briefing = summarize(
            [REPO / "seeds"], api_key="k", base_url=server.base_url, backend="openai"
        )

    (story,) = briefing.stories
    assert story.dropped == [] and story.reasks == 0  # slips are repaired, not re-asked
    not_verbatim = sum(
        c["quote"] not in articles[c["article_id"]].headline + "\n" + articles[c["article_id"]].body
        for _, c in _citations_of(answer)
    )
    assert not_verbatim >= slipped  # the authored answer itself had a few typesetting slips
    assert story.quotes_repaired == not_verbatim == briefing.usage.quotes_repaired
    quotes = _citations_of(story.model_dump())
    assert len(quotes) == len(_citations_of(answer))
    for _, citation in quotes:
        article = articles[citation["article_id"]]
        assert citation["quote"] in article.headline + "\n" + article.body, citation["quote"]
    # What the briefing prints inside quotation marks is one of those verbatim quotes.
    printed = re.findall(
        r"^\s*> “(.*)”(?: \(via .*\))?$", render_markdown(briefing), flags=re.MULTILINE
    )
    assert len(printed) >= 20
    verbatim = {escape_markdown(c["quote"]) for _, c in quotes}
    assert [q for q in printed if q not in verbatim] == []


def _citations_of(extraction: dict[str, Any]) -> list[tuple[str, dict[str, str]]]:
    found = [
        (name, citation)
        for name in ("parties", "actions", "demands", "positions", "consequences", "timeline")
        for item in extraction[name]
        for citation in item["citations"]
    ]
    found += [
        ("disagreements", citation)
        for disagreement in extraction["disagreements"]
        for account in disagreement["accounts"]
        for citation in account["citations"]
    ]
    return found

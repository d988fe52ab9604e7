"""Quote verification: forgiving of typesetting, never of words."""

from __future__ import annotations

import pytest

from summarizer import StoryExtraction, parse_article, quote_in_text
from summarizer._verify import articles_in_scope, citation_problems, drop_unverified

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
    citation = {"article_id": article_id, "quote": quote}
    return StoryExtraction.model_validate(
        {
            "headline": "h",
            "bottom_line": "b",
            "demands": [],
            "consequences": [],
            "timeline": [],
            "disagreements": [],
            "parties": [
                {
                    "name": "Masaaki Kanai",
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
                    "citations": [
                        {
                            "article_id": ARTICLE.id,
                            "quote": "public security has absolutely not deteriorated",
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

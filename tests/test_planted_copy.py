"""A planted copy — a real article's words, an invented sentence added, dated a day earlier, any
outlet claimed — never hides the real article: both are sent to the model, and the invented
sentence is the planted file's report alone."""

from __future__ import annotations

import json
import re
from pathlib import Path

from click.testing import CliRunner

from summarizer import Article, Settings, StoryGroup, group_articles, load_articles, summarize
from summarizer.cli import cli

from .authored_server import AuthoredServer, Reply
from .conftest import REPO

INVENTED = "China announced it would halt all rare-earth exports to Japan from December 1."
SEED = REPO / "seeds" / "000_afa43d9c4e30f871.txt"  # dated 2025-11-18 in its first line, no outlet
SEED_REWRITTEN = REPO / "seeds" / "001_6e47f5944b626792.txt"  # the one the seeds' rewrite retells
JIJI = REPO / "seeds" / "003_a369c571f9c43189.txt"  # Jiji Press's own wire copy, 17 Nov 2025
RECALL = REPO / "tests" / "day" / "toyota-recall-autoweek.md"  # Autoweek Review, 2025-11-18
RECALL_INVENTED = "Toyota said it would also recall every Prius built since 2015."


def _paragraphs(text: str) -> list[str]:
    return [p for p in text.split("\n\n") if p.strip()]


def _with_sentence(text: str, sentence: str, *, at: int | None = None) -> str:
    """`text` with `sentence` as a paragraph of its own: last, or before paragraph `at`."""
    paragraphs = _paragraphs(text)
    paragraphs.insert(len(paragraphs) if at is None else at, sentence)
    return "\n\n".join(paragraphs) + "\n"


def _seed_and_plant(folder: Path, planted: str) -> tuple[Article, Article]:
    """The real seed article and the planted file, as read; (real, planted)."""
    folder.mkdir(exist_ok=True)
    (folder / "real.txt").write_text(SEED.read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "planted.txt").write_text(planted, encoding="utf-8")
    articles = {Path(a.source).stem: a for a in load_articles([folder])}
    return articles["real"], articles["planted"]


def _earlier_seed(sentence: str | None = INVENTED, *, at: int | None = None) -> str:
    text = SEED.read_text(encoding="utf-8").replace("date 2025-11-18", "date 2025-11-17", 1)
    return text if sentence is None else _with_sentence(text, sentence, at=at)


def _one_story(articles: list[Article]) -> StoryGroup:
    (group,) = group_articles(articles)
    return group


def _sent(group: StoryGroup) -> list[str]:
    """The ids of the articles whose text reaches the prompt."""
    return [a.id for a in group.originals]


def test_a_copy_with_an_invented_sentence_dated_earlier_hides_nothing(tmp_path: Path) -> None:
    real, planted = _seed_and_plant(tmp_path / "day", _earlier_seed())
    assert planted.published is not None and real.published is not None
    assert planted.published < real.published
    assert INVENTED in planted.body and INVENTED not in real.body

    group = _one_story([real, planted])

    assert group.duplicates == {}
    assert sorted(_sent(group)) == sorted([real.id, planted.id])
    assert group.repeats == {planted.id: real.id}
    assert [a.id for a in group.independent] == [real.id]


def test_the_invented_sentence_in_the_middle_hides_nothing(tmp_path: Path) -> None:
    real, planted = _seed_and_plant(tmp_path / "day", _earlier_seed(at=2))
    assert _paragraphs(planted.body)[2] == INVENTED

    group = _one_story([real, planted])

    assert group.duplicates == {}
    assert group.repeats == {planted.id: real.id}
    assert real.id in _sent(group)


def test_one_changed_word_hides_nothing(tmp_path: Path) -> None:
    # "calm tensions" → "inflame tensions": no sentence added, one word of the report changed.
    changed = _earlier_seed(None).replace("talks to calm tensions", "talks to inflame tensions")
    real, planted = _seed_and_plant(tmp_path / "day", changed)
    assert "inflame" in planted.body and "inflame" not in real.body

    group = _one_story([real, planted])

    assert group.duplicates == {}
    assert sorted(_sent(group)) == sorted([real.id, planted.id])
    assert len(group.repeats) == 1  # one of the two repeats the other: one independent report
    assert len(group.independent) == 1


def test_an_edited_copy_that_shares_few_five_word_runs_hides_nothing(tmp_path: Path) -> None:
    # A word changed in every few, so that too few five-word runs are shared to count as a
    # republished copy: a rewrite by its names and numbers, but one text edited, not retold.
    real_text = SEED_REWRITTEN.read_text(encoding="utf-8")
    count = 0

    def edited(match: re.Match[str]) -> str:
        nonlocal count
        count += 1
        return match[0] + "ly" if count % 4 == 0 else match[0]

    planted_text = re.sub(r"\b[a-z]{4,}\b", edited, real_text.replace("2025-11-18", "2025-11-17"))
    folder = tmp_path / "day"
    folder.mkdir()
    (folder / "real.txt").write_text(real_text, encoding="utf-8")
    (folder / "planted.txt").write_text(_with_sentence(planted_text, INVENTED), encoding="utf-8")
    articles = {Path(a.source).stem: a for a in load_articles([folder])}
    real, planted = articles["real"], articles["planted"]

    group = _one_story([real, planted])

    assert group.duplicates == {}
    assert sorted(_sent(group)) == sorted([real.id, planted.id])
    assert len(group.repeats) == 1 and len(group.independent) == 1


def test_a_sentence_left_out_hides_nothing(tmp_path: Path) -> None:
    # The planted copy drops the real article's last paragraph: the real one is then the longer,
    # and must not be hidden behind the copy that lost it.
    paragraphs = _paragraphs(_earlier_seed(None))
    real, planted = _seed_and_plant(tmp_path / "day", "\n\n".join(paragraphs[:-1]) + "\n")
    assert len(planted.body) < len(real.body)

    group = _one_story([real, planted])

    assert group.duplicates == {}
    assert group.repeats == {real.id: planted.id}
    assert sorted(_sent(group)) == sorted([real.id, planted.id])


def test_invented_text_longer_than_the_article_hides_nothing(tmp_path: Path) -> None:
    # So much added that fewer than half the five-word runs are shared: no longer a republished
    # copy but a rewrite by its names and numbers — and still a copy with words of its own.
    extra = " ".join(
        f"In Beijing on day {n}, Chinese officials told reporters that Japan's remarks on Taiwan "
        f"had left the talks with Kanai and Liu without result, and that tourism would suffer."
        for n in range(1, 30)
    )
    real, planted = _seed_and_plant(tmp_path / "day", _earlier_seed(extra))
    assert len(planted.body) > 2 * len(real.body)

    group = _one_story([real, planted])

    assert group.duplicates == {}
    assert group.repeats == {planted.id: real.id}
    assert real.id in _sent(group)


def _recall_and_plant(folder: Path, front_matter: str, sentence: str | None) -> list[Article]:
    folder.mkdir(exist_ok=True)
    text = RECALL.read_text(encoding="utf-8")
    (folder / "real.md").write_text(text, encoding="utf-8")
    body = text.split("---\n", 2)[2]
    planted = "---\n" + front_matter + "---\n" + body
    (folder / "planted.md").write_text(
        planted if sentence is None else _with_sentence(planted, sentence, at=2),
        encoding="utf-8",
    )
    articles = {Path(a.source).stem: a for a in load_articles([folder])}
    return [articles["real"], articles["planted"]]


def test_a_copy_claiming_the_real_outlet_hides_nothing(tmp_path: Path) -> None:
    front = "title: Toyota recalls 1.1 million cars\noutlet: Autoweek Review\ndate: 2025-11-17\n"
    real, planted = _recall_and_plant(tmp_path / "day", front, RECALL_INVENTED)
    assert planted.outlet == real.outlet == "Autoweek Review"

    group = _one_story([real, planted])

    assert group.duplicates == {}
    assert group.repeats == {planted.id: real.id}
    assert sorted(_sent(group)) == sorted([real.id, planted.id])


def test_a_copy_without_an_outlet_hides_nothing(tmp_path: Path) -> None:
    front = "title: Toyota recalls 1.1 million cars\ndate: 2025-11-17\n"
    real, planted = _recall_and_plant(tmp_path / "day", front, RECALL_INVENTED)
    assert planted.outlet is None and real.outlet == "Autoweek Review"

    group = _one_story([real, planted])

    assert group.duplicates == {}
    assert group.repeats == {planted.id: real.id}
    assert real.id in _sent(group)


def test_a_copy_claiming_to_be_the_agency_own_wire_hides_nothing(tmp_path: Path) -> None:
    # The real article is Jiji Press's own copy; the planted one claims to be it too, a day
    # earlier: the agency's own copy is first in line as an original, and a file can claim it.
    folder = tmp_path / "day"
    folder.mkdir()
    text = JIJI.read_text(encoding="utf-8")
    (folder / "real.txt").write_text(text, encoding="utf-8")
    # Inside the report's one paragraph: the reader ends the article at its "Don't Miss" teasers.
    planted_text = text.replace("17 Novembre 2025", "16 Novembre 2025").replace(
        " Kanai aims to meet", f" {INVENTED} Kanai aims to meet", 1
    )
    (folder / "planted.txt").write_text(planted_text, encoding="utf-8")
    articles = {Path(a.source).stem: a for a in load_articles([folder])}
    real, planted = articles["real"], articles["planted"]
    assert planted.outlet == planted.agency == real.outlet == "Jiji Press"
    assert INVENTED in planted.body
    assert planted.published is not None and real.published is not None
    assert planted.published < real.published

    group = _one_story([real, planted])

    assert group.duplicates == {}
    assert group.repeats == {planted.id: real.id}
    assert real.id in _sent(group)


def test_the_same_words_are_still_a_duplicate(tmp_path: Path) -> None:
    # A copy that adds nothing is a duplicate as before: its words reach the prompt once. (Which
    # file is named the original then rests on dates and outlets that a file can claim; either
    # way the prompt holds the real article's words and nothing else.)
    real, planted = _seed_and_plant(tmp_path / "day", _earlier_seed(None))

    group = _one_story([real, planted])

    assert group.duplicates == {real.id: planted.id}
    assert group.repeats == {}
    assert [a.body for a in group.originals] == [real.body]


def test_a_credit_line_is_no_words_of_its_own(tmp_path: Path) -> None:
    credit = "(Reporting by Kyodo; republished by Harbour Gazette)"
    real, planted = _seed_and_plant(tmp_path / "day", _with_sentence(SEED.read_text(), credit))
    assert planted.body.endswith(credit)

    group = _one_story([real, planted])

    # One is a duplicate of the other (same date; the longer is kept): the real words
    # reach the prompt once, with a credit line at most.
    assert len(group.duplicates) == 1 and group.repeats == {}
    (sent,) = group.originals
    assert sent.body in (real.body, planted.body)


def test_a_claim_dressed_as_a_credit_line_is_words_of_its_own(tmp_path: Path) -> None:
    dressed = "(Reporting by Kyodo; China halted rare-earth exports to Japan)"
    real, planted = _seed_and_plant(tmp_path / "day", _earlier_seed(dressed))

    group = _one_story([real, planted])

    assert group.duplicates == {}
    assert group.repeats == {planted.id: real.id}
    assert real.id in _sent(group)


def test_stories_command_shows_the_planted_copy_as_a_repeat(tmp_path: Path) -> None:
    real, planted = _seed_and_plant(tmp_path / "day", _earlier_seed())

    result = CliRunner().invoke(cli, ["stories", str(tmp_path / "day"), "--json"])

    assert result.exit_code == 0, result.output
    (story,) = json.loads(result.stdout)
    assert (story["articles"], story["independent"]) == (2, 1)
    sources = {s["article_id"]: s for s in story["sources"]}
    assert sources[real.id]["duplicate_of"] is None
    assert sources[real.id]["repeats"] is None
    assert sources[planted.id]["duplicate_of"] is None
    assert sources[planted.id]["repeats"] == real.id
    assert sources[planted.id]["published"] == "2025-11-17"


def _citation(article: Article, quote: str) -> dict[str, object]:
    assert quote in article.body
    return {"article_id": article.id, "quote": quote, "via": None}


def _consequence(description: str, *citations: dict[str, object]) -> dict[str, object]:
    return {
        "description": description,
        "domain": "diplomatic",
        "according_to": "outlet",
        "status": "happened",
        "citations": list(citations),
    }


def test_the_invented_sentence_is_the_planted_outlet_report_alone(tmp_path: Path) -> None:
    """Through the pipeline: the real openai client, a loopback server answering as a model that
    cites both files. The real article is in the prompt (a citation of it verifies); the invented
    sentence is credited to the planted file's outlet alone; what both say is one report."""
    front = "title: Toyota recalls 1.1 million cars\noutlet: Motor Daily\ndate: 2025-11-17\n"
    real, planted = _recall_and_plant(tmp_path / "day", front, RECALL_INVENTED)
    shared = "The affected vehicles were built between 2020 and 2022."
    answer = {
        "headline": "Toyota recalls 1.1 million cars",
        "bottom_line": "Toyota is recalling about 1.1 million cars in the US.",
        "parties": [],
        "actions": [],
        "demands": [],
        "positions": [],
        "timeline": [],
        "disagreements": [],
        "consequences": [
            _consequence(
                "Every Prius since 2015 is recalled.", _citation(planted, RECALL_INVENTED)
            ),
            _consequence("Cars from 2020 to 2022 are affected.", _citation(planted, shared)),
            _consequence("The cars were built 2020 to 2022.", _citation(real, shared)),
        ],
    }
    with AuthoredServer() as server:
        server.script(Reply.tool_arguments(json.dumps(answer), origin="tests/test_planted_copy"))
        settings = Settings(api_key="test-key", base_url=server.base_url, backend="openai")
        briefing = summarize([tmp_path / "day"], settings=settings, max_reasks=0)

    (request,) = server.requests
    prompt = json.dumps(request["messages"])
    assert real.id in prompt and planted.id in prompt
    (story,) = briefing.stories
    invented, shared_from_planted, shared_from_real = story.consequences
    assert (invented.reported_by, invented.independent_sources) == (["Motor Daily"], 1)
    both = ["Autoweek Review", "Motor Daily"]
    assert (shared_from_planted.reported_by, shared_from_planted.independent_sources) == (both, 1)
    assert (shared_from_real.reported_by, shared_from_real.independent_sources) == (both, 1)
    assert {s.article_id: s.duplicate_of for s in story.sources} == {
        real.id: None,
        planted.id: None,
    }

"""Reading articles: metadata out of the text, page furniture out of the body."""

from __future__ import annotations

import datetime as dt
import io
import sys
from pathlib import Path

import pytest

from summarizer import Article, InputError, load_articles, parse_article
from summarizer.read._paths import read_articles

from .conftest import REPO

SEEDS = REPO / "seeds"


def _seed(prefix: str) -> Article:
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    (article,) = load_articles(path)
    return article


def test_seed_000_date_prefix_is_metadata_not_text() -> None:
    article = _seed("000")
    assert article.published == dt.date(2025, 11, 18)
    assert article.body.startswith("Senior officials from China and Japan on Tuesday held talks")
    assert "date 2025" not in article.body
    assert (
        article.outlet is None
    )  # "according to ... Kyodo News" cites a source; it is not the outlet
    assert article.headline_from_lead
    assert article.headline.startswith("Senior officials from China and Japan")


def test_seed_001_lead_headline_drops_the_dateline() -> None:
    article = _seed("001")
    assert article.published == dt.date(2025, 11, 18)
    assert article.headline.startswith("Officials from China and Japan Tuesday held talks")
    assert article.body.endswith("originally scheduled for later this week and early December.")


def test_seed_002_headline_and_subheading_are_not_body() -> None:
    article = _seed("002")
    assert article.headline == (
        "China and Japan Engage in Talks Amid Rising Tensions Over Taiwan Remarks"
    )
    assert not article.headline_from_lead
    assert "Diplomatic Discussions in Beijing" not in article.body
    assert article.body.startswith("In a bid to ease escalating tensions")
    assert article.published is None and article.outlet is None


def test_seed_003_french_date_wire_dateline_and_trailer() -> None:
    article = _seed("003")
    assert article.headline == "Japan Foreign Min. Official Visits China amid Strained Ties"
    assert article.published == dt.date(2025, 11, 17)
    assert article.outlet == "Jiji Press"
    assert article.body.startswith("Masaaki Kanai, director-general")
    assert article.body.endswith("withering interaction between people of the two countries.")
    for furniture in (
        "17 Novembre",
        "(Jiji Press)",
        "Copyright",
        "Don't Miss",
        "JAM",
        "17,000 Yen",
    ):
        assert furniture not in article.body


def test_seed_004_photo_credit_and_caption_are_not_body() -> None:
    article = _seed("004")
    assert article.headline.startswith("Japan, China Still at Odds Over Takaichi’s Taiwan Remark")
    assert article.outlet == "The Yomiuri Shimbun"
    assert "Akiko Yoshinaga" not in article.body
    assert "heads to talks" not in article.body
    assert article.body.startswith("Japan and China failed to patch up their differences")


def test_ids_are_stable_and_derived_from_content() -> None:
    ids = [a.id for a in load_articles(SEEDS)]
    assert ids == ["1d026c13", "0f9ce364", "ac894423", "782e35d0", "e0f690c0"]
    moved = parse_article((SEEDS / "000_afa43d9c4e30f871.txt").read_text(), "elsewhere.txt")
    assert moved.id == "1d026c13"


def test_markdown_front_matter_and_heading() -> None:
    article = parse_article(
        "---\ntitle: Port strike ends\noutlet: Harbour Gazette\ndate: 2025-11-20\n---\n\n"
        "# Ignored heading\n\nDock workers returned to work on Thursday after a deal.\n",
        "strike.md",
    )
    assert (article.headline, article.outlet, article.published) == (
        "Port strike ends",
        "Harbour Gazette",
        dt.date(2025, 11, 20),
    )
    assert article.body == "Dock workers returned to work on Thursday after a deal."


def test_masthead_and_date_line_under_a_markdown_heading() -> None:
    article = parse_article(
        "# Death toll rises\n\n**Nairobi Observer** · 2025-11-15\n\nThe toll rose to 27.", "a.md"
    )
    assert (article.headline, article.outlet, article.published) == (
        "Death toll rises",
        "Nairobi Observer",
        dt.date(2025, 11, 15),
    )
    assert article.body == "The toll rose to 27."


def test_a_republished_wire_story_belongs_to_the_masthead_that_republished_it() -> None:
    article = parse_article(
        "Headline here\n\nBRUSSELS, Nov 14 (Continental Wire) - The Commission fined Meta.\n\n"
        "© 2025 Coastal Business Daily",
        "a.txt",
    )
    assert (article.outlet, article.agency) == ("Coastal Business Daily", "Continental Wire")
    assert article.body == "The Commission fined Meta."


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("17 Novembre 2025", dt.date(2025, 11, 17)),
        ("November 17, 2025", dt.date(2025, 11, 17)),
        ("3 de marzo de 2024", dt.date(2024, 3, 3)),
        ("2024-02-29", dt.date(2024, 2, 29)),
        # ECB+'s pages: a weekday before the date, a time after it.
        ("Sat Nov 12 2011, 01: 19 hrs", dt.date(2011, 11, 12)),
        ("July 23, 2008. 4: 49 pm", dt.date(2008, 7, 23)),
        ("Updated: November 11, 2011 20: 09 IST", dt.date(2011, 11, 11)),
        ("Monday, 18 November 2025 4:49 pm EST", dt.date(2025, 11, 18)),
        ("18.11.2025 09.30", dt.date(2025, 11, 18)),
        # A label before the date and a time after it, in the month table's languages: read
        # here, not by dateparser (which takes a second to load every language it knows).
        ("- Veröffentlicht am 13. Mai 2026 um", dt.date(2026, 5, 13)),
        ("Publié le 18 novembre 2025 à 14h05", dt.date(2025, 11, 18)),
        ("Опубликовано 18 ноября 2025", dt.date(2025, 11, 18)),
        ("Posted: 18 November 2025 at 4:49 pm", dt.date(2025, 11, 18)),
    ],
)
def test_date_lines_in_several_languages(line: str, expected: dt.date) -> None:
    article = parse_article(f"A headline here\n\n{line}\n\nThe text of the article.", "a.txt")
    assert article.published == expected


def test_a_date_the_line_does_not_write_is_not_read_into_it() -> None:
    # dateparser reads "12 2011, 01: 19 hrs" as 1 December of the current year.
    article = parse_article("A headline here\n\n12 2011, 01: 19 hrs\n\nThe text.", "a.txt")
    assert article.published is None


def test_folders_globs_and_stdin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "a.txt").write_text("First article.\n\nIt has words.")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.md").write_text("# B\n\nSecond article text.")
    (tmp_path / "notes.csv").write_text("x,y")
    (tmp_path / ".hidden.txt").write_text("Hidden article.")
    assert [a.source for a in load_articles(tmp_path)] == [
        str(tmp_path / "a.txt"),
        str(tmp_path / "sub" / "b.md"),
    ]
    assert [a.headline for a in load_articles(str(tmp_path / "**" / "*.md"))] == ["B"]
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"From stdin. A text.")))
    assert [a.source for a in load_articles("-")] == ["-"]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty file"),
        (b"  \n\t\n", "empty file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary data (NUL bytes), not an article"),
    ],
)
def test_bad_file_is_reported_with_its_reason_and_the_rest_are_read(
    tmp_path: Path, content: bytes, reason: str
) -> None:
    (tmp_path / "good.txt").write_text("A good article. With text.")
    (tmp_path / "bad.txt").write_bytes(content)
    articles, failures = read_articles([tmp_path])
    assert [a.source for a in articles] == [str(tmp_path / "good.txt")]
    assert [(f.source, f.reason) for f in failures] == [(str(tmp_path / "bad.txt"), reason)]
    with pytest.raises(InputError, match=f"bad.txt: {reason[:10]}"):
        load_articles(tmp_path)


def test_missing_path_and_empty_folder_are_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError) as missing:
        load_articles(tmp_path / "nope")
    assert str(missing.value) == f"{tmp_path / 'nope'}: no such file or directory"
    with pytest.raises(
        InputError, match=r"no articles in this folder \(\.txt \.md \.html \.json \.jsonl\)"
    ):
        load_articles(tmp_path)
    with pytest.raises(InputError, match="the pattern matches no file"):
        load_articles(str(tmp_path / "*.txt"))


def test_a_big_day_is_read_in_worker_processes_with_the_same_result(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import summarizer.read._paths as reading

    for number in range(300):
        (tmp_path / f"a{number:03d}.txt").write_text(
            f"Headline {number}\n\nBody of article {number} about the harbour and the council."
        )
    (tmp_path / "broken.txt").write_bytes(b"\x00\x01 binary")
    parallel, parallel_failures = reading.read_articles([tmp_path])
    monkeypatch.setattr(reading, "PARALLEL_FROM", 10**9)
    sequential, sequential_failures = reading.read_articles([tmp_path])
    assert len(parallel) == 300 and parallel == sequential
    assert [(f.source, f.reason) for f in parallel_failures] == [
        (f.source, f.reason) for f in sequential_failures
    ] and len(parallel_failures) == 1

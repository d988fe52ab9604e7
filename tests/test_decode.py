"""Encodings are detected, not assumed; line ends and invisible characters normalised."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from summarizer import InputError, load_articles, quote_in_text
from summarizer.read._decode import decode_text

from .conftest import REPO

FRENCH = (
    "Le ministre a déclaré mercredi que les négociations reprendraient « dès que possible ». "
    "Les représentants des employés ont salué une décision « très attendue » après trois "
    "semaines de grève dans les ports de la façade atlantique. "
)
CP1252 = "The minister’s “final offer” was rejected — again — by the union, costing €2 million. "
CHINESE = (
    "中国外交部发言人毛宁表示，日本首相高市早苗的涉台言论严重违反国际法，损害中日关系的政治基础。"
)
JAPANESE = "高市早苗首相の台湾有事をめぐる答弁を受け、日中両政府の局長級協議が北京で行われた。"


@pytest.mark.parametrize(
    ("text", "encoded"),
    [
        (FRENCH, FRENCH.encode("utf-8")),
        (FRENCH, codecs.BOM_UTF8 + FRENCH.encode("utf-8")),
        (FRENCH, codecs.BOM_UTF16_LE + FRENCH.encode("utf-16-le")),
        (FRENCH, codecs.BOM_UTF16_BE + FRENCH.encode("utf-16-be")),
        (FRENCH, FRENCH.encode("utf-16-le")),  # no byte-order mark
        (FRENCH * 2, (FRENCH * 2).encode("latin-1")),
        (CP1252 * 3, (CP1252 * 3).encode("cp1252")),
        (CHINESE * 3, (CHINESE * 3).encode("gb18030")),
        (JAPANESE * 3, (JAPANESE * 3).encode("shift_jis")),
    ],
    ids=[
        "utf-8",
        "utf-8-bom",
        "utf-16-le-bom",
        "utf-16-be-bom",
        "utf-16-le-no-bom",
        "latin-1",
        "cp1252",
        "gb18030",
        "shift_jis",
    ],
)
def test_decodes(text: str, encoded: bytes) -> None:
    assert decode_text(encoded, "a.txt") == text


def test_crlf_and_invisible_characters_are_normalised() -> None:
    raw = "Head\u00adline\r\n\r\nZero\u200bwidth and\u200d joiner.\rEnd.\ufeff".encode()
    assert decode_text(raw, "a.txt") == "Headline\n\nZerowidth and joiner.\nEnd."


def test_html_page_with_a_wrong_declared_charset(tmp_path: Path) -> None:
    body = "<p>" + CP1252 * 3 + "</p>"
    page = (
        '<html><head><meta charset="utf-8"><title>Offer rejected</title></head><body>'
        f"<article><h1>Offer rejected</h1>{body}</article></body></html>"
    )
    (tmp_path / "page.html").write_bytes(page.encode("cp1252"))
    (article,) = load_articles(tmp_path / "page.html")
    assert "The minister’s “final offer” was rejected — again" in article.body
    assert "€2 million" in article.body


def test_file_names_with_spaces_and_non_ascii(tmp_path: Path) -> None:
    name = tmp_path / "Négociations à Pékin — 北京.txt"
    name.write_text(FRENCH, encoding="utf-8")
    (article,) = load_articles(tmp_path)
    assert article.source == str(name)
    assert article.body.startswith("Le ministre a déclaré")


# --- two encodings in one file -------------------------------------------------------------------

ENGLISH = (REPO / "seeds" / "002_16961b897f005ba7.txt").read_text()[:1500]
GERMAN = "„Das ist groß“, sagte er."  # ß“ in Windows-1252 is DF 93: valid UTF-8 by chance


@pytest.mark.parametrize(
    "parts",
    [
        [(FRENCH * 3, "utf-8"), ("He said “enough” — again.", "cp1252")],
        [(CP1252 * 3, "cp1252"), ("Le café à Pékin, 北京.", "utf-8")],
        [("Le caf", "ascii"), ("é", "utf-8"), ("’s menu est très", "cp1252")],
        [(FRENCH, "utf-8"), (GERMAN, "cp1252"), (FRENCH, "utf-8")],
        [(CP1252 * 2, "cp1252"), ("Москва и Санкт-Петербург", "utf-8")],
        [(FRENCH, "utf-8"), (" Zürich’s mayor ", "cp1252"), (ENGLISH, "utf-8")],
    ],
    ids=["utf-8+cp1252", "cp1252+utf-8", "side-by-side", "by-chance-pair", "cyrillic", "umlaut"],
)
def test_mixed_encodings_each_part_in_its_own(parts: list[tuple[str, str]]) -> None:
    data = b"".join(part.encode(encoding) for part, encoding in parts)
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert decode_text(data, "a.txt") == "".join(part for part, _ in parts)


def test_mixed_encodings_that_cannot_be_told_apart_are_refused() -> None:
    # UTF-8 Chinese, and four bytes in a row that are no UTF-8: Windows-1252 “”…— or GB18030?
    data = CHINESE.encode() + b"\x93\x94\x85\x97" + JAPANESE.encode()
    with pytest.raises(InputError) as refused:
        decode_text(data, "a.txt")
    assert refused.value.reason == (
        f"mixed text encodings: UTF-8 with bytes that are not (first at byte {len(CHINESE) * 3})"
        ", and not a few stray Windows-1252 characters either"
    )


def test_a_few_accented_bytes_are_not_read_as_chinese() -> None:
    # charset-normalizer reads these two lone bytes (FC, 92) as Big5 ideographs: "Z邦ich...".
    seed = (REPO / "seeds" / "002_16961b897f005ba7.txt").read_text()
    text = seed[:2000] + " Zürich’s " + seed[2000:4000]
    assert decode_text(text.encode("cp1252"), "a.txt") == text


def test_quotes_are_verified_against_the_words_not_mojibake(tmp_path: Path) -> None:
    quote = "les négociations reprendraient « dès que possible »"
    path = tmp_path / "a.txt"
    path.write_bytes(
        b"Talks resume\n\n" + FRENCH.encode("utf-8") + "Il a dit “assez”.".encode("cp1252")
    )
    (article,) = load_articles(path)
    assert quote_in_text(quote, article.body)
    assert quote_in_text("Il a dit “assez”.", article.body)
    assert "Ã" not in article.body

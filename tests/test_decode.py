"""Encodings are detected, not assumed; line ends and invisible characters normalised."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from summarizer import load_articles
from summarizer.read._decode import decode_text

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

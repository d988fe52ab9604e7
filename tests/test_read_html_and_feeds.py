"""HTML pages through trafilatura, and JSON / JSON Lines feeds with bad items."""

from __future__ import annotations

import datetime as dt
import gzip
import json
from pathlib import Path

import pytest

from summarizer import InputError, load_articles
from summarizer.read._paths import read_articles

PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8">
<title>Port strike ends after wage deal | Harbour Gazette</title>
<meta property="og:title" content="Port strike ends after wage deal">
<meta property="article:published_time" content="2025-11-20T08:00:00Z">
<script>window.dataLayer = [{"event": "pageview", "text": "tracking script text"}];</script>
<style>.cookie { color: red }</style>
</head><body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/world">World</a></li><li><a href="/sport">Sport</a></li></ul></nav>
<div id="cookie-banner" class="cookie-consent">We use cookies to improve your experience. Accept all cookies or manage preferences.</div>
<article>
<h1>Port strike ends after wage deal</h1>
<p>Dock workers at the Port of Rotterdam returned to work on Thursday after unions and terminal operators agreed a new wage deal.</p>
<p>The strike had left container ships waiting at anchor for a week, the port authority said, and cost shippers millions of euros.</p>
<p>Union leaders said the agreement raises wages by 6 percent over two years.</p>
</article>
<aside class="related"><h3>Related</h3><a href="/a">Weather: rain expected this weekend</a></aside>
<footer><p>© 2025 Harbour Gazette. All rights reserved.</p><a href="/privacy">Privacy policy</a></footer>
</body></html>
"""


def test_html_page_text_and_metadata(tmp_path: Path) -> None:
    (tmp_path / "strike.html").write_text(PAGE, encoding="utf-8")
    (article,) = load_articles(tmp_path / "strike.html")
    assert article.headline == "Port strike ends after wage deal"
    assert article.outlet == "Harbour Gazette"
    assert article.published == dt.date(2025, 11, 20)
    assert article.body.startswith("Dock workers at the Port of Rotterdam returned to work")
    assert "raises wages by 6 percent" in article.body
    for furniture in (
        "tracking script",
        "cookies",
        "Home",
        "Sport",
        "Weather",
        "Privacy",
        "All rights reserved",
        "color: red",
    ):
        assert furniture not in article.body, furniture


def test_gzipped_html(tmp_path: Path) -> None:
    (tmp_path / "strike.htm.gz").write_bytes(gzip.compress(PAGE.encode("utf-8")))
    (article,) = load_articles(tmp_path)
    assert article.headline == "Port strike ends after wage deal"


def test_outlet_from_title_suffix_when_the_page_has_no_site_name(tmp_path: Path) -> None:
    page = PAGE.replace("Harbour Gazette</title>", "Harbour Gazette</title>").replace(
        "© 2025 Harbour Gazette. All rights reserved.", "All rights reserved."
    )
    (tmp_path / "p.html").write_text(page)
    (article,) = load_articles(tmp_path / "p.html")
    assert article.outlet == "Harbour Gazette"


def test_html_without_article_text_is_reported(tmp_path: Path) -> None:
    (tmp_path / "empty.html").write_text(
        "<html><body><nav><a href='/'>Home</a></nav></body></html>"
    )
    with pytest.raises(InputError, match=r"empty\.html: no article text found in this HTML page"):
        load_articles(tmp_path / "empty.html")


def test_jsonl_feed_with_bad_items(tmp_path: Path) -> None:
    items = [
        {
            "title": "Port strike ends",
            "text": "Dock workers returned to work on Thursday.",
            "url": "https://gazette.example/strike",
            "published": "2025-11-20T08:00:00Z",
            "source": {"name": "Harbour Gazette"},
            "tags": ["ports"],
        },
        {"title": "No text here", "url": "https://gazette.example/empty"},
        "not an object",
        {
            "headline": "Rain ahead",
            "content": "<p>Rain is expected <b>all weekend</b> across the north.</p>",
            "pubDate": "Fri, 21 Nov 2025 06:00:00 GMT",
            "outlet": "Weather Desk",
        },
    ]
    lines = [json.dumps(item) for item in items]
    lines.insert(2, "{broken json")
    feed = tmp_path / "export.jsonl"
    feed.write_text("\n".join(lines) + "\n")

    articles, failures = read_articles([feed])

    assert [(a.headline, a.outlet, a.published) for a in articles] == [
        ("Port strike ends", "Harbour Gazette", dt.date(2025, 11, 20)),
        ("Rain ahead", "Weather Desk", dt.date(2025, 11, 21)),
    ]
    assert articles[0].url == "https://gazette.example/strike"
    assert articles[0].source == f"{feed}:1"
    assert articles[1].body == "Rain is expected all weekend across the north."
    assert [(f.source, f.reason) for f in failures] == [
        (f"{feed}:2", "item has no text (text, content or body)"),
        (f"{feed}:3", "invalid JSON: Expecting property name enclosed in double quotes"),
        (f"{feed}:4", "item is a str, not an object"),
    ]


def test_json_feed_object_with_items(tmp_path: Path) -> None:
    feed = tmp_path / "feed.json"
    feed.write_text(
        json.dumps(
            {
                "version": "1.1",
                "items": [
                    {"title": "One", "content_text": "First item text."},
                    {"title": "Two", "content_text": "Second item text."},
                ],
            }
        )
    )
    assert [a.source for a in load_articles(feed)] == [f"{feed}#1", f"{feed}#2"]


def test_invalid_json_file_is_one_error(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text("[{")
    with pytest.raises(InputError, match=r"bad.json: invalid JSON at line 1"):
        load_articles(tmp_path / "bad.json")


# What public extraction benchmarks' pages showed (benchmarks/public_reading.py): each of these
# lost most of an article's text.


def _page(title: str, body_html: str, lang: str = "en") -> str:
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>'
        f"</head><body><article><h1>{title}</h1>{body_html}</article></body></html>"
    )


def test_a_japanese_page_is_read_though_it_has_no_spaces(tmp_path: Path) -> None:
    # Mainichi's page: 711 characters of Japanese are seven "words" to str.split().
    text = (
        "政府は１８日、北京で開かれた日中外務省局長級協議の結果を発表した。",
        "双方は首脳の発言をめぐって意見を交わしたが、溝は埋まらなかった。",
        "次回の協議の日程は決まっていないという。",
    )
    page = tmp_path / "mainichi.html"
    page.write_text(_page("日中協議、溝埋まらず", "".join(f"<p>{t}</p>" for t in text), "ja"))
    (article,) = load_articles(page)
    assert article.body.split("\n\n") == list(text)


def test_a_list_under_the_headline_is_the_article_not_its_subheadings(tmp_path: Path) -> None:
    # A racing calendar: twelve short lines, then one sentence. Two short lines under a headline
    # are a standfirst; twelve are the article.
    rounds = [f"{n}a etapa: {n + 9} de março – Interlagos" for n in range(1, 13)]
    page = tmp_path / "calendar.html"
    page.write_text(
        _page(
            "Stock Car divulga calendário de 2025",
            "".join(f"<p>{r}</p>" for r in rounds)
            + "<p>A temporada terá doze etapas em oito autódromos do país.</p>",
            "pt",
        )
    )
    (article,) = load_articles(page)
    assert article.body.split("\n\n")[:12] == rounds
    assert article.body.endswith("oito autódromos do país.")


def test_an_advertisement_slot_and_a_copyright_above_the_text_cut_nothing(tmp_path: Path) -> None:
    paragraphs = [
        "The council approved the budget on Tuesday after a six-hour debate in the chamber.",
        "Advertisement",
        "Opposition members said the spending plans relied on optimistic forecasts of revenue.",
        "The mayor said the vote settled the matter until the next election, in two years.",
    ]
    page = tmp_path / "council.html"
    page.write_text(
        _page(
            "Council approves budget",
            "<p>© 2002, 2003</p>" + "".join(f"<p>{p}</p>" for p in paragraphs),
        )
    )
    (article,) = load_articles(page)
    assert article.body.split("\n\n") == [p for p in paragraphs if p != "Advertisement"]

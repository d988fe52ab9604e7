"""HTML pages → `Article`, through trafilatura: the article's text without scripts, navigation,
cookie banners or footers, and the page's own title, date and site name."""

from __future__ import annotations

import re

import trafilatura

from .._article import Article, count_words, outlet_from_title, parse_article, parse_date
from .._control import clean_text
from .._errors import InputError
from ._decode import decode_text

__all__ = ["HTML_SUFFIXES", "html_fragment_text", "parse_html"]

HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml"})
MIN_WORDS = 8
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


def html_fragment_text(fragment: str) -> str:
    """The text of an HTML fragment (a feed item's content), one paragraph a line."""
    wrapped = f"<html><body><article>{clean_text(fragment)}</article></body></html>"
    return trafilatura.extract(wrapped, include_comments=False) or trafilatura.html2txt(wrapped)


def parse_html(data: bytes | str, source: str) -> Article:
    """The article in an HTML page; `InputError` when the page holds no article text."""
    html = data if isinstance(data, str) else decode_text(data, source)
    # Before the parser: it drops a lone ESC but keeps the rest of its sequence ("[2J]0;title")
    # as text, where `parse_article` could no longer tell it from words.
    html = clean_text(html)
    # Tables kept: a results table, a calendar or a standings list is the article itself on
    # the pages that have one (benchmarks/public_reading.py: 95.4% → 96.2% of the expected text
    # kept over 559 public pages, Portuguese 81.9% → 99.5%, with 5.1% → 5.2% of other text).
    # No `deduplicate=True`: trafilatura's deduplication remembers texts across calls, and would
    # drop a page read a second time in the same process.
    document = trafilatura.bare_extraction(
        html, with_metadata=True, include_comments=False, include_tables=True
    )
    text = getattr(document, "text", None) if document is not None else None
    # trafilatura falls back to whatever text a page has; a menu is not an article.
    if not text or count_words(text) < MIN_WORDS:
        raise InputError(source, "no article text found in this HTML page")
    title = getattr(document, "title", None)
    page_title = _TITLE.search(html)
    outlet = getattr(document, "sitename", None) or (
        outlet_from_title(" ".join(page_title[1].split()), title) if page_title else None
    )
    date = getattr(document, "date", None)
    return parse_article(
        text,
        source,
        headline=title or None,
        outlet=outlet or None,
        published=parse_date(date) if date else None,
        url=getattr(document, "url", None) or None,
    )

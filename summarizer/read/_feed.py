"""JSON and JSON Lines feeds → `Article`s, one per item; a bad item is reported, not fatal.

An item is an object with the text in `text`, `content`, `body` or `content_text` (HTML allowed),
and optionally `title`/`headline`, `url`/`link`, `published`/`date`/`pubDate`, and
`outlet`/`source`/`publisher` (a string, or an object with a `name`). Other fields are ignored.
A JSON file holds a list of items, or an object with the list under `items`, `articles`,
`entries` or `data`.
"""

from __future__ import annotations

import json
import re
from typing import Any

from .._article import Article, parse_article, parse_date
from .._errors import InputError
from ._html import html_fragment_text

__all__ = ["FEED_SUFFIXES", "parse_feed"]

FEED_SUFFIXES = frozenset({".json", ".jsonl", ".ndjson"})
_TEXT_KEYS = ("text", "content", "body", "content_text", "content_html", "description")
_LIST_KEYS = ("items", "articles", "entries", "data")
_HTML_TAG = re.compile(r"<(?:p|div|br|span|a|h[1-6]|article|section)\b", re.IGNORECASE)


def _first(item: dict[str, Any], *keys: str) -> Any:
    for key in keys:
        value = item.get(key)
        if value not in (None, "", [], {}):
            return value
    return None


def _name(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("name") or value.get("title")
    return str(value).strip() or None if value is not None else None


def _item(item: Any, where: str) -> Article:
    if not isinstance(item, dict):
        raise InputError(where, f"item is a {type(item).__name__}, not an object")
    text = _first(item, *_TEXT_KEYS)
    if not isinstance(text, str) or not text.strip():
        raise InputError(where, "item has no text (text, content or body)")
    title = _name(_first(item, "title", "headline"))
    date = _first(item, "published", "date", "pubDate", "date_published", "published_at")
    metadata: dict[str, Any] = {
        "headline": title,
        "outlet": _name(_first(item, "outlet", "source", "publisher", "site_name")),
        "published": parse_date(str(date)) if date is not None else None,
        "url": _name(_first(item, "url", "link")),
    }
    if _HTML_TAG.search(text):
        text = html_fragment_text(text)
    return parse_article(text, where, **metadata)


def _items(text: str, source: str) -> list[tuple[str, Any]]:
    """(where, item) pairs: `where` names the item as `file:line` (JSONL) or `file#n` (JSON)."""
    stripped = text.lstrip()
    if not stripped:
        raise InputError(source, "empty file")
    if source.lower().removesuffix(".gz").endswith(".json"):
        try:
            document = json.loads(text)
        except json.JSONDecodeError as error:
            raise InputError(source, f"invalid JSON at line {error.lineno}: {error.msg}") from None
        if isinstance(document, dict):
            listed = next(
                (document[k] for k in _LIST_KEYS if isinstance(document.get(k), list)), None
            )
            document = listed if listed is not None else [document]
        if not isinstance(document, list):
            raise InputError(source, "not a feed: expected a list of items")
        return [(f"{source}#{n}", item) for n, item in enumerate(document, start=1)]
    pairs: list[tuple[str, Any]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            pairs.append((f"{source}:{number}", json.loads(line)))
        except json.JSONDecodeError as error:
            pairs.append(
                (
                    f"{source}:{number}",
                    InputError(f"{source}:{number}", f"invalid JSON: {error.msg}"),
                )
            )
    return pairs


def parse_feed(text: str, source: str) -> tuple[list[Article], list[InputError]]:
    """The articles of a feed, and one error per item that could not be read."""
    articles: list[Article] = []
    failures: list[InputError] = []
    for where, item in _items(text, source):
        if isinstance(item, InputError):
            failures.append(item)
            continue
        try:
            articles.append(_item(item, where))
        except InputError as error:
            failures.append(error)
    if not articles and not failures:
        raise InputError(source, "the feed has no items")
    return articles, failures

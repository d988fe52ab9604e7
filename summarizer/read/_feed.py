"""JSON and JSON Lines feeds → `Article`s, one per item; a bad item is reported, not fatal.

An item is an object with the text in `text`, `content`, `body` or `content_text` (HTML allowed),
and optionally `title`/`headline`, `url`/`link`, `published`/`date`/`pubDate`, and
`outlet`/`source`/`publisher` (a string, or an object with a `name`). Other fields are ignored.
A JSON file holds a list of items, or an object with the list under `items`, `articles`,
`entries` or `data`.

A hostile file costs only itself, or in JSON Lines only its own lines: JSON nested a million
deep (Python's parser stops at its recursion limit), a number of 100,000 digits (Python refuses
to convert more than `sys.get_int_max_str_digits()` of them) and a line with a NUL byte are each
one reason naming the file or the line.
"""

from __future__ import annotations

import json
import re
from typing import Any

from .._article import Article, parse_article, parse_date
from .._errors import InputError
from ._decode import decode_lines, decode_text
from ._html import html_fragment_text

__all__ = ["FEED_SUFFIXES", "parse_feed"]

FEED_SUFFIXES = frozenset({".json", ".jsonl", ".ndjson"})
_TEXT_KEYS = ("text", "content", "body", "content_text", "content_html", "description")
_LIST_KEYS = ("items", "articles", "entries", "data")
_DATE_KEYS = ("published", "date", "pubDate", "date_published", "published_at")
_HTML_TAG = re.compile(r"<(?:p|div|br|span|a|h[1-6]|article|section)\b", re.IGNORECASE)
TOO_DEEP = "JSON nested too deeply to read (lists or objects inside each other)"


class _LongNumber(str):
    """A number with more digits than Python converts: kept as its digits, refused where used."""


def _number(digits: str) -> int | _LongNumber:
    try:
        return int(digits)
    except ValueError:  # over sys.get_int_max_str_digits()
        return _LongNumber(digits)


def _loads(text: str, where: str, *, one_line: bool = False) -> Any:
    """`json.loads`, with every way it fails on hostile input one `InputError` naming `where`."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        at = "" if one_line else f" at line {error.lineno}"
        raise InputError(where, f"invalid JSON{at}: {error.msg}") from None
    except RecursionError:
        raise InputError(where, TOO_DEEP) from None
    except ValueError:
        pass  # a number too long for int(): read again, the number kept as its digits
    try:
        return json.loads(text, parse_int=_number)
    except RecursionError:
        raise InputError(where, TOO_DEEP) from None


def _first(item: dict[str, Any], *keys: str) -> tuple[str, Any]:
    for key in keys:
        value = item.get(key)
        if value not in (None, "", [], {}):
            return key, value
    return keys[0], None


def _scalar(key: str, value: Any, where: str) -> str | None:
    """A field's value as text: a string or a number; `InputError` for a number nobody wrote."""
    if isinstance(value, _LongNumber):
        raise InputError(where, f"{key} is a number of {len(value.lstrip('-')):,} digits")
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return None  # a list, a nested object: not a name, a link or a date


def _name(item: dict[str, Any], where: str, *keys: str) -> str | None:
    key, value = _first(item, *keys)
    if isinstance(value, dict):
        key, value = _first(value, "name", "title")
    text = _scalar(key, value, where)
    return text.strip() or None if text is not None else None


def _item(item: Any, where: str) -> Article:
    if not isinstance(item, dict):
        kind = "int" if isinstance(item, _LongNumber) else type(item).__name__
        raise InputError(where, f"item is a {kind}, not an object")
    key, text = _first(item, *_TEXT_KEYS)
    if isinstance(text, _LongNumber):
        _scalar(key, text, where)  # raises, naming the field
    if not isinstance(text, str) or not text.strip():
        raise InputError(where, "item has no text (text, content or body)")
    date = _name(item, where, *_DATE_KEYS)
    metadata: dict[str, Any] = {
        "headline": _name(item, where, "title", "headline"),
        "outlet": _name(item, where, "outlet", "source", "publisher", "site_name"),
        "published": parse_date(date) if date is not None else None,
        "url": _name(item, where, "url", "link"),
    }
    if _HTML_TAG.search(text):
        text = html_fragment_text(text)
    return parse_article(text, where, **metadata)


def _json_items(text: str, source: str) -> list[tuple[str, Any]]:
    document = _loads(text, source)
    if isinstance(document, dict):
        listed = next((document[k] for k in _LIST_KEYS if isinstance(document.get(k), list)), None)
        document = listed if listed is not None else [document]
    if not isinstance(document, list):
        raise InputError(source, "not a feed: expected a list of items")
    return [(f"{source}#{n}", item) for n, item in enumerate(document, start=1)]


def _line_items(
    text: str, source: str, unread: dict[int, str]
) -> list[tuple[str, Any | InputError]]:
    pairs: list[tuple[str, Any | InputError]] = []
    # Lines end at "\n" only: a U+2028 or a form feed inside a JSON string is not a line break,
    # though str.splitlines() would break there.
    for number, line in enumerate(text.split("\n"), start=1):
        where = f"{source}:{number}"
        if number in unread:
            pairs.append((where, InputError(where, unread[number])))
        elif line.strip():
            try:
                pairs.append((where, _loads(line, where, one_line=True)))
            except InputError as error:
                pairs.append((where, error))
    return pairs


def _json_lines(source: str) -> bool:
    return not source.lower().removesuffix(".gz").endswith(".json")


def _items(data: bytes, source: str) -> list[tuple[str, Any | InputError]]:
    """(where, item) pairs: `where` names the item as `file:line` (JSONL) or `file#n` (JSON)."""
    if _json_lines(source):
        text, unread = decode_lines(data, source)
    else:
        text, unread = decode_text(data, source), {}
    if not text.strip() and not unread:
        raise InputError(source, "empty file")
    if _json_lines(source):
        return _line_items(text, source, unread)
    return _json_items(text, source)


def parse_feed(data: bytes, source: str) -> tuple[list[Article], list[InputError]]:
    """The articles of a feed, and one error per item (or line) that could not be read."""
    articles: list[Article] = []
    failures: list[InputError] = []
    for where, item in _items(data, source):
        if isinstance(item, InputError):
            failures.append(item)
            continue
        try:
            articles.append(_item(item, where))
        except InputError as error:
            failures.append(error)
        except RecursionError:  # a structure deep enough to pass the parser, not what follows
            failures.append(InputError(where, TOO_DEEP))
    if not articles and not failures:
        raise InputError(source, "the feed has no items")
    return articles, failures

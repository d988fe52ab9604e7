"""Secrets out of text that leaves the process: log lines, error messages, failure reasons.

Servers repeat what they were sent, and a careless one repeats the credentials. What a server
says is also cleaned of control characters (`_control.clean_line`): an escape sequence or a
newline in an error message must not reach the terminal or the briefing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import openai

from ._control import clean_line

__all__ = ["error_message", "one_line", "redact", "server_message"]

_KEY_PATTERN = re.compile(r"\b(?:sk|rk|pk)-[A-Za-z0-9_-]{8,}|Bearer\s+\S+", re.IGNORECASE)
_TITLE = re.compile(r"<title[^>]*>(.*?)</title\s*>", re.IGNORECASE | re.DOTALL)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with every given secret, and anything shaped like an API key, replaced."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "[redacted]")
    return _KEY_PATTERN.sub("[redacted]", text)


def one_line(text: str, limit: int = 300) -> str:
    """`text` on one line, control characters out, whitespace folded, cut at `limit` characters."""
    text = clean_line(text)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _said(body: object, depth: int = 0) -> str | None:
    if isinstance(body, str):
        return body if body.strip() else None
    if isinstance(body, list) and depth < 4:  # FastAPI-style errors: [{"loc": ..., "msg": ...}]
        parts = [_said(item, depth + 1) for item in body[:10]]
        return "; ".join(part for part in parts if part) or None
    if isinstance(body, dict) and depth < 4:
        for key in ("error", "message", "msg", "detail"):
            if key in body and (said := _said(body[key], depth + 1)):
                return said
    return None


def error_message(body: object) -> str | None:
    """The message in an error body: `error.message` in OpenAI's shape, an `error` string (LM
    Studio), or `message`/`msg`/`detail` (Ollama, FastAPI-based servers); None if it has none."""
    return _said(body)


def server_message(error: openai.APIStatusError) -> str | None:
    """What the server said about a refused request: the message in its JSON error body, else
    the title of its HTML error page, else its text."""
    said = _said(error.body)
    if said is not None:
        return said
    try:
        text = error.response.text
    except Exception:  # a streamed or already-closed body: no text to show
        return None
    title = _TITLE.search(text[:65536])
    if title is not None and title[1].strip():
        return title[1]
    return text if text.strip() else None

"""Secrets out of text that leaves the process: log lines, error messages, failure reasons.

Servers repeat what they were sent, and a careless one repeats the credentials.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import openai

__all__ = ["one_line", "redact", "server_message"]

_KEY_PATTERN = re.compile(r"\b(?:sk|rk|pk)-[A-Za-z0-9_-]{8,}|Bearer\s+\S+", re.IGNORECASE)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with every given secret, and anything shaped like an API key, replaced."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "[redacted]")
    return _KEY_PATTERN.sub("[redacted]", text)


def one_line(text: str, limit: int = 300) -> str:
    """`text` on one line, whitespace folded, cut at `limit` characters."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _said(body: object, depth: int = 0) -> str | None:
    if isinstance(body, str):
        return body if body.strip() else None
    if isinstance(body, list):  # FastAPI-style validation errors: [{"loc": ..., "msg": ...}]
        parts = [_said(item, depth + 1) for item in body]
        return "; ".join(part for part in parts if part) or None
    if isinstance(body, dict) and depth < 4:
        for key in ("error", "message", "msg", "detail"):
            if key in body and (said := _said(body[key], depth + 1)):
                return said
    return None


def server_message(error: openai.APIStatusError) -> str | None:
    """What the server said about a refused request: `error.message` in OpenAI's shape, or the
    `error` string some servers send (LM Studio), or `message`/`detail` (Ollama, FastAPI-based
    servers such as Mistral's and vLLM's)."""
    said = _said(error.body)
    if said is not None:
        return said
    try:
        text = error.response.text
    except Exception:  # a streamed or already-closed body: no text to show
        return None
    return text if text.strip() else None

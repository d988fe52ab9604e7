"""Secrets out of text that leaves the process: log lines, error messages, failure reasons.

Servers repeat what they were sent, and a careless one repeats the credentials.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["one_line", "redact"]

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

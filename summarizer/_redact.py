"""Secrets out of text that leaves the process: log lines, error messages, failure reasons.

Servers repeat what they were sent, and a careless one repeats the credentials. What a server
says is also cleaned of control characters (`_control.clean_line`): an escape sequence or a
newline in an error message must not reach the terminal or the briefing.
"""

from __future__ import annotations

import base64
import json
import re
import urllib.parse
from collections.abc import Iterable
from typing import TYPE_CHECKING

from ._control import clean_line

if TYPE_CHECKING:
    import openai

__all__ = ["error_message", "one_line", "redact", "server_message"]

REDACTED = "[redacted]"
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


# --- credentials inside a URL ------------------------------------------------------------------

# A query parameter (or fragment pair) whose name says its value is a secret: api-key, apikey,
# access_token, client_secret anywhere in the name; sig (Azure SAS), X-Amz-Signature, password,
# auth, code, session as a word of it (so that `design` or `author` are left alone).
_SECRET_PARAMETER = re.compile(
    r"key|token|secret|(?:^|[-_.])(?:sig|signature|pass|password|passwd|pwd|auth|authorization"
    r"|credentials?|session|sessionid|code)(?:$|[-_.])",
    re.IGNORECASE,
)
_PAIR = re.compile(r"(?P<lead>[?&;#](?P<name>[^=&;#\s\"'<>]*)=)(?P<value>[^&;#\s\"'<>]*)")
# scheme://userinfo@ : everything before the last '@' of the authority
_USERINFO = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.-]*://)(?P<userinfo>[^\s/?#\"'<>]*)@")
# A secret shorter than this is redacted where it stands in a URL, but not wherever else its
# letters happen to appear (a password "news" in every article).
_SHORTEST_SCRUBBED = 6


def without_credentials(text: str) -> str:
    """`text` with the credentials of any URL in it redacted: a password (the user name kept), a
    user name standing alone (often a token), the values of query parameters named like secrets:
    `https://user:[redacted]@host/v1?api-key=[redacted]&api-version=2024-06-01`. Applying it
    twice gives the same text, so a redacted URL can be looked up by redacting the raw one."""

    def userinfo(match: re.Match[str]) -> str:
        user, colon, _ = match["userinfo"].partition(":")
        return match["scheme"] + (f"{user}:{REDACTED}@" if colon else f"{REDACTED}@")

    def pair(match: re.Match[str]) -> str:
        if _SECRET_PARAMETER.search(urllib.parse.unquote(match["name"])) and match["value"]:
            return match["lead"] + REDACTED
        return match[0]

    return _PAIR.sub(pair, _USERINFO.sub(userinfo, text))


def url_secrets(url: str) -> list[str]:
    """The secrets of one URL, as they may be repeated elsewhere: raw, percent-decoded, as the
    Basic authorization the client builds from them, and as JSON writes them; for `redact`, to
    keep them out of what a server repeats. Those shorter than 6 characters are left out: they
    are redacted where they stand in a URL (`without_credentials`), not wherever their letters
    appear."""
    found: set[str] = set()
    match = _USERINFO.search(url)
    if match is not None:
        user, colon, password = match["userinfo"].partition(":")
        found.update([password] if colon else [user])
        if colon:
            for pair in {f"{user}:{password}", urllib.parse.unquote(f"{user}:{password}")}:
                found.add(base64.b64encode(pair.encode()).decode())
    for each in _PAIR.finditer(url):
        if _SECRET_PARAMETER.search(urllib.parse.unquote(each["name"])):
            found.add(each["value"])
    found |= {urllib.parse.unquote(secret) for secret in found}
    found |= {json.dumps(secret)[1:-1] for secret in found}
    # The longest first, so that no part of a longer secret is left beside a redacted shorter one.
    kept = [secret for secret in found if len(secret) >= _SHORTEST_SCRUBBED and secret != REDACTED]
    return sorted(kept, key=len, reverse=True)

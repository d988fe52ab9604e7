"""The model endpoint's HTTP, held within bounds: where a request may go, how long an answer may
take, how much of it is read, and what counts as an answer at all.

A server can be wrong in ways the openai client takes at face value: a 307 to another address
(the client would post the articles there), a body of 50 MB (read whole into memory), one byte a
second (each read is within the client's timeout, so the request never ends), an HTTP 200 whose
body is a gateway's error, an HTML page or not UTF-8 (parsed into nothing, and failing later with
an error that says nothing of the server). Here each becomes an `UnusableAnswer` whose reason
says what the server sent, on one line, cleaned of control characters and secrets.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from urllib.parse import urlsplit

import httpx2
import openai

from ._control import clean_line
from ._redact import error_message, one_line, redact

__all__ = [
    "ANSWER_BYTES_PER_TOKEN",
    "AnswerTooLarge",
    "RedirectRefused",
    "UnusableAnswer",
    "answer_body_limit",
    "guarded_http_client",
    "guarded_sync_http_client",
    "unusable_body",
]

# A token is about four characters; a character is at most a six-byte `\uXXXX` escape, seven
# inside tool-call arguments (a JSON string within the JSON): 28 bytes a token at the very worst,
# so 128 leaves room for a server's extra fields (usage, reasoning text, logprobs) as well.
ANSWER_BYTES_PER_TOKEN = 128
_SMALLEST_LIMIT = 1 << 20  # error pages and small token limits: never below 1 MiB


class UnusableAnswer(openai.APIError):
    """The endpoint answered, but with nothing an answer can be read from. `reason` is one clean
    line naming what it sent; `transient` says whether another attempt could fare better."""

    def __init__(self, reason: str, request: httpx2.Request, *, transient: bool) -> None:
        super().__init__(reason, request, body=None)
        self.reason = reason
        self.transient = transient


class AnswerTooLarge(UnusableAnswer):
    """The body passed the size limit; what came after it was not read."""


class RedirectRefused(UnusableAnswer):
    """The endpoint redirected to another origin: the request is not sent there."""


def answer_body_limit(max_output_tokens: int) -> int:
    """The most bytes one answer's body may have: the largest answer asked for (twice
    `max_output_tokens`, after a cut-off answer) at `ANSWER_BYTES_PER_TOKEN` each."""
    return max(2 * max_output_tokens * ANSWER_BYTES_PER_TOKEN, _SMALLEST_LIMIT)


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"


def _shown(text: str, secrets: Iterable[str], limit: int = 300) -> str:
    """Server text as it may be shown: secrets out, control characters out, one line."""
    return one_line(redact(clean_line(text), secrets), limit)


def _origin(url: httpx2.URL) -> tuple[str, str, int | None]:
    default = {"http": 80, "https": 443}.get(url.scheme)
    return url.scheme, url.host, url.port or default


def _where(url: httpx2.URL) -> str:
    """Where a URL points, without its query or credentials: they may hold a token."""
    parts = urlsplit(str(url))
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}"


class _CappedStream(httpx2.AsyncByteStream):
    """A response body that stops at `limit` bytes: past it, `too_large` is raised and the rest
    is never read, so a huge body costs `limit` bytes of memory, not its size."""

    def __init__(
        self, inner: httpx2.AsyncByteStream, limit: int, too_large: Callable[[], Exception]
    ) -> None:
        self._inner, self._limit, self._too_large = inner, limit, too_large

    async def __aiter__(self) -> AsyncIterator[bytes]:
        seen = 0
        async for chunk in self._inner:
            seen += len(chunk)
            if seen > self._limit:
                raise self._too_large()
            yield chunk

    async def aclose(self) -> None:
        await self._inner.aclose()


def _refuse_another_origin(response: httpx2.Response, secrets: list[str]) -> None:
    """Raise `RedirectRefused` when `response` redirects to another scheme, host or port."""
    if not response.has_redirect_location:
        return
    request = response.request
    target = request.url.join(response.headers["location"])
    if _origin(target) != _origin(request.url):
        where = _shown(_where(target), secrets)
        raise RedirectRefused(
            f"the model endpoint redirected the request (HTTP {response.status_code}) "
            f"to another server, {where}: not followed, so the articles and the key go "
            "only where --base-url points (set it to that address if you trust it)",
            request,
            transient=False,
        )


def _response_guard(
    limit: int | None, secrets: list[str]
) -> Callable[[httpx2.Response], Awaitable[None]]:
    """An httpx response hook, run on every response before its body is read (redirects too)."""

    async def guard(response: httpx2.Response) -> None:
        request = response.request
        _refuse_another_origin(response, secrets)
        if limit is None:
            return
        encodings = {
            value.strip().lower()
            for value in response.headers.get_list("content-encoding", split_commas=True)
        } - {"identity", ""}
        if encodings:
            # We ask for identity: a body compressed anyway could inflate past any limit.
            named = _shown(", ".join(sorted(encodings)), secrets, 60)
            raise UnusableAnswer(
                f"the model endpoint sent a compressed body ({named}) though none was asked for",
                request,
                transient=False,
            )

        def too_large() -> AnswerTooLarge:
            return AnswerTooLarge(
                f"the model endpoint sent more than {_megabytes(limit)} for one answer "
                f"(HTTP {response.status_code}), far more than the output token limit allows: "
                "not read further",
                request,
                transient=False,
            )

        declared = response.headers.get("content-length", "")
        if declared.strip().isdigit() and int(declared) > limit:
            raise too_large()
        if isinstance(response.stream, httpx2.AsyncByteStream):
            response.stream = _CappedStream(response.stream, limit, too_large)

    return guard


def guarded_http_client(*, body_limit: int | None, secrets: list[str]) -> httpx2.AsyncClient:
    """The httpx client for a model endpoint: the openai client's defaults, plus the guard above
    (no redirect to another origin; with `body_limit`, no body past it and none compressed)."""
    client = openai.DefaultAsyncHttpxClient(
        event_hooks={"response": [_response_guard(body_limit, secrets)]}
    )
    if body_limit is not None:
        client.headers["accept-encoding"] = "identity"
    return client


def guarded_sync_http_client(*, secrets: list[str]) -> httpx2.Client:
    """The same guard against a redirect to another origin, for a synchronous client (the
    embeddings, sent from threads while the day is read)."""

    def guard(response: httpx2.Response) -> None:
        _refuse_another_origin(response, secrets)

    return openai.DefaultHttpxClient(event_hooks={"response": [guard]})


_TITLE = re.compile(r"<title[^>]*>(.*?)</title\s*>", re.IGNORECASE | re.DOTALL)
_HTML = re.compile(r"^\s*(?:<!doctype\s+html|<html|<head|<body|<title|<h1|<center|<div|<p\b)", re.I)


def _preview(body: bytes, secrets: Iterable[str], limit: int = 80) -> str:
    return _shown(body[:2000].decode("utf-8", "replace"), secrets, limit)


def _not_json(body: bytes, content_type: str, secrets: Iterable[str]) -> str:
    text = body[:65536].decode("utf-8", "replace")
    if not text.strip():
        return "an empty body"
    if "html" in content_type.lower() or _HTML.match(text):
        title = _TITLE.search(text)
        if title is not None and (shown := _shown(title[1], secrets, 120)):
            return f"an HTML page ('<title>{shown}</title>…')"
        return f"an HTML page ('{_preview(body, secrets)}')"
    return f"something that is not JSON ('{_preview(body, secrets)}')"


def _what_it_holds(body: bytes, content_type: str, secrets: Iterable[str]) -> str | None:
    try:
        data = json.loads(body)  # bytes: UTF-8, as JSON must be (or UTF-16/32, detected)
    except UnicodeDecodeError as error:
        return (
            f"a body that is not UTF-8 text (byte {error.start:,} of {len(body):,} "
            f"is 0x{body[error.start]:02x})"
        )
    except (ValueError, RecursionError):
        return _not_json(body, content_type, secrets)
    if not isinstance(data, dict):
        return f"JSON that is not a chat completion (a {type(data).__name__}, not an object)"
    choices = data.get("choices")
    if isinstance(choices, list) and choices:
        first = choices[0]
        if isinstance(first, dict) and isinstance(first.get("message"), dict):
            return None
        return "a choice without a message"
    said = error_message(data)
    if said is not None:
        return f"an error instead of an answer: {_shown(said, secrets)}"
    if choices == []:
        return "no choices (an empty list)"
    keys = _shown(", ".join(str(key) for key in list(data)[:8]), secrets, 120)
    return f"JSON without 'choices' (its keys: {keys or 'none'})"


def unusable_body(
    status: int, body: bytes, content_type: str, secrets: Iterable[str] = ()
) -> str | None:
    """None when `body` holds a chat completion with a message; else one line saying what the
    server sent instead ("the model endpoint answered HTTP 200 with an HTML page (...)")."""
    what = _what_it_holds(body, content_type, secrets)
    return None if what is None else f"the model endpoint answered HTTP {status} with {what}"

"""The model endpoint's HTTP, held within bounds: where a request may go, how long an answer may
take, how much of it is read, and what counts as an answer at all.

A server can be wrong in ways the openai client takes at face value: a 307 to another address
(the client would post the articles there), a body of 50 MB (read whole into memory), one byte a
second (each read is within the client's timeout, so the request never ends), an HTTP 200 whose
body is a gateway's error, an HTML page or not UTF-8 (parsed into nothing, and failing later with
an error that says nothing of the server), an HTTP 500 that is a refusal of the request rather
than a failure (llama-cpp-python's answer to a request it cannot validate). Here each becomes an
`UnusableAnswer` whose reason says what the server sent, on one line, cleaned of control
characters and secrets.

A streamed answer (`text/event-stream`, see `EventStreamDecoder` and `ChunkAssembly`) is read
event by event and put back together into the chat completion the server would have sent
unstreamed, so that everything after the transport sees no difference.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx2
import openai

from ._control import clean_line
from ._redact import error_message, one_line, redact

__all__ = [
    "ANSWER_BYTES_PER_TOKEN",
    "AnswerTooLarge",
    "ChunkAssembly",
    "EventStreamDecoder",
    "ModelRepeatsItself",
    "ModelWentSilent",
    "RECENT_CHARACTERS",
    "RedirectRefused",
    "RequestRefused",
    "STREAMED_BYTES_PER_TOKEN",
    "UnusableAnswer",
    "answer_body_limit",
    "guarded_http_client",
    "guarded_sync_http_client",
    "is_event_stream",
    "streamed_body_limit",
    "unusable_body",
    "validation_refusal",
]

# A token is about four characters; a character is at most a six-byte `\uXXXX` escape, seven
# inside tool-call arguments (a JSON string within the JSON): 28 bytes a token at the very worst,
# so 128 leaves room for a server's extra fields (usage, reasoning text, logprobs) as well.
ANSWER_BYTES_PER_TOKEN = 128
# Streamed, each token is an event of its own, its text wrapped in a chunk's JSON: 200 to 300
# bytes from llama.cpp's server, 300 to 450 from llama-cpp-python's (which repeats the tool's
# name and call id in every event), more with a long model name; 1 KiB leaves room for those.
# A stream is parsed as it comes, so the limit bounds the bytes read, not the memory held.
STREAMED_BYTES_PER_TOKEN = 1024
_SMALLEST_LIMIT = 1 << 20  # error pages and small token limits: never below 1 MiB
EVENT_STREAM = "text/event-stream"


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


class ModelRepeatsItself(UnusableAnswer):
    """A streamed answer went round in a loop (`extract._limits.repeats_itself`): it is not read
    further, and the same request is not sent again — it would loop again. `tokens`: what had
    come when it was stopped."""

    def __init__(self, reason: str, request: httpx2.Request, *, tokens: int) -> None:
        super().__init__(reason, request, transient=False)
        self.tokens = tokens


class ModelWentSilent(UnusableAnswer):
    """A streamed answer stopped coming for the silence timeout. Never retried: the server may
    still be working on the request, and a second copy would only queue behind the first."""

    def __init__(self, reason: str, request: httpx2.Request, *, tokens: int) -> None:
        super().__init__(reason, request, transient=False)
        self.tokens = tokens


class RequestRefused(UnusableAnswer):
    """The endpoint refused the request as invalid, whatever its status said (an HTTP 500 with a
    validation error): the same request would be refused again, so it is not retried."""


def answer_body_limit(max_output_tokens: int) -> int:
    """The most bytes one answer's body may have: the largest answer asked for (twice
    `max_output_tokens`, after a cut-off answer) at `ANSWER_BYTES_PER_TOKEN` each."""
    return max(2 * max_output_tokens * ANSWER_BYTES_PER_TOKEN, _SMALLEST_LIMIT)


def streamed_body_limit(max_output_tokens: int) -> int:
    """The most bytes one streamed answer may have: the same largest answer at
    `STREAMED_BYTES_PER_TOKEN`, a token an event."""
    return max(2 * max_output_tokens * STREAMED_BYTES_PER_TOKEN, _SMALLEST_LIMIT)


def is_event_stream(headers: Mapping[str, str]) -> bool:
    """Whether a response's content type says it is a stream of server-sent events."""
    return headers.get("content-type", "").split(";", 1)[0].strip().lower() == EVENT_STREAM


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
    body_limit: int | None, stream_limit: int | None, secrets: list[str]
) -> Callable[[httpx2.Response], Awaitable[None]]:
    """An httpx response hook, run on every response before its body is read (redirects too)."""

    async def guard(response: httpx2.Response) -> None:
        request = response.request
        _refuse_another_origin(response, secrets)
        if body_limit is None:
            return
        limit = body_limit
        if stream_limit is not None and is_event_stream(response.headers):
            limit = stream_limit
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


def guarded_http_client(
    *, body_limit: int | None, secrets: list[str], stream_limit: int | None = None
) -> httpx2.AsyncClient:
    """The httpx client for a model endpoint: the openai client's defaults, plus the guard above
    (no redirect to another origin; with `body_limit`, no body past it and none compressed; an
    event stream is held to `stream_limit` instead, when given)."""
    client = openai.DefaultAsyncHttpxClient(
        event_hooks={"response": [_response_guard(body_limit, stream_limit, secrets)]}
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


# --- a refusal sent as a failure ---------------------------------------------------------------

# pydantic's own text ("1 validation error for Request\nresponse_format.type\n  Input should be
# ...") and FastAPI's RequestValidationError as llama-cpp-python's server sends it as HTTP 500
# (llama_cpp/server/errors.py wraps every exception its route raises in an "internal_server_error",
# the request's validation too): "1 validation error:\n  {'type': 'literal_error', 'loc': ('body',
# 'response_format', 'type'), 'msg': "Input should be 'text' or 'json_object'", 'input': ...}".
_VALIDATION = re.compile(r"^\s*(?P<count>\d+) validation errors?\b", re.IGNORECASE)
_STRING = r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\""
_REPR_LOC = re.compile(r"'loc':\s*(?P<loc>\((?:[^()'\"]|" + _STRING + r")*\))")
_REPR_MSG = re.compile(r"'msg':\s*(?P<msg>" + _STRING + ")")
_REPR_INPUT = re.compile(r"'input':\s*(?P<input>" + _STRING + r"|[-\w.]+)")
_PLAIN = re.compile(
    r"validation errors? for [^\n]*\n(?P<loc>[^\n]+)\n\s+(?P<msg>[^\n\[]+?)\s*"
    r"(?:\[type=[^,\]]*(?:, input_value=(?P<input>[^,\]]*))?|$)",
    re.MULTILINE,
)


def _literal(text: str | None) -> Any:
    if text is None:
        return None
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return text


def _validation_parts(message: str) -> tuple[str, str, str | None] | None:
    """The first error's location, message and input, from either form of pydantic's text."""
    loc, msg = _REPR_LOC.search(message), _REPR_MSG.search(message)
    if loc is not None and msg is not None:
        where = _literal(loc["loc"])
        parts = list(where) if isinstance(where, tuple) else [where]
        if parts[:1] == ["body"]:
            parts = parts[1:]  # FastAPI's: where in the request, and the request is the body
        given = _REPR_INPUT.search(message)
        text = _literal(msg["msg"])
        shown_input = repr(_literal(given["input"])) if given is not None else None
        return ".".join(str(part) for part in parts), str(text), shown_input
    plain = _PLAIN.search(message)
    if plain is not None:
        return plain["loc"].strip(), plain["msg"].strip(), plain["input"]
    return None


def validation_refusal(status: int, message: str | None) -> str | None:
    """When an HTTP 500's message is a validation error of the request (not a crash or an
    overload): what was refused, on one line ("response_format.type: Input should be 'text' or
    'json_object', not 'json_schema'"); else None. Another attempt would be refused the same."""
    if status != 500 or not message:
        return None
    found = _VALIDATION.match(message)
    if found is None:
        return None
    count = int(found["count"])
    more = f" (and {count - 1:,} more)" if count > 1 else ""
    parts = _validation_parts(message)
    if parts is None:
        return one_line(message.split("\n", 1)[0], 200)
    where, what, given = parts
    given_part = f", not {given}" if given is not None and len(given) <= 60 else ""
    return one_line(f"{where}: {what}{given_part}{more}" if where else f"{what}{more}", 300)


# --- a streamed answer -------------------------------------------------------------------------


class EventStreamDecoder:
    """Server-sent events from a response's bytes, read as the HTML standard says
    (https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation):
    a line ends in CRLF, LF or CR; a line that begins with ':' is a comment — the keep-alive that
    llama.cpp's server sends as ':' every 30 s of silence (`sse_ping_interval`), and
    sse-starlette (llama-cpp-python's server) as ': ping - <time>' every 15 s — and is counted in
    `comments`, nothing more; the `data` lines of an event are joined; an empty line ends it.

    One event is held to `event_limit` bytes, so a line that never ends costs no more memory."""

    def __init__(self, event_limit: int, request: httpx2.Request) -> None:
        self._event_limit, self._request = event_limit, request
        self._pending = bytearray()
        self._data: list[bytes] = []
        self._size = 0
        self.comments = 0

    def feed(self, chunk: bytes) -> list[bytes]:
        """The data of each event `chunk` completes."""
        self._pending += chunk
        if len(self._pending) + self._size > self._event_limit:
            raise AnswerTooLarge(
                f"the model endpoint streamed an event of more than "
                f"{_megabytes(self._event_limit)}, more than a whole answer may be: "
                "not read further",
                self._request,
                transient=False,
            )
        if b"\n" not in chunk and b"\r" not in chunk:
            return []  # the line goes on: nothing to look at yet
        lines = bytes(self._pending).splitlines(keepends=True)
        self._pending = bytearray()
        if lines and not lines[-1].endswith(b"\n"):
            # Unfinished, or ending in a CR that may be the first half of a CRLF.
            self._pending += lines.pop()
        events: list[bytes] = []
        for line in lines:
            self._line(line.rstrip(b"\r\n"), events)
        return events

    def finish(self) -> list[bytes]:
        """What the stream's end completes: an event whose closing empty line never came, which
        the standard drops, is taken (some servers close right after `data: [DONE]`)."""
        events: list[bytes] = []
        if self._pending:
            self._line(bytes(self._pending).rstrip(b"\r\n"), events)
            self._pending = bytearray()
        self._line(b"", events)
        return events

    def _line(self, line: bytes, events: list[bytes]) -> None:
        if not line:
            if self._data:
                events.append(b"\n".join(self._data))
            self._data, self._size = [], 0
        elif line.startswith(b":"):
            self.comments += 1
        else:
            name, _, value = line.partition(b":")
            if name == b"data":
                value = value[1:] if value.startswith(b" ") else value
                self._data.append(value)
                self._size += len(value)


DONE = object()
"""What `stream_event` returns for `data: [DONE]`, the end of an OpenAI-style stream."""


def stream_event(data: bytes, request: httpx2.Request, secrets: Iterable[str], tokens: int) -> Any:
    """One event's data as a chunk (a dict), or `DONE`; an `UnusableAnswer` saying what the server
    sent when it is neither, or an error (llama.cpp's server ends a stream that fails with
    `data: {"error": {...}}`). Neither is retried: the same server sends the same again."""
    if data.strip() == b"[DONE]":
        return DONE
    try:
        chunk = json.loads(data)
    except UnicodeDecodeError as error:
        what = f"not UTF-8 text (byte {error.start:,} is 0x{data[error.start]:02x})"
    except (ValueError, RecursionError):
        what = f"not JSON ('{_preview(data, secrets)}')"
    else:
        if isinstance(chunk, dict) and "error" in chunk and not chunk.get("choices"):
            said = _shown(error_message(chunk) or "no message", secrets)
            reason = f"the model endpoint stopped its answer with an error after {tokens:,} tokens"
            raise UnusableAnswer(f"{reason}: {said}", request, transient=False)
        if isinstance(chunk, dict):
            return chunk
        what = f"not a chunk (a {type(chunk).__name__}, not an object)"
    raise UnusableAnswer(
        f"the model endpoint streamed an event that is {what}", request, transient=False
    )


@dataclass
class _ToolCallParts:
    id: str | None = None
    type: str | None = None
    name: str | None = None
    arguments: list[str] = field(default_factory=list)


@dataclass
class _ChoiceParts:
    role: str | None = None
    texts: dict[str, list[str]] = field(default_factory=dict)  # content, refusal, reasoning...
    tool_calls: dict[int, _ToolCallParts] = field(default_factory=dict)
    finish_reason: str | None = None


def _once(current: str | None, given: object) -> str | None:
    """An id or name: kept once when a server repeats it in every chunk (llama-cpp-python sends
    the tool's name and call id whole each time), joined when it comes in pieces."""
    if not isinstance(given, str) or not given or given == current:
        return current
    return given if current is None else current + given


_CHUNK_FIELDS = frozenset({"id", "object", "created", "model", "choices", "usage"})
# What `ChunkAssembly.recent_text` keeps: enough for the loop test's 4,000 bytes of the tail.
RECENT_CHARACTERS = 4_000


class ChunkAssembly:
    """The chunks of a streamed chat completion put back together into the completion the server
    would have sent unstreamed — what `openai.lib.streaming.chat.ChatCompletionStreamState` does,
    but for three things: the text is joined once at the end, where that class rebuilds the whole
    message at every chunk (a 5,000-token answer costs 5,000 rebuilds of a growing message); a
    `finish_reason` of "length" is kept for instructor to diagnose, where its final completion
    raises; and a repeated id or tool name is kept once (`_once`), where it would be concatenated.

    `pieces` counts the chunks that carried text (a token or more of the answer, its reasoning
    or its tool call's arguments); `usage` is the last one a chunk carried (the final chunk, with
    `stream_options: {"include_usage": true}`), or None."""

    def __init__(self) -> None:
        self.pieces = 0
        self.usage: dict[str, Any] | None = None
        self._recent: list[str] = []
        self._recent_chars = 0
        self._first: dict[str, Any] = {}
        self._extra: dict[str, Any] = {}
        self._choices: dict[int, _ChoiceParts] = {}

    def recent_text(self) -> str:
        """The answer's latest text, whatever part of the message it went to: at least the last
        `RECENT_CHARACTERS` of it (all of it when shorter)."""
        return "".join(self._recent)

    def _heard(self, text: str) -> None:
        self._recent.append(text)
        self._recent_chars += len(text)
        while self._recent and self._recent_chars - len(self._recent[0]) >= RECENT_CHARACTERS:
            self._recent_chars -= len(self._recent.pop(0))

    @property
    def finished(self) -> bool:
        """Whether a choice has said why it ended."""
        return any(choice.finish_reason for choice in self._choices.values())

    def add(self, chunk: Mapping[str, Any]) -> bool:
        """Take one chunk; True when it carried text."""
        for key in ("id", "created", "model"):
            if chunk.get(key) is not None:
                self._first.setdefault(key, chunk[key])
        for key, value in chunk.items():
            if key not in _CHUNK_FIELDS and value is not None:
                self._extra[key] = value  # system_fingerprint, llama.cpp's timings, ...
        if isinstance(chunk.get("usage"), dict):
            self.usage = chunk["usage"]
        choices = chunk.get("choices")
        carried = False
        for position, choice in enumerate(choices if isinstance(choices, list) else []):
            if isinstance(choice, dict):
                carried = self._add_choice(choice, position) or carried
        if carried:
            self.pieces += 1
        return carried

    def _add_choice(self, choice: Mapping[str, Any], position: int) -> bool:
        index = choice.get("index", position)
        parts = self._choices.setdefault(
            index if isinstance(index, int) else position, _ChoiceParts()
        )
        if isinstance(choice.get("finish_reason"), str):
            parts.finish_reason = choice["finish_reason"]
        delta = choice.get("delta")
        if not isinstance(delta, dict):
            return False
        carried = False
        for key, value in delta.items():
            if key == "role":
                parts.role = parts.role or (value if isinstance(value, str) else None)
            elif key == "tool_calls":
                for place, call in enumerate(value if isinstance(value, list) else []):
                    if isinstance(call, dict):
                        carried = self._add_tool_call(parts, call, place, self._heard) or carried
            elif key != "function_call" and isinstance(value, str) and value:
                # content, refusal, reasoning_content: text. The deprecated function_call only
                # repeats tool_calls where a server sends both (llama-cpp-python does).
                parts.texts.setdefault(key, []).append(value)
                self._heard(value)
                carried = True
        return carried

    @staticmethod
    def _add_tool_call(
        parts: _ChoiceParts, call: Mapping[str, Any], place: int, heard: Callable[[str], None]
    ) -> bool:
        index = call.get("index", place)
        tool = parts.tool_calls.setdefault(
            index if isinstance(index, int) else place, _ToolCallParts()
        )
        tool.id = _once(tool.id, call.get("id"))
        tool.type = tool.type or (call["type"] if isinstance(call.get("type"), str) else None)
        function = call.get("function")
        if not isinstance(function, dict):
            return False
        named = tool.name is None and isinstance(function.get("name"), str)
        tool.name = _once(tool.name, function.get("name"))
        arguments = function.get("arguments")
        if isinstance(arguments, str) and arguments:
            tool.arguments.append(arguments)
            heard(arguments)
            return True
        return named

    def completion(self) -> dict[str, Any]:
        """The chat completion, as JSON data."""
        choices = []
        for index in sorted(self._choices):
            parts = self._choices[index]
            message: dict[str, Any] = {"role": parts.role or "assistant", "content": None}
            message |= {key: "".join(texts) for key, texts in parts.texts.items()}
            if parts.tool_calls:
                message["tool_calls"] = [
                    {
                        "id": tool.id or f"call_{number}",
                        "type": tool.type or "function",
                        "function": {"name": tool.name or "", "arguments": "".join(tool.arguments)},
                    }
                    for number, tool in sorted(parts.tool_calls.items())
                ]
            choices.append(
                {"index": index, "message": message, "finish_reason": parts.finish_reason}
            )
        completion: dict[str, Any] = {
            "id": self._first.get("id", ""),
            "object": "chat.completion",
            "created": self._first.get("created", 0),
            "model": self._first.get("model", ""),
            "choices": choices,
            **self._extra,
        }
        if self.usage is not None:
            completion["usage"] = self.usage
        return completion

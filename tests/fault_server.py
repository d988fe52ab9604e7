"""A local OpenAI-compatible server that fails on purpose, for fault-injection tests and stress runs.

Started by the tests on a loopback port; the real `openai` client talks to it over real HTTP.
Each request is answered, at the chosen rates, with a transport fault (429 with `retry-after-ms`,
500, 502, 503, a dropped connection, a stall past the client's timeout), a malformed answer (tool
arguments that are not JSON or miss fields, an answer cut off with `finish_reason: "length"`), or
a valid answer written by this server — marked `x-summarizer-authored` like every authored reply.

Which outcome a request gets depends only on the seed, the request's body and how many times that
body was seen, so a run is repeatable whatever order concurrent requests arrive in. The server
counts what it did.

`outcome_for` picks an outcome by what the request holds instead (a story's headline, say), on
every attempt, among the above and the hostile answers a broken gateway or server sends
(`HOSTILE`): an HTTP 200 whose body is an error, an HTML page or not UTF-8; a body trickled a
byte at a time, or of 50 MB (with or without a length), or compressed though not asked to be; an
answer of thousands of items or of enormous texts; a redirect to another server.

A request with `"stream": true` is answered as OpenAI-compatible servers stream (`STREAMING`
says how each outcome goes then): server-sent events over chunked HTTP, a `data: {chunk}` event
a piece of the answer (`piece_chars` characters, `token_interval` seconds apart), a last chunk
with the finish reason, a usage chunk when `stream_options.include_usage` asks for one, and
`data: [DONE]`. Tool calls come as OpenAI sends them (the call's id and name in the first delta,
then arguments only) or, with `tool_deltas="repeat"`, as llama-cpp-python's server does (id and
name again in every delta, beside a deprecated `function_call`); `line_end="\r\n"` writes the
events as sse-starlette does. The streaming faults: a model that goes silent after
`silent_after` pieces, a server that sends keep-alive comments or empty chunks and never a token,
one that never stops, one whose pieces are enormous, an error event mid-stream, a stream cut
off, and llama-cpp-python's HTTP 500 for a request it cannot validate.
"""

from __future__ import annotations

import contextlib
import copy
import gzip
import hashlib
import json
import random
import re
import threading
import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any

from .embeddings_server import embeddings_answer
from .loopback import AUTHORED_HEADER, LoopbackServer, QuietHandler, send_json

HEADERS = {AUTHORED_HEADER: "tests/fault_server.py"}

TRANSPORT_FAULTS = ("429", "500", "502", "503", "drop", "stall")  # also possible: "401"
MALFORMED = ("not_json", "missing_fields", "length")
# A valid answer with one more consequence whose quote is in no article, however often it is
# re-asked: the story is briefed with that item dropped.
UNVERIFIABLE = "unverifiable_item"
HOSTILE = (
    "no_choices",  # 200 with a gateway's error body and no `choices`
    "html",  # 200 with an HTML error page
    "bad_utf8",  # 200 with an answer holding bytes that are not UTF-8
    "trickle",  # headers, then one byte every `trickle_interval` seconds
    "huge",  # a valid answer whose headline is `huge_bytes` long, with its content-length
    "huge_chunked",  # the same, chunked: no length to refuse it by
    "gzip",  # a valid answer, gzip-compressed, though the client asked for none
    "many_items",  # a valid answer with `many_items` parties
    "long_texts",  # a valid answer, its headline 5,000 times over, its bottom line 1,000 times
    "surrogate",  # a valid answer whose headline ends in a lone surrogate, "\ud800"
    "redirect",  # 307 to `redirect_to`, another server
    "same_origin_redirect",  # 307 to this server's own path, answered there
)
STREAMING = (
    "silent_after",  # `silent_after` pieces, then no byte for `stall_seconds`
    "keepalive",  # headers, then only keep-alive comments, every `keepalive_interval` seconds
    "empty_chunks",  # headers, then chunks whose delta holds no text, as often
    "endless",  # pieces of answer, `token_interval` apart, that never end
    "huge_pieces",  # pieces of `huge_piece_bytes` each, past any limit
    "stream_error",  # `silent_after` pieces, then llama.cpp's error event, and the end
    "stream_cut",  # `silent_after` pieces, then the connection closed mid-stream
    "validation_500",  # llama-cpp-python's HTTP 500 for a request its model does not validate
)
# llama_cpp/server/errors.py wraps the route's every exception, FastAPI's validation of the
# request too, as an "internal_server_error" with the exception's text (captured from
# llama-cpp-python 0.3.36 sent `response_format: {"type": "json_schema", ...}`).
VALIDATION_500 = {
    "error": {
        "message": "1 validation error:\n  {'type': 'literal_error', 'loc': ('body', "
        "'response_format', 'type'), 'msg': \"Input should be 'text' or 'json_object'\", "
        "'input': 'json_schema', 'ctx': {'expected': \"'text' or 'json_object'\"}}\n\n  File "
        '"/venv/lib/python3.11/site-packages/llama_cpp/server/app.py", line 376, in '
        "create_chat_completion\n    POST /v1/chat/completions",
        "type": "internal_server_error",
        "param": None,
        "code": None,
    }
}
HTML_PAGE = (
    "<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway"
    "</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)
_PLACEHOLDER = "HEADLINEPLACEHOLDER"
_STREAM_FIELDS = re.compile(rb',"stream":true(?:,"stream_options":\{[^{}]*\})?')

_ARTICLE = re.compile(
    r"<<<ARTICLE (?P<fence>\w+)>>>\nid: (?P<id>\w+)\n.*?headline: (?P<headline>[^\n]*)\n\n"
    r"(?P<body>.*?)\n<<<END ARTICLE (?P=fence)>>>",
    re.DOTALL,
)


def valid_answer(request: dict[str, Any]) -> str:
    """An extraction that verifies: the first article's headline, and its first sentence cited."""
    user = next(m["content"] for m in request["messages"] if m["role"] == "user")
    match = _ARTICLE.search(user)
    assert match is not None, "no article in the request"
    first_sentence = re.split(r"(?<=[.!?])\s+", match["body"].strip(), maxsplit=1)[0]
    quote = " ".join(first_sentence.split()[:20])
    consequence = {
        "citations": [{"article_id": match["id"], "quote": quote, "via": None}],
        "description": first_sentence[:200],
        "domain": "economic",
        "according_to": "outlet",
        "status": "happened",
    }
    return json.dumps(
        {
            "parties": [],
            "actions": [],
            "demands": [],
            "positions": [],
            "consequences": [consequence],
            "timeline": [],
            "disagreements": [],
            "headline": match["headline"][:120],
            "bottom_line": first_sentence[:300],
        }
    )


@dataclass
class StreamRecord:
    """One streamed answer as the server saw it: its outcome, the pieces it wrote, how long the
    client stayed, whether the client left before the end, and how long the request waited for
    the server's one slot before that (`one_at_a_time`)."""

    outcome: str
    pieces: int
    lasted: float
    left: bool
    waited: float = 0.0


def tool_completion(request: dict[str, Any], arguments: str, finish: str) -> dict[str, Any]:
    """A chat completion that calls the request's tool with `arguments`."""
    tool = request["tools"][0]["function"]["name"]
    call = {
        "id": "call_fault",
        "type": "function",
        "function": {"name": tool, "arguments": arguments},
    }
    return {
        "id": "chatcmpl-fault",
        "object": "chat.completion",
        "created": 1763424000,
        "model": request.get("model", "unknown"),
        "system_fingerprint": "authored",
        "choices": [
            {
                "index": 0,
                "finish_reason": finish,
                "message": {"role": "assistant", "content": None, "tool_calls": [call]},
            }
        ],
        "usage": {"prompt_tokens": 500, "completion_tokens": 100, "total_tokens": 600},
    }


def content_completion(request: dict[str, Any], content: str, finish: str) -> dict[str, Any]:
    """A chat completion that answers in its message's content (the JSON modes)."""
    completion = tool_completion({"tools": [{"function": {"name": "-"}}]} | request, "", finish)
    completion["choices"][0]["message"] = {"role": "assistant", "content": content}
    return completion


class FaultServer(LoopbackServer):
    """Serves faults and answers on 127.0.0.1 at the rates given; see the module docstring."""

    def __init__(
        self,
        *,
        seed: int = 0,
        failure_rate: float = 0.0,
        malformed_rate: float = 0.0,
        faults: Sequence[str] = TRANSPORT_FAULTS,
        malformed: Sequence[str] = MALFORMED,
        latency: float = 0.0,
        stall_seconds: float = 2.0,
        retry_after_ms: int = 50,
        echo_key_in_errors: bool = False,
        fault_message: str | None = None,
        fail_first_attempt: bool = False,
        max_in_flight: int | None = None,
        outcome_for: Mapping[str, str] | None = None,
        trickle_interval: float = 0.25,
        huge_bytes: int = 50_000_000,
        many_items: int = 5_000,
        html_title: str = "502 Bad Gateway",
        redirect_to: str | None = None,
        stream_answers: bool = True,
        piece_chars: int = 64,
        token_interval: float = 0.0,
        tool_deltas: str = "openai",
        line_end: str = "\n",
        silent_after: int = 5,
        keepalive_interval: float = 0.05,
        huge_piece_bytes: int = 1_000_000,
        usage: tuple[int, int] = (500, 100),
        one_at_a_time: bool = False,
    ) -> None:
        self.seed, self.failure_rate, self.malformed_rate = seed, failure_rate, malformed_rate
        self.faults, self.malformed = tuple(faults), tuple(malformed)
        self.latency, self.stall_seconds, self.retry_after_ms = (
            latency,
            stall_seconds,
            retry_after_ms,
        )
        self.echo_key_in_errors = echo_key_in_errors
        self.fault_message = fault_message  # what a fault's error body says, if not the default
        # Every request's first attempt gets a fault, every later one an answer: for tests that
        # need a fault to happen whatever the request's bytes.
        self.fail_first_attempt = fail_first_attempt
        # A server that allows this many requests at once, and answers 429 above it.
        self.max_in_flight = max_in_flight
        self.outcome_for = dict(outcome_for or {})
        self.trickle_interval, self.huge_bytes, self.many_items = (
            trickle_interval,
            huge_bytes,
            many_items,
        )
        self.html_title, self.redirect_to = html_title, redirect_to
        # Whether `"stream": true` is honoured; a server that ignores it answers whole.
        self.stream_answers = stream_answers
        self.piece_chars, self.token_interval = piece_chars, token_interval
        self.tool_deltas, self.line_end = tool_deltas, line_end
        self.silent_after, self.keepalive_interval = silent_after, keepalive_interval
        self.huge_piece_bytes = huge_piece_bytes
        self.usage = usage  # the prompt and completion tokens every answer reports
        self.streams: list[StreamRecord] = []
        # One slot, as llama.cpp's server started without --parallel: a request waits, without
        # a byte, until the one before it is answered.
        self._slot = threading.Lock() if one_at_a_time else contextlib.nullcontext()
        # Each trickled answer: how long the client stayed, and how many bytes it got meanwhile.
        self.trickles: list[tuple[float, int]] = []
        # Bytes of the huge answers written before the client left.
        self.huge_written: list[int] = []
        self.paths: list[str] = []
        self.in_flight = 0
        self.most_in_flight = 0
        self.outcomes: Counter[str] = Counter()
        self.requests: list[dict[str, Any]] = []
        self.embedding_requests: list[dict[str, Any]] = []
        self._seen: Counter[str] = Counter()
        self._lock = threading.Lock()
        server = self

        class Handler(QuietHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("content-length", 0)))
                request = json.loads(raw or b"{}")
                if self.path.endswith("/embeddings"):
                    with server._lock:
                        server.embedding_requests.append(request)
                    send_json(self, 200, embeddings_answer(request), HEADERS)
                    return
                with server._lock:
                    limited = server.max_in_flight is not None and (
                        server.in_flight >= server.max_in_flight
                    )
                    if not limited:
                        server.in_flight += 1
                        server.most_in_flight = max(server.most_in_flight, server.in_flight)
                if limited:
                    with server._lock:
                        server.requests.append(request)
                        server.outcomes["429 over the limit"] += 1
                    server._answer(self, "429", request)
                    return
                try:
                    outcome = server._decide(raw)
                    if "redirect" in outcome and "redirected=1" in self.path:
                        outcome = "ok"  # where a same-origin redirect pointed: answered
                    with server._lock:
                        server.requests.append(request)
                        server.paths.append(self.path)
                        server.outcomes[outcome] += 1
                    if server.latency:
                        time.sleep(server.latency)
                    self.arrived = time.monotonic()
                    with server._slot:
                        server._answer(self, outcome, request)
                finally:
                    with server._lock:
                        server.in_flight -= 1

        super().__init__(Handler)

    def _decide(self, raw: bytes) -> str:
        if self.outcome_for:
            text = raw.decode("utf-8", "replace")
            for needle, outcome in self.outcome_for.items():
                if needle in text:
                    return outcome
        # The draw follows the request as asked, not how its answer is carried: the same with
        # `"stream": true` (which the openai client writes after the rest) as without.
        digest = hashlib.sha256(_STREAM_FIELDS.sub(b"", raw)).hexdigest()
        with self._lock:
            self._seen[digest] += 1
            attempt = self._seen[digest]
        rng = random.Random(f"{self.seed}:{digest}:{attempt}")
        if self.fail_first_attempt:
            return rng.choice(self.faults) if attempt == 1 else "ok"
        draw = rng.random()
        if draw < self.failure_rate:
            return rng.choice(self.faults)
        if draw < self.failure_rate + self.malformed_rate:
            return rng.choice(self.malformed)
        return "ok"

    def _answer(
        self, handler: BaseHTTPRequestHandler, outcome: str, request: dict[str, Any]
    ) -> None:
        if outcome == "validation_500":
            send_json(handler, 500, VALIDATION_500, HEADERS)
            return
        streamed = self.stream_answers and request.get("stream") is True
        if outcome in STREAMING or (streamed and outcome not in HOSTILE):
            if outcome == "stall":
                time.sleep(self.stall_seconds)  # no byte, not even the headers
                outcome = "ok"
            if outcome in {"429", "500", "502", "503", "401", "drop"}:
                pass  # an error before the stream starts is sent as it is unstreamed
            else:
                self._stream(handler, outcome, request)
                return
        if outcome in HOSTILE:
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self._hostile(handler, outcome, request)  # the client may give up, as it should
            return
        if outcome == "drop":
            handler.close_connection = True
            return  # no status line at all: the client sees the connection dropped
        if outcome == "stall":
            time.sleep(self.stall_seconds)
            outcome = "ok"  # far too late: the client has given up
        if outcome in {"429", "500", "502", "503", "401"}:
            status = int(outcome)
            message = self.fault_message or f"authored fault {status}"
            if self.echo_key_in_errors:
                # A careless server repeats the credentials it was sent.
                message += f"; you sent {handler.headers.get('authorization')}"
            headers = {AUTHORED_HEADER: "tests/fault_server.py"}
            if status == 429:
                seconds = -(-self.retry_after_ms // 1000)
                headers |= {"retry-after-ms": str(self.retry_after_ms), "retry-after": str(seconds)}
            send_json(handler, status, {"error": {"message": message, "type": "fault"}}, headers)
            return
        arguments, finish = _answer_text(request, outcome)
        if self.token_interval:  # the model writes as slowly unstreamed, and sends it at the end
            time.sleep(self.token_interval * -(-len(arguments) // self.piece_chars))
        if "tools" in request:
            body = tool_completion(request, arguments, finish)
        else:
            body = content_completion(request, arguments, finish)
        body["usage"] = self._usage(request, finish)
        send_json(handler, 200, body, {AUTHORED_HEADER: "tests/fault_server.py"})

    def _usage(self, request: dict[str, Any], finish: str) -> dict[str, int]:
        prompt, completion = self.usage
        if finish == "length":
            # Cut off at the output limit, as a server cuts an answer: all the tokens asked for.
            asked = request.get("max_tokens") or request.get("max_completion_tokens")
            completion = asked if isinstance(asked, int) else completion
        return {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
        }

    # --- streamed answers ----------------------------------------------------------------------

    def _stream(
        self, handler: BaseHTTPRequestHandler, outcome: str, request: dict[str, Any]
    ) -> None:
        """Answer as a stream of server-sent events over chunked HTTP; record how it went."""
        started, pieces, left = time.monotonic(), 0, False
        events = _Events(handler, self.line_end)
        try:
            handler.send_response(200)
            handler.send_header("content-type", "text/event-stream; charset=utf-8")
            handler.send_header("transfer-encoding", "chunked")
            handler.send_header("cache-control", "no-cache")
            handler.send_header(AUTHORED_HEADER, "tests/fault_server.py")
            handler.end_headers()
            for _ in self._stream_events(events, outcome, request):
                pieces += 1
        except (BrokenPipeError, ConnectionResetError):
            left = True
        finally:
            handler.close_connection = True
            with self._lock:
                waited = started - getattr(handler, "arrived", started)
                lasted = time.monotonic() - started
                self.streams.append(StreamRecord(outcome, pieces, lasted, left, waited))

    def _stream_events(
        self, events: _Events, outcome: str, request: dict[str, Any]
    ) -> Iterator[None]:
        """Write the events of `outcome`; yield after each piece of answer."""
        chunk = _ChunkMaker(request)
        if outcome == "keepalive":
            events.data(chunk.delta({"role": "assistant", "content": ""}))
            while True:
                events.comment()
                time.sleep(self.keepalive_interval)
        if outcome == "empty_chunks":
            while True:
                events.data(chunk.delta({"content": ""}))
                time.sleep(self.keepalive_interval)
        if outcome == "huge_pieces":
            while True:
                events.data(chunk.delta({"content": "x" * self.huge_piece_bytes}))
                yield
        text, finish = _answer_text(request, "ok" if outcome in STREAMING else outcome)
        if outcome == "endless":
            text = (text + " ") * 1000
        uses_tools = "tools" in request
        events.data(chunk.delta({"role": "assistant", "content": None if uses_tools else ""}))
        for number, start in enumerate(range(0, len(text), self.piece_chars)):
            if number == self.silent_after and outcome in (
                "silent_after",
                "stream_error",
                "stream_cut",
            ):
                if outcome == "stream_error":
                    error = {"code": 500, "message": "the slot was lost", "type": "server_error"}
                    events.data({"error": error})
                    events.end()
                    return
                if outcome == "stream_cut":
                    events.cut()
                    return
                time.sleep(self.stall_seconds)  # silent: not a byte
            piece = text[start : start + self.piece_chars]
            events.data(chunk.piece(piece, first=number == 0, repeat=self.tool_deltas == "repeat"))
            yield
            if self.token_interval:
                time.sleep(self.token_interval)
        events.data(chunk.delta({}, finish=finish))
        options = request.get("stream_options") or {}
        if options.get("include_usage"):
            events.data(chunk.usage(self._usage(request, finish)))
        events.data_text("[DONE]")
        events.end()

    def _hostile(
        self, handler: BaseHTTPRequestHandler, outcome: str, request: dict[str, Any]
    ) -> None:
        valid = tool_completion(request, valid_answer(request), "tool_calls")
        if outcome == "no_choices":
            gateway = {
                "error": {"message": "upstream model unavailable", "type": "gateway", "code": 502}
            }
            send_json(handler, 200, gateway, HEADERS)
        elif outcome == "html":
            page = HTML_PAGE.format(title=self.html_title).encode()
            _send_bytes(handler, 200, page, {"content-type": "text/html"})
        elif outcome == "bad_utf8":
            body = json.dumps(valid).encode().replace(b"headline", b"head\xff\xfeline", 1)
            _send_bytes(handler, 200, body)
        elif outcome == "trickle":
            self._trickle(handler, json.dumps(valid).encode())
        elif outcome in ("huge", "huge_chunked"):
            self._huge(handler, request, chunked=outcome == "huge_chunked")
        elif outcome == "gzip":
            body = gzip.compress(json.dumps(valid).encode())
            _send_bytes(handler, 200, body, {"content-encoding": "gzip"})
        elif outcome in ("many_items", "long_texts", "surrogate"):
            answer = json.loads(valid_answer(request))
            if outcome == "many_items":
                (consequence,) = answer["consequences"]
                party = {
                    "citations": consequence["citations"], "aliases": [], "kind": "person",
                    "role": "a party", "side": "none",
                }  # fmt: skip
                answer["parties"] = [
                    {"name": f"Party {number}", **party} for number in range(self.many_items)
                ]
            elif outcome == "long_texts":  # the article's own words, over and over
                answer["headline"] = " ".join([answer["headline"]] * 5_000)
                answer["bottom_line"] = " ".join([answer["bottom_line"]] * 1_000)
            else:
                answer["headline"] += " \ud800"
            send_json(
                handler, 200, tool_completion(request, json.dumps(answer), "tool_calls"), HEADERS
            )
        elif outcome in ("redirect", "same_origin_redirect"):
            if outcome == "redirect":
                assert self.redirect_to is not None, "redirect_to is needed"
                location = self.redirect_to
            else:
                location = "/v1/chat/completions?redirected=1"
            _send_bytes(handler, 307, b"", {"location": location})

    def _trickle(self, handler: BaseHTTPRequestHandler, body: bytes) -> None:
        started, sent = time.monotonic(), 0
        try:
            handler.send_response(200)
            handler.send_header("content-type", "application/json")
            handler.send_header("content-length", str(len(body)))
            handler.send_header(AUTHORED_HEADER, "tests/fault_server.py")
            handler.end_headers()
            handler.wfile.flush()
            for byte in body:
                handler.wfile.write(bytes([byte]))
                handler.wfile.flush()
                sent += 1
                time.sleep(self.trickle_interval)
        except (BrokenPipeError, ConnectionResetError):
            pass
        finally:
            with self._lock:
                self.trickles.append((time.monotonic() - started, sent))
            handler.close_connection = True

    def _huge(
        self, handler: BaseHTTPRequestHandler, request: dict[str, Any], *, chunked: bool
    ) -> None:
        """A valid answer whose headline is `huge_bytes` of "x", written a megabyte at a time."""
        answer = json.loads(valid_answer(request)) | {"headline": _PLACEHOLDER}
        body = json.dumps(tool_completion(request, json.dumps(answer), "tool_calls")).encode()
        before, after = body.split(_PLACEHOLDER.encode())
        chunk = b"x" * 1_000_000
        written = 0
        handler.send_response(200)
        handler.send_header("content-type", "application/json")
        if chunked:
            handler.send_header("transfer-encoding", "chunked")
        else:
            handler.send_header("content-length", str(len(before) + self.huge_bytes + len(after)))
        handler.end_headers()
        handler.close_connection = True

        def write(data: bytes) -> None:
            nonlocal written
            if chunked:
                handler.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            else:
                handler.wfile.write(data)
            written += len(data)

        try:
            write(before)
            for start in range(0, self.huge_bytes, len(chunk)):
                write(chunk[: min(len(chunk), self.huge_bytes - start)])
            write(after)
            if chunked:
                handler.wfile.write(b"0\r\n\r\n")
        finally:
            with self._lock:
                self.huge_written.append(written)


def _answer_text(request: dict[str, Any], outcome: str) -> tuple[str, str]:
    """The answer's text (tool arguments, or content) for `outcome`, and its finish reason."""
    arguments, finish = valid_answer(request), "tool_calls" if "tools" in request else "stop"
    if outcome == "not_json":
        arguments = arguments[: len(arguments) // 2]
    elif outcome == "missing_fields":
        arguments = json.dumps({"headline": "Only a headline"})
    elif outcome == "length":
        arguments, finish = arguments[: len(arguments) // 3], "length"
    elif outcome == UNVERIFIABLE:
        answer = json.loads(arguments)
        made_up = copy.deepcopy(answer["consequences"][0])
        made_up["citations"][0]["quote"] = "words that no article of the day holds anywhere"
        made_up["description"] = "Something no article says."
        answer["consequences"].append(made_up)
        arguments = json.dumps(answer)
    return arguments, finish


class _ChunkMaker:
    """The chunks of one streamed answer to `request`, shaped as OpenAI's."""

    def __init__(self, request: dict[str, Any]) -> None:
        self.request = request
        tools = request.get("tools") or []
        self.tool = tools[0]["function"]["name"] if tools else None

    def _chunk(self, choices: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "id": "chatcmpl-fault",
            "object": "chat.completion.chunk",
            "created": 1763424000,
            "model": self.request.get("model", "unknown"),
            "system_fingerprint": "authored",
            "choices": choices,
        }

    def delta(self, delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return self._chunk(
            [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]
        )

    def piece(self, text: str, *, first: bool, repeat: bool) -> dict[str, Any]:
        """A piece of the answer: content, or a tool call's arguments."""
        if self.tool is None:
            return self.delta({"content": text})
        call: dict[str, Any] = {"index": 0, "function": {"arguments": text}}
        if first or repeat:
            call |= {"id": "call_fault", "type": "function"}
            call["function"] = {"name": self.tool, "arguments": text}
        delta: dict[str, Any] = {"tool_calls": [call]}
        if repeat:  # llama-cpp-python: the deprecated function_call beside, every time
            delta |= {"role": None, "content": None, "function_call": dict(call["function"])}
        return self.delta(delta)

    def usage(self, usage: dict[str, int]) -> dict[str, Any]:
        return self._chunk([]) | {"usage": usage}


class _Events:
    """Server-sent events written as chunks of a chunked HTTP body."""

    def __init__(self, handler: BaseHTTPRequestHandler, line_end: str) -> None:
        self.handler, self.line_end = handler, line_end.encode()

    def _write(self, data: bytes) -> None:
        self.handler.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.handler.wfile.flush()

    def data(self, chunk: dict[str, Any]) -> None:
        self.data_text(json.dumps(chunk))

    def data_text(self, text: str) -> None:
        self._write(b"data: " + text.encode() + self.line_end * 2)

    def comment(self) -> None:
        self._write(b":" + self.line_end * 2)  # llama.cpp's keep-alive

    def end(self) -> None:
        self.handler.wfile.write(b"0\r\n\r\n")
        self.handler.wfile.flush()

    def cut(self) -> None:
        """Close the connection mid-body: no closing chunk."""
        self.handler.wfile.flush()
        with contextlib.suppress(OSError):
            self.handler.connection.shutdown(2)


def _send_bytes(
    handler: BaseHTTPRequestHandler,
    status: int,
    body: bytes,
    headers: Mapping[str, str] | None = None,
) -> None:
    """Reply with `body` as it is (content-type JSON unless `headers` say otherwise)."""
    handler.send_response(status)
    every = {"content-type": "application/json", **HEADERS, **(headers or {})}
    for name, value in every.items():
        handler.send_header(name, value)
    handler.send_header("content-length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)

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
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import json
import random
import re
import threading
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from http.server import BaseHTTPRequestHandler
from typing import Any

from .embeddings_server import embeddings_answer
from .loopback import AUTHORED_HEADER, LoopbackServer, QuietHandler, send_json

HEADERS = {AUTHORED_HEADER: "tests/fault_server.py"}

TRANSPORT_FAULTS = ("429", "500", "502", "503", "drop", "stall")  # also possible: "401"
MALFORMED = ("not_json", "missing_fields", "length")
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
HTML_PAGE = (
    "<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway"
    "</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)
_PLACEHOLDER = "HEADLINEPLACEHOLDER"

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
        digest = hashlib.sha256(raw).hexdigest()
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
        arguments, finish = valid_answer(request), "tool_calls"
        if outcome == "not_json":
            arguments = arguments[: len(arguments) // 2]
        elif outcome == "missing_fields":
            arguments = json.dumps({"headline": "Only a headline"})
        elif outcome == "length":
            arguments, finish = arguments[: len(arguments) // 3], "length"
        body = tool_completion(request, arguments, finish)
        send_json(handler, 200, body, {AUTHORED_HEADER: "tests/fault_server.py"})

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

"""A local OpenAI-compatible server that fails on purpose, for fault-injection tests and stress runs.

Started by the tests on a loopback port; the real `openai` client talks to it over real HTTP.
Each request is answered, at the chosen rates, with a transport fault (429 with `retry-after-ms`,
500, 502, 503, a dropped connection, a stall past the client's timeout), a malformed answer (tool
arguments that are not JSON or miss fields, an answer cut off with `finish_reason: "length"`), or
a valid answer written by this server — marked `x-summarizer-authored` like every authored reply.

Which outcome a request gets depends only on the seed, the request's body and how many times that
body was seen, so a run is repeatable whatever order concurrent requests arrive in. The server
counts what it did.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import threading
import time
from collections import Counter
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler
from typing import Any

from .embeddings_server import embeddings_answer
from .loopback import AUTHORED_HEADER, LoopbackServer, QuietHandler, send_json

HEADERS = {AUTHORED_HEADER: "tests/fault_server.py"}

TRANSPORT_FAULTS = ("429", "500", "502", "503", "drop", "stall")  # also possible: "401"
MALFORMED = ("not_json", "missing_fields", "length")

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
        fail_first_attempt: bool = False,
        max_in_flight: int | None = None,
    ) -> None:
        self.seed, self.failure_rate, self.malformed_rate = seed, failure_rate, malformed_rate
        self.faults, self.malformed = tuple(faults), tuple(malformed)
        self.latency, self.stall_seconds, self.retry_after_ms = (
            latency,
            stall_seconds,
            retry_after_ms,
        )
        self.echo_key_in_errors = echo_key_in_errors
        # Every request's first attempt gets a fault, every later one an answer: for tests that
        # need a fault to happen whatever the request's bytes.
        self.fail_first_attempt = fail_first_attempt
        # A server that allows this many requests at once, and answers 429 above it.
        self.max_in_flight = max_in_flight
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
                    with server._lock:
                        server.requests.append(request)
                        server.outcomes[outcome] += 1
                    if server.latency:
                        time.sleep(server.latency)
                    server._answer(self, outcome, request)
                finally:
                    with server._lock:
                        server.in_flight -= 1

        super().__init__(Handler)

    def _decide(self, raw: bytes) -> str:
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
        if outcome == "drop":
            handler.close_connection = True
            return  # no status line at all: the client sees the connection dropped
        if outcome == "stall":
            time.sleep(self.stall_seconds)
            outcome = "ok"  # far too late: the client has given up
        if outcome in {"429", "500", "502", "503", "401"}:
            status = int(outcome)
            message = f"authored fault {status}"
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

"""A local OpenAI-compatible server that answers with replies written by us, and says so.

Used only to record cassettes when no API key is set: the real `openai` client talks to it over
real HTTP on a loopback port, and vcrpy records the exchange. Every reply carries the header
`x-summarizer-authored` naming where its content came from, and `system_fingerprint: "authored"`,
so no cassette can pass an authored answer off as a model's.

A test scripts the replies in order:

    server.script(Reply.tool_arguments(json_text), Reply.error(429, retry_after="1"), ...)

The server builds each chat completion around the scripted content: a tool call when the request
offers a tool, message content when it asks for a JSON schema response format. Requests sent
concurrently arrive in any order, so a reply can name text its request must contain (`when`).
"""

from __future__ import annotations

import json
import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from .loopback import AUTHORED_HEADER, LoopbackServer, QuietHandler, send_json


@dataclass
class Reply:
    """One scripted reply: an error status, or content for a completion."""

    origin: str
    status: int = 200
    arguments: str | None = None  # the JSON text the "model" answers with
    headers: dict[str, str] = field(default_factory=dict)
    finish_reason: str = "stop"
    when: str | None = None  # answer only a request whose body contains this text

    def answers(self, body: str) -> bool:
        return self.when is None or self.when in body

    @classmethod
    def tool_arguments(cls, text: str, origin: str, when: str | None = None) -> Reply:
        return cls(origin=origin, arguments=text, when=when)

    @classmethod
    def error(cls, status: int, origin: str, retry_after: str | None = None) -> Reply:
        headers = {"retry-after": retry_after} if retry_after is not None else {}
        return cls(origin=origin, status=status, headers=headers)


def _estimate_tokens(text: str) -> int:
    # Authored replies have no tokenizer behind them: a rough 4-characters-a-token estimate.
    return max(1, len(text) // 4)


def _completion(request: dict[str, Any], reply: Reply, number: int) -> dict[str, Any]:
    assert reply.arguments is not None
    message: dict[str, Any] = {"role": "assistant", "content": None}
    tools = request.get("tools") or []
    if tools:
        message["tool_calls"] = [
            {
                "id": f"call_authored_{number}",
                "type": "function",
                "function": {"name": tools[0]["function"]["name"], "arguments": reply.arguments},
            }
        ]
        finish_reason = "tool_calls" if reply.finish_reason == "stop" else reply.finish_reason
    else:
        message["content"] = reply.arguments
        finish_reason = reply.finish_reason
    prompt_tokens = _estimate_tokens(json.dumps(request.get("messages", [])))
    completion_tokens = _estimate_tokens(reply.arguments)
    return {
        "id": f"chatcmpl-authored-{number}",
        "object": "chat.completion",
        "created": 1763424000,  # fixed, so re-recording an unchanged script changes nothing
        "model": request.get("model", "unknown"),
        "system_fingerprint": "authored",
        "choices": [{"index": 0, "message": message, "finish_reason": finish_reason}],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


class AuthoredServer(LoopbackServer):
    """Serves scripted replies on 127.0.0.1; counts the requests it saw."""

    def __init__(self) -> None:
        self._replies: deque[Reply] = deque()
        self._lock = threading.Lock()
        self.requests: list[dict[str, Any]] = []
        server = self

        class Handler(QuietHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", 0))
                raw = self.rfile.read(length) or b"{}"
                request = json.loads(raw)
                with server._lock:
                    server.requests.append(request)
                    reply = server._take(raw.decode("utf-8"))
                if not self.path.endswith("/chat/completions") or reply is None:
                    error = {"message": "no scripted reply for this request"}
                    send_json(
                        self, 404, {"error": error}, {AUTHORED_HEADER: "tests/authored_server.py"}
                    )
                    return
                headers = {AUTHORED_HEADER: reply.origin, **reply.headers}
                if reply.status != 200:
                    error = {"message": f"authored HTTP {reply.status}", "type": "authored_error"}
                    send_json(self, reply.status, {"error": error}, headers)
                    return
                send_json(self, 200, _completion(request, reply, len(server.requests)), headers)

        super().__init__(Handler)

    def _take(self, body: str) -> Reply | None:
        for reply in self._replies:
            if reply.answers(body):
                self._replies.remove(reply)
                return reply
        return None

    def script(self, *replies: Reply) -> None:
        self._replies.extend(replies)

    @property
    def unused_replies(self) -> int:
        return len(self._replies)

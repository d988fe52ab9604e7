"""What a recorded exchange asked and answered, read the same whether the answer came whole (JSON)
or streamed (server-sent events): the request's body, the answer's text or tool-call arguments,
its finish reason, its usage and (llama-server) its timings."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from .recording_proxy import Exchange

__all__ = ["Answer", "answer_of", "request_of", "usage_of"]


@dataclass
class Answer:
    text: str = ""
    """The message's content and every tool call's arguments, in order."""
    finish_reason: str | None = None
    usage: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    pieces: int = 0
    """Streamed chunks that carried text: a token each, where the stream sends no usage."""

    @property
    def completion_tokens(self) -> int:
        return int(self.usage.get("completion_tokens") or self.pieces)


def request_of(exchange: Exchange) -> dict[str, Any]:
    try:
        body = json.loads(exchange.request_body or b"{}")
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _events(body: bytes) -> list[dict[str, Any]]:
    events = []
    for line in body.decode("utf-8", "replace").splitlines():
        if not line.startswith("data:"):
            continue
        data = line[len("data:") :].strip()
        if not data or data == "[DONE]":
            continue
        try:
            event = json.loads(data)
        except ValueError:
            continue
        if isinstance(event, dict):
            events.append(event)
    return events


def _add_choice(answer: Answer, choice: dict[str, Any], parts: dict[int, str]) -> None:
    message = choice.get("message") or choice.get("delta") or {}
    answer.text += message.get("content") or ""
    carried = bool(message.get("content"))
    for call in message.get("tool_calls") or []:
        index = call.get("index", 0)
        arguments = (call.get("function") or {}).get("arguments") or ""
        parts[index] = parts.get(index, "") + arguments
        carried = carried or bool(arguments)
    if "delta" in choice and carried:
        answer.pieces += 1
    answer.finish_reason = choice.get("finish_reason") or answer.finish_reason


def answer_of(exchange: Exchange) -> Answer:
    """The answer `exchange` brought, whole or streamed."""
    answer = Answer()
    body = exchange.response_body
    content_type = (exchange.header("content-type") or "").lower()
    documents = _events(body) if "event-stream" in content_type else []
    if not documents:
        try:
            whole = json.loads(body or b"{}")
        except ValueError:
            answer.error = body[:200].decode("utf-8", "replace")
            return answer
        documents = [whole] if isinstance(whole, dict) else []
    calls: dict[int, str] = {}
    for document in documents:
        if "error" in document and not document.get("choices"):
            answer.error = json.dumps(document["error"])[:300]
        for choice in document.get("choices") or []:
            if isinstance(choice, dict) and choice.get("index", 0) == 0:
                _add_choice(answer, choice, calls)
        if isinstance(document.get("usage"), dict):
            answer.usage = document["usage"]
        if isinstance(document.get("timings"), dict):
            answer.timings = document["timings"]
    answer.text += "".join(calls[index] for index in sorted(calls))
    return answer


def usage_of(exchange: Exchange) -> dict[str, Any]:
    return answer_of(exchange).usage

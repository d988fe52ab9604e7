"""Local stand-ins for the model servers users run, each refusing or ignoring what the real one
does, as its documentation and issue tracker say (sources beside each rule, and in the README).

The answers are written by us (`x-summarizer-authored` on every reply); what is real is the
request: the tests send it through the real `openai` client over real HTTP, and the server
answers the way the real one answers such a request — an HTTP error with the real server's own
words, or a reply that ignores a parameter the real server ignores.
"""

from __future__ import annotations

import json
import re
import threading
from typing import Any

from .loopback import AUTHORED_HEADER, LoopbackServer, QuietHandler, send_json
from .strict_rules import check_strict_schema

_REASONING = re.compile(r"^(o\d|gpt-5(?!-chat))")


def _openai_error(message: str, param: str | None, code: str) -> tuple[int, dict[str, Any]]:
    error = {"message": message, "type": "invalid_request_error", "param": param, "code": code}
    return 400, {"error": error}


def _refuse_openai(request: dict[str, Any]) -> tuple[int, dict[str, Any]] | None:
    """https://platform.openai.com/docs/guides/reasoning and /docs/guides/structured-outputs;
    the messages as quoted in openai-python and downstream issues (e.g.
    github.com/griptape-ai/ComfyUI-Griptape/issues/312)."""
    model = str(request.get("model", "")).rsplit("/", 1)[-1]
    if _REASONING.match(model):
        if "max_tokens" in request:
            return _openai_error(
                "Unsupported parameter: 'max_tokens' is not supported with this model. "
                "Use 'max_completion_tokens' instead.",
                "max_tokens",
                "unsupported_parameter",
            )
        if "temperature" in request and request["temperature"] != 1:
            return _openai_error(
                f"Unsupported value: 'temperature' does not support {request['temperature']} "
                "with this model. Only the default (1) value is supported.",
                "temperature",
                "unsupported_value",
            )
    elif "reasoning_effort" in request:
        return _openai_error(
            "Unsupported parameter: 'reasoning_effort' is not supported with this model.",
            "reasoning_effort",
            "unsupported_parameter",
        )
    response_format = request.get("response_format") or {}
    if (
        response_format.get("type") == "json_object"
        and "json" not in json.dumps(request.get("messages", [])).lower()
    ):
        return _openai_error(
            "'messages' must contain the word 'json' in some form, to use 'response_format' "
            "of type 'json_object'.",
            "messages",
            "invalid_value",
        )
    json_schema = response_format.get("json_schema") or {}
    if json_schema.get("strict"):
        report = check_strict_schema(json_schema["schema"])
        if report.problems:
            return _openai_error(
                f"Invalid schema for response_format '{json_schema.get('name')}': "
                + report.problems[0],
                "response_format",
                "invalid_json_schema",
            )
    return None


def _refuse_lmstudio(request: dict[str, Any]) -> tuple[int, dict[str, Any]] | None:
    """github.com/lmstudio-ai/lmstudio-bug-tracker/issues/189: the error is a bare string."""
    kind = (request.get("response_format") or {}).get("type")
    if kind is not None and kind not in ("json_schema", "text"):
        return 400, {"error": "'response_format.type' must be 'json_schema' or 'text'"}
    return None


def _refuse_llama_cpp_python(request: dict[str, Any]) -> tuple[int, dict[str, Any]] | None:
    """llama-cpp-python 0.3.36 validates `response_format.type` against `text | json_object`
    (llama_cpp/llama_types.py) and its error handler answers the failed validation with HTTP 500;
    the message as the real server sent it here (tests/probe_servers.py has the same)."""
    kind = (request.get("response_format") or {}).get("type")
    if kind is None or kind in ("text", "json_object"):
        return None
    message = (
        "1 validation error:\n  {'type': 'literal_error', 'loc': ('body', 'response_format', "
        "'type'), 'msg': \"Input should be 'text' or 'json_object'\", "
        f"'input': {kind!r}, 'ctx': {{'expected': \"'text' or 'json_object'\"}}}}\n\n  File "
        '"llama_cpp/server/app.py", line 376, in create_chat_completion\n    POST '
        "/v1/chat/completions"
    )
    error = {"message": message, "type": "internal_server_error", "param": None, "code": None}
    return 500, {"error": error}


def _refuse_gemini(request: dict[str, Any]) -> tuple[int, dict[str, Any]] | None:
    """Gemini's schema subset: github.com/su-kaka/gcli2api/pull/374 (a $ref may carry only
    description and default), github.com/openswarm-ai/openswarm/issues/24 (additionalProperties,
    $schema: 'Unknown name ... Cannot find field')."""
    for index, tool in enumerate(request.get("tools") or []):
        where = f"tools[{index}].function_declarations[0].parameters"
        for path, node in _nodes(tool["function"]["parameters"], where):
            for key in ("additionalProperties", "$schema"):
                if key in node:
                    message = (
                        f"Invalid JSON payload received. Unknown name \"{key}\" at '{path}': "
                        "Cannot find field."
                    )
                    return 400, {
                        "error": {"code": 400, "message": message, "status": "INVALID_ARGUMENT"}
                    }
            if "$ref" in node and set(node) - {"$ref", "description", "default"}:
                message = f"Invalid JSON payload received: a $ref at '{path}' has sibling fields."
                return 400, {
                    "error": {"code": 400, "message": message, "status": "INVALID_ARGUMENT"}
                }
    return None


def _refuse_mistral(request: dict[str, Any]) -> tuple[int, dict[str, Any]] | None:
    """github.com/pydantic/pydantic-ai/issues/6593: `max_completion_tokens` refused with a 422."""
    if "max_completion_tokens" in request:
        detail = [
            {
                "type": "extra_forbidden",
                "loc": ["body", "max_completion_tokens"],
                "msg": "Extra inputs are not permitted",
            }
        ]
        return 422, {
            "object": "error",
            "message": {"detail": detail},
            "type": "invalid_request_error",
        }
    return None


def _nodes(node: Any, path: str) -> list[tuple[str, dict[str, Any]]]:
    found: list[tuple[str, dict[str, Any]]] = []
    if isinstance(node, dict):
        found.append((path, node))
        for key, value in node.items():
            found.extend(_nodes(value, f"{path}.{key}"))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found.extend(_nodes(value, f"{path}[{index}]"))
    return found


_REFUSALS = {
    "openai": _refuse_openai,
    "azure": _refuse_openai,
    "lmstudio": _refuse_lmstudio,
    "llama-cpp-python": _refuse_llama_cpp_python,
    "gemini": _refuse_gemini,
    "mistral": _refuse_mistral,
}
# Servers that accept a parameter without acting on it:
# - Ollama: `tool_choice` is not among its supported request fields (ollama docs/openai.md), so a
#   model free to choose may answer in prose instead of calling the tool.
# - Anthropic: `response_format` is ignored (docs.claude.com/en/api/openai-sdk).
_IGNORES_TOOL_CHOICE = {"ollama"}
_IGNORES_RESPONSE_FORMAT = {"anthropic"}
PROSE = "Here is a summary of the articles: Japan sent an envoy to Beijing to ease tensions."


class BackendServer(LoopbackServer):
    """One backend's stand-in on 127.0.0.1: refuses as it does, else answers with `answer`."""

    def __init__(self, backend: str, answer: str, origin: str) -> None:
        self.requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        server = self

        class Handler(QuietHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("content-length", 0)))
                request = json.loads(raw or b"{}")
                with server._lock:
                    server.requests.append(request)
                headers = {AUTHORED_HEADER: f"tests/backend_server.py ({backend})"}
                refuse = _REFUSALS.get(backend)
                refusal = refuse(request) if refuse else None
                if refusal is not None:
                    send_json(self, *refusal, headers)
                    return
                headers[AUTHORED_HEADER] = origin
                send_json(self, 200, _reply(backend, request, answer), headers)

        super().__init__(Handler)


def _reply(backend: str, request: dict[str, Any], answer: str) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": None}
    tools = request.get("tools") or []
    finish_reason = "stop"
    if tools and backend not in _IGNORES_TOOL_CHOICE:
        name = tools[0]["function"]["name"]
        message["tool_calls"] = [
            {"id": "call_1", "type": "function", "function": {"name": name, "arguments": answer}}
        ]
        finish_reason = "tool_calls"
    elif request.get("response_format") and backend not in _IGNORES_RESPONSE_FORMAT:
        message["content"] = answer
    else:
        message["content"] = PROSE
    return {
        "id": "chatcmpl-backend",
        "object": "chat.completion",
        "created": 1763424000,
        "model": request.get("model"),
        "system_fingerprint": "authored",
        "choices": [{"index": 0, "message": message, "finish_reason": finish_reason}],
        "usage": {"prompt_tokens": 100, "completion_tokens": 100, "total_tokens": 200},
    }

"""STAND-INS, written by us: loopback servers that answer the endpoints `summarizer.extract._probe` asks
exactly as the real servers do, with the real servers' JSON shapes, and answer chat completions
the way each real server treats the request (refused, ignored or enforced).

Every reply carries `x-summarizer-authored` naming this file and the server it stands in for:
nothing here is a real server's answer. Where each shape comes from:

- llama.cpp's llama-server and llama-cpp-python 0.3.36: copied from the real servers run here
  (llama-server built from the llama.cpp sources in the llama-cpp-python 0.3.36 sdist, build
  b1-0c1e570; `python -m llama_cpp.server`), SmolLM2-135M-Instruct loaded, and from their source
  (tools/server/server-context.cpp; llama_cpp/server/app.py, types.py, errors.py).
- Ollama: docs.ollama.com/api-reference (get-version, show-model-details), api/types.go
  (`ProcessModelResponse.context_length`); a 404 is Go's "404 page not found" text.
- vLLM: vllm/entrypoints/openai (ModelCard with `max_model_len`, `GET /version`,
  `TokenizeResponse`); errors and 404s are FastAPI's.
- LM Studio: lmstudio.ai/docs/app/api/endpoints/rest (`GET /api/v0/models`), `owned_by:
  "organization_owner"` on /v1/models, and its bare-string errors
  (github.com/lmstudio-ai/lmstudio-bug-tracker/issues/189).

The real servers are exercised by the real-server lane; these keep the offline suite honest
about what the probes and `summarizer check` do with each answer.
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from .loopback import AUTHORED_HEADER, LoopbackServer, QuietHandler

# The tiny schema `summarizer check` asks for, answered right.
CHECK_ANSWER = '{"old_name": "Edo", "new_name": "Tokyo", "year": 1868}'
PROSE = "Edo is the old name of Tokyo. It was renamed in 1868, when the emperor moved there."
_WORD = re.compile(r"\w+|[^\w\s]")


def stand_in_tokens(text: str) -> list[int]:
    """The stand-ins' tokenizer: a word or a punctuation mark is a token."""
    return [len(piece) for piece in _WORD.findall(text)]


@dataclass
class Route:
    status: int
    body: Any
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


# --- each server's answers ---------------------------------------------------------------------


class Behaviour:
    """What one server answers: `get` and `post` for its own endpoints, `chat` for
    /v1/chat/completions. Unknown paths get the server's own 404."""

    name = "a server"
    server_header: str | None = None

    def get(self, path: str) -> Route | None:
        return None

    def post(self, path: str, body: Any) -> Route | None:
        return None

    def not_found(self, method: str, path: str) -> Route:
        return Route(404, {"detail": "Not Found"})

    def chat(self, request: dict[str, Any]) -> Route:
        return Route(200, _completion(request, _structured(request, tools_honoured=True)))


def _kind(request: dict[str, Any]) -> str:
    """What makes the request's answer structured: tools, json_schema, json_object or nothing."""
    if request.get("tools"):
        return "tools"
    response_format = request.get("response_format") or {}
    return str(response_format.get("type") or "text")


def _structured(
    request: dict[str, Any], *, tools_honoured: bool, answer: str = CHECK_ANSWER
) -> dict[str, Any]:
    """The assistant message a model gives when the server enforces what the request asks."""
    kind = _kind(request)
    if kind == "tools" and tools_honoured:
        name = request["tools"][0]["function"]["name"]
        call = {"id": "call_1", "type": "function", "function": {"name": name, "arguments": answer}}
        return {"role": "assistant", "content": None, "tool_calls": [call]}
    if kind in ("json_schema", "json_object"):
        return {"role": "assistant", "content": answer}
    return {"role": "assistant", "content": PROSE}


def _completion(request: dict[str, Any], message: dict[str, Any], **extra: Any) -> dict[str, Any]:
    finish = "tool_calls" if message.get("tool_calls") else "stop"
    text = json.dumps(request.get("messages", []))
    return {
        "id": "chatcmpl-standin",
        "object": "chat.completion",
        "created": 1796163304,
        "model": request.get("model"),
        "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": finish}],
        "usage": {
            "prompt_tokens": len(stand_in_tokens(text)),
            "completion_tokens": 24,
            "total_tokens": len(stand_in_tokens(text)) + 24,
        },
        **extra,
    }


class LlamaCpp(Behaviour):
    """llama.cpp's llama-server (tools/server/server-context.cpp): `/props` with the slot's
    n_ctx, `/v1/models` with owned_by llamacpp, `/tokenize`; answers carry `timings`."""

    name = "llama.cpp's llama-server"
    server_header = "llama.cpp"

    def __init__(
        self,
        *,
        n_ctx: int = 4096,
        slots: int = 1,
        tool_calls: bool = False,
        build: str = "b1-0c1e570",
        model_path: str = "/models/SmolLM2-135M-Instruct.Q4_1.gguf",
    ) -> None:
        self.n_ctx, self.slots, self.tool_calls, self.build = n_ctx, slots, tool_calls, build
        self.model_path = model_path

    def get(self, path: str) -> Route | None:
        if path in ("/health", "/v1/health"):
            return Route(200, {"status": "ok"})
        if path == "/props":
            return Route(200, self._props())
        if path in ("/models", "/v1/models"):
            return Route(200, self._models())
        return None

    def _props(self) -> dict[str, Any]:
        # GET /props of the real llama-server b1-0c1e570 (-c 8192 --parallel 2), the sampling
        # parameters shortened.
        caps = {
            "supports_object_arguments": False,
            "supports_parallel_tool_calls": self.tool_calls,
            "supports_preserve_reasoning": False,
            "supports_reasoning_effort": False,
            "supports_string_content": True,
            "supports_system_role": True,
            "supports_tool_calls": self.tool_calls,
            "supports_tools": self.tool_calls,
            "supports_typed_content": False,
        }
        return {
            "default_generation_settings": {
                "params": {
                    "seed": 4294967295,
                    "temperature": 0.800000011920929,
                    "top_k": 40,
                    "max_tokens": -1,
                    "n_predict": -1,
                    "chat_format": "Content-only",
                },
                "n_ctx": self.n_ctx,
            },
            "total_slots": self.slots,
            "model_alias": self.model_path,
            "model_ftype": "Q4_1",
            "model_path": self.model_path,
            "modalities": {"vision": False, "video": False, "audio": False},
            "media_marker": "<__media_6rFajLBkvIdL1Chq6viEYO62JnEy4aMX__>",
            "endpoint_slots": True,
            "endpoint_props": False,
            "endpoint_metrics": False,
            "ui": True,
            "ui_settings": {},
            "chat_template": "{% for message in messages %}{{'<|im_start|>' + message['role'] + "
            "'\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}",
            "chat_template_caps": caps,
            "bos_token": "<|im_start|>",
            "eos_token": "<|im_end|>",
            "build_info": self.build,
            "is_sleeping": False,
            "cors_proxy_enabled": False,
        }

    def _models(self) -> dict[str, Any]:
        # GET /v1/models of the real llama-server: an Ollama-style "models" list beside the
        # OpenAI "data" one.
        return {
            "models": [
                {
                    "name": self.model_path,
                    "model": self.model_path,
                    "modified_at": "",
                    "size": "",
                    "digest": "",
                    "type": "model",
                    "description": "",
                    "tags": [""],
                    "capabilities": ["completion"],
                    "parameters": "",
                    "details": {
                        "parent_model": "",
                        "format": "gguf",
                        "family": "",
                        "families": [""],
                        "parameter_size": "",
                        "quantization_level": "",
                    },
                }
            ],
            "object": "list",
            "data": [
                {
                    "id": self.model_path,
                    "aliases": [self.model_path],
                    "tags": [],
                    "object": "model",
                    "created": 1796163864,
                    "owned_by": "llamacpp",
                    "meta": {
                        "vocab_type": 2,
                        "n_vocab": 49152,
                        "n_ctx": self.n_ctx,
                        "n_ctx_train": 8192,
                        "n_embd": 576,
                        "n_params": 134515008,
                        "size": 96576768,
                        "ftype": "Q4_1",
                    },
                }
            ],
        }

    def post(self, path: str, body: Any) -> Route | None:
        if path == "/tokenize":
            return Route(200, {"tokens": stand_in_tokens(str(body.get("content", "")))})
        if path == "/v1/chat/completions/input_tokens":
            # The stand-in's chat template: 4 tokens around each message.
            messages = body.get("messages") or []
            counted = sum(4 + len(stand_in_tokens(str(m.get("content", "")))) for m in messages)
            return Route(200, {"input_tokens": counted, "object": "response.input_tokens"})
        return None

    def not_found(self, method: str, path: str) -> Route:
        return Route(
            404, {"error": {"code": 404, "message": "File Not Found", "type": "not_found_error"}}
        )

    def chat(self, request: dict[str, Any]) -> Route:
        # A template without tool support: the tools are not offered, tool_choice is not
        # honoured, and the model answers in prose.
        message = _structured(request, tools_honoured=self.tool_calls)
        timings = {  # the real server's fields; the numbers its answer here showed
            "cache_n": 0,
            "prompt_n": 49,
            "prompt_ms": 338.6,
            "prompt_per_token_ms": 6.9,
            "prompt_per_second": 144.7,
            "predicted_n": 24,
            "predicted_ms": 436.4,
            "predicted_per_token_ms": 18.2,
            "predicted_per_second": 55.0,
        }
        body = _completion(request, message, system_fingerprint=self.build, timings=timings)
        return Route(200, body)


class LlamaCppPython(Behaviour):
    """llama-cpp-python's server (llama_cpp/server/app.py): FastAPI, `/openapi.json` titled
    "🦙 llama.cpp Python API", `/v1/models` owned_by "me", `/extras/tokenize/count`; refuses
    `response_format` json_schema with HTTP 500, takes json_object with a schema."""

    name = "llama-cpp-python"
    server_header = "uvicorn"

    def __init__(self, *, version: str = "0.3.36", model: str = "/models/SmolLM2.gguf") -> None:
        self.version, self.model = version, model

    def get(self, path: str) -> Route | None:
        if path == "/openapi.json":
            paths = [
                "/v1/completions", "/v1/embeddings", "/v1/chat/completions", "/v1/models",
                "/extras/tokenize", "/extras/tokenize/count", "/extras/detokenize",
            ]  # fmt: skip
            return Route(
                200,
                {
                    "openapi": "3.1.0",
                    "info": {"title": "🦙 llama.cpp Python API", "version": self.version},
                    "paths": {p: {} for p in paths},
                    "components": {"schemas": {}, "securitySchemes": {}},
                },
            )
        if path == "/v1/models":
            entry = {"id": self.model, "object": "model", "owned_by": "me", "permissions": []}
            return Route(200, {"object": "list", "data": [entry]})
        return None

    def post(self, path: str, body: Any) -> Route | None:
        text = str(body.get("input", ""))
        if path == "/extras/tokenize/count":
            return Route(200, {"count": len(stand_in_tokens(text))})
        if path == "/extras/tokenize":
            return Route(200, {"tokens": stand_in_tokens(text)})
        return None

    def chat(self, request: dict[str, Any]) -> Route:
        response_format = request.get("response_format") or {}
        if response_format.get("type") not in (None, "text", "json_object"):
            # As the real server answered here: a validation error, as HTTP 500.
            message = (
                "1 validation error:\n  {'type': 'literal_error', 'loc': ('body', "
                "'response_format', 'type'), 'msg': \"Input should be 'text' or 'json_object'\", "
                f"'input': {response_format.get('type')!r}, 'ctx': {{'expected': \"'text' or "
                '\'json_object\'"}}\n\n  File "llama_cpp/server/app.py", line 376, in '
                "create_chat_completion\n    POST /v1/chat/completions"
            )
            error = {"message": message, "type": "internal_server_error", "param": None}
            return Route(500, {"error": error | {"code": None}})
        return Route(200, _completion(request, _structured(request, tools_honoured=True)))


class Ollama(Behaviour):
    """Ollama: `/api/version`, `/api/ps` (loaded models' context_length), `/api/show`; ignores
    `tool_choice` (docs/openai.md), so a model free to choose answers in prose."""

    name = "Ollama"

    def __init__(
        self,
        *,
        version: str = "0.12.6",
        model: str = "llama3.1:latest",
        trained: int = 131072,
        num_ctx: int | None = None,
        loaded: int | None = None,
    ) -> None:
        self.version, self.model, self.trained = version, model, trained
        self.num_ctx, self.loaded = num_ctx, loaded

    def get(self, path: str) -> Route | None:
        if path == "/":
            return Route(200, "Ollama is running", "text/plain; charset=utf-8")
        if path == "/api/version":
            return Route(200, {"version": self.version})
        if path == "/api/ps":
            running = []
            if self.loaded is not None:
                running.append(
                    {
                        "name": self.model,
                        "model": self.model,
                        "size": 6654289920,
                        "digest": "46e0c10c039e019119339687c3c1757cc81b9da49709a3b3924863ba87ca666e",
                        "details": {"format": "gguf", "family": "llama"},
                        "expires_at": "2026-12-01T22:40:00.000000000Z",
                        "size_vram": 6654289920,
                        "context_length": self.loaded,
                    }
                )
            return Route(200, {"models": running})
        if path == "/v1/models":
            entry = {
                "id": self.model,
                "object": "model",
                "created": 1796163304,
                "owned_by": "library",
            }
            return Route(200, {"object": "list", "data": [entry]})
        return None

    def post(self, path: str, body: Any) -> Route | None:
        if path != "/api/show":
            return None
        asked = str(body.get("model", ""))
        if asked not in (self.model, self.model.removesuffix(":latest")):
            return Route(404, {"error": f"model '{asked}' not found"})
        parameters = 'stop "<|start_header_id|>"\nstop "<|end_header_id|>"\nstop "<|eot_id|>"'
        if self.num_ctx is not None:
            parameters = f"num_ctx {self.num_ctx}\n{parameters}"
        return Route(
            200,
            {
                "modelfile": '# Modelfile generated by "ollama show"\nFROM llama3.1',
                "parameters": parameters,
                "template": "{{ .Prompt }}",
                "details": {
                    "parent_model": "",
                    "format": "gguf",
                    "family": "llama",
                    "families": ["llama"],
                    "parameter_size": "8.0B",
                    "quantization_level": "Q4_K_M",
                },
                "model_info": {
                    "general.architecture": "llama",
                    "general.parameter_count": 8030261248,
                    "llama.block_count": 32,
                    "llama.context_length": self.trained,
                    "llama.embedding_length": 4096,
                },
                "capabilities": ["completion", "tools"],
                "modified_at": "2026-11-14T15:49:43.634137516-07:00",
            },
        )

    def not_found(self, method: str, path: str) -> Route:
        return Route(404, "404 page not found", "text/plain")

    def chat(self, request: dict[str, Any]) -> Route:
        message = _structured(request, tools_honoured=False)
        return Route(200, _completion(request, message, system_fingerprint="fp_ollama"))


class Vllm(Behaviour):
    """vLLM: `/version`, `/v1/models` with owned_by vllm and max_model_len, `/tokenize`."""

    name = "vLLM"
    server_header = "uvicorn"

    def __init__(self, *, version: str = "0.11.0", model: str = "Qwen/Qwen2.5-7B-Instruct",
                 max_model_len: int = 32768) -> None:  # fmt: skip
        self.version, self.model, self.max_model_len = version, model, max_model_len

    def get(self, path: str) -> Route | None:
        if path == "/version":
            return Route(200, {"version": self.version})
        if path == "/health":
            return Route(200, "", "text/plain")
        if path == "/v1/models":
            card = {
                "id": self.model,
                "object": "model",
                "created": 1796163304,
                "owned_by": "vllm",
                "root": self.model,
                "parent": None,
                "max_model_len": self.max_model_len,
                "permission": [{"id": "modelperm-1", "object": "model_permission"}],
            }
            return Route(200, {"object": "list", "data": [card]})
        if path == "/openapi.json":
            return Route(
                200, {"openapi": "3.1.0", "info": {"title": "FastAPI", "version": "0.1.0"}}
            )
        return None

    def post(self, path: str, body: Any) -> Route | None:
        if path == "/tokenize":
            tokens = stand_in_tokens(str(body.get("prompt", "")))
            return Route(
                200, {"count": len(tokens), "max_model_len": self.max_model_len, "tokens": tokens}
            )
        return None


class LmStudio(Behaviour):
    """LM Studio: `/api/v0/models` with state and context lengths; refuses json_object."""

    name = "LM Studio"

    def __init__(self, *, model: str = "qwen2.5-7b-instruct", loaded: int | None = 4096,
                 most: int = 32768) -> None:  # fmt: skip
        self.model, self.loaded, self.most = model, loaded, most

    def get(self, path: str) -> Route | None:
        if path == "/api/v0/models":
            entry: dict[str, Any] = {
                "id": self.model,
                "object": "model",
                "type": "llm",
                "publisher": "lmstudio-community",
                "arch": "qwen2",
                "compatibility_type": "gguf",
                "quantization": "Q4_K_M",
                "state": "loaded" if self.loaded is not None else "not-loaded",
                "max_context_length": self.most,
            }
            if self.loaded is not None:
                entry["loaded_context_length"] = self.loaded
            embedding = {
                "id": "text-embedding-nomic-embed-text-v1.5",
                "object": "model",
                "type": "embeddings",
                "publisher": "nomic-ai",
                "arch": "nomic-bert",
                "compatibility_type": "gguf",
                "quantization": "Q4_0",
                "state": "not-loaded",
                "max_context_length": 2048,
            }
            return Route(200, {"object": "list", "data": [entry, embedding]})
        if path == "/v1/models":
            data = [
                {"id": self.model, "object": "model", "owned_by": "organization_owner"},
                {"id": "text-embedding-nomic-embed-text-v1.5", "object": "model",
                 "owned_by": "organization_owner"},
            ]  # fmt: skip
            return Route(200, {"data": data, "object": "list"})
        return None

    def not_found(self, method: str, path: str) -> Route:
        return Route(200, {"error": f"Unexpected endpoint or method. ({method} {path})"})

    def chat(self, request: dict[str, Any]) -> Route:
        if _kind(request) == "json_object":
            return Route(400, {"error": "'response_format.type' must be 'json_schema' or 'text'"})
        return super().chat(request)


class Generic(Behaviour):
    """Some other OpenAI-compatible server (a proxy, say): only `/v1/models`, owned_by openai.
    `prose=True`: its model answers every request in prose, whatever it asks."""

    name = "an OpenAI-compatible proxy"

    def __init__(self, *, prose: bool = False, model: str = "house-model") -> None:
        self.prose, self.model = prose, model

    def get(self, path: str) -> Route | None:
        if path == "/v1/models":
            entry = {"id": self.model, "object": "model", "created": 0, "owned_by": "openai"}
            return Route(200, {"object": "list", "data": [entry]})
        return None

    def chat(self, request: dict[str, Any]) -> Route:
        if self.prose:
            return Route(200, _completion(request, {"role": "assistant", "content": PROSE}))
        return super().chat(request)


# --- the server --------------------------------------------------------------------------------


class StandIn(LoopbackServer):
    """A stand-in for `behaviour`'s server on 127.0.0.1; `delay` seconds before every answer
    (a server too slow for the probes' timeout). `requests` holds what it was sent."""

    def __init__(self, behaviour: Behaviour, *, delay: float = 0.0) -> None:
        self.behaviour = behaviour
        self.requests: list[Seen] = []
        self._lock = threading.Lock()
        server = self

        class Handler(QuietHandler):
            def version_string(self) -> str:
                # The Server header, as the real one sends it (llama.cpp: "llama.cpp").
                return server.behaviour.server_header or "stand-in"

            def do_GET(self) -> None:
                server._answer(self, "GET", None)

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("content-length", 0)))
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    body = None
                server._answer(self, "POST", body)

        self.delay = delay
        super().__init__(Handler)

    @property
    def root(self) -> str:
        return self.base_url.removesuffix("/v1")

    def paths(self, method: str = "GET") -> list[str]:
        with self._lock:
            return [seen.path for seen in self.requests if seen.method == method]

    def _answer(self, handler: BaseHTTPRequestHandler, method: str, body: Any) -> None:
        path = handler.path.split("?", 1)[0]
        with self._lock:
            headers = {name.lower(): value for name, value in handler.headers.items()}
            self.requests.append(Seen(method, path, headers, body))
        if self.delay:
            time.sleep(self.delay)
        behaviour = self.behaviour
        route: Route | None
        if method == "POST" and path in ("/v1/chat/completions", "/chat/completions"):
            route = behaviour.chat(body if isinstance(body, dict) else {})
        elif method == "POST":
            route = behaviour.post(path, body if isinstance(body, dict) else {})
        else:
            route = behaviour.get(path)
        if route is None:
            route = behaviour.not_found(method, path)
        _send(handler, route, f"tests/probe_servers.py (stand-in for {behaviour.name})")


def _send(handler: BaseHTTPRequestHandler, route: Route, authored: str) -> None:
    data = route.body.encode() if isinstance(route.body, str) else json.dumps(route.body).encode()
    try:
        handler.send_response(route.status)
        handler.send_header("content-type", route.content_type)
        handler.send_header("content-length", str(len(data)))
        handler.send_header(AUTHORED_HEADER, authored)
        for name, value in route.headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(data)
    except (BrokenPipeError, ConnectionResetError):
        pass  # the client gave up (a probe's timeout) and left


class OpenRouter(Behaviour):
    """OpenRouter's `GET /api/v1/models` (openrouter.ai/docs/api-reference/list-available-models):
    every model with its `context_length` and its top provider's."""

    name = "OpenRouter"

    def get(self, path: str) -> Route | None:
        if path != "/api/v1/models":
            return None
        model = {
            "id": "openai/gpt-4o-mini",
            "canonical_slug": "openai/gpt-4o-mini",
            "name": "OpenAI: GPT-4o-mini",
            "created": 1721260800,
            "description": "GPT-4o mini is OpenAI's newest model after GPT-4 Omni...",
            "context_length": 128000,
            "architecture": {"modality": "text+image->text", "tokenizer": "GPT"},
            "pricing": {"prompt": "0.00000015", "completion": "0.0000006"},
            "top_provider": {
                "context_length": 128000,
                "max_completion_tokens": 16384,
                "is_moderated": True,
            },
            "per_request_limits": None,
            "supported_parameters": ["max_tokens", "response_format", "tools", "tool_choice"],
        }
        other = model | {"id": "meta-llama/llama-3.1-8b-instruct", "context_length": 16384}
        return Route(200, {"data": [other, model]})

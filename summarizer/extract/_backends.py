"""Backends: the request each model server and model family accepts, decided in one place.

Servers that speak the OpenAI chat-completions API still differ in what they accept: which
parameter caps the answer (`max_tokens` or `max_completion_tokens`), whether `temperature` may be
sent, whether a forced `tool_choice` is honoured, whether `response_format` is enforced, ignored or
refused, and which JSON Schema keywords they take. `request_plan(settings)` resolves all of that
from the base URL and the model name into a `RequestPlan`; `shape_request` applies the plan to the
request instructor built, just before it is sent. Every rule can be overridden in `Settings`
(`backend`, `mode`, `token_limit_parameter`, `reasoning_model`, `temperature`, `reasoning_effort`).

The README's backend table is `BACKENDS` written out, with the documents each row rests on.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal
from urllib.parse import urlsplit

from .._settings import Backend, ExtractionMode, Settings
from ..verify._evidence import strip_computed

__all__ = [
    "BACKENDS",
    "BackendProfile",
    "EndpointFacts",
    "RequestPlan",
    "detect_backend",
    "hosted_backend",
    "request_plan",
    "resolve_backend",
]

TokenLimit = Literal["max_tokens", "max_completion_tokens"]


@dataclass(frozen=True)
class EndpointFacts:
    """What the endpoint said about itself."""

    backend: Backend
    """What the server said it is (`Backend.GENERIC` when nothing answered)."""
    label: str
    """The server as a person would name it: "llama.cpp server b1-0c1e570"."""
    context_window: int | None
    """Tokens one request may hold, prompt and answer together (per slot for llama.cpp)."""
    evidence: str
    """One line: which endpoint said so ("GET /props: n_ctx 4096 per slot (2 slots)")."""
    tokenize: str | None = None
    """How to count tokens on this server: "llamacpp" (POST /tokenize), "llama-cpp-python"
    (POST /extras/tokenize/count), "vllm" (POST /tokenize with the model), or None."""
    answered: bool = False
    """Whether anything answered a probe (False: not probed, or nothing there answered)."""
    probed: bool = False
    """Whether the endpoint was asked at all (False for the hosted APIs and replays)."""
    model: str | None = None
    """The model the server says it serves, when it says (llama.cpp: its alias or file)."""
    slots: int | None = None
    """llama.cpp: requests served at once (`--parallel`), each with `context_window` tokens."""
    tool_calls: bool | None = None
    """Whether the model's chat template can call tools (llama.cpp `/props`), when said."""
    version: str | None = None
    """The server's version, when it says."""


class _Schema(StrEnum):
    """How far a backend's JSON Schema dialect is from what pydantic writes."""

    FULL = "full"
    """`$defs`/`$ref` and `additionalProperties` accepted (`$ref` with siblings is inlined)."""
    NO_REFS = "no-refs"
    """Every `$ref` inlined and `additionalProperties` removed (Gemini's OpenAPI subset)."""


@dataclass(frozen=True)
class BackendProfile:
    """What one server accepts, and the mode `--mode auto` picks for it."""

    backend: Backend
    label: str
    mode: ExtractionMode
    token_limit: TokenLimit
    schema: _Schema
    sources: tuple[str, ...]
    why: str


_OPENAI_DOCS = (
    "https://platform.openai.com/docs/guides/structured-outputs#supported-schemas",
    "https://platform.openai.com/docs/guides/reasoning",
    "https://platform.openai.com/docs/api-reference/chat/create#chat-create-max_tokens",
)

BACKENDS: dict[Backend, BackendProfile] = {
    profile.backend: profile
    for profile in (
        BackendProfile(
            Backend.OPENAI,
            "OpenAI",
            ExtractionMode.STRICT,
            "max_completion_tokens",
            _Schema.FULL,
            _OPENAI_DOCS,
            "structured outputs enforce the schema; `max_tokens` is deprecated and refused by "
            "o-series and gpt-5 models, which also refuse a `temperature` other than 1",
        ),
        BackendProfile(
            Backend.AZURE,
            "Azure OpenAI",
            ExtractionMode.STRICT,
            "max_completion_tokens",
            _Schema.FULL,
            (
                "https://learn.microsoft.com/azure/ai-foundry/openai/how-to/structured-outputs",
                "https://learn.microsoft.com/azure/ai-foundry/openai/how-to/reasoning",
            ),
            "the same models and rules as OpenAI; a deployment name may hide the model family, "
            "so set SUMMARIZER_REASONING_MODEL for a reasoning deployment",
        ),
        BackendProfile(
            Backend.OLLAMA,
            "Ollama",
            ExtractionMode.JSON_SCHEMA,
            "max_tokens",
            _Schema.FULL,
            (
                "https://github.com/ollama/ollama/blob/main/docs/openai.md",
                "https://github.com/pydantic/pydantic-ai/issues/4116",
            ),
            "`response_format` json_schema is enforced by a grammar; `tool_choice` is not among "
            "the supported fields, so a forced tool call cannot be relied on; `strict` unsupported",
        ),
        BackendProfile(
            Backend.VLLM,
            "vLLM",
            ExtractionMode.JSON_SCHEMA,
            "max_tokens",
            _Schema.FULL,
            (
                "https://docs.vllm.ai/en/latest/features/structured_outputs.html",
                "https://docs.vllm.ai/en/latest/serving/openai_compatible_server.html",
            ),
            "`response_format` json_schema is enforced by guided decoding whatever the chat "
            "template; tool calls need a tool parser per model",
        ),
        BackendProfile(
            Backend.LMSTUDIO,
            "LM Studio",
            ExtractionMode.JSON_SCHEMA,
            "max_tokens",
            _Schema.FULL,
            (
                "https://lmstudio.ai/docs/app/api/structured-output",
                "https://github.com/lmstudio-ai/lmstudio-bug-tracker/issues/189",
            ),
            "structured output through `response_format` json_schema; `json_object` is refused "
            "with HTTP 400 ('response_format.type' must be 'json_schema' or 'text')",
        ),
        BackendProfile(
            Backend.LLAMACPP,
            "llama.cpp server",
            ExtractionMode.JSON_SCHEMA,
            "max_tokens",
            _Schema.FULL,
            (
                "https://github.com/ggml-org/llama.cpp/blob/master/tools/server/README.md",
                "https://github.com/ggml-org/llama.cpp/issues/11847",
            ),
            "`response_format` json_schema becomes a grammar; a forced `tool_choice` is ignored "
            "(it takes only a string: auto, none, required) and tools need a chat template that "
            "has them (`/props` `chat_template_caps`)",
        ),
        BackendProfile(
            Backend.LLAMACPP_PYTHON,
            "llama-cpp-python server",
            ExtractionMode.JSON_SCHEMA,
            "max_tokens",
            _Schema.FULL,
            (
                "https://github.com/abetlen/llama-cpp-python/blob/main/llama_cpp/llama_types.py",
                "https://github.com/abetlen/llama-cpp-python/blob/main/llama_cpp/llama_chat_format.py",
                "https://llama-cpp-python.readthedocs.io/en/latest/server/",
            ),
            "the schema goes as `response_format: {type: json_object, schema}`, which its grammar "
            "enforces; `type: json_schema` is refused with HTTP 500 (\"Input should be 'text' or "
            "'json_object'\"); a forced tool call is enforced too",
        ),
        BackendProfile(
            Backend.GROQ,
            "Groq",
            ExtractionMode.TOOLS,
            "max_completion_tokens",
            _Schema.FULL,
            (
                "https://console.groq.com/docs/tool-use",
                "https://console.groq.com/docs/structured-outputs",
                "https://console.groq.com/docs/api-reference#chat-create",
            ),
            "forced `tool_choice` on every tool-use model; json_schema only on a few models; "
            "`max_tokens` is deprecated in favour of `max_completion_tokens`",
        ),
        BackendProfile(
            Backend.OPENROUTER,
            "OpenRouter",
            ExtractionMode.TOOLS,
            "max_tokens",
            _Schema.FULL,
            (
                "https://openrouter.ai/docs/api-reference/parameters",
                "https://openrouter.ai/docs/features/tool-calling",
            ),
            "tool calling is normalised across providers, json_schema only for some; the "
            "token limit is `max_tokens`",
        ),
        BackendProfile(
            Backend.GEMINI,
            "Gemini (OpenAI-compatible)",
            ExtractionMode.TOOLS,
            "max_tokens",
            _Schema.NO_REFS,
            (
                "https://ai.google.dev/gemini-api/docs/openai",
                "https://github.com/su-kaka/gcli2api/pull/374",
                "https://github.com/openswarm-ai/openswarm/issues/24",
            ),
            "tools and `tool_choice` are supported; Gemini's schema subset refuses a `$ref` with "
            "sibling keys and `additionalProperties`, so references are inlined",
        ),
        BackendProfile(
            Backend.ANTHROPIC,
            "Anthropic (OpenAI-compatible)",
            ExtractionMode.TOOLS,
            "max_tokens",
            _Schema.FULL,
            ("https://docs.claude.com/en/api/openai-sdk",),
            "`response_format` is ignored and `strict` is ignored, so only tool calling "
            "constrains the answer; `temperature` is capped at 1",
        ),
        BackendProfile(
            Backend.MISTRAL,
            "Mistral",
            ExtractionMode.TOOLS,
            "max_tokens",
            _Schema.FULL,
            (
                "https://docs.mistral.ai/capabilities/function_calling/",
                "https://docs.mistral.ai/api/#tag/chat/operation/chat_completion_v1_chat_completions_post",
                "https://github.com/pydantic/pydantic-ai/issues/6593",
            ),
            "function calling with a named `tool_choice`; the token limit is `max_tokens` "
            "(Azure's Mistral gateway refuses `max_completion_tokens` with HTTP 422)",
        ),
        BackendProfile(
            Backend.GENERIC,
            "any other OpenAI-compatible server",
            ExtractionMode.TOOLS,
            "max_tokens",
            _Schema.FULL,
            ("https://platform.openai.com/docs/guides/function-calling",),
            "tool calling is the most widely implemented way to get structured output",
        ),
    )
}

# A host is matched exactly or as a subdomain ("eu.api.openai.com").
_HOSTS: tuple[tuple[str, Backend], ...] = (
    ("api.openai.com", Backend.OPENAI),
    ("openai.azure.com", Backend.AZURE),
    ("cognitiveservices.azure.com", Backend.AZURE),
    ("services.ai.azure.com", Backend.AZURE),
    ("api.groq.com", Backend.GROQ),
    ("openrouter.ai", Backend.OPENROUTER),
    ("generativelanguage.googleapis.com", Backend.GEMINI),
    ("api.anthropic.com", Backend.ANTHROPIC),
    ("api.mistral.ai", Backend.MISTRAL),
    ("ollama.com", Backend.OLLAMA),
)
# Each local server's documented default port.
_LOCAL_PORTS = {
    11434: Backend.OLLAMA,
    8000: Backend.VLLM,
    1234: Backend.LMSTUDIO,
    8080: Backend.LLAMACPP,
}

# o-series and gpt-5 models reason; gpt-5-chat does not. Provider prefixes ("openai/o3") ignored.
_REASONING = re.compile(r"^(o\d|gpt-5(?!-chat))")
# OpenAI models from before structured outputs (gpt-4o-2024-08-06): tools instead of strict.
_NO_STRUCTURED_OUTPUTS = re.compile(
    r"^(gpt-3\.5|gpt-4($|-\d|-turbo|-vision)|gpt-4o-2024-05-13|chatgpt-|o1-mini|o1-preview)"
)


def hosted_backend(base_url: str | None) -> Backend | None:
    """The hosted API a base URL points at, known by its host (no base URL is OpenAI's); None
    for any other server. These are not probed: their hosts say what they are."""
    if base_url is None:
        return Backend.OPENAI
    parts = urlsplit(base_url if "://" in base_url else f"http://{base_url}")
    host = (parts.hostname or "").lower()
    for suffix, backend in _HOSTS:
        if host == suffix.lstrip(".") or host.endswith(
            suffix if suffix[0] == "." else "." + suffix
        ):
            return backend
    return None


def detect_backend(base_url: str | None) -> Backend:
    """The backend a base URL points at, guessed without asking it: by host for hosted APIs, by
    default port for local ones. A guess: `_probe.probe_endpoint` asks the server,
    and `request_plan(settings, facts=...)` prefers what it answered."""
    hosted = hosted_backend(base_url)
    if hosted is not None:
        return hosted
    assert base_url is not None
    parts = urlsplit(base_url if "://" in base_url else f"http://{base_url}")
    if "ollama" in (parts.hostname or "").lower():
        return Backend.OLLAMA
    try:
        port = parts.port
    except ValueError:
        port = None
    return _LOCAL_PORTS.get(port or 0, Backend.GENERIC)


def resolve_backend(settings: Settings, facts: EndpointFacts | None = None) -> Backend:
    """The backend requests are shaped for: the one set (`--backend`), else what the server
    said it is when probed, else the guess from the base URL. A server that answered the probes
    as none of those known is `generic`; one where nothing answered falls back to the guess."""
    if settings.backend is not Backend.AUTO:
        return settings.backend
    if facts is not None and (facts.backend is not Backend.GENERIC or facts.answered):
        return facts.backend
    return detect_backend(settings.base_url)


def _bare_model(model: str) -> str:
    return model.lower().rsplit("/", 1)[-1]


@dataclass(frozen=True)
class RequestPlan:
    """Everything about a request that depends on where it goes, resolved once per run."""

    profile: BackendProfile
    mode: ExtractionMode
    token_limit: TokenLimit
    reasoning_model: bool
    temperature: float | None
    reasoning_effort: str | None

    @property
    def backend(self) -> Backend:
        return self.profile.backend

    def shape_request(
        self, kwargs: dict[str, Any], article_ids: Sequence[str] | None = None
    ) -> dict[str, Any]:
        """The request as this backend accepts it: token limit, sampling, schema dialect.

        `article_ids`, when given, become the enum of every `article_id` in the schema, so a
        constrained decoder cannot cite an article that is not in the request.
        """
        kwargs = dict(kwargs)
        limit = kwargs.pop("max_tokens", None) or kwargs.pop("max_completion_tokens", None)
        if limit is not None:
            kwargs[self.token_limit] = limit
        if self.temperature is not None:
            kwargs["temperature"] = self.temperature
        if self.reasoning_effort is not None:
            kwargs["reasoning_effort"] = self.reasoning_effort
        if "tools" in kwargs:
            # Shaping builds a new schema: only the dicts around it are copied.
            tools = [dict(tool) for tool in kwargs["tools"]]
            for tool in tools:
                function = tool["function"] = dict(tool["function"])
                function["parameters"] = self._schema(function["parameters"], article_ids)
            kwargs["tools"] = tools
        format_ = kwargs.get("response_format")
        if isinstance(format_, dict) and format_.get("type") == "json_schema":
            json_schema = dict(format_["json_schema"])
            json_schema["schema"] = self._schema(json_schema["schema"], article_ids)
            if self.mode is ExtractionMode.STRICT:
                json_schema["strict"] = True
            kwargs["response_format"] = {"type": "json_schema", "json_schema": json_schema}
            if self.backend is Backend.LLAMACPP_PYTHON:
                # Its request model takes `type: text | json_object` and an optional `schema`,
                # which becomes the grammar (llama_types.ChatCompletionRequestResponseFormat,
                # llama_chat_format._grammar_for_response_format).
                kwargs["response_format"] = {"type": "json_object", "schema": json_schema["schema"]}
        return kwargs

    def _schema(self, schema: dict[str, Any], article_ids: Sequence[str] | None) -> dict[str, Any]:
        inline_all = self.profile.schema is _Schema.NO_REFS
        # What the program computes for an item (who reports it) is not the model's to fill.
        schema = strip_computed(schema)
        shaped = _shape_schema(schema, inline_all=inline_all, article_ids=article_ids)
        if inline_all:
            shaped.pop("$defs", None)
        return shaped


def _shape_schema(
    schema: dict[str, Any], *, inline_all: bool, article_ids: Sequence[str] | None
) -> dict[str, Any]:
    """Titles dropped (the model reads descriptions; titles only cost tokens), `$ref`s with
    siblings inlined (OpenAI strict mode and Gemini refuse them), article ids made an enum."""
    definitions: dict[str, Any] = schema.get("$defs", {})

    def resolve(reference: str) -> dict[str, Any]:
        return dict(definitions[reference.removeprefix("#/$defs/")])

    def walk(node: Any, key: str | None = None) -> Any:
        if isinstance(node, list):
            return [walk(item) for item in node]
        if not isinstance(node, dict):
            return node
        if key in ("properties", "$defs"):  # maps of names to schemas, not schemas
            return {name: walk(value) for name, value in node.items()}
        node = dict(node)
        reference = node.get("$ref")
        if isinstance(reference, str) and (inline_all or len(node) > 1):
            del node["$ref"]
            node = resolve(reference) | node
        if inline_all:
            node.pop("additionalProperties", None)
        else:
            node = _nullable_as_type_list(node)
        if isinstance(node.get("title"), str):
            del node["title"]
        shaped = {name: walk(value, name) for name, value in node.items()}
        properties = shaped.get("properties")
        if article_ids and isinstance(properties, dict) and "article_id" in properties:
            properties["article_id"] = properties["article_id"] | {"enum": list(article_ids)}
        return shaped

    result: dict[str, Any] = walk(schema)
    return result


def _nullable_as_type_list(node: dict[str, Any]) -> dict[str, Any]:
    """`anyOf: [{type: string, ...}, {type: null}]` as `type: [string, null]`: the same schema in
    the form OpenAI's own examples use, in fewer tokens."""
    options = node.get("anyOf")
    if not (isinstance(options, list) and len(options) == 2 and {"type": "null"} in options):
        return node
    (other,) = [option for option in options if option != {"type": "null"}]
    if not isinstance(other.get("type"), str) or "$ref" in other:
        return node
    rest = {key: value for key, value in node.items() if key != "anyOf"}
    return {**other, **rest, "type": [other["type"], "null"]}


def request_plan(settings: Settings, facts: EndpointFacts | None = None) -> RequestPlan:
    """Resolve the backend, mode, token-limit parameter and sampling for `settings`; with the
    `facts` a probe found (`_probe.probe_endpoint`), for the server it says it is.
    Offline and synchronous: the probe is the caller's, once per run."""
    backend = resolve_backend(settings, facts)
    profile = BACKENDS[backend]
    model = _bare_model(settings.model)
    reasoning = (
        settings.reasoning_model
        if settings.reasoning_model is not None
        else bool(_REASONING.match(model))
    )
    mode = settings.mode
    if mode is ExtractionMode.AUTO:
        mode = profile.mode
        if mode is ExtractionMode.STRICT and _NO_STRUCTURED_OUTPUTS.match(model):
            mode = ExtractionMode.TOOLS
    token_limit: TokenLimit = settings.token_limit_parameter or profile.token_limit
    if settings.token_limit_parameter is None and reasoning and backend is Backend.GENERIC:
        token_limit = "max_completion_tokens"  # a proxy in front of OpenAI's reasoning models
    temperature = settings.temperature
    if temperature is None and not reasoning:
        temperature = 0.0
    return RequestPlan(
        profile=profile,
        mode=mode,
        token_limit=token_limit,
        reasoning_model=reasoning,
        temperature=temperature,
        reasoning_effort=settings.reasoning_effort,
    )

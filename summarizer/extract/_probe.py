"""The server behind the base URL, asked rather than guessed: what it is, how many tokens one
request may hold, and how to count them.

Local servers all speak the OpenAI chat-completions API, and each also answers a few endpoints of
its own; what they answer tells them apart. A port does not: llama-cpp-python's default port is
vLLM's (8000). Each probe is one GET to the base URL's own server with a short timeout, all in
parallel; a probe that fails says nothing, and with nothing recognised the endpoint is
`Backend.GENERIC`. The hosted APIs are known by their host (`hosted_backend`) and not probed; their
context windows come from `HOSTED_WINDOWS`, the models the README names, with the provider page
each number is from. OpenRouter is hosted but lists every model's window at `GET /models`.

What each server answers, read in its source:

- **llama.cpp's llama-server** `GET /props`: `default_generation_settings.n_ctx` (the context of
  one slot: `-c` divided by `--parallel`), `total_slots`, `build_info`, `chat_template_caps`
  (`supports_tool_calls`: whether the model's chat template can call tools at all);
  `GET /v1/models`: `owned_by: "llamacpp"` and `meta.n_ctx`; `POST /tokenize {"content": ...}` ->
  `{"tokens": [...]}`. tools/server/server-context.cpp (`get_res_props`, `get_res_model_info`,
  `post_tokenize`) and tools/server/README.md in github.com/ggml-org/llama.cpp.
- **llama-cpp-python** `GET /openapi.json`: `info.title` "🦙 llama.cpp Python API" and
  `info.version`, its package version (llama_cpp/server/app.py, `create_app`); `GET /v1/models`:
  `owned_by: "me"`; `POST /extras/tokenize/count {"input": ...}` -> `{"count": N}`. No endpoint
  states its context size (`--n_ctx`, 2048 by default: llama_cpp/server/settings.py), so its
  window is None: the tokens are counted, and a refusal states the window ("This model's maximum
  context length is 8192 tokens", llama_cpp/server/errors.py).
- **Ollama** `GET /api/version` -> `{"version": "0.12.6"}` (docs.ollama.com/api-reference/
  get-version); `GET /api/ps`: each loaded model's `context_length`, the window it runs with
  (api/types.go `ProcessModelResponse`); `POST /api/show {"model": ...}`: `model_info`
  `<arch>.context_length` (what the model was trained for) and `parameters` ("num_ctx 8192" when
  the Modelfile sets it). A model not loaded runs with `num_ctx` if set, else the server's default,
  and Ollama cuts a longer prompt silently: 2048 before v0.6.7 (github.com/ollama/ollama/releases/
  tag/v0.6.7), 4096 since, and from v0.15.5 4096 below 24 GiB of VRAM, more above it
  (docs/context-length.mdx): the smallest is assumed.
- **vLLM** `GET /version` -> `{"version": ...}`; `GET /v1/models`: `owned_by: "vllm"` and
  `max_model_len` (vllm/entrypoints/openai/models/serving.py, `show_available_models`);
  `POST /tokenize {"model": ..., "prompt": ...}` -> `{"count": N, "max_model_len": ...}`.
- **LM Studio** `GET /api/v0/models`: each model's `state`, `max_context_length` and, once loaded,
  `loaded_context_length` (lmstudio.ai/docs/app/api/endpoints/rest); `GET /v1/models`:
  `owned_by: "organization_owner"`.
- **OpenRouter** `GET /api/v1/models`: each model's `context_length`
  (openrouter.ai/docs/api-reference/list-available-models).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import SplitResult, urlsplit, urlunsplit

import httpx2

from .._control import clean_line
from .._http import guarded_http_client
from .._redact import one_line, redact
from .._settings import Backend, Settings
from ._backends import EndpointFacts, hosted_backend

__all__ = [
    "EndpointFacts",
    "HOSTED_WINDOWS",
    "PROBE_SECONDS",
    "count_request_tokens",
    "count_tokens",
    "probe_endpoint",
    "server_root",
]

PROBE_SECONDS = 3.0
"""How long one probe may take: a server that is up answers these in milliseconds."""
_COUNT_SECONDS = 20.0  # a whole prompt to tokenize: longer, but still far below a request's
# Enough for OpenRouter's list of every model (about 1 MB); the probes' own answers are small.
_BODY_LIMIT = 16 << 20

# llama-cpp-python's FastAPI title (llama_cpp/server/app.py).
_LLAMA_CPP_PYTHON_TITLE = "llama.cpp Python API"


@dataclass(frozen=True)
class _Answer:
    """One probe's answer: its HTTP status, its JSON (None when it was not JSON) and headers."""

    path: str
    status: int
    data: Any
    headers: httpx2.Headers

    @property
    def json(self) -> Any:
        return self.data if self.status == 200 else None


# --- where to ask ------------------------------------------------------------------------------


def _split(url: str) -> SplitResult:
    return urlsplit(url if "://" in url else f"http://{url}")


def server_root(base_url: str) -> str:
    """The server's own root for a base URL: "http://h:8080/v1" -> "http://h:8080". The servers'
    own endpoints (/props, /api/version, /tokenize) live beside /v1, not under it. The base
    URL's query and credentials are not carried."""
    parts = _split(base_url)
    path = parts.path.rstrip("/")
    path = path[: -len("/v1")] if path.endswith("/v1") else path
    netloc = parts.hostname or ""
    if ":" in netloc:
        netloc = f"[{netloc}]"  # an IPv6 address
    if parts.port is not None:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, path, "", ""))


def _models_url(base_url: str) -> str:
    parts = _split(base_url)
    return server_root(base_url) + (
        "/v1/models" if parts.path.rstrip("/").endswith("/v1") else "/models"
    )


def _headers(settings: Settings) -> dict[str, str]:
    """The key as the openai client sends it: local servers that check one (llama-server
    --api-key, vLLM --api-key, LM Studio's tokens) refuse a probe without it."""
    if settings.api_key is None:
        return {}
    return {"authorization": f"Bearer {settings.api_key.get_secret_value()}"}


@asynccontextmanager
async def _client(settings: Settings, http: httpx2.AsyncClient | None) -> AsyncIterator[Any]:
    """`http`, or a client with the model endpoint's guard (no redirect to another origin, no
    body past the limit) closed afterwards."""
    if http is not None:
        yield http
        return
    client = guarded_http_client(body_limit=_BODY_LIMIT, secrets=settings.secrets())
    try:
        yield client
    finally:
        await client.aclose()


@dataclass(frozen=True)
class _Asker:
    """Probes sent with the key, each within `timeout` seconds."""

    client: httpx2.AsyncClient
    headers: dict[str, str]
    timeout: float

    async def get(self, url: str) -> _Answer | None:
        return await _ask(self.client.get(url, headers=self.headers, timeout=self.timeout), url)

    async def post(self, url: str, body: dict[str, Any]) -> _Answer | None:
        sending = self.client.post(url, json=body, headers=self.headers, timeout=self.timeout)
        return await _ask(sending, url)


async def _ask(sending: Awaitable[httpx2.Response], url: str) -> _Answer | None:
    """The answer, or None for anything that is not one: refused connection, timeout, a
    redirect elsewhere, a body past the limit. A probe fails quietly."""
    try:
        response = await sending
    except Exception:  # every transport failure, and the guard's refusals, mean "no answer"
        return None
    try:
        data = response.json()
    except Exception:  # not JSON (an HTML page, text): the status and headers still count
        data = None
    return _Answer(urlsplit(url).path or "/", response.status_code, data, response.headers)


# --- the hosted APIs: a table, not a probe -----------------------------------------------------

_OPENAI_MODELS = "https://platform.openai.com/docs/models/"
HOSTED_WINDOWS: dict[str, tuple[int, str]] = {
    # model (without provider prefix or date) -> (context window in tokens, where it is stated)
    "gpt-4o-mini": (128_000, _OPENAI_MODELS + "gpt-4o-mini"),
    "gpt-4o": (128_000, _OPENAI_MODELS + "gpt-4o"),
    "gpt-4.1": (1_047_576, _OPENAI_MODELS + "gpt-4.1"),
    "gpt-4.1-mini": (1_047_576, _OPENAI_MODELS + "gpt-4.1-mini"),
    "gpt-4.1-nano": (1_047_576, _OPENAI_MODELS + "gpt-4.1-nano"),
    "gpt-5": (400_000, _OPENAI_MODELS + "gpt-5"),
    "gpt-5-mini": (400_000, _OPENAI_MODELS + "gpt-5-mini"),
    "gpt-5-nano": (400_000, _OPENAI_MODELS + "gpt-5-nano"),
    "gpt-5-chat-latest": (128_000, _OPENAI_MODELS + "gpt-5-chat-latest"),
    "o1": (200_000, _OPENAI_MODELS + "o1"),
    "o3": (200_000, _OPENAI_MODELS + "o3"),
    "o3-mini": (200_000, _OPENAI_MODELS + "o3-mini"),
    "o4-mini": (200_000, _OPENAI_MODELS + "o4-mini"),
    "llama-3.3-70b-versatile": (131_072, "https://console.groq.com/docs/models"),
    "gemini-2.5-flash": (
        1_048_576,
        "https://ai.google.dev/gemini-api/docs/models#gemini-2.5-flash",
    ),
    "claude-sonnet-4-5": (
        200_000,
        "https://docs.claude.com/en/docs/about-claude/models/overview",
    ),
}
# Hosted APIs: a backend set to one of these is not probed either (a gateway in front of one
# answers as it does). OpenRouter is asked its documented model list.
_HOSTED = frozenset(
    {
        Backend.OPENAI,
        Backend.AZURE,
        Backend.GROQ,
        Backend.OPENROUTER,
        Backend.GEMINI,
        Backend.ANTHROPIC,
        Backend.MISTRAL,
    }
)
_DATED = re.compile(r"-(\d{4}-\d{2}-\d{2}|\d{8}|latest)$")


def _hosted_window(model: str) -> tuple[int, str] | None:
    """The table's row for `model`: "openai/gpt-4o-mini-2024-07-18" is gpt-4o-mini's."""
    bare = model.lower().rsplit("/", 1)[-1]
    if bare in HOSTED_WINDOWS:
        return HOSTED_WINDOWS[bare]
    undated = _DATED.sub("", bare)
    return HOSTED_WINDOWS.get(undated)


def _hosted_facts(backend: Backend, settings: Settings) -> EndpointFacts:
    from ._backends import BACKENDS

    label = BACKENDS[backend].label
    row = _hosted_window(settings.model)
    if row is None:
        evidence = f"{label} is known by its host and not probed; {settings.model}'s window is not "
        evidence += "in the table of hosted models"
        return EndpointFacts(backend, label, None, _line(evidence, settings))
    tokens, source = row
    evidence = f"{label} is known by its host and not probed; {tokens:,} tokens for "
    evidence += f"{settings.model}, as {source} states"
    return EndpointFacts(backend, label, tokens, _line(evidence, settings))


def _line(text: str, settings: Settings) -> str:
    """Server text as it may be shown: one line, control characters and secrets out."""
    return one_line(redact(clean_line(text), settings.secrets()), 400)


# --- the probes --------------------------------------------------------------------------------


async def probe_endpoint(
    settings: Settings,
    *,
    http: httpx2.AsyncClient | None = None,
    timeout: float = PROBE_SECONDS,
) -> EndpointFacts:
    """Ask the endpoint at `settings.base_url` what it is; never raises for what it answers.

    The hosted APIs (known by host) are not asked; a replay (`*.invalid`) is not either. Every
    other base URL gets the probes, in parallel, each within `timeout` seconds (at most two
    rounds: Ollama's model is asked about once Ollama answered).
    """
    base_url = settings.base_url
    hosted = settings.backend if settings.backend in _HOSTED else hosted_backend(base_url)
    if hosted is not None and hosted is not Backend.OPENROUTER:
        return _hosted_facts(hosted, settings)
    if base_url is None:  # OpenRouter set as the backend, with OpenAI's default URL
        return _hosted_facts(hosted or Backend.OPENAI, settings)
    host = (_split(base_url).hostname or "").lower()
    if host == "invalid" or host.endswith(".invalid"):
        return EndpointFacts(
            Backend.GENERIC, "a replay", None, "a replay: nothing is contacted, nothing probed"
        )
    async with _client(settings, http) as client:
        asker = _Asker(client, _headers(settings), timeout)
        if hosted is Backend.OPENROUTER:
            return await _openrouter(asker, settings)
        return await _probe_server(asker, settings)


async def _probe_server(asker: _Asker, settings: Settings) -> EndpointFacts:
    assert settings.base_url is not None
    root = server_root(settings.base_url)
    paths = ("/props", "/api/version", "/version", "/openapi.json", "/api/v0/models")
    answers = await asyncio.gather(
        *(asker.get(root + path) for path in paths), asker.get(_models_url(settings.base_url))
    )
    props, ollama, version, openapi, lmstudio, models = answers
    answered = any(answer is not None for answer in answers)
    owner = _owned_by(models)
    if _is_llamacpp(props) or owner == "llamacpp":
        return _llamacpp(props, models, settings)
    if _is_llama_cpp_python(openapi) or owner == "me":
        return _llama_cpp_python(openapi, models, settings)
    if _is_ollama(ollama):
        return await _ollama(asker, root, ollama, settings)
    if owner == "vllm":
        return _vllm(version, models, settings)
    if _is_lmstudio(lmstudio) or owner == "organization_owner":
        return _lmstudio(lmstudio, settings)
    said = [answer.path for answer in answers if answer is not None and answer.json is not None]
    evidence = (
        f"none of llama.cpp, llama-cpp-python, Ollama, vLLM or LM Studio answered as itself "
        f"(JSON from: {', '.join(said) or 'none of the probes'})"
        if answered
        else f"nothing answered at {root} within {asker.timeout:g} s"
    )
    return EndpointFacts(
        Backend.GENERIC,
        "an OpenAI-compatible server",
        None,
        _line(evidence, settings),
        answered=answered,
        probed=True,
    )


def _owned_by(models: _Answer | None) -> str | None:
    """The `owned_by` of the models a server lists, when they all say the same."""
    entries = _entries(models)
    owners = {entry.get("owned_by") for entry in entries}
    (owner,) = owners if len(owners) == 1 else (None,)
    return owner if isinstance(owner, str) else None


def _entries(answer: _Answer | None) -> list[dict[str, Any]]:
    data = answer.json if answer is not None else None
    items = data.get("data") if isinstance(data, dict) else None
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []


def _entry_for(model: str, entries: list[dict[str, Any]], key: str = "id") -> dict[str, Any]:
    """The entry for `model`, else the only one; {} when neither."""
    for entry in entries:
        if entry.get(key) == model:
            return entry
    return entries[0] if len(entries) == 1 else {}


def _positive(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def _text(value: Any, limit: int = 80) -> str | None:
    return one_line(value, limit) if isinstance(value, str) and value.strip() else None


# llama.cpp ----------------------------------------------------------------------------------


def _is_llamacpp(props: _Answer | None) -> bool:
    data = props.json if props is not None else None
    return isinstance(data, dict) and isinstance(data.get("default_generation_settings"), dict)


def _llamacpp(props: _Answer | None, models: _Answer | None, settings: Settings) -> EndpointFacts:
    data = props.json if props is not None and _is_llamacpp(props) else {}
    build = _text(data.get("build_info"))
    label = f"llama.cpp server {build}" if build else "llama.cpp server"
    slots = _positive(data.get("total_slots"))
    window = _positive((data.get("default_generation_settings") or {}).get("n_ctx"))
    caps = data.get("chat_template_caps")
    tool_calls = caps.get("supports_tool_calls") if isinstance(caps, dict) else None
    served = _text(data.get("model_alias"), 200)
    if window is not None:
        evidence = f"GET /props: n_ctx {window:,} per slot"
        evidence += f" ({slots} slot{'s' if slots != 1 else ''})" if slots else ""
    else:
        meta = _entry_for(settings.model, _entries(models)).get("meta") or {}
        window = _positive(meta.get("n_ctx")) if isinstance(meta, dict) else None
        evidence = (
            f"GET /v1/models: owned_by llamacpp, meta.n_ctx {window:,}"
            if window is not None
            else "GET /v1/models: owned_by llamacpp; no n_ctx stated"
        )
    if isinstance(tool_calls, bool):
        evidence += "; chat template " + ("can" if tool_calls else "cannot") + " call tools"
    return EndpointFacts(
        Backend.LLAMACPP,
        label,
        window,
        _line(evidence, settings),
        tokenize="llamacpp",
        answered=True,
        probed=True,
        model=served,
        slots=slots,
        tool_calls=tool_calls if isinstance(tool_calls, bool) else None,
        version=build,
    )


# llama-cpp-python ---------------------------------------------------------------------------


def _is_llama_cpp_python(openapi: _Answer | None) -> bool:
    data = openapi.json if openapi is not None else None
    info = data.get("info") if isinstance(data, dict) else None
    title = info.get("title") if isinstance(info, dict) else None
    return isinstance(title, str) and _LLAMA_CPP_PYTHON_TITLE in title


def _llama_cpp_python(
    openapi: _Answer | None, models: _Answer | None, settings: Settings
) -> EndpointFacts:
    version = None
    if _is_llama_cpp_python(openapi):
        assert openapi is not None
        version = _text(openapi.json["info"].get("version"))
        said = f"GET /openapi.json: {_LLAMA_CPP_PYTHON_TITLE}" + (f" {version}" if version else "")
    else:
        said = "GET /v1/models: owned_by me"
    label = "llama-cpp-python" + (f" {version}" if version else "")
    served = _text(_entry_for(settings.model, _entries(models)).get("id"), 200)
    evidence = (
        f"{said}; no endpoint states its n_ctx (2048 unless started with --n_ctx): "
        "tokens counted with POST /extras/tokenize/count"
    )
    return EndpointFacts(
        Backend.LLAMACPP_PYTHON,
        label,
        None,
        _line(evidence, settings),
        tokenize="llama-cpp-python",
        answered=True,
        probed=True,
        model=served,
        version=version,
    )


# Ollama -------------------------------------------------------------------------------------


def _is_ollama(answer: _Answer | None) -> bool:
    data = answer.json if answer is not None else None
    return isinstance(data, dict) and isinstance(data.get("version"), str) and len(data) == 1


def _version_tuple(version: str) -> tuple[int, ...]:
    numbers = re.findall(r"\d+", version.split("-", 1)[0])
    return tuple(int(number) for number in numbers[:3])


def _ollama_default(version: str) -> int:
    """The window of a model Ollama loads without num_ctx: 2048 before v0.6.7, 4096 since
    (and from v0.15.5 more with 24 GiB of VRAM or more, which a probe cannot see)."""
    return 2048 if _version_tuple(version) < (0, 6, 7) else 4096


def _ollama_names(model: str) -> set[str]:
    return {model, model + ":latest"} if ":" not in model else {model}


async def _ollama(
    asker: _Asker, root: str, version_answer: _Answer | None, settings: Settings
) -> EndpointFacts:
    assert version_answer is not None
    version = _text(version_answer.json["version"]) or "?"
    label = f"Ollama {version}"
    show, running = await asyncio.gather(
        asker.post(root + "/api/show", {"model": settings.model}), asker.get(root + "/api/ps")
    )
    names = _ollama_names(settings.model)
    trained = _trained_context(show)
    loaded = _loaded_context(running, names)
    num_ctx = _num_ctx(show)
    if loaded is not None:
        window, evidence = loaded, f"GET /api/ps: {settings.model} loaded with {loaded:,} tokens"
    elif num_ctx is not None:
        window, evidence = num_ctx, f"POST /api/show: num_ctx {num_ctx:,}"
    else:
        window = _ollama_default(version)
        evidence = (
            f"GET /api/version: {version}; {settings.model} is not loaded and sets no num_ctx, "
            f"so Ollama gives it its default, {window:,} tokens (more only with 24 GiB of VRAM "
            "or OLLAMA_CONTEXT_LENGTH), and cuts a longer prompt silently"
        )
    if trained is not None:
        evidence += f"; trained for {trained:,}"
        window = min(window, trained)
    return EndpointFacts(
        Backend.OLLAMA,
        label,
        window,
        _line(evidence, settings),
        answered=True,
        probed=True,
        model=settings.model if show is not None and show.json is not None else None,
        version=version,
    )


def _trained_context(show: _Answer | None) -> int | None:
    data = show.json if show is not None else None
    info = data.get("model_info") if isinstance(data, dict) else None
    if not isinstance(info, dict):
        return None
    for key, value in info.items():
        if isinstance(key, str) and key.endswith(".context_length"):
            return _positive(value)
    return None


def _num_ctx(show: _Answer | None) -> int | None:
    data = show.json if show is not None else None
    parameters = data.get("parameters") if isinstance(data, dict) else None
    if not isinstance(parameters, str):
        return None
    found = re.search(r"^\s*num_ctx\s+(\d+)\s*$", parameters, re.MULTILINE)
    return _positive(int(found[1])) if found else None


def _loaded_context(running: _Answer | None, names: set[str]) -> int | None:
    data = running.json if running is not None else None
    models = data.get("models") if isinstance(data, dict) else None
    for entry in models if isinstance(models, list) else []:
        if isinstance(entry, dict) and {entry.get("name"), entry.get("model")} & names:
            return _positive(entry.get("context_length"))
    return None


# vLLM ---------------------------------------------------------------------------------------


def _vllm(version: _Answer | None, models: _Answer | None, settings: Settings) -> EndpointFacts:
    data = version.json if version is not None else None
    number = _text(data.get("version")) if isinstance(data, dict) else None
    entry = _entry_for(settings.model, _entries(models))
    window = _positive(entry.get("max_model_len"))
    evidence = (
        f"GET /v1/models: owned_by vllm, max_model_len {window:,}"
        if window is not None
        else "GET /v1/models: owned_by vllm; no max_model_len for this model"
    )
    return EndpointFacts(
        Backend.VLLM,
        "vLLM" + (f" {number}" if number else ""),
        window,
        _line(evidence, settings),
        tokenize="vllm",
        answered=True,
        probed=True,
        model=_text(entry.get("id"), 200),
        version=number,
    )


# LM Studio ----------------------------------------------------------------------------------


def _is_lmstudio(answer: _Answer | None) -> bool:
    entries = _entries(answer)
    return bool(entries) and all("max_context_length" in entry for entry in entries)


def _lmstudio(models: _Answer | None, settings: Settings) -> EndpointFacts:
    entry = _entry_for(settings.model, _entries(models)) if _is_lmstudio(models) else {}
    loaded = _positive(entry.get("loaded_context_length"))
    most = _positive(entry.get("max_context_length"))
    if loaded is not None:
        window, evidence = loaded, f"GET /api/v0/models: loaded with {loaded:,} tokens"
    elif entry:
        window = None
        evidence = (
            f"GET /api/v0/models: {settings.model} is {_text(entry.get('state')) or 'not loaded'}"
            f"; LM Studio loads it with its default context (the model allows {most:,})"
            if most is not None
            else f"GET /api/v0/models: {settings.model} not loaded"
        )
    else:
        window, evidence = None, "GET /v1/models: owned_by organization_owner (LM Studio)"
    return EndpointFacts(
        Backend.LMSTUDIO,
        "LM Studio",
        window,
        _line(evidence, settings),
        answered=True,
        probed=True,
        model=_text(entry.get("id"), 200),
    )


# OpenRouter ---------------------------------------------------------------------------------


async def _openrouter(asker: _Asker, settings: Settings) -> EndpointFacts:
    assert settings.base_url is not None
    listing = await asker.get(settings.base_url.rstrip("/") + "/models")
    entry = _entry_for(settings.model, _entries(listing))
    if entry.get("id") != settings.model:
        entry = {}
    window = _positive(entry.get("context_length"))
    evidence = (
        f"GET /models: context_length {window:,} for {settings.model}"
        if window is not None
        else f"GET /models: no context_length for {settings.model}"
    )
    return EndpointFacts(
        Backend.OPENROUTER,
        "OpenRouter",
        window,
        _line(evidence, settings),
        answered=listing is not None,
        probed=True,
        model=settings.model if entry else None,
    )


# --- counting ----------------------------------------------------------------------------------


async def count_tokens(
    settings: Settings, facts: EndpointFacts, text: str, *, http: httpx2.AsyncClient | None = None
) -> int | None:
    """The server's own count of the tokens in `text`, or None when it cannot say (no counting
    endpoint, or it did not answer)."""
    if facts.tokenize is None or settings.base_url is None:
        return None
    root = server_root(settings.base_url)
    if facts.tokenize == "llamacpp":
        url, body, field = root + "/tokenize", {"content": text}, "tokens"
    elif facts.tokenize == "llama-cpp-python":
        url, body, field = root + "/extras/tokenize/count", {"input": text}, "count"
    elif facts.tokenize == "vllm":
        url, body, field = root + "/tokenize", {"model": settings.model, "prompt": text}, "count"
    else:
        return None
    async with _client(settings, http) as client:
        answer = await _Asker(client, _headers(settings), _COUNT_SECONDS).post(url, body)
    data = answer.json if answer is not None else None
    value = data.get(field) if isinstance(data, dict) else None
    if isinstance(value, list):
        return len(value)
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


async def count_request_tokens(
    settings: Settings,
    facts: EndpointFacts,
    messages: list[dict[str, Any]],
    *,
    http: httpx2.AsyncClient | None = None,
) -> int | None:
    """The server's count of the prompt a chat request with `messages` will have.

    llama.cpp counts the request itself, chat template and all, at
    `POST /v1/chat/completions/input_tokens` -> `{"input_tokens": N}` (tools/server/server.cpp,
    `handle_count_tokens`; the seeds request: 3,117 tokens, 3,104 of them its messages' text);
    a build without that endpoint, and the other servers, count the messages' text with
    `count_tokens`, a few tokens a message short of the template's.
    """
    if facts.tokenize == "llamacpp" and settings.base_url is not None:
        url = server_root(settings.base_url) + "/v1/chat/completions/input_tokens"
        async with _client(settings, http) as client:
            asker = _Asker(client, _headers(settings), _COUNT_SECONDS)
            answer = await asker.post(url, {"model": settings.model, "messages": messages})
        data = answer.json if answer is not None else None
        counted = _positive(data.get("input_tokens")) if isinstance(data, dict) else None
        if counted is not None:
            return counted
    text = "\n".join(
        str(message.get("content")) for message in messages if message.get("content") is not None
    )
    return await count_tokens(settings, facts, text, http=http)
